//! Migrating many files in parallel, one result per file.

use crate::cli::Mode;
use crate::write::replace_file;
use engine::{migrate_bytes, Options, Prefilter, Reported};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use transforms::Transform;

/// What a run shares between files.
pub struct Job<'a> {
    pub transforms: Vec<&'a dyn Transform>,
    pub prefilter: Prefilter,
    pub options: Options,
    pub mode: Mode,
}

/// What happened to one file; texts are not kept, only the diff when asked for.
#[derive(Debug, Default)]
pub struct FileResult {
    pub path: PathBuf,
    pub diagnostics: Vec<Reported>,
    pub fixed: BTreeMap<&'static str, usize>,
    pub changed: bool,
    pub parsed: bool,
    pub written: bool,
    pub diff: Option<String>,
    /// Why the file could not be read, parsed or written (exit status 2).
    pub error: Option<String>,
    pub internal_errors: Vec<String>,
}

/// The path as shown to the user (no leading `./`).
pub fn display(path: &Path) -> String {
    let s = path.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

impl Job<'_> {
    /// Migrates one file; a panic inside is caught and reported as an
    /// internal error for this file only.
    pub fn process(&self, path: &Path) -> FileResult {
        match catch_unwind(AssertUnwindSafe(|| self.process_inner(path))) {
            Ok(r) => r,
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                FileResult {
                    path: path.to_path_buf(),
                    error: Some(format!(
                        "internal error: {msg}; the file was left unchanged (this is a bug in anyio-migrate: please report it with this file)"
                    )),
                    ..FileResult::default()
                }
            }
        }
    }

    fn process_inner(&self, path: &Path) -> FileResult {
        let mut result = FileResult {
            path: path.to_path_buf(),
            ..FileResult::default()
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                result.error = Some(format!("cannot read: {e}"));
                return result;
            }
        };
        let outcome = match migrate_bytes(&bytes, &self.transforms, &self.prefilter, &self.options)
        {
            Ok(o) => o,
            Err(e) => {
                result.error = Some(e.to_string());
                return result;
            }
        };
        result.changed = outcome.changed();
        result.parsed = outcome.parsed;
        result.fixed = outcome.fixed.clone();
        result.internal_errors = outcome.internal_errors.clone();
        if result.changed {
            match self.mode {
                Mode::Diff => {
                    result.diff = Some(edit::unified_diff(
                        &outcome.original,
                        &outcome.migrated,
                        &display(path),
                    ));
                }
                Mode::Write => match replace_file(path, &bytes, &outcome.migrated_bytes()) {
                    Ok(()) => result.written = true,
                    Err(e) => result.error = Some(format!("{e:#}")),
                },
                Mode::Report | Mode::Check => {}
            }
        }
        result.diagnostics = outcome.diagnostics;
        result
    }
}
