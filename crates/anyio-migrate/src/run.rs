//! Migrating many files in parallel, one result per file.

use crate::cli::Mode;
use crate::settings::Settings;
use crate::write::replace_file;
use edit::Applicability;
use engine::{migrate_bytes, Prefilter, Reported, Status};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use syntax::Position;
use transforms::{Kind, Transform};

/// Fixes held back from a run (`--verify` leaving out what breaks the
/// tests): a code named here is applied only in the files listed with it.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct Gate {
    only_in: BTreeMap<String, BTreeSet<PathBuf>>,
}

impl Gate {
    /// Applies `code` only in `files` (none: nowhere).
    pub fn only_in(&mut self, code: &str, files: BTreeSet<PathBuf>) {
        self.only_in.insert(code.to_string(), files);
    }

    /// Whether `code`'s fixes are applied in `path`.
    pub fn allows(&self, code: &str, path: &Path) -> bool {
        self.only_in
            .get(code)
            .is_none_or(|files| files.contains(path))
    }
}

/// What a run shares between files.
pub struct Job<'a> {
    /// `--add-ignore`: write ignore comments for the items left to a person.
    pub add_ignore: bool,
    /// The fixes held back.
    pub gate: Gate,
    /// One per configuration; each file names the one that applies to it.
    pub settings: Vec<Settings<'a>>,
    pub mode: Mode,
    /// The pytest suites that use pytest-asyncio, and whether each moves to
    /// anyio's plugin (its root `conftest.py` then gets `anyio_backend`).
    pub suites: crate::suites::Suites,
    /// The changed files whose migrated code imports anyio, with the anyio
    /// each needs: set once every Python file is done, before the
    /// dependency files (they gain `anyio>=X` for the code under them).
    pub runtime_anyio: std::sync::OnceLock<Vec<(PathBuf, (u32, u32))>>,
    /// The project's line length for each folder, which new long lines are wrapped to.
    pub line_lengths: crate::line_length::LineLengths,
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
    /// `--add-ignore`: the items that got an ignore comment.
    pub ignores_added: usize,
    /// The file did not exist: the run creates it.
    pub created: bool,
    pub diff: Option<String>,
    /// Why the file could not be read, parsed or written (exit status 2).
    pub error: Option<String>,
    pub internal_errors: Vec<String>,
    /// `--patches`: this file's diff per code, the codes' fixes applied
    /// cumulatively in code order (each diff applies on top of the one before).
    pub steps: Vec<(&'static str, String)>,
    /// `--interactive`: the texts to review hunk by hunk.
    pub review: Option<Review>,
    /// A changed Python file whose migrated code imports anyio: the anyio
    /// release it needs.
    pub needs_anyio: Option<(u32, u32)>,
}

impl FileResult {
    /// The codes that fixed something in the file, in code order.
    pub fn fixed_codes(&self) -> Vec<&'static str> {
        self.fixed
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(c, _)| *c)
            .collect()
    }
}

/// A changed file's texts, kept for the interactive review.
#[derive(Debug, Default, Clone)]
pub struct Review {
    /// The bytes read (to check the file did not change before writing).
    pub bytes: Vec<u8>,
    /// The decoded original; empty for a file to create.
    pub before: String,
    /// The migrated text.
    pub after: String,
    /// Whether to restore a UTF-8 BOM on write.
    pub bom: bool,
    /// The file does not exist yet (a root `conftest.py`).
    pub create: bool,
    /// The imports the migration of a Python file needed, to set the
    /// imports right for the hunks accepted (`engine::reconcile_imports`).
    pub imports: BTreeSet<String>,
    /// The project's own packages (where isort puts their imports).
    pub project: std::sync::Arc<transforms::ProjectFacts>,
}

