//! `--write --verify CMD`: migrate a copy of the project, run CMD there, and
//! keep the largest migration CMD accepts; the user's tree is written once,
//! at the end (docs/verify.md).
//!
//! The command runs first on the unmigrated copy (it must pass), then on the
//! whole migration. When that fails, the codes applied are searched for the
//! ones that break it (`search::keep_largest`), then, within each such code,
//! the files; those fixes are left out and reported with the tests they
//! break.

mod command;
mod search;

use crate::cli::RunArgs;
use crate::run::{display, Gate};
use crate::suites::norm;
use crate::{Extras, Outcome};
use anyhow::{anyhow, bail, Context, Result};
use command::{RunResult, TestCommand, Tests, INTERRUPTED};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;
use transforms::Registry;

/// What `--verify` did, for the summary, the report and the JSON document.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub command: String,
    /// Runs of the command, the one on the original included.
    pub runs: usize,
    /// Tests that passed on the original and on the migration written (pytest).
    pub passed_before: Option<usize>,
    pub passed_after: Option<usize>,
    pub reverted: Vec<Reverted>,
    /// Where each run's output is kept.
    pub logs: PathBuf,
}

/// A fix left out because the command failed with it.
#[derive(Debug, Clone)]
pub struct Reverted {
    pub code: String,
    pub path: PathBuf,
    /// The tests it breaks (or how the command failed).
    pub breaks: Vec<String>,
}

impl Reverted {
    /// `AM301 in db/pool.py: reverted, breaks tests/test_pool.py::test_timeout`.
    pub fn line(&self) -> String {
        format!(
            "{} in {}: reverted, breaks {}",
            self.code,
            display(&self.path),
            listed(&self.breaks)
        )
    }
}

/// Up to three items, then how many more.
fn listed(items: &[String]) -> String {
    let mut s = items.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 3 {
        s.push_str(&format!(" and {} more", items.len() - 3));
    }
    s
}

impl Summary {
    /// The lines printed after the run.
    pub fn text(&self) -> String {
        let counts = match (self.passed_before, self.passed_after) {
            (Some(b), Some(a)) => format!(
                ": {b} test{} passed before, {a} after",
                crate::output::plural(b)
            ),
            _ => String::new(),
        };
        let mut out = format!(
            "anyio-migrate: verified with `{}` ({} runs){counts}\n",
            self.command, self.runs
        );
        if !self.reverted.is_empty() {
            let n = self.reverted.len();
            out.push_str(&format!(
                "anyio-migrate: {n} fix{} left out because the command fails with {}:\n",
                if n == 1 { "" } else { "es" },
                if n == 1 { "it" } else { "them" }
            ));
            for r in &self.reverted {
                out.push_str(&format!("  {}\n", r.line()));
            }
        }
        out.push_str(&format!(
            "anyio-migrate: the runs' output is in {}\n",
            self.logs.display()
        ));
        out
    }

    /// The Markdown report's section.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "\n## Verified\n\nWith `{}`, {} runs",
            self.command, self.runs
        );
        if let (Some(b), Some(a)) = (self.passed_before, self.passed_after) {
            out.push_str(&format!(
                ": {b} test{} passed before the migration, {a} after",
                crate::output::plural(b)
            ));
        }
        out.push_str(".\n");
        if self.reverted.is_empty() {
            out.push_str("\nNo fix had to be left out.\n");
        } else {
            out.push_str("\nLeft out because the command fails with them:\n\n");
            for r in &self.reverted {
                out.push_str(&format!("- {}\n", r.line()));
            }
        }
        out
    }

    /// The JSON document's `verification` object.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "command": self.command,
            "runs": self.runs,
            "passed_before": self.passed_before,
            "passed_after": self.passed_after,
            "reverted": self.reverted.iter().map(|r| serde_json::json!({
                "code": r.code,
                "path": display(&r.path),
                "breaks": r.breaks,
            })).collect::<Vec<_>>(),
            "logs": self.logs,
        })
    }
}

