//! The command-line contract: modes, exit codes, per-file errors, layout
//! preservation, stdin, selection, and the pre-filter.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

use common::{bin, repo_root, run, text, tree, GOOD, MIGRATED};

#[test]
fn a_file_that_does_not_parse_is_reported_and_the_others_migrate() {
    // It uses an asyncio name, so the pre-filter lets it through to the parser.
    let broken: &[u8] = b"import asyncio\ndef broken(:\n    asyncio.run(main())\n";
    let dir = tree(&[
        ("a.py", GOOD.as_bytes()),
        ("b.py", broken),
        ("c.py", GOOD.as_bytes()),
    ]);
    let out = run(&["--write", "."], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("b.py: cannot parse: 2:12"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.py")).unwrap(),
        MIGRATED
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("c.py")).unwrap(),
        MIGRATED
    );
    assert_eq!(std::fs::read(dir.path().join("b.py")).unwrap(), broken);
}

#[test]
fn diff_exits_1_with_changes_and_0_without() {
    let dir = tree(&[("a.py", GOOD.as_bytes())]);
    let out = run(&["--diff", "a.py"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let diff = text(&out.stdout);
    assert!(diff.starts_with("--- a/a.py\n+++ b/a.py\n"), "{diff}");
    assert!(diff.contains("+anyio.run(main)\n"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.py")).unwrap(),
        GOOD,
        "--diff writes nothing"
    );
    let clean = tree(&[("a.py", MIGRATED.as_bytes())]);
    let out = run(&["--diff", "a.py"], clean.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn check_counts_changes_and_manual_items() {
    let manual = "import asyncio\n\nasync def f():\n    asyncio.create_task(g())\n";
    let dir = tree(&[("a.py", GOOD.as_bytes()), ("m.py", manual.as_bytes())]);
    assert_eq!(run(&["--check", "."], dir.path()).status.code(), Some(1));
    assert_eq!(run(&["--write", "."], dir.path()).status.code(), Some(0));
    let after = run(&["--check", "."], dir.path());
    assert_eq!(
        after.status.code(),
        Some(1),
        "the manual item is still there"
    );
    assert!(
        text(&after.stderr).contains("m.py:4:5: AM901 [manual]"),
        "{}",
        text(&after.stderr)
    );
    assert_eq!(
        run(&["--check", "--select", "SAFE", "."], dir.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["--check", "--ignore", "AM901", "."], dir.path())
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn github_annotates_every_pending_change_and_exit_zero_passes() {
    let manual = "import asyncio\n\nasync def f():\n    asyncio.create_task(g())\n    await asyncio.sleep(1)\n";
    let dir = tree(&[("m.py", manual.as_bytes())]);
    let out = run(&["--check", "--output-format", "github", "."], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let annotations = text(&out.stdout);
    assert!(
        annotations
            .contains("::warning file=m.py,line=4,col=5,endLine=4,endColumn=29,title=AM901::"),
        "{annotations}"
    );
    assert!(
        annotations.contains(
            "::warning file=m.py,line=5,col=11,endLine=5,endColumn=24,title=AM002 (fix)::"
        ),
        "{annotations}"
    );
    let out = run(&["--check", "--exit-zero", "."], dir.path());
    assert_eq!(out.status.code(), Some(0));
    // Once written, the fix is no longer annotated; the manual item still is.
    run(&["--write", "."], dir.path());
    let out = run(&["--check", "--output-format", "github", "."], dir.path());
    let annotations = text(&out.stdout);
    assert!(!annotations.contains("AM002"), "{annotations}");
    assert!(annotations.contains("title=AM901::"), "{annotations}");
}

#[test]
fn ignoring_a_general_code_silences_the_reports_that_replace_it() {
    // AM206's report on why `t` has no owner replaces AM901's: ignoring AM901
    // (by flag, in the configuration or for the file) silences it too, while
    // selecting AM206 alone keeps it.
    let src = "import asyncio\n\nasync def f():\n    t = asyncio.create_task(g())\n    return t\n";
    let dir = tree(&[("m.py", src.as_bytes())]);
    let report = |args: &[&str]| {
        let mut all = vec!["--unsafe"];
        all.extend_from_slice(args);
        all.push(".");
        text(&run(&all, dir.path()).stdout).contains("AM206 [manual] an unstructured task")
    };
    assert!(report(&[]));
    assert!(report(&["--select", "AM206"]));
    assert!(!report(&["--ignore", "AM901"]));
    assert!(!report(&["--select", "AM2,AM9", "--ignore", "AM901"]));
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.anyio-migrate]\nper-file-ignores = { \"m.py\" = [\"AM901\"] }\n",
    )
    .unwrap();
    assert!(!report(&[]));
}

#[test]
fn add_ignore_names_the_general_code_a_specific_report_replaces() {
    // AM206 says why this task has no owner, in place of AM901's report: the
    // comment names AM901, which silences both and leaves AM206's fixes on.
    let manual =
        "import asyncio\n\nasync def f():\n    t = asyncio.create_task(g())\n    return t\n";
    let dir = tree(&[("m.py", manual.as_bytes())]);
    let before = run(&["--check", "--unsafe", "."], dir.path());
    assert!(
        text(&before.stderr)
            .contains("m.py:4:9: AM206 [manual] an unstructured task: `t` is returned"),
        "{}",
        text(&before.stderr)
    );
    assert_eq!(
        run(&["--add-ignore", "--unsafe", "."], dir.path())
            .status
            .code(),
        Some(0)
    );
    let m = std::fs::read_to_string(dir.path().join("m.py")).unwrap();
    assert!(
        m.contains("    t = asyncio.create_task(g())  # anyio-migrate: ignore[AM901]\n"),
        "{m}"
    );
    assert_eq!(
        run(&["--check", "--unsafe", "."], dir.path()).status.code(),
        Some(0)
    );
}

#[test]
fn add_ignore_acknowledges_manual_items_so_check_passes() {
    let manual = "import asyncio\n\nasync def f():\n    asyncio.create_task(g())  # why\n    await asyncio.sleep(1)\n";
    let dir = tree(&[("m.py", manual.as_bytes())]);
    assert_eq!(run(&["--write", "."], dir.path()).status.code(), Some(0));
    assert_eq!(run(&["--check", "."], dir.path()).status.code(), Some(1));
    let out = run(&["--add-ignore", "."], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("1 ignore comment added in 1 file"),
        "{}",
        text(&out.stderr)
    );
    let m = std::fs::read_to_string(dir.path().join("m.py")).unwrap();
    assert_eq!(
        m,
        "import asyncio\n\nimport anyio\n\nasync def f():\n    asyncio.create_task(g())  # why  # anyio-migrate: ignore[AM901]\n    await anyio.sleep(1)\n"
    );
    assert_eq!(run(&["--check", "."], dir.path()).status.code(), Some(0));
    // A second run adds nothing.
    run(&["--add-ignore", "."], dir.path());
    assert_eq!(std::fs::read_to_string(dir.path().join("m.py")).unwrap(), m);
}

#[test]
fn an_ignore_comment_that_outlived_its_item_fails_check_until_removed() {
    // The task was given an owner by hand; the acknowledgement stayed.
    let src = "import anyio\n\nasync def f():\n    await anyio.sleep(1)  # anyio-migrate: ignore[AM901]\n";
    let dir = tree(&[("m.py", src.as_bytes())]);
    let out = run(&["--check", "."], dir.path());
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        text(&out.stderr),
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr)
            .contains("m.py:4:27: AM907 [manual] `AM901` in this ignore comment silences nothing"),
        "{}",
        text(&out.stderr)
    );
    // --add-ignore does not acknowledge it with another comment.
    run(&["--add-ignore", "."], dir.path());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("m.py")).unwrap(),
        src
    );
    // Not checked when the code it names is not enabled in this run.
    let out = run(&["--check", "--select", "AM0,AM907", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::write(
        dir.path().join("m.py"),
        src.replace("  # anyio-migrate: ignore[AM901]", ""),
    )
    .unwrap();
    assert_eq!(run(&["--check", "."], dir.path()).status.code(), Some(0));
}

#[test]
fn suppression_comment_silences_a_site() {
    let src = "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)  # anyio-migrate: ignore[AM002]\n    await asyncio.sleep(2)\n";
    let dir = tree(&[("a.py", src.as_bytes())]);
    run(&["--write", "a.py"], dir.path());
    let got = std::fs::read_to_string(dir.path().join("a.py")).unwrap();
    assert_eq!(got, "import asyncio\n\nimport anyio\n\nasync def f():\n    await asyncio.sleep(1)  # anyio-migrate: ignore[AM002]\n    await anyio.sleep(2)\n");
}

#[test]
fn bom_and_crlf_are_kept_byte_for_byte() {
    let src =
        b"\xEF\xBB\xBFimport asyncio\r\n\r\nasync def main():\r\n    await asyncio.sleep(1)\r\n";
    let dir = tree(&[("a.py", src)]);
    run(&["--write", "a.py"], dir.path());
    let got = std::fs::read(dir.path().join("a.py")).unwrap();
    assert_eq!(
        got,
        b"\xEF\xBB\xBFimport anyio\r\n\r\nasync def main():\r\n    await anyio.sleep(1)\r\n"
    );
}

#[test]
fn a_diff_of_a_file_with_a_bom_applies_to_it() {
    let src = b"\xEF\xBB\xBFimport asyncio\n\nasync def main():\n    await asyncio.sleep(1)\n";
    let dir = tree(&[("a.py", src)]);
    // The diff's lines are the file's: `git apply` matches the first line
    // with its byte-order mark, and writes it back.
    let out = run(&["--diff", "a.py"], dir.path());
    let diff = text(&out.stdout);
    assert!(diff.contains("-\u{feff}import asyncio\n"), "{diff}");
    assert!(diff.contains("+\u{feff}import anyio\n"), "{diff}");
    let patches = dir.path().join("patches");
    run(
        &["--patches", patches.to_str().unwrap(), "a.py"],
        dir.path(),
    );
    let patch = std::fs::read_to_string(patches.join("AM002-sleep.patch")).unwrap();
    assert!(patch.contains("-\u{feff}import asyncio\n"), "{patch}");
}

#[test]
fn non_utf8_and_binary_files_are_reported_and_skipped() {
    let dir = tree(&[
        ("bad.py", b"x = '\xff'\n"),
        ("bin.py", b"\x00\x01"),
        ("a.py", GOOD.as_bytes()),
    ]);
    let out = run(&["--write", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("bad.py: not valid UTF-8"), "{err}");
    assert!(err.contains("bin.py: binary content"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.py")).unwrap(),
        MIGRATED
    );
}

/// Runs the binary in `dir` with `input` on stdin.
fn run_stdin(args: &[&str], dir: &std::path::Path, input: &str) -> std::process::Output {
    let mut child = bin()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn stdin_to_stdout() {
    let dir = tree(&[]);
    let out = run_stdin(&["-"], dir.path(), GOOD);
    assert_eq!(text(&out.stdout), MIGRATED);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn stdin_check_says_it_would_change_and_exit_zero_applies() {
    let dir = tree(&[]);
    let out = run_stdin(&["--check", "-"], dir.path(), GOOD);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert!(text(&out.stderr).contains("<stdin>: would change"));
    let out = run_stdin(&["--check", "--exit-zero", "-"], dir.path(), GOOD);
    assert_eq!(out.status.code(), Some(0));
    let out = run_stdin(&["--diff", "--exit-zero", "-"], dir.path(), GOOD);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("+import anyio"));
    // Nothing to change: nothing said.
    let out = run_stdin(&["--check", "-"], dir.path(), MIGRATED);
    assert_eq!(out.status.code(), Some(0));
    assert!(!text(&out.stderr).contains("would change"));
}

#[test]
fn stdin_filename_applies_the_files_configuration_and_names_it() {
    let src = "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n    asyncio.create_task(g())\n";
    let dir = tree(&[
        (
            "pyproject.toml",
            b"[tool.anyio-migrate]\nper-file-ignores = { \"tests/*\" = [\"AM002\"] }\n",
        ),
        ("tests/.keep", b""),
    ]);
    // Under tests/ the per-file ignore keeps asyncio.sleep; the diff and the
    // diagnostics name the file.
    let out = run_stdin(
        &["--check", "--stdin-filename", "tests/t.py"],
        dir.path(),
        src,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("tests/t.py:5"), "{err}");
    assert!(!err.contains("AM002"), "{err}");
    let out = run_stdin(
        &["--diff", "--stdin-filename", "tests/t.py"],
        dir.path(),
        src,
    );
    assert_eq!(text(&out.stdout), "");
    // Elsewhere the same text is migrated, and `-` may be given too.
    let out = run_stdin(
        &["--diff", "--stdin-filename", "src/t.py", "-"],
        dir.path(),
        src,
    );
    let diff = text(&out.stdout);
    assert!(
        diff.starts_with("--- a/src/t.py\n+++ b/src/t.py\n"),
        "{diff}"
    );
    assert!(diff.contains("+    await anyio.sleep(1)"), "{diff}");
    // Without the name, stdin is `<stdin>` and no per-file ignore applies.
    let out = run_stdin(&["--diff", "-"], dir.path(), src);
    assert!(text(&out.stdout).starts_with("--- a/<stdin>\n"));
    // Paths to migrate besides the stdin file are a usage error.
    let out = run_stdin(&["--stdin-filename", "x.py", "a.py"], dir.path(), src);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--stdin-filename"));
}

#[test]
fn gitignore_is_respected_and_output_is_sorted() {
    let dir = tree(&[
        (".gitignore", b"skip/\n"),
        ("skip/x.py", GOOD.as_bytes()),
        ("z.py", GOOD.as_bytes()),
        ("a/b.py", GOOD.as_bytes()),
        ("notes.txt", GOOD.as_bytes()),
    ]);
    let out = run(&["--diff", "."], dir.path());
    let diff = text(&out.stdout);
    let headers: Vec<&str> = diff.lines().filter(|l| l.starts_with("--- ")).collect();
    assert_eq!(headers, vec!["--- a/a/b.py", "--- a/z.py"]);
    let err = text(&out.stderr);
    assert!(err.contains("2 files scanned"), "{err}");
}

#[test]
fn unknown_selector_is_a_usage_error() {
    let dir = tree(&[("a.py", GOOD.as_bytes())]);
    let out = run(&["--select", "AM999X", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown code or selector: AM999X"));
}

#[test]
fn list_and_explain() {
    let dir = tree(&[]);
    let list = text(&run(&["list"], dir.path()).stdout);
    assert!(
        list.lines()
            .any(|l| l.starts_with("AM101") && l.contains("safe") && l.contains("wait-for")),
        "{list}"
    );
    let explain = run(&["explain", "wait-for"], dir.path());
    let doc = text(&explain.stdout);
    assert!(doc.starts_with("# AM101 wait-for"), "{doc}");
    assert!(doc.contains("## Fix safety") && doc.contains("anyio.fail_after"));
    assert_eq!(
        run(&["explain", "AM000"], dir.path()).status.code(),
        Some(2)
    );
}

#[test]
fn unsafe_fixes_need_the_flag() {
    let src = "import asyncio\n\nasync def f(d):\n    await asyncio.sleep(d)\n";
    let dir = tree(&[("a.py", src.as_bytes())]);
    let out = run(&["--diff", "a.py"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("AM002 [unsafe fix: use --unsafe]"));
    let out = run(&["--diff", "--unsafe", "a.py"], dir.path());
    assert!(text(&out.stdout).contains("+    await anyio.sleep(d)"));
}

#[test]
fn prefilter_changes_nothing_but_speed() {
    let root = repo_root();
    let args = [
        "--diff",
        "--unsafe",
        "testdata/fixtures",
        "testdata/demo",
        "testdata/programs",
    ];
    let with = bin().args(args).current_dir(&root).output().unwrap();
    let without = bin()
        .args(args)
        .arg("--no-prefilter")
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(text(&with.stdout), text(&without.stdout));
    let strip = |s: String| {
        s.lines()
            .filter(|l| !l.starts_with("anyio-migrate: "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(text(&with.stderr)), strip(text(&without.stderr)));
    assert!(!with.stdout.is_empty());
}

#[cfg(unix)]
#[test]
fn a_read_only_file_is_reported_and_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree(&[("a.py", GOOD.as_bytes()), ("ro.py", GOOD.as_bytes())]);
    let ro = dir.path().join("ro.py");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = run(&["--write", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("ro.py: read-only; not written"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr)
            .contains("1 changed; 2 fixes applied (AM001 ×1, AM002 ×1); 1 file not written;"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), GOOD);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.py")).unwrap(),
        MIGRATED
    );
}

/// A file owned by someone else, in a folder anyone may write: renaming a
/// new file over it would bypass its owner's permissions. Needs root, to
/// run the tool as another user (tests run as root here and in CI).
#[cfg(unix)]
#[test]
fn another_owners_file_in_a_writable_folder_is_not_replaced() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root to run the tool as another user");
        return;
    }
    let dir = tree(&[("theirs.py", GOOD.as_bytes()), ("open.py", GOOD.as_bytes())]);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let theirs = dir.path().join("theirs.py");
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o644)).unwrap();
    // A file the other user may write is written.
    let open = dir.path().join("open.py");
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = bin()
        .args(["--write", "."])
        .current_dir(dir.path())
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("theirs.py: not writable by this user; not written"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 changed; 2 fixes applied (AM001 ×1, AM002 ×1); 1 file not written;"),
        "only open.py counts as changed: {stderr}"
    );
    assert_eq!(std::fs::read_to_string(&theirs).unwrap(), GOOD);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(&theirs).unwrap().uid(),
        0,
        "still root's file"
    );
    assert_eq!(std::fs::read_to_string(&open).unwrap(), MIGRATED);
}

#[test]
fn a_pytest_asyncio_project_moves_to_the_anyio_plugin() {
    let dir = tree(&[
        ("pytest.ini", b"[pytest]\nasyncio_mode = auto\n"),
        ("requirements.txt", b"pytest\npytest-asyncio\n"),
        (
            "tests/test_a.py",
            b"import pytest\n\n\n@pytest.mark.asyncio\nasync def test_a():\n    pass\n",
        ),
    ]);
    let out = run(&["--write", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pytest.ini")).unwrap(),
        "[pytest]\nanyio_mode = auto\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("requirements.txt")).unwrap(),
        "pytest\nanyio>=4.16\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("tests/test_a.py")).unwrap(),
        "async def test_a():\n    pass\n"
    );
    let conftest = std::fs::read_to_string(dir.path().join("conftest.py")).unwrap();
    assert!(conftest.contains("def anyio_backend():"), "{conftest}");
    // A second run changes nothing.
    let again = run(&["--diff", "."], dir.path());
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed_or_written_through() {
    let dir = tree(&[("real/a.py", GOOD.as_bytes())]);
    let outside = tree(&[("b.py", GOOD.as_bytes())]);
    std::os::unix::fs::symlink(outside.path().join("b.py"), dir.path().join("link.py")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linkdir")).unwrap();
    let out = run(&["--write", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("real/a.py")).unwrap(),
        MIGRATED
    );
    // Neither the linked file nor the linked folder outside the tree changed.
    assert_eq!(
        std::fs::read_to_string(outside.path().join("b.py")).unwrap(),
        GOOD
    );
    // Named explicitly, a link is reported, not replaced.
    let out = run(&["--write", "link.py"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("link.py: is a symbolic link; not written"),
        "{}",
        text(&out.stderr)
    );
    assert!(std::fs::symlink_metadata(dir.path().join("link.py"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[cfg(unix)]
#[test]
fn killed_mid_write_leaves_every_file_old_or_new() {
    let files: Vec<(String, Vec<u8>)> = (0..1500)
        .map(|i| (format!("pkg{}/m{i}.py", i % 30), GOOD.as_bytes().to_vec()))
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    let dir = tree(&refs);
    let mut child = bin()
        .args(["--write", "-q", "-j", "2", "."])
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(40));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let (mut old, mut new) = (0, 0);
    for (name, _) in &files {
        let got = std::fs::read_to_string(dir.path().join(name)).unwrap();
        if got == GOOD {
            old += 1;
        } else {
            assert_eq!(
                got, MIGRATED,
                "{name} is neither its old nor its new content"
            );
            new += 1;
        }
    }
    assert_eq!(old + new, files.len());
}

#[test]
fn configuration_in_pyproject_and_flags_that_win() {
    let sleep_and_lock =
        "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n    return asyncio.Lock()\n";
    let dir = tree(&[
        ("pyproject.toml", b"[tool.anyio-migrate]\nselect = [\"AM3\"]\nper-file-ignores = { \"legacy/*.py\" = [\"AM301\"] }\n"),
        ("a.py", sleep_and_lock.as_bytes()),
        ("legacy/b.py", sleep_and_lock.as_bytes()),
    ]);
    let out = run(&["--diff", "."], dir.path());
    let diff = text(&out.stdout);
    assert!(diff.contains("+    return anyio.Lock()"), "{diff}");
    assert!(
        !diff.contains("anyio.sleep"),
        "select = AM3 leaves sleep alone: {diff}"
    );
    assert!(!diff.contains("legacy/b.py"), "per-file-ignores: {diff}");
    // A flag wins over the file; --isolated ignores it.
    let out = run(&["--diff", "--select", "AM002", "a.py"], dir.path());
    assert!(
        text(&out.stdout).contains("anyio.sleep(1)") && !text(&out.stdout).contains("anyio.Lock")
    );
    let out = run(&["--diff", "--isolated", "legacy/b.py"], dir.path());
    assert!(text(&out.stdout).contains("anyio.Lock()"));
}

#[test]
fn a_bad_configuration_names_the_file_and_the_key() {
    let dir = tree(&[
        (
            "pyproject.toml",
            b"[tool.anyio-migrate]\nselekt = [\"AM1\"]\n",
        ),
        ("a.py", GOOD.as_bytes()),
    ]);
    let out = run(&["a.py"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("pyproject.toml")
            && err.contains("selekt")
            && err.contains("allowed keys: select"),
        "{err}"
    );
    let dir = tree(&[
        (
            "pyproject.toml",
            b"[tool.anyio-migrate]\ntarget-anyio = \"four\"\n",
        ),
        ("a.py", GOOD.as_bytes()),
    ]);
    let err = text(&run(&["a.py"], dir.path()).stderr);
    assert!(
        err.contains("target-anyio") && err.contains("`four` is not a version"),
        "{err}"
    );
}

#[test]
fn the_project_anyio_requirement_sets_the_default_target() {
    let src = "import asyncio\n\nasync def f():\n    return await asyncio.gather(a(), b())\n";
    let project = |dep: &str| {
        format!(
            "[project]\nname = \"p\"\nrequires-python = \">=3.11\"\ndependencies = [\"{dep}\"]\n"
        )
    };
    // anyio>=4.5 cannot run `anyio.gather` (4.15): reported, not rewritten.
    let dir = tree(&[
        ("pyproject.toml", project("anyio>=4.5,<5").as_bytes()),
        ("a.py", src.as_bytes()),
    ]);
    let err = text(&run(&["--unsafe", "a.py"], dir.path()).stderr);
    let out = text(&run(&["--unsafe", "a.py"], dir.path()).stdout);
    assert!(out.contains("needs anyio 4.15"), "{out}{err}");
    // The flag still wins.
    let out = text(
        &run(
            &["--unsafe", "--target-anyio", "4.16", "--diff", "a.py"],
            dir.path(),
        )
        .stdout,
    );
    assert!(out.contains("anyio.gather"), "{out}");
    let dir = tree(&[
        ("pyproject.toml", project("anyio>=4.15").as_bytes()),
        ("a.py", src.as_bytes()),
    ]);
    let out = text(&run(&["--unsafe", "--diff", "a.py"], dir.path()).stdout);
    assert!(out.contains("anyio.gather"), "{out}");
    // Below anyio 4 is refused, and so is an anyio or Python this version
    // cannot write for; the message names the flag or the table's file.
    let out = run(&["--target-anyio", "3.7", "a.py"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--target-anyio: anyio 3.7 is not supported"));
    for (key, value, says) in [
        ("target-anyio", "3.7", "anyio 3.7 is not supported"),
        ("target-anyio", "5.0", "anyio 5.0 is unknown"),
        ("target-python", "2.7", "Python 2.7 is not supported"),
    ] {
        let table = format!("[tool.anyio-migrate]\n{key} = \"{value}\"\n");
        let dir = tree(&[
            ("pyproject.toml", table.as_bytes()),
            ("a.py", src.as_bytes()),
        ]);
        let out = run(&["a.py"], dir.path());
        assert_eq!(out.status.code(), Some(2), "{key} = {value}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!(
                "pyproject.toml: [tool.anyio-migrate] {key}: {says}"
            )),
            "{err}"
        );
    }
}

#[cfg(unix)]
#[test]
fn broken_symlinks_given_as_paths_say_what_is_wrong() {
    let dir = tree(&[("a.py", GOOD.as_bytes())]);
    let link = |to: &str, at: &str| std::os::unix::fs::symlink(to, dir.path().join(at)).unwrap();
    link("loop2", "loop1");
    link("loop1", "loop2");
    link("missing", "dangling");
    let out = run(&["--check", "loop1", "dangling", "a.py"], dir.path());
    let e = text(&out.stderr);
    // Each said with its reason ("no such file" for both before), and the
    // run goes on with the file that is there.
    assert!(
        e.contains("loop1: Too many levels of symbolic links"),
        "{e}"
    );
    assert!(e.contains("dangling: a symbolic link to nothing"), "{e}");
    assert!(e.contains("a.py: would change"), "{e}");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn typos_get_a_did_you_mean() {
    let dir = tree(&[("a.py", GOOD.as_bytes())]);
    let err = |args: &[&str], dir: &Path| text(&run(args, dir).stderr);
    let e = err(&["--select", "AM0002", "."], dir.path());
    assert!(e.contains("AM0002 (did you mean `AM002`?)"), "{e}");
    let e = err(&["explain", "sleeep"], dir.path());
    assert!(e.contains("(did you mean `sleep`?)"), "{e}");
    let e = err(&["chek"], dir.path());
    assert!(
        e.contains("chek: no such file or directory (did you mean `--check`?)"),
        "{e}"
    );
    // A subcommand typed as a flag.
    let out = run(&["--list"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("`list` is a subcommand, not a flag: `anyio-migrate list`"),
        "{}",
        text(&out.stderr)
    );
    let e = err(&["--explian", "AM101"], dir.path());
    assert!(e.contains("`explain` is a subcommand"), "{e}");
    let e = err(&["nonexistent_dir"], dir.path());
    assert!(
        e.contains("no such file or directory") && !e.contains("did you mean"),
        "{e}"
    );
    let dir = tree(&[
        (
            "pyproject.toml",
            b"[tool.anyio-migrate]\nselectt = [\"AM1\"]\n",
        ),
        ("a.py", GOOD.as_bytes()),
    ]);
    let e = err(&["a.py"], dir.path());
    assert!(
        e.contains("unknown key `selectt` (did you mean `select`?)"),
        "{e}"
    );
}

#[test]
fn per_file_ignores_reject_unknown_codes_and_toml_errors_have_a_position() {
    let dir = tree(&[
        (
            "pyproject.toml",
            b"[tool.anyio-migrate]\nper-file-ignores = { \"a.py\" = [\"AM0002\"] }\n",
        ),
        ("a.py", GOOD.as_bytes()),
    ]);
    let out = run(&["a.py"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(
        e.contains("pyproject.toml: [tool.anyio-migrate]: unknown code or selector: AM0002"),
        "{e}"
    );
    let dir = tree(&[
        (
            "pyproject.toml",
            b"[tool.anyio-migrate]\nselect = [\"AM1\"\n",
        ),
        ("a.py", GOOD.as_bytes()),
    ]);
    let e = text(&run(&["a.py"], dir.path()).stderr);
    assert!(e.contains("pyproject.toml:2:"), "{e}");
}

#[test]
fn json_output_follows_its_schema() {
    let manual = "import asyncio\n\nasync def f():\n    asyncio.create_task(g())\n    await asyncio.sleep(1)\n";
    let dir = tree(&[("a.py", manual.as_bytes())]);
    let out = run(&["--output-format", "json", "a.py"], dir.path());
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(doc["version"], 1);
    let items = doc["diagnostics"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for d in items {
        for key in ["path", "code", "message", "status"] {
            assert!(d[key].is_string(), "{key} in {d}");
        }
        for key in ["start", "end"] {
            assert!(
                d[key]["line"].as_u64().unwrap() >= 1 && d[key]["column"].as_u64().unwrap() >= 1
            );
        }
        assert!(["fixed", "unsafe-fix", "manual", "suppressed", "rejected"]
            .contains(&d["status"].as_str().unwrap()));
        assert!(
            d["fix_applicability"].is_null()
                || ["safe", "unsafe"].contains(&d["fix_applicability"].as_str().unwrap())
        );
    }
    assert_eq!(items[0]["code"], "AM901");
    assert_eq!(items[0]["status"], "manual");
    assert_eq!(items[0]["fix_lines"], serde_json::json!([]));
    assert_eq!(items[1]["status"], "fixed");
    assert_eq!(items[1]["fix_lines"], serde_json::json!([[5, 5]]));
    assert_eq!(doc["summary"]["manual"], 1);
    assert_eq!(doc["summary"]["fixes"]["AM002"], 1);
}

#[test]
fn files_in_error_are_named_in_json_and_github_annotations() {
    let dir = tree(&[("bad.py", b"x = '\xff'\n"), ("a.py", GOOD.as_bytes())]);
    let out = run(&["--output-format", "json", "."], dir.path());
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(
        doc["errors"],
        serde_json::json!([{"path": "bad.py", "message": "not valid UTF-8 (byte 5); skipped", "internal": false}])
    );
    assert_eq!(doc["summary"]["errors"], 1);
    let out = run(&["--output-format", "github", "."], dir.path());
    assert!(
        text(&out.stdout).contains(
            "::error file=bad.py,title=anyio-migrate::not valid UTF-8 (byte 5); skipped\n"
        ),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn json_with_diff_is_one_document_holding_the_diffs() {
    let dir = tree(&[("a.py", GOOD.as_bytes())]);
    let out = run(&["--diff", "--output-format", "json", "a.py"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    let diffs = doc["diffs"].as_array().unwrap();
    assert_eq!(diffs.len(), 1);
    assert_eq!(diffs[0]["path"], "a.py");
    assert!(diffs[0]["diff"]
        .as_str()
        .unwrap()
        .starts_with("--- a/a.py\n+++ b/a.py\n"));
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    // More diff than a pipe holds (64 KiB), so the writer meets the closed end.
    let files: Vec<(String, Vec<u8>)> = (0..600)
        .map(|i| (format!("m{i:03}.py"), GOOD.as_bytes().to_vec()))
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = tree(&refs);
    for args in [
        &["--diff", "."][..],
        &["--diff", "--color", "always", "."][..],
    ] {
        // stderr into a file: a pipe nobody drains would fill up and block
        // the run before it ever meets the closed stdout.
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child = bin()
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(log.reopen().unwrap())
            .spawn()
            .unwrap();
        // Read one byte, then close the pipe.
        let mut stdout = child.stdout.take().unwrap();
        let mut byte = [0u8; 1];
        std::io::Read::read_exact(&mut stdout, &mut byte).unwrap();
        drop(stdout);
        let status = child.wait().unwrap();
        let err = std::fs::read_to_string(log.path()).unwrap();
        assert!(
            !err.contains("Broken pipe") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn completions_for_a_shell() {
    let dir = tree(&[]);
    let out = run(&["completions", "bash"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let script = text(&out.stdout);
    assert!(
        script.contains("--select") && script.contains("explain"),
        "{script}"
    );
}

#[test]
fn a_markdown_report_for_a_pull_request() {
    let manual = "import asyncio\n\nasync def f(d):\n    asyncio.create_task(g())\n    await asyncio.sleep(1)\n    await asyncio.sleep(d)\n";
    let dir = tree(&[("a.py", manual.as_bytes())]);
    let out = run(&["--write", "--report", "report.md", "."], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    // Each code is named, with its summary and where its page is.
    assert!(
        report.contains("| AM002 sleep | `asyncio.sleep(T)` becomes `anyio.sleep(T)` | 1 |"),
        "{report}"
    );
    assert!(report.contains("`docs/transforms/CODE.md`"), "{report}");
    // The sites it fixed.
    assert!(
        report.contains("<summary>AM002: 1 site</summary>") && report.contains("- `a.py` line 5\n"),
        "{report}"
    );
    assert!(
        report.contains("### `a.py`") && report.contains("line 4, AM901 create-task: "),
        "{report}"
    );
    // An unsafe fix left says why it is unsafe.
    assert!(
        report.contains("## Unsafe fixes not applied (1)")
            && report.contains(
                "line 6, AM002 sleep: `asyncio.sleep` becomes `anyio.sleep` (`d` is not a number known to be non-negative)"
            ),
        "{report}"
    );
    // Applied with --unsafe, the site still says why it was unsafe.
    std::fs::write(dir.path().join("a.py"), manual).unwrap();
    let out = run(
        &["--write", "--unsafe", "--report", "report.md", "."],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        report
            .contains("- `a.py` line 6 (unsafe: `asyncio.sleep` becomes `anyio.sleep` (`d` is not"),
        "{report}"
    );
}

#[test]
fn statistics_name_each_code_and_split_safe_unsafe_and_manual() {
    let manual = "import asyncio\n\nasync def f(d):\n    asyncio.create_task(g())\n    await asyncio.sleep(1)\n    await asyncio.sleep(d)\n";
    let dir = tree(&[("a.py", manual.as_bytes())]);
    let out = run(&["--statistics", "."], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let table = text(&out.stdout);
    let row = |code: &str| {
        table
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(code))
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("no {code} row: {table}"))
    };
    // count, code, safe, unsafe, manual, then the name and summary.
    let sleep = row("AM002");
    assert_eq!(
        sleep[..6],
        ["2", "AM002", "1", "1", "0", "sleep:"],
        "{table}"
    );
    let task = row("AM901");
    assert_eq!(
        task[..6],
        ["1", "AM901", "0", "0", "1", "create-task:"],
        "{table}"
    );
    assert!(table.starts_with(" count  code"), "{table}");
    // With --unsafe the unsafe fix is still an unsafe one.
    let out = run(&["--statistics", "--unsafe", "."], dir.path());
    assert!(text(&out.stdout).contains("     2  AM002      1       1       0  sleep: "));
    // As JSON: one document holding the same counts (it printed the table
    // and then the diagnostics' document, which no JSON reader takes).
    let out = run(
        &["--statistics", "--output-format", "json", "."],
        dir.path(),
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    let sleep = doc
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["code"] == "AM002"))
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(
        sleep,
        &serde_json::json!({"code": "AM002", "name": "sleep", "count": 2, "safe": 1, "unsafe": 1, "manual": 0})
    );
}

#[test]
fn show_fixes_per_file() {
    let dir = tree(&[("a.py", GOOD.as_bytes())]);
    let out = run(&["--write", "--show-fixes", "a.py"], dir.path());
    assert!(
        text(&out.stderr).contains("a.py: Fixed 2: 1 × AM001, 1 × AM002"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn force_color_colors_a_piped_diff_unless_no_color() {
    let dir = tree(&[("a.py", GOOD.as_bytes())]);
    let diff = |env: &[(&str, &str)], args: &[&str]| {
        let mut cmd = bin();
        cmd.env_remove("NO_COLOR").env_remove("FORCE_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.args(args).current_dir(dir.path()).output().unwrap();
        text(&out.stdout).contains("\x1b[32m")
    };
    let d = ["--diff", "a.py"];
    assert!(!diff(&[], &d), "a pipe gets no color");
    assert!(diff(&[("FORCE_COLOR", "1")], &d));
    assert!(!diff(&[("FORCE_COLOR", "")], &d), "an empty value is unset");
    assert!(!diff(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")], &d));
    assert!(!diff(
        &[("FORCE_COLOR", "1")],
        &["--color", "never", "--diff", "a.py"]
    ));
    assert!(diff(
        &[("NO_COLOR", "1")],
        &["--color", "always", "--diff", "a.py"]
    ));
}

#[test]
fn man_page_and_odd_files() {
    let dir = tree(&[
        ("empty.py", b""),
        ("bom_only.py", b"\xEF\xBB\xBF"),
        ("only_comment.py", b"# import asyncio\n"),
    ]);
    let man = run(&["man"], dir.path());
    assert_eq!(man.status.code(), Some(0));
    let page = text(&man.stdout);
    assert!(page.contains(".TH anyio-migrate"), "{page}");
    for section in [
        ".SH \"EXIT STATUS\"",
        ".SH CONFIGURATION",
        ".SH ENVIRONMENT",
        "FORCE_COLOR",
        "target\\-anyio",
    ] {
        assert!(page.contains(section), "{section}: {page}");
    }
    let out = run(&["--write", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(dir.path().join("empty.py")).unwrap(), b"");
    assert_eq!(
        std::fs::read(dir.path().join("bom_only.py")).unwrap(),
        b"\xEF\xBB\xBF"
    );
    assert_eq!(
        std::fs::read(dir.path().join("only_comment.py")).unwrap(),
        b"# import asyncio\n"
    );
}

#[test]
fn requires_python_below_3_11_keeps_asyncio_timeout_error() {
    let src = "import asyncio\n\ndef f():\n    try:\n        g()\n    except asyncio.TimeoutError:\n        pass\n";
    let dir = tree(&[
        (
            "pyproject.toml",
            b"[project]\nname = \"x\"\nrequires-python = \">=3.9\"\n",
        ),
        ("a.py", src.as_bytes()),
    ]);
    let out = run(&["--diff", "a.py"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = run(&["--diff", "--target-python", "3.11", "a.py"], dir.path());
    assert!(
        text(&out.stdout).contains("+    except TimeoutError:"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_python_floor_the_needed_anyio_does_not_run_on_is_reported() {
    let code = "import asyncio\n\nasync def f():\n    return 1\n\nasync def main():\n    a, b = await asyncio.gather(f(), f())\n    return a + b\n";
    let project = |python: &str| {
        let toml = format!(
            "[project]\nname = \"pkg\"\nrequires-python = \"{python}\"\ndependencies = []\n"
        );
        tree(&[
            ("pyproject.toml", toml.into_bytes().leak() as &[u8]),
            ("pkg/__init__.py", b""),
            ("pkg/core.py", code.as_bytes()),
        ])
    };
    // Python 3.8: the default target stays anyio 4.16 (the Python floor
    // does not lower it), so the gather becomes `anyio.gather` and the
    // dependency it needs is added; that anyio needs Python 3.10, which is
    // reported with the newest anyio that runs on 3.8 as the alternative.
    let dir = project(">=3.8");
    let out = run(&["--diff", "."], dir.path());
    let (diff, err) = (text(&out.stdout), text(&out.stderr));
    assert!(
        diff.contains("+    a, b = await anyio.gather(f(), f())"),
        "{diff}"
    );
    assert!(diff.contains("+dependencies = [\"anyio>=4.15\"]"), "{diff}");
    assert!(
        err.contains("pyproject.toml:3:1: AM602 [manual] the project supports Python 3.8 (`>=3.8`), but anyio 4.15, which the migrated code needs, requires Python 3.10: raise the Python floor, or migrate with `--target-anyio 4.5` (the newest anyio that runs on 3.8)"),
        "{err}"
    );
    // Migrating with that target: no `anyio.gather` (the gather is left to
    // a person), and nothing to report about the Python floor.
    let out = run(&["--diff", "--target-anyio", "4.5", "."], dir.path());
    let (diff, err) = (text(&out.stdout), text(&out.stderr));
    assert!(!diff.contains("anyio.gather"), "{diff}");
    assert!(err.contains("`anyio.gather` needs anyio 4.15"), "{err}");
    assert!(!err.contains("the project supports Python"), "{err}");
    // Python 3.10: anyio 4.16's `anyio.gather`, and nothing to report.
    let dir = project(">=3.10");
    let out = run(&["--diff", "."], dir.path());
    let (diff, err) = (text(&out.stdout), text(&out.stderr));
    assert!(
        diff.contains("+    a, b = await anyio.gather(f(), f())"),
        "{diff}"
    );
    assert!(diff.contains("+dependencies = [\"anyio>=4.15\"]"), "{diff}");
    assert!(!err.contains("the project supports Python"), "{err}");
    // An explicit target the declared Python cannot install is reported too.
    let dir = project(">=3.9");
    let err = text(&run(&["--target-anyio", "4.16", "."], dir.path()).stdout);
    assert!(
        err.contains("pyproject.toml:3:1: AM602 [manual] the project supports Python 3.9 (`>=3.9`), but anyio 4.15, which the migrated code needs, requires Python 3.10: raise the Python floor, or migrate with `--target-anyio 4.12`"),
        "{err}"
    );
}

#[test]
fn new_long_lines_are_wrapped_to_the_projects_line_length() {
    let code = "import asyncio\n\nLONG_UNTOUCHED = ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccc']\n\n\nasync def f(g, a):\n    return await asyncio.to_thread(g, a)\n";
    let wrapped =
        "    return await anyio.to_thread.run_sync(\n        g, a, abandon_on_cancel=True\n    )\n";
    for (config, name) in [
        ("[tool.ruff]\nline-length = 60\n", "pyproject.toml"),
        ("[tool.black]\nline-length = 60\n", "pyproject.toml"),
        ("[flake8]\nmax-line-length = 60\n", "setup.cfg"),
    ] {
        let dir = tree(&[(name, config.as_bytes()), ("a.py", code.as_bytes())]);
        let out = run(&["--write", "a.py"], dir.path());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let got = std::fs::read_to_string(dir.path().join("a.py")).unwrap();
        assert!(got.ends_with(wrapped), "{name}: {got}");
        // The long line the migration did not touch stays as it was.
        assert!(got.contains("LONG_UNTOUCHED = ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccc']\n"));
        // A second run changes nothing.
        let again = run(&["--diff", "a.py"], dir.path());
        assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
    }
    // 88 by default: the new line fits.
    let dir = tree(&[("a.py", code.as_bytes())]);
    run(&["--write", "a.py"], dir.path());
    let got = std::fs::read_to_string(dir.path().join("a.py")).unwrap();
    assert!(
        got.ends_with("    return await anyio.to_thread.run_sync(g, a, abandon_on_cancel=True)\n"),
        "{got}"
    );
}

#[test]
fn dependencies_in_setup_py_or_requirements_txt_are_reported() {
    let code = "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n";
    let setup = "from setuptools import setup\n\nsetup(\n    name=\"pkg\",\n    install_requires=[\"attrs\"],\n)\n";
    let dir = tree(&[
        ("setup.py", setup.as_bytes()),
        ("pkg/__init__.py", b""),
        ("pkg/core.py", code.as_bytes()),
    ]);
    let out = run(&["--write", "."], dir.path());
    let err = text(&out.stderr);
    assert!(
        err.contains("setup.py:5:1: AM602 [manual] the migrated code imports anyio: add `anyio>=4.0` to `install_requires` in setup.py"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("setup.py")).unwrap(),
        setup
    );
    // A requirements.txt that is the only declaration.
    let dir = tree(&[
        ("requirements.txt", b"attrs\nanyio==3.7.1\n"),
        ("pkg/__init__.py", b""),
        ("pkg/core.py", code.as_bytes()),
    ]);
    let out = run(&["--check", "."], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("requirements.txt:2:1: AM602 [manual] `anyio==3.7.1` cannot hold the migrated code, which needs `anyio>=4.0`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_module_given_alone_still_gets_its_dependency_declared() {
    let code = "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n";
    // pre-commit passes the staged module, not its project's pyproject.toml.
    let dir = tree(&[
        (
            "pyproject.toml",
            b"[project]\nname = \"p\"\ndependencies = [\"attrs\"]\n",
        ),
        ("pkg/__init__.py", b""),
        ("pkg/core.py", code.as_bytes()),
    ]);
    let out = run(&["--write", "pkg/core.py"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let pyproject = std::fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
    assert!(pyproject.contains("\"anyio>=4.0\""), "{pyproject}");
    // A requirements file the run cannot edit keeps its report on the next
    // run, when the module already imports anyio.
    let dir = tree(&[
        ("requirements.txt", b"attrs\n"),
        ("pkg/__init__.py", b""),
        ("pkg/core.py", code.as_bytes()),
    ]);
    let item = "requirements.txt:1:1: AM602 [manual] the migrated code imports anyio: add `anyio>=4.0` to this requirements file";
    for _ in 0..2 {
        let out = run(&["--write", "."], dir.path());
        assert!(text(&out.stderr).contains(item), "{}", text(&out.stderr));
    }
}

#[test]
fn the_python_floor_is_read_from_poetry_setup_cfg_and_setup_py() {
    let src = "import asyncio\n\ndef f():\n    try:\n        g()\n    except asyncio.TimeoutError:\n        pass\n";
    for (name, content) in [
        (
            "pyproject.toml",
            &b"[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\npython = \"^3.8\"\n"[..],
        ),
        ("setup.cfg", b"[options]\npython_requires = >=3.9\n"),
        (
            "setup.py",
            b"setup(\n    name=\"x\",\n    python_requires=\">=3.8\",\n)\n",
        ),
    ] {
        let dir = tree(&[(name, content), ("a.py", src.as_bytes())]);
        let out = run(&["--diff", "a.py"], dir.path());
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stdout));
    }
}

#[test]
fn below_3_11_a_new_scope_needs_a_handler_of_both_timeout_errors() {
    let only_asyncio = "import asyncio\n\nasync def f(c):\n    try:\n        await asyncio.wait_for(c(), 1)\n    except asyncio.TimeoutError:\n        return None\n";
    let dir = tree(&[("a.py", only_asyncio.as_bytes())]);
    let out = run(&["--diff", "--target-python", "3.9", "a.py"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("below Python 3.11"),
        "{}",
        text(&out.stderr)
    );
    // On 3.11 they are one class; with both caught, 3.9 is fine too.
    let out = run(&["--diff", "--target-python", "3.11", "a.py"], dir.path());
    assert!(text(&out.stdout).contains("anyio.fail_after(1)"));
    let both = only_asyncio.replace(
        "except asyncio.TimeoutError:",
        "except (TimeoutError, asyncio.TimeoutError):",
    );
    let dir = tree(&[("a.py", both.as_bytes())]);
    let out = run(&["--diff", "--target-python", "3.9", "a.py"], dir.path());
    assert!(
        text(&out.stdout).contains("anyio.fail_after(1)"),
        "{}",
        text(&out.stderr)
    );
}

/// The diff of each file in a `--diff` output, by path.
fn diffs_by_file(diff: &str) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for part in diff.split("--- a/").skip(1) {
        let path = part.lines().next().unwrap().to_string();
        out.insert(path, part.to_string());
    }
    out
}

#[test]
fn each_file_uses_the_nearest_configuration() {
    let sleep_and_lock =
        "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n    return asyncio.Lock()\n";
    let dir = tree(&[
        (
            "a/pyproject.toml",
            b"[tool.anyio-migrate]\nselect = [\"AM3\"]\n",
        ),
        ("a/x.py", sleep_and_lock.as_bytes()),
        (
            "b/pyproject.toml",
            b"[tool.anyio-migrate]\nignore = [\"AM3\"]\nexclude = [\"gen/\"]\n",
        ),
        ("b/x.py", sleep_and_lock.as_bytes()),
        ("b/gen/y.py", sleep_and_lock.as_bytes()),
        ("c/x.py", sleep_and_lock.as_bytes()),
    ]);
    let out = run(&["--diff", "."], dir.path());
    let by_file = diffs_by_file(&text(&out.stdout));
    let keys: Vec<&str> = by_file.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["a/x.py", "b/x.py", "c/x.py"],
        "b's exclude leaves gen/ out"
    );
    let (a, b, c) = (&by_file["a/x.py"], &by_file["b/x.py"], &by_file["c/x.py"]);
    assert!(
        a.contains("+    return anyio.Lock()") && !a.contains("+    await anyio.sleep"),
        "{a}"
    );
    assert!(
        b.contains("+    await anyio.sleep(1)") && !b.contains("+    return anyio.Lock"),
        "{b}"
    );
    assert!(
        c.contains("anyio.sleep(1)") && c.contains("anyio.Lock()"),
        "{c}"
    );
    // A flag wins in every sub-project.
    let out = run(&["--diff", "--select", "AM002", "."], dir.path());
    let by_file = diffs_by_file(&text(&out.stdout));
    for (path, d) in &by_file {
        assert!(
            d.contains("anyio.sleep(1)") && !d.contains("anyio.Lock"),
            "{path}: {d}"
        );
    }
    assert!(by_file.contains_key("a/x.py"), "{by_file:?}");
    // A selected code is not taken back by a table's `ignore` (b ignores AM3).
    let out = run(&["--diff", "--select", "AM301", "b"], dir.path());
    let by_file = diffs_by_file(&text(&out.stdout));
    assert!(
        by_file["b/x.py"].contains("+    return anyio.Lock()"),
        "{by_file:?}"
    );
    // --config names one table for all; --isolated uses none.
    let out = run(&["--diff", "--config", "a/pyproject.toml", "."], dir.path());
    let by_file = diffs_by_file(&text(&out.stdout));
    assert!(
        by_file.contains_key("b/gen/y.py"),
        "a's table has no exclude"
    );
    for (path, d) in &by_file {
        assert!(!d.contains("+    await anyio.sleep"), "{path}: {d}");
    }
    let out = run(&["--diff", "--isolated", "."], dir.path());
    let by_file = diffs_by_file(&text(&out.stdout));
    assert_eq!(by_file.len(), 4);
    assert!(by_file.values().all(|d| d.contains("anyio.Lock()")));
}

/// Copies a folder recursively (no symbolic links in the fixtures).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Every file under `dir` (but `.git`) with its bytes, by relative path.
fn files_of(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), bytes);
            }
        }
    }
    out
}

fn git(args: &[&str], dir: &Path) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs")
}

#[test]
fn patches_applied_in_order_with_git_equal_write() {
    for fixture in ["testdata/demo", "testdata/pytest-projects/ini-project"] {
        for flags in [&[][..], &["--unsafe"][..]] {
            let work = tempfile::tempdir().unwrap();
            let (patched, written) = (work.path().join("patched"), work.path().join("written"));
            copy_tree(&repo_root().join(fixture), &patched);
            copy_tree(&repo_root().join(fixture), &written);
            let original = files_of(&patched);
            let patch_dir = work.path().join("patches");
            let mut args = vec!["--patches", patch_dir.to_str().unwrap(), "."];
            args.extend(flags);
            let out = run(&args, &patched);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            assert_eq!(files_of(&patched), original, "--patches changes no file");
            let mut patches: Vec<PathBuf> = std::fs::read_dir(&patch_dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            patches.sort();
            assert!(patches.len() > 3, "{fixture}: {patches:?}");
            let first = std::fs::read_to_string(&patches[0]).unwrap();
            let name = patches[0].file_name().unwrap().to_str().unwrap();
            let code = &name[..5];
            assert!(
                first.starts_with(code)
                    && first.contains("Fix safety: ")
                    && first.contains("Files:\n  "),
                "{name}: {first}"
            );
            assert_eq!(git(&["init", "-q"], &patched).status.code(), Some(0));
            for p in &patches {
                let out = git(&["apply", p.to_str().unwrap()], &patched);
                assert!(
                    out.status.success(),
                    "{fixture} {flags:?}: {} does not apply: {}",
                    p.display(),
                    text(&out.stderr)
                );
            }
            let mut args = vec!["--write", "-q", "."];
            args.extend(flags);
            run(&args, &written);
            let (got, want) = (files_of(&patched), files_of(&written));
            assert_ne!(want, original, "{fixture}: --write changes something");
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                want.keys().collect::<Vec<_>>()
            );
            for (path, bytes) in &want {
                assert!(
                    got[path] == *bytes,
                    "{fixture} {flags:?}: {} differs from --write",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn patches_refuse_a_folder_with_patches() {
    let dir = tree(&[("a.py", GOOD.as_bytes()), ("out/old.patch", b"x")]);
    let out = run(&["--patches", "out", "a.py"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("holds patches already"),
        "{}",
        text(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn interactive_review_writes_only_the_accepted_hunks() {
    let filler = "\n\ndef filler():\n    x = 1\n    y = 2\n    z = 3\n    return x + y + z\n\n";
    let a = format!(
        "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n{filler}\nasync def g():\n    return asyncio.Lock()\n{filler}\nasync def h():\n    await asyncio.sleep(2)\n"
    );
    let dir = tree(&[
        ("a.py", a.as_bytes()),
        ("b.py", GOOD.as_bytes()),
        ("c.py", GOOD.as_bytes()),
    ]);
    // Without a terminal on stdin it refuses.
    let out = bin()
        .args(["--interactive", "."])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--interactive needs a terminal"),
        "{}",
        text(&out.stderr)
    );

    let mut cmd = bin();
    cmd.args(["--interactive", "."]).current_dir(dir.path());
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    // Answers are single keys, no Enter; hunks are numbered over the whole
    // run (a.py has 3, b.py and c.py one each).
    // a.py, hunk 1: the import and the first sleep; accept every AM002 hunk.
    p.exp_string("a.py (hunk 1 of 5)").unwrap();
    p.exp_string("AM002").unwrap();
    p.exp_string("+    await anyio.sleep(1)").unwrap();
    p.exp_string("Apply this hunk [y,n,a,q,?]? ").unwrap();
    p.send("a").unwrap();
    p.flush().unwrap();
    // Hunk 2: the lock; ask for help, then skip it.
    p.exp_string("a.py (hunk 2 of 5)").unwrap();
    p.exp_string("AM301").unwrap();
    p.exp_string("Apply this hunk [y,n,a,q,?]? ").unwrap();
    p.send("?").unwrap();
    p.flush().unwrap();
    p.exp_string("n - skip this hunk").unwrap();
    p.exp_string("Apply this hunk [y,n,a,q,?]? ").unwrap();
    p.send("n").unwrap();
    p.flush().unwrap();
    // Hunk 3: another sleep, accepted without asking.
    p.exp_string("a.py (hunk 3 of 5)").unwrap();
    p.exp_string("(applied: every hunk of this code was accepted)")
        .unwrap();
    // b.py has an AM001 hunk too: quit there.
    p.exp_string("b.py (hunk 4 of 5)").unwrap();
    p.exp_string("AM001").unwrap();
    p.exp_string("Apply this hunk [y,n,a,q,?]? ").unwrap();
    p.send("q").unwrap();
    p.flush().unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(
        !rest.contains("c.py (hunk"),
        "nothing is asked after q: {rest}"
    );
    // The closing summary: counts, what each code got, the files written.
    for said in [
        "2 hunks applied, 1 skipped; 1 file written; 2 hunks not reviewed",
        "AM002: 2 applied, 0 skipped",
        "AM301: 0 applied, 1 skipped",
        "written: a.py",
        // The run's line says what was offered, not what "would change".
        "3 offered for review; 7 fixes offered",
    ] {
        assert!(rest.contains(said), "{said}: {rest}");
    }
    assert!(!rest.contains("would change"), "{rest}");
    // The skipped lock still needs `import asyncio`: it stays, beside the
    // `import anyio` the accepted sleeps need.
    let want = a
        .replacen("import asyncio\n", "import asyncio\n\nimport anyio\n", 1)
        .replace("asyncio.sleep(", "anyio.sleep(");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.py")).unwrap(),
        want
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("b.py")).unwrap(),
        GOOD
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("c.py")).unwrap(),
        GOOD
    );
}

#[test]
fn a_refused_rewrite_that_says_why_replaces_the_general_report() {
    // The program makes context variables, so AM207 leaves the task; its
    // reason is the only report (not AM901's "give it an owner" beside it).
    let src = "import asyncio\nfrom contextvars import ContextVar\n\nv = ContextVar(\"v\")\n\n\nasync def f():\n    assert await asyncio.create_task(work()) == 1\n";
    let dir = tree(&[("a.py", src.as_bytes())]);
    let out = run(&["--unsafe", "."], dir.path());
    let report = text(&out.stdout);
    assert!(report.contains("a.py:8:12: AM207 [manual]"), "{report}");
    assert!(!report.contains("AM901"), "{report}");
}
