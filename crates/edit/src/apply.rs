//! Applying edits to a text in one linear pass.

use crate::Edit;

/// Whether two edits touch the same bytes. Two insertions at the same offset
/// overlap too: their order would be arbitrary.
pub fn overlaps(a: &Edit, b: &Edit) -> bool {
    if a.start == a.end && b.start == b.end {
        return a.start == b.start;
    }
    a.start < b.end && b.start < a.end
        || (a.start == a.end && a.start > b.start && a.start < b.end)
        || (b.start == b.end && b.start > a.start && b.start < a.end)
}

/// Applies edits that do not overlap (sorted here); linear in the text size.
///
/// # Panics
/// If two edits overlap or an edit is out of bounds or not on a char boundary:
/// callers resolve conflicts before applying.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let added: usize = sorted.iter().map(|e| e.content.len()).sum();
    let mut out = String::with_capacity(text.len() + added);
    let mut pos = 0;
    for e in sorted {
        assert!(e.start >= pos, "overlapping edits at byte {}", e.start);
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.content);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_offset_order() {
        let edits = vec![
            Edit::replace(6..7, "Y"),
            Edit::insert(0, ">"),
            Edit::delete(1..2),
        ];
        assert_eq!(apply_edits("abcdefg", &edits), ">acdefY");
    }

    #[test]
    fn overlap_rules() {
        assert!(overlaps(&Edit::delete(0..3), &Edit::delete(2..4)));
        assert!(!overlaps(&Edit::delete(0..2), &Edit::delete(2..4)));
        assert!(overlaps(&Edit::insert(2, "x"), &Edit::insert(2, "y")));
        assert!(overlaps(&Edit::insert(2, "x"), &Edit::delete(1..3)));
        assert!(!overlaps(&Edit::insert(3, "x"), &Edit::delete(1..3)));
    }

    #[test]
    #[should_panic(expected = "overlapping")]
    fn overlapping_edits_panic() {
        apply_edits("abc", &[Edit::delete(0..2), Edit::delete(1..3)]);
    }
}
