//! File-system faults and odd inputs: each is reported with its path and
//! never stops the other files (issue: never break a user's code).

mod common;

use common::{run, text, tree, GOOD, MIGRATED};

#[test]
fn a_file_that_vanished_is_reported_and_not_recreated() {
    // Named on the command line but gone by the time it is read (as when it
    // is deleted between the walk and the read).
    let dir = tree(&[("a.py", GOOD.as_bytes()), ("c.py", GOOD.as_bytes())]);
    let out = run(&["--write", "a.py", "gone.py", "c.py"], dir.path());
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("gone.py"), "{err}");
    assert!(!dir.path().join("gone.py").exists());
    for f in ["a.py", "c.py"] {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(f)).unwrap(),
            MIGRATED
        );
    }
}

#[test]
fn a_huge_file_is_migrated_whole_and_stays_stable() {
    // About 1.7 MB, 35,000 lines, a rewrite every 35 lines (a debug build
    // must stay quick; `make bench` times a 100,000-line file).
    let mut src = String::from("import asyncio\n\n");
    for i in 0..1_000 {
        src.push_str(&format!("\nasync def f{i}(x):\n    \"\"\"Doc {i}.\"\"\"\n"));
        for j in 0..30 {
            src.push_str(&format!(
                "    value_{j} = x * {j} + {i}  # arithmetic that is left alone\n"
            ));
        }
        src.push_str("    await asyncio.sleep(0)\n    return x\n");
    }
    let dir = tree(&[("big.py", src.as_bytes())]);
    let out = run(&["--write", "big.py"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let migrated = std::fs::read_to_string(dir.path().join("big.py")).unwrap();
    assert_eq!(migrated.matches("await anyio.sleep(0)").count(), 1_000);
    assert!(!migrated.contains("asyncio"));
    assert_eq!(
        migrated.replace("anyio.sleep", "asyncio.sleep").replacen(
            "import anyio",
            "import asyncio",
            1
        ),
        src
    );
    let again = run(&["--diff", "big.py"], dir.path());
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
}

#[test]
fn a_panic_in_one_file_is_reported_and_the_others_finish() {
    // The debug binary panics on request (ANYIO_MIGRATE_TEST_PANIC_ON); a
    // release build (same profile as this test) has no such hook.
    if !cfg!(debug_assertions) {
        return;
    }
    let dir = tree(&[
        ("a.py", GOOD.as_bytes()),
        ("b.py", GOOD.as_bytes()),
        ("c.py", GOOD.as_bytes()),
    ]);
    let out = common::bin()
        .args(["--write", "."])
        .env("ANYIO_MIGRATE_TEST_PANIC_ON", "b.py")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("b.py: internal error: test panic requested")
            && err.contains("this is a bug in anyio-migrate: please report it"),
        "{err}"
    );
    assert!(
        !err.contains("panicked at") && !err.contains("stack backtrace"),
        "no Rust panic output reaches the user: {err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("b.py")).unwrap(),
        GOOD
    );
    for f in ["a.py", "c.py"] {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(f)).unwrap(),
            MIGRATED
        );
    }
}