/// `--write --verify CMD`: the exit status of the whole run.
pub fn run(registry: &Registry, args: &RunArgs, text: &str) -> Result<u8> {
    let cmd = TestCommand::parse(text, Duration::from_secs(args.verify_timeout))?;
    if !args.verify_ignore_test.is_empty() && !cmd.pytest {
        bail!("--verify-ignore-test names pytest tests; `{text}` does not run pytest");
    }
    let root = std::env::current_dir().context("cannot read the current folder")?;
    let canonical_root = std::fs::canonicalize(&root)?;
    // The paths, the report and the configuration as seen from the copy.
    let mut args = args.clone();
    for p in &mut args.paths {
        let abs = std::fs::canonicalize(&*p)
            .with_context(|| format!("{}: cannot read it", p.display()))?;
        let rel = abs.strip_prefix(&canonical_root).map_err(|_| {
            anyhow!(
                "--verify runs the command in the current folder and migrates a copy of it; {} is outside it (run from the project's root)",
                p.display()
            )
        })?;
        if p.is_absolute() {
            *p = if rel.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                rel.to_path_buf()
            };
        }
    }
    if let Some(r) = &mut args.report {
        *r = root.join(&*r);
    }
    if let Some(c) = &mut args.config {
        *c = root.join(&*c);
    }
    // Ctrl-C stops the command and ends the run with nothing written.
    ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst))
        .context("cannot install the interrupt handler")?;
    let logs = tempfile::Builder::new()
        .prefix("anyio-migrate-verify-")
        .tempdir()
        .context("cannot create the folder for the runs' output")?
        .keep();
    let copy = tempfile::Builder::new()
        .prefix("anyio-migrate-tree-")
        .tempdir()
        .context("cannot create the folder for the project's copy")?;
    let pristine = copy_tree(&root, copy.path())?;
    std::env::set_current_dir(copy.path())?;
    let mut v = Verifier {
        registry,
        args: &args,
        cmd,
        dir: copy.path().to_path_buf(),
        logs: logs.clone(),
        pristine,
        written: Vec::new(),
        summary: Summary {
            command: text.to_string(),
            logs,
            ..Summary::default()
        },
        baseline: None,
        tried: HashMap::new(),
    };
    let found = v.search();
    let result = found.and_then(|gate| v.finish(&gate));
    std::env::set_current_dir(&root)?;
    let written = match result {
        Ok(w) => w,
        Err(e) if INTERRUPTED.load(Ordering::SeqCst) => {
            drop(e);
            eprintln!("anyio-migrate: interrupted; nothing was written");
            return Ok(130);
        }
        Err(e) => return Err(e),
    };
    let (outcome, changes) = written;
    let mut errors = 0;
    // Every file checked first, then written: a file changed meanwhile
    // stops the write before any file is touched.
    for (rel, _, created) in &changes {
        let target = root.join(rel);
        let ok = match v.pristine.get(&norm(rel)) {
            _ if *created => !target.exists(),
            Some(before) => std::fs::read(&target).is_ok_and(|now| now == *before),
            None => false,
        };
        if !ok {
            bail!(
                "{}: changed while the tests ran; nothing was written (run again)",
                display(rel)
            );
        }
    }
    for (rel, new, created) in &changes {
        let target = root.join(rel);
        let done = if *created {
            crate::write::create_file(&target, new)
        } else {
            crate::write::replace_file(&target, &v.pristine[&norm(rel)], new)
        };
        if let Err(e) = done {
            eprintln!("{}: {e:#}", display(rel));
            errors += 1;
        }
    }
    if !args.quiet {
        eprint!("{}", v.summary.text());
    }
    Ok(if errors > 0 { 2 } else { outcome.exit })
}

