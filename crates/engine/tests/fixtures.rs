//! Snapshot and invariant tests over every fixture in `testdata/fixtures/`
//! and the demo project: each fixture is one test whose diagnostics and diff
//! are a snapshot (reviewed with `cargo insta review`), and for every file the output parses (with
//! tree-sitter here and CPython in `cpython_accepts_every_output`), a second
//! run changes nothing, and no line outside a fix's range or the import block
//! changes.

use engine::{migrate_text, Options, Outcome, Status};
use std::path::{Path, PathBuf};
use test_case::test_case;
use transforms::{Registry, Selection};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.py` file under `dir`, sorted.
fn python_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "py") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn fixtures() -> Vec<PathBuf> {
    python_files(&root().join("testdata/fixtures"))
}

/// All inputs the invariants are checked on.
fn all_inputs() -> Vec<PathBuf> {
    let mut files = fixtures();
    files.extend(python_files(&root().join("testdata/demo")));
    files.extend(python_files(&root().join("testdata/programs")));
    files
}

/// `# flags: --unsafe` in a fixture's first lines turns on unsafe fixes
/// (`--target-anyio=4.14` sets the anyio target);
/// `# pytest: moves` (a suite moving to anyio's plugin, strict mode),
/// `# pytest: auto-mode` (moving into auto mode, implies `moves`),
/// `# pytest: fixtures=a,b` (the suite's async fixtures) and
/// `# pytest: root-conftest` set what a real run would derive.
fn options_for(text: &str) -> Options {
    let head: Vec<&str> = text.lines().take(5).collect();
    let has = |prefix: &str, word: &str| {
        head.iter()
            .any(|l| l.starts_with(prefix) && l.contains(word))
    };
    let mut opts = Options {
        unsafe_fixes: has("# flags:", "--unsafe"),
        ..Options::default()
    };
    let auto = has("# pytest:", "auto-mode");
    if auto || has("# pytest:", "moves") {
        let fixtures = head
            .iter()
            .filter(|l| l.starts_with("# pytest:"))
            .flat_map(|l| l.split_whitespace())
            .filter_map(|w| w.strip_prefix("fixtures="))
            .flat_map(|w| w.split(','))
            .map(str::to_string)
            .collect();
        opts.targets.pytest = transforms::PytestSuite::Moves {
            auto,
            async_fixtures: std::sync::Arc::new(fixtures),
        };
    }
    opts.targets.root_conftest = has("# pytest:", "root-conftest");
    // `# flags: --target-anyio=4.14`: the anyio the output may use;
    // `--target-python=3.10`: the oldest Python it runs on.
    let version = |flag: &str| {
        let value = head
            .iter()
            .filter(|l| l.starts_with("# flags:"))
            .flat_map(|l| l.split_whitespace())
            .find_map(|w| w.strip_prefix(flag))?;
        Some(transforms::parse_version(value).expect("a version like 4.14"))
    };
    if let Some(v) = version("--target-anyio=") {
        opts.targets.anyio = v;
    }
    if let Some(v) = version("--target-python=") {
        opts.targets.python = v;
    }
    opts
}

fn run(text: &str) -> Outcome {
    let registry = Registry::load();
    let enabled = registry.enabled(&Selection::default());
    migrate_text(text, &enabled, &options_for(text)).expect("fixture parses")
}

fn render(outcome: &Outcome, name: &str) -> String {
    let mut s = String::new();
    for d in &outcome.diagnostics {
        s.push_str(&format!(
            "{}:{}: {} [{:?}] {}\n",
            d.start.line, d.start.column, d.code, d.status, d.message
        ));
    }
    for e in &outcome.internal_errors {
        s.push_str(&format!("internal error: {e}\n"));
    }
    s.push_str("---\n");
    s.push_str(&edit::unified_diff(
        &outcome.original,
        &outcome.migrated,
        name,
    ));
    s
}

