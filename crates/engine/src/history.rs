//! Mapping offsets between the texts before and after a round of edits, so
//! that every diagnostic is reported where it stands in the original file.

use edit::Edit;

/// The edits one round applied, sorted, in the coordinates of the text before it.
#[derive(Debug, Clone, Default)]
pub struct Round(pub Vec<Edit>);

impl Round {
    /// The edits, sorted by position.
    pub fn new(mut edits: Vec<Edit>) -> Round {
        edits.sort();
        Round(edits)
    }

    /// Where an offset of the new text came from in the old text; an offset
    /// inside inserted text maps to the start of its edit.
    pub fn backward(&self, offset: usize) -> usize {
        let mut shift: isize = 0;
        for e in &self.0 {
            let new_start = (e.start as isize + shift) as usize;
            if offset < new_start {
                break;
            }
            if offset < new_start + e.content.len() {
                return e.start;
            }
            shift += e.content.len() as isize - (e.end - e.start) as isize;
        }
        (offset as isize - shift) as usize
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
        assert_eq!(edit::apply_edits("abcdef", &r.0), "aXXbdef");
        assert_eq!(r.backward(0), 0); // a
        assert_eq!(r.backward(1), 1); // inside XX → edit start
        assert_eq!(r.backward(3), 1); // b
        assert_eq!(r.backward(4), 3); // d
        assert_eq!(r.backward(6), 5); // f
    }
}
