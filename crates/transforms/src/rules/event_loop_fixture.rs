//! AM606: a synchronous `event_loop` fixture, a custom loop for pytest-asyncio.

use super::pytest_support::decorator_target;
use crate::{FileContext, Trigger};
use edit::Diagnostic;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM606";

pub(super) fn triggers() -> Vec<Trigger> {
    ["pytest", "pytest_asyncio"]
        .into_iter()
        .map(|m| {
            Trigger::All(vec![
                Trigger::Word("event_loop".into()),
                Trigger::Import(m.into()),
            ])
        })
        .collect()
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    // In a suite that moves, AM605 has rewritten the fixture.
    if cx.targets.pytest.moves() {
        return;
    }
    for &def in cx.nodes_of_kind(syntax::kinds().function_definition) {
        if def.child_by_field_name("name").map(|n| cx.text(n)) != Some("event_loop")
            || syntax::is_async_def(def)
        {
            continue;
        }
        let Some(decorated) = def.parent().filter(|p| p.kind() == "decorated_definition") else {
            continue;
        };
        let is_fixture = syntax::named_children(decorated)
            .iter()
            .filter(|d| d.kind() == "decorator")
            .any(|d| {
                decorator_target(*d, cx).is_some_and(|(q, _)| {
                    matches!(q.as_str(), "pytest.fixture" | "pytest_asyncio.fixture")
                })
            });
        if is_fixture {
            out.push(
                Diagnostic::new(
                    CODE,
                    "a synchronous `event_loop` fixture sets a custom event loop: this suite stays on pytest-asyncio",
                    def.child_by_field_name("name").unwrap_or(def).byte_range(),
                )
                .with_hint("configure the loop in an `anyio_backend` fixture returning (\"asyncio\", {\"loop_factory\": ...}), delete this fixture, and migrate again"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn a_sync_event_loop_fixture_is_reported() {
        let src = "import pytest\n\n@pytest.fixture\ndef event_loop():\n    yield None\n";
        let found = run("AM606", src);
        assert_reports(&found, "a synchronous `event_loop` fixture sets a custom event loop: this suite stays on pytest-asyncio");
    }
}