/// `--patches`: the diffs from `before` through the text after each of
/// `codes` (sorted) to `after`; `upto(code)` is the text with the codes up
/// to `code` enabled. The last step is `after` itself, so the diffs always
/// add up to the whole migration.
fn steps(
    path: &Path,
    bom: bool,
    before: &str,
    after: &str,
    codes: &[&'static str],
    upto: impl Fn(&str) -> String,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut previous = with_bom(before, bom);
    for (k, code) in codes.iter().enumerate() {
        let text = if k + 1 == codes.len() {
            with_bom(after, bom)
        } else {
            with_bom(&upto(code), bom)
        };
        let diff = edit::unified_diff(&previous, &text, &display(path));
        if !diff.is_empty() {
            out.push((*code, diff));
        }
        previous = text;
    }
    out
}

/// The text as the file holds it: with its byte-order mark, which the
/// migration reads past and writes back, so that a diff applies to the file.
fn with_bom(text: &str, bom: bool) -> String {
    if bom {
        format!("\u{feff}{text}")
    } else {
        text.to_string()
    }
}

/// The diff that creates `path` with `text`.
fn creation_diff(path: &Path, text: &str) -> String {
    let diff = edit::unified_diff("", text, &display(path));
    diff.replacen(&format!("--- a/{}", display(path)), "--- /dev/null", 1)
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
        // Debug builds only: lets the tests check that a panic in one file
        // is contained (release builds have no such hook).
        #[cfg(debug_assertions)]
        if std::env::var_os("ANYIO_MIGRATE_TEST_PANIC_ON")
            .is_some_and(|name| path.file_name() == Some(name.as_os_str()))
        {
            panic!("test panic requested for {}", path.display());
        }
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
            let mut result = self.config_file(path, kind, bytes, settings, result);
            self.add_suite_note(&mut result);
            return result;
        }
        let suite = self.suites.of(path);
        let root_conftest = path.file_name().is_some_and(|n| n == "conftest.py")
            && suite.is_some_and(|s| {
                s.pytest.moves() && crate::suites::norm(path).parent() == Some(s.root.as_path())
            });
        let mut options = settings.options_for(path);
        options.targets.root_conftest = root_conftest;
        options.targets.file = crate::suites::norm(path).display().to_string();
        options.targets.pytest = self.suites.pytest_for(path);
        options.targets.project = self.suites.projects.facts_for(path);
        // A root conftest gets its fixture whatever words it contains, and
        // any file of a moving suite may request an async fixture (AM607).
        let everything = Prefilter::disabled();
        let prefilter = if root_conftest || options.targets.pytest.moves() {
            &everything
        } else {
            &settings.prefilter
        };
        // Looked up only for a file the migration may change.
        if prefilter.may_match(&bytes) {
            options.line_length = self.line_lengths.for_file(path);
        }
        let mut transforms: Vec<&dyn Transform> = settings.transforms_for(path);
        if self.gate != Gate::default() {
            transforms.retain(|t| self.gate.allows(t.info().code, path));
        }
        let outcome = match migrate_bytes(&bytes, &transforms, prefilter, &options) {
            Ok(o) => o,
            Err(e) => {
                result.error = Some(e.to_string());
                return result;
            }
        };
        result.changed = outcome.changed();
        result.parsed = outcome.parsed;
        // Also a file that already imports anyio: its dependency may be
        // missing still (a manual item of an earlier run, a file given alone).
        if imports_anyio(&outcome.migrated) {
            result.needs_anyio = Some(transforms::anyio_needed(&outcome.migrated));
        }
        result.fixed = outcome.fixed.clone();
        result.internal_errors = outcome.internal_errors.clone();
        if self.add_ignore {
            self.add_ignores(path, &bytes, &outcome, &mut result);
        }
        if result.changed {
            let migration = Migration {
                path,
                read: &bytes,
                before: &outcome.original,
                after: &outcome.migrated,
                write: outcome.migrated_bytes(),
                create: false,
                bom: outcome.bom,
                imports: &outcome.imports_needed,
                project: &options.targets.project,
            };
            let steps = || {
                let codes: Vec<&'static str> = outcome.fixed.keys().copied().collect();
                steps(
                    path,
                    outcome.bom,
                    &outcome.original,
                    &outcome.migrated,
                    &codes,
                    |upto| {
                        let prefix: Vec<&dyn Transform> = transforms
                            .iter()
                            .copied()
                            .filter(|t| t.info().code <= upto)
                            .collect();
                        migrate_bytes(&bytes, &prefix, prefilter, &options)
                            .map_or_else(|_| outcome.original.clone(), |o| o.migrated)
                    },
                )
            };
            self.deliver(migration, steps, &mut result);
        }
        result.diagnostics = outcome.diagnostics;
        self.setup_py_note(path, &outcome.original, settings, &mut result);
        self.add_suite_note(&mut result);
        result
    }

    /// A `setup.py` that declares the dependencies (`install_requires`) of
    /// a package whose code now imports anyio: what to add or raise there.
    fn setup_py_note(&self, path: &Path, text: &str, settings: &Settings, result: &mut FileResult) {
        let enabled = settings
            .code_for(Kind::Dependencies)
            .is_some_and(|code| self.gate.allows(code, path));
        if !enabled
            || path.file_name().is_none_or(|n| n != "setup.py")
            || !text.contains("install_requires")
        {
            return;
        }
        if let Some((a, b)) = self.runtime_need(path) {
            for n in pytestcfg::declared_elsewhere(true, text, &format!("{a}.{b}")) {
                result.diagnostics.push(note_diagnostic(&n));
            }
        }
    }

    /// `--add-ignore`: an ignore comment for each item left to a person.
    fn add_ignores(
        &self,
        path: &Path,
        bytes: &[u8],
        outcome: &engine::Outcome,
        result: &mut FileResult,
    ) {
        let items: Vec<(usize, usize, &str)> = outcome
            .diagnostics
            .iter()
            // An unused ignore comment is fixed by removing it, not by
            // acknowledging it with another one.
            .filter(|d| d.status == Status::Manual && d.code != transforms::UNUSED_IGNORE)
            // A report in place of a general one is acknowledged under the
            // general code, which silences both.
            .map(|d| (d.start.line, d.end.line, d.supersedes.unwrap_or(d.code)))
            .collect();
        let Some((text, n)) = crate::add_ignore::add_comments(&outcome.original, &items) else {
            return;
        };
        let mut new = Vec::with_capacity(text.len() + 3);
        if outcome.bom {
            new.extend_from_slice(b"\xEF\xBB\xBF");
        }
        new.extend_from_slice(text.as_bytes());
        match replace_file(path, bytes, &new) {
            Ok(()) => {
                result.ignores_added = n;
                result.written = true;
            }
            Err(e) => result.error = Some(format!("{e:#}")),
        }
    }

    /// The diagnostic saying why a suite stays on pytest-asyncio, on the file
    /// chosen to carry it.
    fn add_suite_note(&self, result: &mut FileResult) {
        if let Some(why) = self.suites.note_for(&result.path) {
            let at = Position { line: 1, column: 1 };
            result.diagnostics.insert(
                0,
                Reported {
                    code: pytestcfg::CONFIG_CODE,
                    message: why.to_string(),
                    hint: Some("the suite's markers, fixtures, configuration and dependencies are left as they are".into()),
                    start: at,
                    end: at,
                    status: Status::Manual,
                    applicability: None,
                    fix_lines: Vec::new(),
                    supersedes: None,
                },
            );
        }
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
        // A suite's configuration and dependencies move with the suite;
        // declared runtime dependencies follow the code under them.
        let moves = self.suites.of(path).is_some_and(|s| s.pytest.moves());
        let runtime_anyio = matches!(
            kind,
            pytestcfg::Kind::Pyproject | pytestcfg::Kind::SetupCfg | pytestcfg::Kind::Requirements
        )
        .then(|| self.runtime_need(path))
        .flatten();
        // Whether the transform doing `part` is enabled, applies here, and
        // its code is at most `upto` (all enabled ones: "~").
        let does = |part: Kind, upto: &str| {
            settings
                .code_for(part)
                .is_some_and(|code| code <= upto && self.gate.allows(code, path))
        };
        let options_upto = |upto: &str| pytestcfg::Options {
            anyio_floor: format!("{anyio_major}.{anyio_minor}"),
            configuration: moves && does(Kind::PytestSettings, upto),
            dependencies: moves && does(Kind::Dependencies, upto),
            runtime_anyio: runtime_anyio
                .filter(|_| kind != pytestcfg::Kind::Requirements && does(Kind::Dependencies, upto))
                .map(|(a, b)| format!("{a}.{b}")),
        };
        let opts = options_upto("~");
        let migrated = match pytestcfg::migrate(kind, &text, &opts) {
            Ok(m) => m,
            Err(e) => {
                result.error = Some(format!("{e}; left unchanged"));
                return result;
            }
        };
        result.parsed = true;
        result.changed = migrated.text != text;
        let mut notes = migrated.notes.clone();
        // A requirements.txt that is a package's only dependency declaration.
        let alone = path.file_name().is_some_and(|n| n == "requirements.txt")
            && ["pyproject.toml", "setup.cfg", "setup.py"]
                .iter()
                .all(|f| !path.with_file_name(f).exists());
        if let Some((a, b)) = runtime_anyio.filter(|_| alone && does(Kind::Dependencies, "~")) {
            notes.extend(pytestcfg::declared_elsewhere(
                false,
                &migrated.text,
                &format!("{a}.{b}"),
            ));
        }
        for n in &notes {
            if n.fixed {
                *result.fixed.entry(n.code).or_default() += 1;
            }
            result.diagnostics.push(note_diagnostic(n));
        }
        if result.changed {
            let migration = Migration {
                path,
                read: &bytes,
                before: &text,
                after: &migrated.text,
                write: migrated.text.clone().into_bytes(),
                create: false,
                bom: false,
                imports: &BTreeSet::new(),
                project: &Arc::default(),
            };
            let codes = result.fixed_codes();
            let steps = || {
                steps(path, false, &text, &migrated.text, &codes, |upto| {
                    pytestcfg::migrate(kind, &text, &options_upto(upto))
                        .map_or_else(|_| text.clone(), |m| m.text)
                })
            };
            self.deliver(migration, steps, &mut result);
        }
        result
    }

    /// The newest anyio any migrated runtime module under `config`'s folder needs.
    fn runtime_need(&self, config: &Path) -> Option<(u32, u32)> {
        let folder = crate::suites::norm(config);
        let folder = folder.parent()?;
        self.runtime_anyio
            .get()?
            .iter()
            .filter(|(p, _)| {
                crate::suites::norm(p)
                    .strip_prefix(folder)
                    .is_ok_and(is_runtime_module)
            })
            .map(|(_, v)| *v)
            .max()
    }

    /// The root `conftest.py` a pytest root lacks, created with the
    /// `anyio_backend` fixture by the transform `code`.
    pub fn new_conftest(&self, path: &Path, code: &'static str) -> FileResult {
        let text = transforms::new_conftest();
        let at = Position { line: 1, column: 1 };
        let mut result = FileResult {
            path: path.to_path_buf(),
            changed: true,
            parsed: true,
            created: true,
            ..FileResult::default()
        };
        result.fixed.insert(code, 1);
        result.diagnostics.push(Reported {
            code,
            message: "a root `conftest.py` is created with an `anyio_backend` fixture that keeps the suite on asyncio".into(),
            hint: None,
            start: at,
            end: at,
            status: Status::Fixed,
            applicability: Some(Applicability::Safe),
            fix_lines: Vec::new(),
            supersedes: None,
        });
        let migration = Migration {
            path,
            read: &[],
            before: "",
            after: &text,
            write: text.clone().into_bytes(),
            create: true,
            bom: false,
            imports: &BTreeSet::new(),
            project: &Arc::default(),
        };
        self.deliver(
            migration,
            || vec![(code, creation_diff(path, &text))],
            &mut result,
        );
        result
    }

    /// Shows or writes a changed file as the mode asks; `steps` gives
    /// `--patches` the file's diff per code.
    fn deliver(
        &self,
        m: Migration,
        steps: impl FnOnce() -> Vec<(&'static str, String)>,
        result: &mut FileResult,
    ) {
        let written = match self.mode {
            Mode::Diff if m.create => {
                result.diff = Some(creation_diff(m.path, m.after));
                return;
            }
            Mode::Diff => {
                result.diff = Some(edit::unified_diff(
                    &with_bom(m.before, m.bom),
                    &with_bom(m.after, m.bom),
                    &display(m.path),
                ));
                return;
            }
            Mode::Patches => {
                result.steps = steps();
                return;
            }
            Mode::Interactive => {
                result.review = Some(Review {
                    bytes: m.read.to_vec(),
                    before: m.before.to_string(),
                    after: m.after.to_string(),
                    bom: m.bom,
                    create: m.create,
                    imports: m.imports.clone(),
                    project: m.project.clone(),
                });
                return;
            }
            Mode::Report | Mode::Check => return,
            Mode::Write if m.create => crate::write::create_file(m.path, &m.write),
            Mode::Write => replace_file(m.path, m.read, &m.write),
        };
        match written {
            Ok(()) => result.written = true,
            Err(e) => result.error = Some(format!("{e:#}")),
        }
    }
}

