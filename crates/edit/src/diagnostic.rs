//! What a transform reports about one site.

use crate::Edit;
use std::ops::Range;

/// How far a fix can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the program's behaviour for every input; applied by default.
    Safe,
    /// Right for ordinary code, but a corner case can change behaviour;
    /// applied only with `--unsafe`.
    Unsafe,
}

impl Applicability {
    /// "safe" or "unsafe".
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// A set of edits that together make one rewrite, plus the imports it needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fix {
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
    /// Modules the new code refers to (`anyio`, `functools` …), added once per file.
    pub imports: Vec<String>,
    /// A range the fix owns as a whole although it edits only parts of it
    /// (a block it re-indents): no other fix may touch it in the same round.
    pub scope: Vec<Range<usize>>,
}

impl Fix {
    /// A fix from edits.
    pub fn new(edits: Vec<Edit>, applicability: Applicability) -> Fix {
        Fix {
            edits,
            applicability,
            imports: Vec::new(),
            scope: Vec::new(),
        }
    }

    /// The same fix, needing these module imports.
    pub fn with_imports<I: IntoIterator<Item = S>, S: Into<String>>(mut self, imports: I) -> Fix {
        self.imports.extend(imports.into_iter().map(Into::into));
        self
    }

    /// The smallest byte range that covers every edit.
    pub fn span(&self) -> Range<usize> {
        let start = self.edits.iter().map(|e| e.start).min().unwrap_or(0);
        let end = self.edits.iter().map(|e| e.end).max().unwrap_or(0);
        start..end
    }

    /// The same fix, owning `range` as a whole (in addition to any range it
    /// owns already).
    pub fn with_scope(mut self, range: Range<usize>) -> Fix {
        self.scope.push(range);
        self
    }

    /// Whether the fix's own edits can be applied together: none starts
    /// inside an earlier one (the condition of [`crate::apply_edits`]).
    pub fn is_well_formed(&self) -> bool {
        let mut sorted: Vec<&crate::Edit> = self.edits.iter().collect();
        sorted.sort_by_key(|e| (e.start, e.end));
        sorted.windows(2).all(|w| w[1].start >= w[0].end)
    }

    /// Whether any edit of `self` overlaps any edit of `other`, or either
    /// touches a range the other owns.
    pub fn conflicts_with(&self, other: &Fix) -> bool {
        let in_scope = |scope: &[Range<usize>], edits: &[crate::Edit]| {
            scope.iter().any(|s| {
                edits
                    .iter()
                    .any(|e| e.start < s.end && s.start < e.end.max(e.start + 1))
            })
        };
        self.edits
            .iter()
            .any(|a| other.edits.iter().any(|b| crate::overlaps(a, b)))
            || in_scope(&self.scope, &other.edits)
            || in_scope(&other.scope, &self.edits)
    }
}

/// One finding: a code, a message, where it is, and optionally a fix. A
/// diagnostic without a fix is an item for a person to review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub message: String,
    /// Byte range in the text the transform saw.
    pub range: Range<usize>,
    pub fix: Option<Fix>,
    /// What to do instead, for items left to a person.
    pub hint: Option<String>,
    /// The code of a more general transform whose report at a site inside
    /// this one's range this diagnostic replaces: it says more about it.
    pub supersedes: Option<&'static str>,
    /// Said only where no other diagnostic is: a report of what is left
    /// that every other diagnostic covering its range says more about.
    pub fallback: bool,
}

impl Diagnostic {
    /// A diagnostic with no fix.
    pub fn new(code: &'static str, message: impl Into<String>, range: Range<usize>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            range,
            fix: None,
            hint: None,
            supersedes: None,
            fallback: false,
        }
    }

    /// The same diagnostic carrying a fix.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// The same diagnostic with a hint for the reader.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same diagnostic, replacing `code`'s reports inside its range.
    pub fn superseding(mut self, code: &'static str) -> Self {
        self.supersedes = Some(code);
        self
    }

    /// The same diagnostic, said only where no other diagnostic (its range
    /// or its fix's edits) covers its range.
    pub fn fallback(mut self) -> Self {
        self.fallback = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Edit;

    #[test]
    fn a_fix_is_well_formed_when_no_edit_starts_inside_another() {
        let fix = |edits| Fix::new(edits, Applicability::Safe);
        assert!(fix(vec![Edit::replace(4..8, "x"), Edit::insert(0, "y")]).is_well_formed());
        assert!(fix(vec![Edit::replace(0..4, "x"), Edit::insert(4, "y")]).is_well_formed());
        assert!(!fix(vec![Edit::replace(0..8, "x"), Edit::insert(3, "y")]).is_well_formed());
        assert!(!fix(vec![Edit::delete(0..3), Edit::delete(2..5)]).is_well_formed());
    }
}