/// One verification in progress.
struct Verifier<'a> {
    registry: &'a Registry,
    args: &'a RunArgs,
    cmd: TestCommand,
    /// The copy the command runs in (the current folder meanwhile).
    dir: PathBuf,
    logs: PathBuf,
    /// Every copied file's bytes, by path relative to the root.
    pristine: BTreeMap<PathBuf, Vec<u8>>,
    /// What the last migration of the copy wrote.
    written: Vec<crate::Changed>,
    summary: Summary,
    baseline: Option<RunResult>,
    /// What each gate broke, so that no trial runs twice.
    tried: HashMap<Gate, Option<search::Broken>>,
}

impl Verifier<'_> {
    /// The gate of the largest migration the command accepts.
    fn search(&mut self) -> Result<Gate> {
        let base = self.command("the original")?;
        self.check_baseline(&base)?;
        if !self.args.quiet {
            let tests = base
                .tests
                .as_ref()
                .map(|t| format!(", {} tests", t.passed.len()))
                .unwrap_or_default();
            eprintln!(
                "anyio-migrate: verify run 1 (the original): passed{tests} ({:.1} s)",
                base.elapsed.as_secs_f64()
            );
        }
        self.baseline = Some(base);
        let all = Gate::default();
        if self.trial(&all, "every fix")?.is_none() {
            return Ok(all);
        }
        // What the whole migration changed: the units of the search.
        let mut files: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        for c in &self.written {
            for code in &c.codes {
                files
                    .entry(code.to_string())
                    .or_default()
                    .push(c.path.clone());
            }
        }
        let codes: Vec<String> = files.keys().cloned().collect();
        let mut partial: BTreeMap<String, BTreeSet<PathBuf>> = BTreeMap::new();
        // By code.
        let by_code = search::keep_largest(&[], &codes, |kept| {
            let gate = gate_for(&codes, kept, &partial);
            let label = format!("{} of {} codes", kept.len(), codes.len());
            self.trial(&gate, &label)
        })?;
        let kept = by_code.kept;
        // Then by file, within each code that breaks the command.
        for (code, breaks) in by_code.culprits {
            let in_files = &files[&code];
            if in_files.len() == 1 {
                self.summary.reverted.push(Reverted {
                    code,
                    path: in_files[0].clone(),
                    breaks,
                });
                continue;
            }
            let by_file = search::keep_largest(&[], in_files, |kept_files| {
                let mut partial = partial.clone();
                partial.insert(code.clone(), kept_files.iter().cloned().collect());
                let gate = gate_for(&codes, &kept, &partial);
                let label = format!("{code} in {} of {} files", kept_files.len(), in_files.len());
                self.trial(&gate, &label)
            })?;
            partial.insert(code.clone(), by_file.kept.into_iter().collect());
            for (path, breaks) in by_file.culprits {
                self.summary.reverted.push(Reverted {
                    code: code.clone(),
                    path,
                    breaks,
                });
            }
        }
        Ok(gate_for(&codes, &kept, &partial))
    }

    /// The original must pass (failures named by `--verify-ignore-test`
    /// aside), and run at least one test.
    fn check_baseline(&self, r: &RunResult) -> Result<()> {
        let log = r.log.display();
        if r.timed_out {
            bail!("--verify: `{}` did not finish within {} s on the original tree (raise --verify-timeout); nothing was migrated; its output: {log}", self.cmd.text, self.cmd.timeout.as_secs());
        }
        if r.exit == Some(5) && self.cmd.pytest {
            bail!("--verify: `{}` ran no tests (pytest's exit status 5), so it cannot tell a good migration from a bad one; nothing was migrated", self.cmd.text);
        }
        if let Some(t) = &r.tests {
            if t.passed.is_empty() && t.failed.is_empty() {
                bail!("--verify: `{}` ran no tests, so it cannot tell a good migration from a bad one; nothing was migrated", self.cmd.text);
            }
            let failing: Vec<String> = t
                .failed
                .iter()
                .filter(|id| !self.ignored(id))
                .cloned()
                .collect();
            if !failing.is_empty() {
                bail!("--verify: `{}` fails on the original tree ({}); nothing was migrated. Fix those tests first, or name them with --verify-ignore-test; its output: {log}", self.cmd.text, listed(&failing));
            }
            if r.exit == Some(0) || r.exit == Some(1) {
                return Ok(());
            }
        }
        if r.exit != Some(0) {
            bail!(
                "--verify: `{}` fails on the original tree ({}); nothing was migrated; its output: {log}",
                self.cmd.text,
                exit_text(r)
            );
        }
        Ok(())
    }

    /// Whether a failure of this test is one the user told us to ignore.
    fn ignored(&self, id: &str) -> bool {
        self.args.verify_ignore_test.iter().any(|pat| {
            id == pat
                || id
                    .strip_prefix(pat.as_str())
                    .is_some_and(|rest| rest.starts_with("::") || rest.starts_with('['))
        })
    }

    /// Runs the command once in the copy, with a progress line.
    fn command(&mut self, label: &str) -> Result<RunResult> {
        self.summary.runs += 1;
        let n = self.summary.runs;
        // On a terminal the verdict replaces this line; in a log both stay.
        let live = std::io::stderr().is_terminal();
        if !self.args.quiet {
            let line = format!(
                "anyio-migrate: verify run {n} ({label}): running `{}`…",
                self.cmd.text
            );
            if live {
                eprint!("{line}");
            } else {
                eprintln!("{line}");
            }
        }
        let r = self
            .cmd
            .run(&self.dir, &self.logs.join(format!("run-{n}.log")));
        if live && !self.args.quiet {
            eprint!("\r\x1b[2K");
        }
        r
    }

    /// Restores the copy and migrates it through `gate` (`self.written`
    /// then holds what the migration wrote).
    fn migrate_copy(&mut self, gate: &Gate, verification: Option<&Summary>) -> Result<Outcome> {
        self.restore()?;
        let outcome = crate::migrate(
            self.registry,
            self.args,
            Extras {
                gate: gate.clone(),
                silent: verification.is_none(),
                verification,
            },
        )?;
        self.written = outcome.changed.clone();
        Ok(outcome)
    }

    /// Migrates the copy through `gate` and runs the command: what it broke
    /// (`None`: accepted). A gate tried before is not tried again.
    fn trial(&mut self, gate: &Gate, label: &str) -> Result<Option<search::Broken>> {
        if let Some(known) = self.tried.get(gate) {
            return Ok(known.clone());
        }
        self.migrate_copy(gate, None)?;
        if INTERRUPTED.load(Ordering::SeqCst) {
            bail!("interrupted");
        }
        let r = self.command(label)?;
        let broken = self.broken(&r);
        if !self.args.quiet {
            let verdict = match &broken {
                None => "passed".to_string(),
                Some(b) => format!("fails: {}", listed(b)),
            };
            eprintln!(
                "anyio-migrate: verify run {} ({label}): {verdict} ({:.1} s)",
                self.summary.runs,
                r.elapsed.as_secs_f64()
            );
        }
        if broken.is_none() {
            self.summary.passed_after = r.tests.as_ref().map(|t| t.passed.len());
        }
        self.tried.insert(gate.clone(), broken.clone());
        Ok(broken)
    }

    /// What a run broke compared with the original's run; `None` when it
    /// passes: every test that passed still passes and no new one fails.
    fn broken(&self, r: &RunResult) -> Option<search::Broken> {
        if r.timed_out {
            return Some(vec![format!(
                "the time limit ({} s)",
                self.cmd.timeout.as_secs()
            )]);
        }
        let before = self.baseline.as_ref().and_then(|b| b.tests.as_ref());
        if let (Some(before), Some(after)) = (before, &r.tests) {
            let mut broken = lost(before, after);
            broken.extend(
                after
                    .failed
                    .iter()
                    .filter(|id| {
                        !before.passed.contains(*id)
                            && !before.failed.contains(*id)
                            && !self.ignored(id)
                    })
                    .cloned(),
            );
            if broken.is_empty() && !matches!(r.exit, Some(0) | Some(1)) {
                broken.push(format!("the command ({})", exit_text(r)));
            }
            return (!broken.is_empty()).then_some(broken);
        }
        (r.exit != Some(0)).then(|| vec![format!("the command ({})", exit_text(r))])
    }

    /// Puts back the copy's files the last migration wrote.
    fn restore(&mut self) -> Result<()> {
        for c in std::mem::take(&mut self.written) {
            if c.created {
                std::fs::remove_file(&c.path)
                    .with_context(|| format!("cannot restore {}", c.path.display()))?;
            } else if let Some(bytes) = self.pristine.get(&norm(&c.path)) {
                std::fs::write(&c.path, bytes)
                    .with_context(|| format!("cannot restore {}", c.path.display()))?;
            }
        }
        Ok(())
    }

    /// Migrates the copy through `gate` once more, printing what a plain
    /// `--write` prints (with the verification), and returns the files to
    /// write into the user's tree: (path, new bytes, created).
    #[allow(clippy::type_complexity)]
    fn finish(&mut self, gate: &Gate) -> Result<(Outcome, Vec<(PathBuf, Vec<u8>, bool)>)> {
        if self.tried.get(gate) != Some(&None) {
            // By construction a trial accepted this gate; should that not
            // hold, the command has the last word.
            if let Some(b) = self.trial(gate, "the migration kept")? {
                bail!("--verify: the migration kept fails this time ({}): are the tests flaky? Nothing was written", listed(&b));
            }
        }
        self.summary.passed_before = self
            .baseline
            .as_ref()
            .and_then(|b| b.tests.as_ref())
            .map(|t| t.passed.len());
        let summary = self.summary.clone();
        let outcome = self.migrate_copy(gate, Some(&summary))?;
        let mut changes = Vec::new();
        for c in &outcome.changed {
            let bytes = std::fs::read(&c.path)
                .with_context(|| format!("cannot read the migrated {}", c.path.display()))?;
            changes.push((c.path.clone(), bytes, c.created));
        }
        Ok((outcome, changes))
    }
}

