//! Running the verification command once, with a time limit, its output in a
//! log file, and (for pytest) each test's outcome from a JUnit XML report.

use anyhow::{bail, Context, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Set by the SIGINT/SIGTERM handler: the running command is stopped and the
/// run ends without writing anything.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The command `--verify` runs.
#[derive(Debug, Clone)]
pub struct TestCommand {
    argv: Vec<String>,
    /// As the user wrote it.
    pub text: String,
    /// pytest: its per-test outcomes are read from a JUnit report.
    pub pytest: bool,
    pub timeout: Duration,
}

/// The tests of one pytest run, by node id.
#[derive(Debug, Default, Clone)]
pub struct Tests {
    pub passed: BTreeSet<String>,
    /// Failed or errored.
    pub failed: BTreeSet<String>,
    pub skipped: BTreeSet<String>,
    /// Expected failures that failed (`xfail`): neither passed nor broken.
    pub xfailed: BTreeSet<String>,
}

/// How one run of the command ended.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The exit status (`None`: killed by a signal or after the time limit).
    pub exit: Option<i32>,
    pub timed_out: bool,
    /// pytest's per-test outcomes, when its report could be read.
    pub tests: Option<Tests>,
    pub elapsed: Duration,
    pub log: PathBuf,
}

impl TestCommand {
    /// Splits `text` as a POSIX shell would (no shell runs it).
    pub fn parse(text: &str, timeout: Duration) -> Result<TestCommand> {
        let Some(argv) = shlex::split(text) else {
            bail!("--verify: cannot split `{text}` into words (an unclosed quote?)");
        };
        if argv.is_empty() {
            bail!("--verify needs a command that runs the project's tests, such as \"pytest -q\"");
        }
        let program = Path::new(&argv[0])
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let pytest = matches!(program.as_str(), "pytest" | "py.test")
            || argv.windows(2).any(|w| w[0] == "-m" && w[1] == "pytest");
        Ok(TestCommand {
            argv,
            text: text.to_string(),
            pytest,
            timeout,
        })
    }

    /// Runs the command in `dir`, its output into `log` (and, for pytest, a
    /// JUnit report beside it).
    pub fn run(&self, dir: &Path, log: &Path) -> Result<RunResult> {
        let junit = log.with_extension("xml");
        let mut cmd = Command::new(&self.argv[0]);
        cmd.args(&self.argv[1..]);
        if self.pytest {
            // xunit1 names each test's file, so node ids can be rebuilt.
            cmd.arg(format!("--junitxml={}", junit.display()))
                .args(["-o", "junit_family=xunit1"]);
        }
        let out = std::fs::File::create(log)
            .with_context(|| format!("cannot create the log {}", log.display()))?;
        cmd.current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            // Bytecode caches are keyed by mtime and size: a trial's file
            // of the same size written in the same second would read stale
            // bytecode.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONPATH", python_path(dir));
        // Its own process group: a Ctrl-C reaches only anyio-migrate, which
        // then stops the whole group (pytest's workers included).
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .with_context(|| format!("--verify: cannot run `{}`", self.argv[0]))?;
        let mut timed_out = false;
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break Some(status);
            }
            if INTERRUPTED.load(Ordering::SeqCst) {
                stop(&mut child);
                bail!("interrupted");
            }
            if started.elapsed() > self.timeout {
                stop(&mut child);
                timed_out = true;
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let tests = if self.pytest {
            std::fs::read_to_string(&junit)
                .ok()
                .and_then(|xml| parse_junit(&xml))
        } else {
            None
        };
        Ok(RunResult {
            exit: status.and_then(|s| s.code()),
            timed_out,
            tests,
            elapsed: started.elapsed(),
            log: log.to_path_buf(),
        })
    }
}

