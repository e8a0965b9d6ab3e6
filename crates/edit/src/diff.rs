//! Unified diffs between the original and migrated text of a file.

use similar::TextDiff;

/// A unified diff with `a/`-`b/` style headers and three lines of context;
/// empty when the texts are equal.
pub fn unified_diff(old: &str, new: &str, path: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .diff_lines(old, new);
    let mut out = String::new();
    let mut unified = diff.unified_diff();
    unified
        .context_radius(3)
        .header(
            &format!("a/{}", path.trim_start_matches('/')),
            &format!("b/{}", path.trim_start_matches('/')),
        )
        .missing_newline_hint(true);
    out.push_str(&unified.to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_has_headers_and_hunks() {
        let d = unified_diff("a\nb\nc\n", "a\nB\nc\n", "x.py");
        assert!(d.starts_with("--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n"));
        assert!(d.contains("-b\n+B\n"));
        assert_eq!(unified_diff("same\n", "same\n", "x.py"), "");
    }
}