/// A configuration or dependency file's note as a diagnostic on its line.
fn note_diagnostic(n: &pytestcfg::Note) -> Reported {
    let at = Position {
        line: n.line,
        column: 1,
    };
    Reported {
        code: n.code,
        message: n.message.clone(),
        hint: None,
        start: at,
        end: at,
        fix_lines: Vec::new(),
        supersedes: None,
        status: if n.fixed {
            Status::Fixed
        } else {
            Status::Manual
        },
        applicability: n.fixed.then_some(Applicability::Safe),
    }
}

/// A changed file, before and after, for [`Job::deliver`].
struct Migration<'a> {
    path: &'a Path,
    /// The bytes read (empty for a file to create).
    read: &'a [u8],
    before: &'a str,
    after: &'a str,
    /// The bytes to write.
    write: Vec<u8>,
    create: bool,
    bom: bool,
    /// A Python file's imports and project (see [`Review`]).
    imports: &'a BTreeSet<String>,
    project: &'a Arc<transforms::ProjectFacts>,
}

/// Folders whose modules a package does not import at run time.
const NOT_RUNTIME: &[&str] = &[
    "tests",
    "test",
    "testing",
    "examples",
    "example",
    "docs",
    "doc",
    "benchmarks",
];

/// Whether `path` (relative to a project's folder) is a module the package
/// runs, not a test, a conftest, an example or a doc: its imports are the
/// project's runtime dependencies.
pub(crate) fn is_runtime_module(path: &Path) -> bool {
    if path.extension().is_none_or(|e| e != "py") {
        return false;
    }
    let name = path.file_stem().and_then(|n| n.to_str()).unwrap_or("");
    if name == "conftest" || name.starts_with("test_") || name.ends_with("_test") {
        return false;
    }
    !path.components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|c| NOT_RUNTIME.contains(&c))
    })
}

/// Whether a Python text imports anyio (`import anyio`, `from anyio...`).
fn imports_anyio(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"anyio").is_some()
        && text.lines().any(|l| {
            let l = l.trim_start();
            ["import anyio", "from anyio"].iter().any(|p| {
                l.strip_prefix(p)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '.', ',', '\t']))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::{imports_anyio, is_runtime_module};
    use std::path::Path;

    #[test]
    fn anyio_imports_and_runtime_modules() {
        assert!(imports_anyio("import os\nimport anyio\n"));
        assert!(imports_anyio("    from anyio.abc import TaskGroup\n"));
        assert!(imports_anyio("import anyio, os\n"));
        assert!(!imports_anyio("import anyio_mqtt\nfrom anyiox import y\n"));
        assert!(is_runtime_module(Path::new("src/pkg/core.py")));
        for not in [
            "tests/helpers.py",
            "pkg/test_core.py",
            "pkg/core_test.py",
            "conftest.py",
            "docs/conf.py",
            "examples/demo.py",
            "pyproject.toml",
        ] {
            assert!(!is_runtime_module(Path::new(not)), "{not}");
        }
    }
}