/// The copy first on Python's path (its root, and `src/` in a src layout),
/// before an installed or editable copy of the project.
fn python_path(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    if dir.join("src").is_dir() {
        paths.push(dir.join("src"));
    }
    if let Some(old) = std::env::var_os("PYTHONPATH") {
        paths.extend(std::env::split_paths(&old));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// Kills the command's process group and reaps it.
fn stop(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: killpg only sends a signal; the group is the child's own.
        unsafe {
            libc::killpg(pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Each test's outcome from a JUnit XML report written by pytest with
/// `junit_family=xunit1`; node ids as pytest prints them.
pub fn parse_junit(xml: &str) -> Option<Tests> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let mut tests = Tests::default();
    for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let id = node_id(
            case.attribute("file"),
            case.attribute("classname").unwrap_or_default(),
            case.attribute("name").unwrap_or_default(),
        );
        let has = |tag: &str| case.children().any(|c| c.has_tag_name(tag));
        let xfail = case
            .children()
            .any(|c| c.has_tag_name("skipped") && c.attribute("type") == Some("pytest.xfail"));
        if has("failure") || has("error") {
            tests.failed.insert(id);
        } else if xfail {
            tests.xfailed.insert(id);
        } else if has("skipped") {
            tests.skipped.insert(id);
        } else {
            tests.passed.insert(id);
        }
    }
    Some(tests)
}

/// `tests/test_a.py::TestX::test_b[1]` from file `tests/test_a.py`,
/// classname `tests.test_a.TestX` and name `test_b[1]`.
fn node_id(file: Option<&str>, classname: &str, name: &str) -> String {
    let Some(file) = file else {
        return format!("{classname}::{name}");
    };
    let module = file.trim_end_matches(".py").replace(['/', '\\'], ".");
    let classes = classname
        .strip_prefix(module.as_str())
        .map(|rest| rest.trim_start_matches('.'))
        .unwrap_or_default();
    let mut id = file.to_string();
    for part in classes.split('.').filter(|p| !p.is_empty()) {
        id.push_str("::");
        id.push_str(part);
    }
    id.push_str("::");
    id.push_str(name);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pytest_is_recognised_however_it_is_started() {
        let t = Duration::from_secs(1);
        assert!(TestCommand::parse("pytest -q", t).unwrap().pytest);
        assert!(TestCommand::parse(".venv/bin/pytest", t).unwrap().pytest);
        assert!(TestCommand::parse("python -m pytest -x", t).unwrap().pytest);
        assert!(!TestCommand::parse("make check", t).unwrap().pytest);
        assert!(!TestCommand::parse("python -m unittest", t).unwrap().pytest);
    }

    #[test]
    fn an_empty_or_unsplittable_command_is_refused() {
        let t = Duration::from_secs(1);
        assert!(TestCommand::parse("  ", t).is_err());
        assert!(TestCommand::parse("pytest 'oops", t).is_err());
    }

    #[test]
    fn junit_outcomes_become_node_ids() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="4">
<testcase classname="tests.test_pool" name="test_ok" file="tests/test_pool.py" line="3" time="0.01"/>
<testcase classname="tests.test_pool.TestPool" name="test_timeout[1]" file="tests/test_pool.py" line="9" time="0.01"><failure message="boom">trace</failure></testcase>
<testcase classname="test_top" name="test_err" file="test_top.py" line="1" time="0"><error message="e"/></testcase>
<testcase classname="tests.test_pool" name="test_skip" file="tests/test_pool.py" line="12" time="0"><skipped message="s"/></testcase>
<testcase classname="tests.test_pool" name="test_xfail" file="tests/test_pool.py" line="15" time="0"><skipped type="pytest.xfail" message="flaky"/></testcase>
</testsuite></testsuites>"#;
        let t = parse_junit(xml).unwrap();
        assert_eq!(
            t.passed.iter().collect::<Vec<_>>(),
            ["tests/test_pool.py::test_ok"]
        );
        assert_eq!(
            t.failed.iter().collect::<Vec<_>>(),
            [
                "test_top.py::test_err",
                "tests/test_pool.py::TestPool::test_timeout[1]"
            ]
        );
        assert_eq!(
            t.skipped.iter().collect::<Vec<_>>(),
            ["tests/test_pool.py::test_skip"]
        );
        assert_eq!(
            t.xfailed.iter().collect::<Vec<_>>(),
            ["tests/test_pool.py::test_xfail"]
        );
        assert!(parse_junit("not xml").is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_command_over_its_time_limit_is_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let cmd = TestCommand::parse("sleep 30", Duration::from_millis(200)).unwrap();
        let r = cmd.run(dir.path(), &dir.path().join("run.log")).unwrap();
        assert!(r.timed_out);
        assert!(r.elapsed < Duration::from_secs(10));
        let ok = TestCommand::parse("sh -c 'echo hi; exit 3'", Duration::from_secs(10)).unwrap();
        let r = ok.run(dir.path(), &dir.path().join("run2.log")).unwrap();
        assert_eq!(r.exit, Some(3));
        assert_eq!(std::fs::read_to_string(&r.log).unwrap(), "hi\n");
    }
}
