//! Text edits and what a transform reports: [`Edit`], [`Fix`], [`Diagnostic`],
//! applying non-overlapping edits, and unified diffs. Nothing here knows Python.

mod apply;
mod diagnostic;
mod diff;

pub use apply::{apply_edits, overlaps};
pub use diagnostic::{Applicability, Diagnostic, Fix};
pub use diff::{apply_hunks, hunks, unified_diff, Hunk};

use std::ops::Range;

/// Replace the bytes in `range` with `content`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub content: String,
}

impl Edit {
    /// An edit replacing `range` with `content`.
    pub fn replace(range: Range<usize>, content: impl Into<String>) -> Edit {
        Edit {
            start: range.start,
            end: range.end,
            content: content.into(),
        }
    }

    /// An edit inserting `content` at `offset`.
    pub fn insert(offset: usize, content: impl Into<String>) -> Edit {
        Edit::replace(offset..offset, content)
    }

    /// An edit deleting `range`.
    pub fn delete(range: Range<usize>) -> Edit {
        Edit::replace(range, "")
    }

    /// The byte range this edit replaces.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}
