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
