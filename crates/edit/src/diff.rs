//! Unified diffs between the original and migrated text of a file, whole or
//! hunk by hunk (for a review that accepts some hunks and not others).

use similar::{DiffOp, TextDiff};
use std::ops::Range;

/// Lines of context around each hunk.
const CONTEXT: usize = 3;

/// The line diff every function here works from, so that hunks and the
/// unified diff always agree.
fn line_diff<'a>(old: &'a str, new: &'a str) -> TextDiff<'a, 'a, 'a, str> {
    TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .diff_lines(old, new)
}

/// A unified diff with `a/`-`b/` style headers and three lines of context;
/// empty when the texts are equal.
pub fn unified_diff(old: &str, new: &str, path: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = line_diff(old, new);
    let mut out = String::new();
    let mut unified = diff.unified_diff();
    unified
        .context_radius(CONTEXT)
        .header(
            &format!("a/{}", path.trim_start_matches('/')),
            &format!("b/{}", path.trim_start_matches('/')),
        )
        .missing_newline_hint(true);
    out.push_str(&unified.to_string());
    out
}

/// One hunk of the unified diff of two texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// The old text's lines it covers, context included (0-based).
    pub old: Range<usize>,
    /// The old text's lines it changes (0-based; empty for a pure insertion,
    /// then positioned where the lines go).
    pub changed: Range<usize>,
    /// The hunk as it appears in the unified diff (`@@` line and body).
    pub text: String,
}

/// The hunks of the unified diff of `old` and `new`, in order.
pub fn hunks(old: &str, new: &str) -> Vec<Hunk> {
    let diff = line_diff(old, new);
    let mut unified = diff.unified_diff();
    unified.context_radius(CONTEXT).missing_newline_hint(true);
    unified
        .iter_hunks()
        .map(|h| {
            let ops = h.ops();
            let old_range = old_span(ops);
            let edits: Vec<&DiffOp> = ops
                .iter()
                .filter(|o| !matches!(o, DiffOp::Equal { .. }))
                .collect();
            let changed = match (edits.first(), edits.last()) {
                (Some(first), Some(last)) => {
                    first.old_range().start..last.old_range().end.max(first.old_range().start)
                }
                _ => old_range.clone(),
            };
            Hunk {
                old: old_range,
                changed,
                text: h.to_string(),
            }
        })
        .collect()
}

fn old_span(ops: &[DiffOp]) -> Range<usize> {
    let start = ops.first().map_or(0, |o| o.old_range().start);
    let end = ops.last().map_or(0, |o| o.old_range().end);
    start..end
}

/// `old` with only the hunks of [`hunks`]`(old, new)` that `accept` (by
/// index) applied; the others keep the old lines.
pub fn apply_hunks(old: &str, new: &str, accept: impl Fn(usize) -> bool) -> String {
    let diff = line_diff(old, new);
    let (old_lines, new_lines) = (diff.old_slices(), diff.new_slices());
    let mut out = String::with_capacity(old.len().max(new.len()));
    let mut next_old = 0;
    for (i, group) in diff.grouped_ops(CONTEXT).iter().enumerate() {
        let span = old_span(group);
        // Lines between hunks are equal in both texts.
        out.extend(old_lines[next_old..span.start].iter().copied());
        if accept(i) {
            let start = group.first().map_or(0, |o| o.new_range().start);
            let end = group.last().map_or(0, |o| o.new_range().end);
            out.extend(new_lines[start..end].iter().copied());
        } else {
            out.extend(old_lines[span.clone()].iter().copied());
        }
        next_old = span.end;
    }
    out.extend(old_lines[next_old..].iter().copied());
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

    #[test]
    fn hunks_apply_one_by_one() {
        let old: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let new = old
            .replace("line 2\n", "line two\n")
            .replace("line 15\n", "line 15\ninserted\n");
        let hs = hunks(&old, &new);
        assert_eq!(hs.len(), 2);
        assert_eq!(hs[0].changed, 2..3);
        assert_eq!(hs[0].old, 0..6);
        assert_eq!(hs[1].changed, 16..16, "an insertion sits where it goes");
        assert!(
            hs[0].text.starts_with("@@ -1,6 +1,6 @@\n"),
            "{}",
            hs[0].text
        );
        assert!(unified_diff(&old, &new, "x").ends_with(&hs[1].text));
        assert_eq!(apply_hunks(&old, &new, |_| true), new);
        assert_eq!(apply_hunks(&old, &new, |_| false), old);
        let first_only = apply_hunks(&old, &new, |i| i == 0);
        assert!(first_only.contains("line two\n") && !first_only.contains("inserted"));
        let second_only = apply_hunks(&old, &new, |i| i == 1);
        assert!(!second_only.contains("line two\n") && second_only.contains("inserted"));
    }
}
