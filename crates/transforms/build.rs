//! Embeds every `transforms/*.toml` file of the workspace in the binary,
//! after parsing each with the crate's own schema: an unknown key, node
//! kind or field name, or a rule that does not compile fails the build.

// The file format and the condition names, as the crate reads them.
#[allow(dead_code)]
#[path = "src/conditions.rs"]
mod conditions;
#[allow(dead_code)]
#[path = "src/schema.rs"]
mod schema;

use std::{env, fs, path::PathBuf};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let dir = manifest
        .join("../../transforms")
        .canonicalize()
        .expect("transforms/ exists");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("transforms/ is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Every transform file, by file name.\npub static EMBEDDED: &[(&str, &str)] = &[\n",
    );
    let mut errors = Vec::new();
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let text = fs::read_to_string(&f).expect("a transform file is UTF-8");
        if let Err(e) = schema::parse(&format!("transforms/{name}"), &text) {
            errors.push(e);
        }
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            f.display().to_string()
        ));
    }
    if !errors.is_empty() {
        panic!("invalid transform files:\n{}", errors.join("\n"));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var("OUT_DIR").unwrap()).join("embedded.rs");
    fs::write(dest, out).unwrap();
}
