//! `list` and `explain`.

use transforms::{Registry, Transform};

/// One line per transform: code, safety, name, summary.
pub fn list(registry: &Registry) -> String {
    let mut out = String::new();
    for t in registry.all() {
        let i = t.info();
        out.push_str(&format!(
            "{:<6} {:<7} {:<18} {}\n",
            i.code,
            i.safety_label(),
            i.name,
            i.summary
        ));
    }
    out
}

/// Finds a transform by code or name.
pub fn find<'r>(registry: &'r Registry, key: &str) -> Option<&'r dyn Transform> {
    registry.get(key).or_else(|| {
        registry
            .all()
            .iter()
            .find(|t| t.info().name == key)
            .map(|t| t.as_ref())
    })
}

/// The full documentation of one transform, as Markdown.
pub fn explain(t: &dyn Transform) -> String {
    let i = t.info();
    let mut out = format!(
        "# {} {}\n\n{}\n\nFix safety: {}\n\n",
        i.code,
        i.name,
        i.summary,
        i.safety_label()
    );
    out.push_str(&format!(
        "## What it does\n{}\n\n## Why\n{}\n\n## Fix safety\n{}\n",
        i.docs.what, i.docs.why, i.docs.fix_safety
    ));
    for (k, ex) in i.examples.iter().enumerate() {
        let flag = if ex.unsafe_fixes {
            " (with --unsafe)"
        } else {
            ""
        };
        out.push_str(&format!(
            "\n## Example {}{flag}\n```python\n{}```\nbecomes\n```python\n{}```\n",
            k + 1,
            ex.before,
            ex.after
        ));
    }
    out
}

/// The generated reference, as (path under `docs/`, content): the index
/// `transforms.md` and one page per transform, `transforms/CODE.md`
/// (written by `make docs`, through the freshness test).
#[cfg(test)]
pub fn reference(registry: &Registry) -> Vec<(String, String)> {
    let mut index = String::from(
        "# Transform reference\n\nGenerated from the transform definitions (`transforms/*.toml` and the Rust rules in\n`crates/transforms/src/rules/`) by `make docs`; a test fails when it is stale.\nEach code links to its page: what it does, why, its fix safety, and examples.\n\n| code | name | fix safety | what |\n|---|---|---|---|\n",
    );
    let mut pages = Vec::new();
    for t in registry.all() {
        let i = t.info();
        index.push_str(&format!(
            "| [{}](transforms/{}.md) | {} | {} | {} |\n",
            i.code,
            i.code,
            i.name,
            i.safety_label(),
            i.summary.replace('|', "\\|")
        ));
        let page = format!(
            "{}\n[All transforms](../transforms.md) · `anyio-migrate explain {}` prints this page.\n",
            explain(t.as_ref()),
            i.code
        );
        pages.push((format!("transforms/{}.md", i.code), page));
    }
    let mut out = vec![("transforms.md".to_string(), index)];
    out.extend(pages);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_reference_is_fresh() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
        let want = reference(&Registry::load());
        let update = std::env::var_os("UPDATE_DOCS").is_some();
        // A page whose transform is gone is stale too.
        let wanted: Vec<&str> = want.iter().map(|(p, _)| p.as_str()).collect();
        for e in std::fs::read_dir(docs.join("transforms"))
            .into_iter()
            .flatten()
        {
            let name = format!("transforms/{}", e.unwrap().file_name().to_string_lossy());
            if !wanted.contains(&name.as_str()) {
                if update {
                    std::fs::remove_file(docs.join(&name)).unwrap();
                } else {
                    panic!("docs/{name} has no transform: run `make docs`");
                }
            }
        }
        for (path, text) in &want {
            let path = docs.join(path);
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, text).unwrap();
            }
            let have = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                have == *text,
                "{} is stale: run `make docs`",
                path.display()
            );
        }
    }
}