/// The tests that passed before and do not pass after.
fn lost(before: &Tests, after: &Tests) -> Vec<String> {
    before
        .passed
        .iter()
        // A non-strict xfail test that passed before may fail now: pytest
        // itself counts neither as a failure.
        .filter(|id| !after.passed.contains(*id) && !after.xfailed.contains(*id))
        .map(|id| {
            if after.skipped.contains(id) {
                format!("{id} (now skipped)")
            } else if after.failed.contains(id) {
                id.clone()
            } else {
                format!("{id} (no longer run)")
            }
        })
        .collect()
}

/// How a run ended, in words.
fn exit_text(r: &RunResult) -> String {
    match r.exit {
        Some(n) => format!("exit status {n}"),
        None => "killed by a signal".into(),
    }
}

/// The gate that applies every code of `codes` kept, each code of
/// `partial` in its files only, and the other codes nowhere.
fn gate_for(
    codes: &[String],
    kept: &[String],
    partial: &BTreeMap<String, BTreeSet<PathBuf>>,
) -> Gate {
    let mut gate = Gate::default();
    for code in codes.iter().filter(|c| !kept.contains(c)) {
        gate.only_in(code, partial.get(code).cloned().unwrap_or_default());
    }
    gate
}

/// Folders not copied: version control, caches, virtual environments.
fn skipped_dir(dir: &Path) -> bool {
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    matches!(
        name.as_ref(),
        ".git" | ".hg" | "__pycache__" | ".tox" | ".nox" | "node_modules"
    ) || (name.starts_with('.') && name.ends_with("_cache"))
        || dir.join("pyvenv.cfg").exists()
}

