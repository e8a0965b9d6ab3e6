//! Mapping offsets between the texts before and after a round of edits, so
//! that every diagnostic is reported where it stands in the original file.

use edit::Edit;

/// The edits one round applied, sorted, in the coordinates of the text
/// before it, with where each one starts in the text after it.
#[derive(Debug, Clone, Default)]
pub struct Round {
    edits: Vec<Edit>,
    new_starts: Vec<usize>,
}

impl Round {
    /// The edits, sorted by position.
    pub fn new(mut edits: Vec<Edit>) -> Round {
        edits.sort();
        let mut shift: isize = 0;
        let new_starts = edits
            .iter()
            .map(|e| {
                let at = (e.start as isize + shift) as usize;
                shift += e.content.len() as isize - (e.end - e.start) as isize;
                at
            })
            .collect();
        Round { edits, new_starts }
    }

    /// Where an offset of the new text came from in the old text; an offset
    /// inside inserted text maps to the start of its edit. Logarithmic in the
    /// number of edits: a diagnostic's every edit is located this way.
    pub fn backward(&self, offset: usize) -> usize {
        let count = self.new_starts.partition_point(|&at| at <= offset);
        let Some(i) = count.checked_sub(1) else {
            return offset;
        };
        let (e, at) = (&self.edits[i], self.new_starts[i]);
        if offset < at + e.content.len() {
            e.start
        } else {
            e.end + (offset - at - e.content.len())
        }
    }
}

/// Maps an offset of the final text back to the original, through every round.
pub fn to_original(rounds: &[Round], offset: usize) -> usize {
    rounds.iter().rev().fold(offset, |o, r| r.backward(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backward_through_insertions_and_replacements() {
        // "abcdef" → "aXXbdef" (insert XX at 1, delete c)
        let r = Round::new(vec![Edit::insert(1, "XX"), Edit::delete(2..3)]);
        assert_eq!(edit::apply_edits("abcdef", &r.edits), "aXXbdef");
        assert_eq!(r.backward(0), 0); // a
        assert_eq!(r.backward(1), 1); // inside XX → edit start
        assert_eq!(r.backward(3), 1); // b
        assert_eq!(r.backward(4), 3); // d
        assert_eq!(r.backward(6), 5); // f
    }

    #[test]
    fn backward_agrees_with_a_linear_walk() {
        // Insertions, deletions and replacements, adjacent and apart.
        let edits = vec![
            Edit::insert(0, "<<"),
            Edit::delete(3..5),
            Edit::insert(5, "ZZZ"),
            Edit::replace(8..9, ""),
            Edit::replace(10..12, "long text"),
            Edit::insert(20, "!"),
        ];
        let old = "0123456789abcdefghijklmnop";
        let new = edit::apply_edits(old, &edits);
        let r = Round::new(edits.clone());
        for offset in 0..=new.len() {
            let mut shift: isize = 0;
            let mut want = None;
            for e in &r.edits {
                let at = (e.start as isize + shift) as usize;
                if offset < at {
                    break;
                }
                if offset < at + e.content.len() {
                    want = Some(e.start);
                    break;
                }
                shift += e.content.len() as isize - (e.end - e.start) as isize;
            }
            let want = want.unwrap_or((offset as isize - shift) as usize);
            assert_eq!(r.backward(offset), want, "offset {offset}");
        }
    }
}
