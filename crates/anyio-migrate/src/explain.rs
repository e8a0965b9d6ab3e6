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

/// `docs/transforms.md`: the table of every transform and each one's docs
/// (written by `make docs`, through the freshness test).
#[cfg(test)]
pub fn reference(registry: &Registry) -> String {
    let mut out = String::from(
        "# Transform reference\n\nGenerated from the transform definitions (`transforms/*.toml` and the Rust rules in\n`crates/transforms/src/rules/`) by `make docs`; a test fails when it is stale.\n\n| code | name | fix safety | what |\n|---|---|---|---|\n",
    );
    for t in registry.all() {
        let i = t.info();
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} |\n",
            i.code,
            format!("{}-{}", i.code, i.name).to_lowercase(),
            i.name,
            i.safety_label(),
            i.summary.replace('|', "\\|")
        ));
    }
    for t in registry.all() {
        out.push('\n');
        out.push_str(
            &explain(t.as_ref())
                .replacen("# ", "## ", 1)
                .replace("\n## ", "\n### "),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_reference_is_fresh() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/transforms.md");
        let want = reference(&Registry::load());
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(have == want, "docs/transforms.md is stale: run `make docs`");
    }
}