/// The transforms a fixture runs with: its own code (`AM201-gather` runs
/// AM201 alone, so its snapshot shows only that rule's work), the codes of a
/// `# flags: --select=AM503,AM504` line (rules that work together), or every
/// transform for the fixtures that test the pipeline itself (imports, layout,
/// comments, shadowing), whose names start with no code.
fn selection_for(name: &str, text: &str) -> Selection {
    let listed: Vec<String> = text
        .lines()
        .take(5)
        .filter(|l| l.starts_with("# flags:"))
        .flat_map(|l| l.split_whitespace())
        .filter_map(|w| w.strip_prefix("--select="))
        .flat_map(|w| w.split(','))
        .map(str::to_string)
        .collect();
    let own = name
        .split('-')
        .next()
        .filter(|c| c.len() == 5 && c.starts_with("AM"));
    Selection {
        select: if listed.is_empty() {
            own.map(|c| vec![c.to_string()]).unwrap_or_default()
        } else {
            listed
        },
        ignore: Vec::new(),
    }
}

#[test_case("AM001-asyncio-run")]
#[test_case("AM002-sleep")]
#[test_case("AM002-sleep-unsafe")]
#[test_case("AM003-coroutine-checks")]
#[test_case("AM004-run-until-complete")]
#[test_case("AM101-old-timeout-error")]
#[test_case("AM101-wait-for")]
#[test_case("AM101-wait-for-edge-cases")]
#[test_case("AM101-wait-for-in-if")]
#[test_case("AM102-wait-for-move-on")]
#[test_case("AM102-wait-for-move-on-safe")]
#[test_case("AM103-timeout-at")]
#[test_case("AM103-timeout-at-below-4-15")]
#[test_case("AM103-timeout-scope")]
#[test_case("AM104-async-timeout")]
#[test_case("AM104-async-timeout-from-import")]
#[test_case("AM105-timeout-error")]
#[test_case("AM105-timeout-error-from-import")]
#[test_case("AM106-timeout-object")]
#[test_case("AM110-shield")]
#[test_case("AM110-shield-in-timeout")]
#[test_case("AM120-cancelled-error")]
#[test_case("AM120-cancelled-error-class")]
#[test_case("AM120-raised-and-mocked")]
#[test_case("AM201-caller-catches")]
#[test_case("AM201-except-star")]
#[test_case("AM201-except-star-bugs")]
#[test_case("AM201-gather")]
#[test_case("AM201-gather-bugs")]
#[test_case("AM201-gather-shapes")]
#[test_case("AM201-return-exceptions")]
#[test_case("AM201-loop-variable")]
#[test_case("AM202-gather-futures")]
#[test_case("AM202-gather-results")]
#[test_case("AM202-gather-results-bugs")]
#[test_case("AM202-return-exceptions")]
#[test_case("AM203-gather-each")]
#[test_case("AM203-gather-each-below-4-15")]
#[test_case("AM203-gather-each-bugs")]
#[test_case("AM203-helper-names")]
#[test_case("AM203-shadowed-builtins")]
#[test_case("AM204-task-group")]
#[test_case("AM204-task-group-bugs")]
#[test_case("AM205-start-soon")]
#[test_case("AM205-start-soon-bugs")]
#[test_case("AM206-before-task-handles")]
#[test_case("AM206-cancel-then-wait")]
#[test_case("AM206-create-task-await")]
#[test_case("AM206-ended-task")]
#[test_case("AM206-leaves-early")]
#[test_case("AM206-ensure-future")]
#[test_case("AM206-multiline-creation")]
#[test_case("AM206-task-list")]
#[test_case("AM206-unowned-task")]
#[test_case("AM207-await-task")]
#[test_case("AM208-future")]
#[test_case("AM209-race")]
#[test_case("AM210-object-task")]
#[test_case("AM211-as-completed")]
#[test_case("AM212-current-task")]
#[test_case("AM301-acquired-in-task")]
#[test_case("AM301-lock")]
#[test_case("AM301-lock-per-key")]
#[test_case("AM301-lock-per-key-acquired")]
#[test_case("AM302-event")]
#[test_case("AM302-field-factory")]
#[test_case("AM303-semaphore")]
#[test_case("AM304-bounded-semaphore")]
#[test_case("AM305-condition")]
#[test_case("AM305-condition-lock-not-selected")]
#[test_case("AM306-primitive-annotation")]
#[test_case("AM307-cleared-event")]
#[test_case("AM401-queue")]
#[test_case("AM401-queue-handoff")]
#[test_case("AM401-queue-join")]
#[test_case("AM401-queue-local")]
#[test_case("AM401-queue-on-self")]
#[test_case("AM501-to-thread")]
#[test_case("AM502-run-in-executor")]
#[test_case("AM503-unused-running-loop")]
#[test_case("AM504-loop-time")]
#[test_case("AM505-from-thread")]
#[test_case("AM603-mark-auto")]
#[test_case("AM603-mark-list")]
#[test_case("AM603-mark-strict")]
#[test_case("AM604-fixture")]
#[test_case("AM605-conftest")]
#[test_case("AM606-event-loop")]
#[test_case("AM607-sync-test")]
#[test_case("AM608-port-fixture")]
#[test_case("AM901-create-task")]
#[test_case("AM901-tasks-kept")]
#[test_case("AM902-event-loop")]
#[test_case("AM903-threadsafe")]
#[test_case("AM904-streams")]
#[test_case("AM905-wait")]
#[test_case("AM906-star-import")]
#[test_case("AM907-unused-ignore")]
#[test_case("AM908-asyncio-left")]
#[test_case("comments")]
#[test_case("imports-alias")]
#[test_case("imports-from")]
#[test_case("imports-keep-asyncio")]
#[test_case("imports-local-and-guarded")]
#[test_case("imports-no-import")]
#[test_case("imports-placement-docstring")]
#[test_case("imports-placement-existing-anyio")]
#[test_case("imports-placement-from-anyio")]
#[test_case("imports-submodule")]
#[test_case("layout-2space")]
#[test_case("layout-crlf")]
#[test_case("layout-no-final-newline")]
#[test_case("layout-odd-indent")]
#[test_case("layout-tabs")]
#[test_case("shadowing")]
#[test_case("shadowing-class-attribute")]
#[test_case("shadowing-module-level")]
#[test_case("strings-and-fstrings")]
#[test_case("suppression")]
#[test_case("syntax-modern")]
fn fixture(name: &str) {
    let path = root().join("testdata/fixtures").join(format!("{name}.py"));
    let text = std::fs::read_to_string(&path).unwrap();
    let registry = Registry::load();
    let selection = selection_for(name, &text);
    assert!(
        selection.unknown(&registry).is_empty(),
        "{name}: unknown codes in {:?}",
        selection.select
    );
    let enabled = registry.enabled(&selection);
    let outcome = migrate_text(&text, &enabled, &options_for(&text)).expect("fixture parses");
    let rendered = render(&outcome, &format!("{name}.py"));
    insta::with_settings!({ snapshot_path => root().join("testdata/fixtures/snapshots"), prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, rendered);
    });
}