/// Copies the project at `from` into `to` (symbolic links as links) and
/// returns every copied file's bytes by relative path.
fn copy_tree(from: &Path, to: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let walk = ignore::WalkBuilder::new(from)
        .standard_filters(false)
        .filter_entry(|e| !(e.file_type().is_some_and(|t| t.is_dir()) && skipped_dir(e.path())))
        .build();
    for entry in walk {
        let entry = entry.context("cannot read the project to copy it")?;
        let rel = entry.path().strip_prefix(from)?.to_path_buf();
        if rel.as_os_str().is_empty() {
            continue;
        }
        let dest = to.join(&rel);
        let kind = entry.file_type().context("unknown file type")?;
        if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &dest)?;
        } else if kind.is_dir() {
            std::fs::create_dir_all(&dest)?;
        } else if kind.is_file() {
            let bytes = std::fs::read(entry.path())
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
            std::fs::write(&dest, &bytes)?;
            std::fs::set_permissions(&dest, entry.metadata()?.permissions())?;
            files.insert(rel, bytes);
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_leave_out_what_is_not_kept() {
        let codes: Vec<String> = ["AM101", "AM201", "AM301"].map(String::from).to_vec();
        let mut partial = BTreeMap::new();
        partial.insert("AM301".to_string(), BTreeSet::from([PathBuf::from("a.py")]));
        let gate = gate_for(&codes, &["AM101".to_string()], &partial);
        assert!(gate.allows("AM101", Path::new("b.py")));
        assert!(!gate.allows("AM201", Path::new("a.py")));
        assert!(gate.allows("AM301", Path::new("a.py")));
        assert!(!gate.allows("AM301", Path::new("b.py")));
        // A code the whole migration never applied is not held back.
        assert!(gate.allows("AM999", Path::new("a.py")));
    }

    #[test]
    fn the_copy_leaves_out_caches_and_virtual_environments() {
        let src = tempfile::tempdir().unwrap();
        let root = src.path();
        for d in [
            "pkg/__pycache__",
            ".git",
            "venv",
            ".pytest_cache",
            ".github",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("venv/pyvenv.cfg"), "home = /usr").unwrap();
        std::fs::write(root.join("pkg/a.py"), "import asyncio\n").unwrap();
        std::fs::write(root.join("pkg/__pycache__/a.pyc"), "x").unwrap();
        std::fs::write(root.join(".github/ci.yml"), "on: push").unwrap();
        let dst = tempfile::tempdir().unwrap();
        let files = copy_tree(root, dst.path()).unwrap();
        let names: Vec<String> = files.keys().map(|p| p.display().to_string()).collect();
        assert_eq!(names, [".github/ci.yml", "pkg/a.py"]);
        assert_eq!(
            std::fs::read_to_string(dst.path().join("pkg/a.py")).unwrap(),
            "import asyncio\n"
        );
    }

    #[test]
    fn ignored_failures_match_a_test_or_what_it_contains() {
        let registry = Registry::load();
        let args = <crate::cli::Cli as clap::Parser>::parse_from([
            "anyio-migrate",
            "--write",
            "--verify",
            "pytest",
            "--verify-ignore-test",
            "tests/test_a.py::test_b",
        ])
        .run;
        let v = Verifier {
            registry: &registry,
            args: &args,
            cmd: TestCommand::parse("pytest", Duration::from_secs(1)).unwrap(),
            dir: PathBuf::new(),
            logs: PathBuf::new(),
            pristine: BTreeMap::new(),
            written: Vec::new(),
            summary: Summary::default(),
            baseline: None,
            tried: HashMap::new(),
        };
        assert!(v.ignored("tests/test_a.py::test_b"));
        assert!(v.ignored("tests/test_a.py::test_b[1]"));
        assert!(!v.ignored("tests/test_a.py::test_bc"));
    }
}
