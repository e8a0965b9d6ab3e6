//! Migrating many files in parallel, one result per file.

use crate::cli::Mode;
use crate::settings::Settings;
use crate::write::replace_file;
use edit::Applicability;
use engine::{migrate_bytes, Prefilter, Reported, Status};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use syntax::Position;
use transforms::Transform;

/// What a run shares between files.
pub struct Job<'a> {
    /// One per configuration; each file names the one that applies to it.
    pub settings: Vec<Settings<'a>>,
    pub mode: Mode,
    /// Folders whose pytest configuration used pytest-asyncio: their
    /// `conftest.py` gets the `anyio_backend` fixture.
    pub pytest_roots: Vec<PathBuf>,
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
    pub fn process(&self, path: &Path, settings: usize) -> FileResult {
        let settings = &self.settings[settings];
        match catch_unwind(AssertUnwindSafe(|| self.process_inner(path, settings))) {
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

    fn process_inner(&self, path: &Path, settings: &Settings) -> FileResult {
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
        if let Some(kind) = pytestcfg::kind_of(path) {
            return self.config_file(path, kind, bytes, settings, result);
        }
        let root_conftest = path.file_name().is_some_and(|n| n == "conftest.py")
            && self
                .pytest_roots
                .iter()
                .any(|r| path.parent() == Some(r.as_path()));
        let mut options = settings.options.clone();
        options.targets.root_conftest = root_conftest;
        // A root conftest gets its fixture whatever words it contains.
        let everything = Prefilter::disabled();
        let prefilter = if root_conftest {
            &everything
        } else {
            &settings.prefilter
        };
        // `per-file-ignores`: the codes this path leaves out.
        let ignored = settings.per_file.for_path(path);
        let transforms: Vec<&dyn Transform> = if ignored.is_empty() {
            settings.transforms.clone()
        } else {
            let selection = transforms::Selection {
                select: Vec::new(),
                ignore: ignored,
            };
            settings
                .transforms
                .iter()
                .copied()
                .filter(|t| selection.enables(t.info()))
                .collect()
        };
        let outcome = match migrate_bytes(&bytes, &transforms, prefilter, &options) {
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

    /// A pytest configuration or dependency file.
    fn config_file(
        &self,
        path: &Path,
        kind: pytestcfg::Kind,
        bytes: Vec<u8>,
        settings: &Settings,
        mut result: FileResult,
    ) -> FileResult {
        let Ok(text) = String::from_utf8(bytes.clone()) else {
            result.error = Some("not valid UTF-8; skipped".into());
            return result;
        };
        let (anyio_major, anyio_minor) = settings.options.targets.anyio;
        let opts = pytestcfg::Options {
            anyio_floor: format!("{anyio_major}.{anyio_minor}"),
            configuration: settings.enables(pytestcfg::CONFIG_CODE),
            dependencies: settings.enables(pytestcfg::DEPENDENCY_CODE),
        };
        let migrated = match pytestcfg::migrate(kind, &text, &opts) {
            Ok(m) => m,
            Err(e) => {
                result.error = Some(format!("{e}; left unchanged"));
                return result;
            }
        };
        result.parsed = true;
        result.changed = migrated.text != text;
        for n in &migrated.notes {
            *result.fixed.entry(n.code).or_default() += usize::from(n.fixed);
            let at = Position {
                line: n.line,
                column: 1,
            };
            result.diagnostics.push(Reported {
                code: n.code,
                message: n.message.clone(),
                hint: None,
                start: at,
                end: at,
                status: if n.fixed {
                    Status::Fixed
                } else {
                    Status::Manual
                },
                applicability: n.fixed.then_some(Applicability::Safe),
            });
        }
        if result.changed {
            match self.mode {
                Mode::Diff => {
                    result.diff = Some(edit::unified_diff(&text, &migrated.text, &display(path)))
                }
                Mode::Write => match replace_file(path, &bytes, migrated.text.as_bytes()) {
                    Ok(()) => result.written = true,
                    Err(e) => result.error = Some(format!("{e:#}")),
                },
                Mode::Report | Mode::Check => {}
            }
        }
        result
    }

    /// The root `conftest.py` a pytest root lacks, created with the
    /// `anyio_backend` fixture.
    pub fn new_conftest(&self, path: &Path) -> FileResult {
        let text = transforms::new_conftest();
        let at = Position { line: 1, column: 1 };
        let mut result = FileResult {
            path: path.to_path_buf(),
            changed: true,
            parsed: true,
            ..FileResult::default()
        };
        result.fixed.insert("AM605", 1);
        result.diagnostics.push(Reported {
            code: "AM605",
            message: "a root `conftest.py` is created with an `anyio_backend` fixture that keeps the suite on asyncio".into(),
            hint: None,
            start: at,
            end: at,
            status: Status::Fixed,
            applicability: Some(Applicability::Safe),
        });
        match self.mode {
            Mode::Diff => {
                let diff = edit::unified_diff("", &text, &display(path));
                result.diff =
                    Some(diff.replacen(&format!("--- a/{}", display(path)), "--- /dev/null", 1));
            }
            Mode::Write => match crate::write::create_file(path, text.as_bytes()) {
                Ok(()) => result.written = true,
                Err(e) => result.error = Some(format!("{e:#}")),
            },
            Mode::Report | Mode::Check => {}
        }
        result
    }
}
