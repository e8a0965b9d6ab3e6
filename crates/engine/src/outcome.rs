//! What migrating one file produced.

use edit::Applicability;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use syntax::{DecodeError, Position};

/// What became of one diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Its fix was applied.
    Fixed,
    /// It has an unsafe fix, not applied without `--unsafe`.
    UnsafeFix,
    /// No automatic fix: a person has to do it.
    Manual,
    /// Silenced by an `# anyio-migrate: ignore` comment.
    Suppressed,
    /// Its fix was rejected by the safety net (an internal error).
    Rejected,
}

/// One diagnostic, located in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
    pub start: Position,
    pub end: Position,
    pub status: Status,
    /// The fix's class, when it has one.
    pub applicability: Option<Applicability>,
    /// The lines (first, last; original, 1-based) each edit of the fix
    /// touches, if it has one: a fix may also edit code away from its finding.
    pub fix_lines: Vec<(usize, usize)>,
    /// The general report this one replaces (`AM901`), whose ignore comment
    /// also silences it.
    pub supersedes: Option<&'static str>,
}

/// The result of migrating one file that could be read and parsed.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The decoded original text (no BOM).
    pub original: String,
    /// The migrated text (no BOM); equal to `original` when nothing changed.
    pub migrated: String,
    /// Whether the file starts with a UTF-8 BOM (kept on write).
    pub bom: bool,
    /// Diagnostics in source order.
    pub diagnostics: Vec<Reported>,
    /// Fixes applied, by code (all rounds).
    pub fixed: BTreeMap<&'static str, usize>,
    /// Problems in the tool itself (a fix that broke the code, no fixed point).
    pub internal_errors: Vec<String>,
    /// The imports the applied fixes needed (`anyio`, `module:Name` …).
    pub imports_needed: BTreeSet<String>,
    /// Whether the file was parsed at all (false when the pre-filter skipped it).
    pub parsed: bool,
}

impl Outcome {
    /// Whether the migration changes the file.
    pub fn changed(&self) -> bool {
        self.original != self.migrated
    }

    /// The migrated file's bytes, BOM restored.
    pub fn migrated_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.migrated.len() + 3);
        if self.bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        out.extend_from_slice(self.migrated.as_bytes());
        out
    }

    /// Diagnostics a person still has to act on (manual items and unsafe fixes not applied).
    pub fn pending(&self) -> impl Iterator<Item = &Reported> {
        self.diagnostics
            .iter()
            .filter(|d| matches!(d.status, Status::Manual | Status::UnsafeFix))
    }
}

/// Why a file could not be migrated at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// Not UTF-8, a non-UTF-8 coding cookie, or binary.
    Decode(DecodeError),
    /// The original does not parse cleanly.
    Parse { position: Position, detail: String },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Decode(e) => write!(f, "{e}"),
            FileError::Parse { position, detail } => write!(
                f,
                "cannot parse: {}:{}: {detail}; left unchanged",
                position.line, position.column
            ),
        }
    }
}
