//! Snapshot and invariant tests over every fixture in `testdata/fixtures/`
//! and the demo project: the diagnostics and the diff are snapshots (reviewed
//! with `cargo insta review`), and for every file the output parses (with
//! tree-sitter here and CPython in `cpython_accepts_every_output`), a second
//! run changes nothing, and no line outside a fix's range or the import block
//! changes.

use engine::{migrate_text, Options, Outcome, Status};
use std::path::{Path, PathBuf};
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
    // `# flags: --target-anyio=4.14`: the anyio the output may use.
    let target = head
        .iter()
        .filter(|l| l.starts_with("# flags:"))
        .flat_map(|l| l.split_whitespace())
        .find_map(|w| w.strip_prefix("--target-anyio="));
    if let Some((major, minor)) = target.and_then(|t| t.split_once('.')) {
        opts.targets.anyio = (
            major.parse().expect("a target major"),
            minor.parse().expect("a target minor"),
        );
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

#[test]
fn fixture_snapshots() {
    let files = fixtures();
    assert!(files.len() >= 10, "expected fixtures in testdata/fixtures");
    // Every snapshot is checked (and a `.snap.new` written for each change)
    // before the test fails, so one review covers them all.
    let mut failed = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let outcome = run(&text);
        let rendered = render(&outcome, &format!("{name}.py"));
        let result = std::panic::catch_unwind(|| {
            insta::with_settings!({ snapshot_path => root().join("testdata/fixtures/snapshots"), prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(name.clone(), rendered);
            });
        });
        if result.is_err() {
            failed.push(name);
        }
    }
    assert!(
        failed.is_empty(),
        "snapshots differ: {failed:?} (review the .snap.new files)"
    );
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
