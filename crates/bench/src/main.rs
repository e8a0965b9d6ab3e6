//! `parse-baseline [PATHS…]`: walks like anyio-migrate (ignore crate,
//! `.gitignore` respected), reads and parses every `.py`/`.pyi` file in
//! parallel with one parser per thread, and prints files, bytes and errors.
//! The floor any tool that parses every file cannot go below.

use rayon::prelude::*;
use std::path::PathBuf;

fn main() {
    let roots: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let mut files = Vec::new();
    for root in &roots {
        for entry in ignore::WalkBuilder::new(root)
            .require_git(false)
            .build()
            .flatten()
        {
            let p = entry.path();
            if entry.file_type().is_some_and(|t| t.is_file())
                && matches!(p.extension().and_then(|e| e.to_str()), Some("py" | "pyi"))
            {
                files.push(entry.into_path());
            }
        }
    }
    let (bytes, errors) = files
        .par_iter()
        .map(|p| {
            let text = std::fs::read(p).unwrap_or_default();
            let text = String::from_utf8_lossy(&text);
            let tree = syntax::parse(&text);
            (text.len(), usize::from(tree.root_node().has_error()))
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!(
        "{} files, {bytes} bytes, {errors} with syntax errors",
        files.len()
    );
}