#[test]
fn every_fixture_has_a_test_case() {
    let cases = include_str!("fixtures.rs");
    let files = fixtures();
    assert!(files.len() >= 10, "expected fixtures in testdata/fixtures");
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy();
        assert!(
            cases.contains(&format!("#[test_case(\"{name}\")]")),
            "testdata/fixtures/{name}.py has no #[test_case(\"{name}\")] in crates/engine/tests/fixtures.rs"
        );
    }
}

/// Lines of `old` that the migration changed or removed (1-based).
fn changed_lines(old: &str, new: &str) -> Vec<usize> {
    let diff = similar::TextDiff::from_lines(old, new);
    diff.ops()
        .iter()
        .flat_map(|op| {
            let r = op.old_range();
            match op.tag() {
                similar::DiffTag::Equal => 0..0,
                _ => (r.start + 1)..(r.end + 1),
            }
        })
        .collect()
}

fn is_import_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("import ") || t.starts_with("from ") || t.is_empty()
}

#[test]
fn invariants_hold_on_every_input() {
    let mut failures = Vec::new();
    for path in all_inputs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let outcome = run(&text);
        let name = path.display().to_string();
        if let Err(e) = syntax::parse_clean(&outcome.migrated) {
            failures.push(format!(
                "{name}: output does not parse at byte {}: {}",
                e.offset, e.detail
            ));
            continue;
        }
        if !outcome.internal_errors.is_empty() {
            failures.push(format!(
                "{name}: internal errors {:?}",
                outcome.internal_errors
            ));
        }
        let again = run(&outcome.migrated);
        if again.migrated != outcome.migrated {
            failures.push(format!(
                "{name}: a second run changed the output:\n{}",
                edit::unified_diff(&outcome.migrated, &again.migrated, &name)
            ));
        }
        // Every unsafe fix says why, in a parenthesised clause of its message.
        for d in outcome
            .diagnostics
            .iter()
            .filter(|d| d.status == Status::UnsafeFix)
        {
            if !d.message.ends_with(')') {
                failures.push(format!(
                    "{name}:{}: {} unsafe without a reason: {}",
                    d.start.line, d.code, d.message
                ));
            }
        }
        // Every changed line lies in a fixed diagnostic's range or is an import line.
        let fixed: Vec<(usize, usize)> = outcome
            .diagnostics
            .iter()
            .filter(|d| d.status == Status::Fixed)
            .flat_map(|d| {
                std::iter::once((d.start.line, d.end.line)).chain(d.fix_lines.iter().copied())
            })
            .collect();
        let old_lines: Vec<&str> = text.lines().collect();
        for line in changed_lines(&text, &outcome.migrated) {
            let inside = fixed.iter().any(|(a, b)| *a <= line && line <= *b);
            let import = old_lines.get(line - 1).is_none_or(|l| is_import_line(l));
            if !inside && !import {
                failures.push(format!(
                    "{name}:{line}: changed outside any fix: {:?}",
                    old_lines.get(line - 1)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn cpython_accepts_every_output() {
    let dir = tempfile_dir();
    let mut written = Vec::new();
    for (i, path) in all_inputs().iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        let out = dir.join(format!("{i}.py"));
        std::fs::write(&out, run(&text).migrated).unwrap();
        written.push((out, path.clone()));
    }
    let script = "import ast, sys\nbad = []\nfor p in sys.argv[1:]:\n    try:\n        ast.parse(open(p, encoding='utf-8').read(), p)\n    except SyntaxError as e:\n        bad.append(f'{p}: {e}')\nprint('\\n'.join(bad))\nsys.exit(1 if bad else 0)\n";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(written.iter().map(|(p, _)| p))
        .output()
        .expect("python3 runs (CPython is needed for this test)");
    let report = String::from_utf8_lossy(&out.stdout);
    let mut named = report.to_string();
    for (tmp, orig) in &written {
        named = named.replace(&tmp.display().to_string(), &orig.display().to_string());
    }
    assert!(
        out.status.success(),
        "CPython rejects migrated output:\n{named}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("anyio-migrate-cpython-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn reconciled_imports_of_the_whole_migration_are_its_own() {
    // With every fix taken, setting the imports right changes nothing.
    let mut failures = Vec::new();
    for path in all_inputs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let outcome = run(&text);
        let again = engine::reconcile_imports(
            &text,
            &outcome.migrated,
            &outcome.imports_needed,
            &Default::default(),
        );
        if again != outcome.migrated {
            failures.push(format!(
                "{}:\n{}",
                path.display(),
                edit::unified_diff(&outcome.migrated, &again, "reconciled")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn reconciled_imports_follow_the_fixes_kept() {
    let original = "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n    return asyncio.Lock()\n";
    let outcome = run(original);
    assert!(outcome.migrated.contains("anyio.Lock()"));
    // Only the sleep taken, import lines as they were: anyio is added and
    // asyncio stays (the lock needs it).
    let partial =
        "import asyncio\n\n\nasync def f():\n    await anyio.sleep(1)\n    return asyncio.Lock()\n";
    assert_eq!(
        engine::reconcile_imports(original, partial, &outcome.imports_needed, &Default::default()),
        "import asyncio\n\nimport anyio\n\n\nasync def f():\n    await anyio.sleep(1)\n    return asyncio.Lock()\n"
    );
    // The import edits taken without the lock: asyncio comes back.
    let lost =
        "import anyio\n\n\nasync def f():\n    await anyio.sleep(1)\n    return asyncio.Lock()\n";
    assert_eq!(
        engine::reconcile_imports(original, lost, &outcome.imports_needed, &Default::default()),
        "import asyncio\n\nimport anyio\n\n\nasync def f():\n    await anyio.sleep(1)\n    return asyncio.Lock()\n"
    );
    // Every fix taken but the import lines kept: asyncio goes, anyio comes.
    let all =
        "import asyncio\n\n\nasync def f():\n    await anyio.sleep(1)\n    return anyio.Lock()\n";
    assert_eq!(
        engine::reconcile_imports(original, all, &outcome.imports_needed, &Default::default()),
        outcome.migrated
    );
}
