//! Every example in every transform's docs runs: `before` migrates to `after`
//! with that transform alone, and migrating `after` again changes nothing;
//! every `valid` case is left alone, with nothing reported, even with `--unsafe`.

use engine::{migrate_text, Options};
use transforms::{PytestSuite, Registry};

/// The options an example runs with: the pytest-asyncio examples show a
/// suite that moves to anyio's plugin (strict mode: no `asyncio_mode`).
fn options(before: &str, unsafe_fixes: bool) -> Options {
    let mut opts = Options {
        unsafe_fixes,
        // An example shows the transform's rewrite; wrapping long lines is
        // the engine's own pass (tested with the fixtures).
        line_length: usize::MAX,
        ..Options::default()
    };
    let facts = transforms::suite_facts(before, true);
    opts.targets.pytest = PytestSuite::Moves {
        auto: false,
        async_fixtures: std::sync::Arc::new(facts.async_fixtures.into_iter().collect()),
    };
    opts
}

#[test]
fn valid_cases_are_left_alone() {
    let registry = Registry::load();
    let mut failures = Vec::new();
    for t in registry.all() {
        for (k, code) in t.info().valid.iter().enumerate() {
            let outcome =
                migrate_text(code, &[t.as_ref()], &options(code, true)).expect("valid case parses");
            if outcome.migrated != *code || !outcome.diagnostics.is_empty() {
                failures.push(format!(
                    "{} valid case {}: {:?}\n{}",
                    t.info().code,
                    k + 1,
                    outcome
                        .diagnostics
                        .iter()
                        .map(|d| &d.message)
                        .collect::<Vec<_>>(),
                    edit::unified_diff(code, &outcome.migrated, "valid")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn transform_examples_hold() {
    let registry = Registry::load();
    let mut failures = Vec::new();
    let mut count = 0;
    for t in registry.all() {
        for (k, ex) in t.info().examples.iter().enumerate() {
            count += 1;
            let opts = options(&ex.before, ex.unsafe_fixes);
            let only = [t.as_ref()];
            let got = migrate_text(&ex.before, &only, &opts)
                .expect("example parses")
                .migrated;
            if got != ex.after {
                failures.push(format!(
                    "{} example {}:\n--- expected\n{}\n--- got\n{}",
                    t.info().code,
                    k + 1,
                    ex.after,
                    got
                ));
                continue;
            }
            let again = migrate_text(&got, &only, &opts)
                .expect("output parses")
                .migrated;
            if again != got {
                failures.push(format!(
                    "{} example {}: a second run changed\n{}",
                    t.info().code,
                    k + 1,
                    again
                ));
            }
            if ex.unsafe_fixes {
                // An unsafe example must really need the flag.
                let safe_opts = Options {
                    unsafe_fixes: false,
                    ..opts.clone()
                };
                let safe = migrate_text(&ex.before, &only, &safe_opts)
                    .unwrap()
                    .migrated;
                if safe == ex.after {
                    failures.push(format!(
                        "{} example {} is marked unsafe but the safe run gives the same result",
                        t.info().code,
                        k + 1
                    ));
                }
            }
        }
    }
    assert!(count >= 15, "only {count} examples");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
