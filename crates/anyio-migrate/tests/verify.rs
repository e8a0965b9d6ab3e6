//! `--write --verify CMD` with shell commands as the oracle (the pytest
//! scenarios are in testdata/e2e/run_verify.py).

mod common;

use common::{bin, text, tree};
use std::path::Path;
use std::process::Output;

/// Runs the binary in `dir` with its temporary folders (the runs' output,
/// which `--verify` keeps for the user) in one removed after the test.
fn run(args: &[&str], dir: &Path) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    bin()
        .args(args)
        .current_dir(dir)
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap()
}

const TWO_FIXES: &str = "import asyncio\n\n\nasync def f():\n    lock = asyncio.Lock()\n    async with lock:\n        await asyncio.sleep(1)\n";

#[test]
fn the_fix_the_command_rejects_is_left_out_and_the_others_written() {
    let dir = tree(&[("a.py", TWO_FIXES.as_bytes())]);
    // "Tests" that fail as soon as any file calls anyio.sleep.
    let cmd = "sh -c '! grep -rq anyio.sleep --include=*.py .'";
    let out = run(&["--write", "--verify", cmd, "."], dir.path());
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let a = std::fs::read_to_string(dir.path().join("a.py")).unwrap();
    assert!(a.contains("anyio.Lock()"), "{a}");
    assert!(a.contains("await asyncio.sleep(1)"), "{a}");
    assert!(
        err.contains("AM002 in a.py: reverted, breaks the command (exit status 1)"),
        "{err}"
    );
}

#[test]
fn a_command_that_fails_on_the_original_stops_the_run() {
    let dir = tree(&[("a.py", TWO_FIXES.as_bytes())]);
    let out = run(&["--write", "--verify", "false", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("fails on the original tree (exit status 1)"));
    let a = std::fs::read_to_string(dir.path().join("a.py")).unwrap();
    assert_eq!(a, TWO_FIXES);
}

#[test]
fn verify_needs_write_and_paths_inside_the_current_folder() {
    let dir = tree(&[("a.py", TWO_FIXES.as_bytes())]);
    let out = run(&["--verify", "true", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--write"),
        "{}",
        text(&out.stderr)
    );
    // The other modes are refused, before any run of the command.
    for mode in ["--diff", "--check", "--add-ignore", "--interactive"] {
        let out = run(&[mode, "--verify", "touch ran", "."], dir.path());
        assert_eq!(out.status.code(), Some(2), "{mode}");
        assert!(text(&out.stderr).contains("cannot be used with"), "{mode}");
        assert!(!dir.path().join("ran").exists(), "{mode}");
    }
    let other = tree(&[("b.py", TWO_FIXES.as_bytes())]);
    let outside = other.path().join("b.py");
    let out = run(
        &["--write", "--verify", "true", outside.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is outside it"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), TWO_FIXES);
}
