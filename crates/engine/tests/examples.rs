//! Every example in every transform's docs runs: `before` migrates to `after`
//! with that transform alone, and migrating `after` again changes nothing;
//! every `[[valid]]` case is left alone, with and without `--unsafe`, and
//! reported only when it says so.

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

/// Every `[[valid]]` case of every transform comes out unchanged, with and
/// without `--unsafe`, and is reported by it when it says `reported = true`,
/// not mentioned at all otherwise.
#[test]
fn valid_cases_are_left_alone() {
    let registry = Registry::load();
    let mut failures = Vec::new();
    let mut count = 0;
    for t in registry.all() {
        let only = [t.as_ref()];
        for (k, case) in t.info().valid.iter().enumerate() {
            count += 1;
            for unsafe_fixes in [false, true] {
                let outcome = migrate_text(&case.code, &only, &options(&case.code, unsafe_fixes))
                    .expect("a valid case parses");
                let which = format!(
                    "{} valid case {}{}",
                    t.info().code,
                    k + 1,
                    if unsafe_fixes { " (--unsafe)" } else { "" }
                );
                if outcome.migrated != case.code {
                    failures.push(format!(
                        "{which} changed:\n{}",
                        edit::unified_diff(&case.code, &outcome.migrated, "valid")
                    ));
                }
                let said: Vec<&str> = outcome
                    .diagnostics
                    .iter()
                    .map(|d| d.message.as_str())
                    .collect();
                if case.reported && said.is_empty() {
                    failures.push(format!("{which} is not reported"));
                }
                if !case.reported && !said.is_empty() {
                    failures.push(format!("{which} is reported: {}", said.join("; ")));
                }
            }
        }
    }
    assert!(count >= 60, "only {count} valid cases");
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
