//! AM606: a synchronous `event_loop` fixture, a custom loop for pytest-asyncio.

use super::pytest_support::decorator_target;
use crate::{Docs, FileContext, Transform, TransformInfo, Trigger};
use edit::Diagnostic;

/// Reports synchronous `event_loop` fixtures (custom loops for pytest-asyncio).
pub struct EventLoopFixture {
    info: TransformInfo,
}

impl EventLoopFixture {
    /// The transform with its docs.
    pub fn new() -> Self {
        EventLoopFixture {
            info: TransformInfo {
                code: "AM606",
                name: "event-loop-fixture",
                summary: "a synchronous `event_loop` fixture that AM605 cannot rewrite keeps its suite on pytest-asyncio and is reported".into(),
                applicability: None,
                docs: Docs {
                    what: "Reports a synchronous fixture named `event_loop` (decorated with `pytest.fixture` or `pytest_asyncio.fixture`) in a suite that stays on pytest-asyncio: its markers, fixtures and configuration are left as they are, and the run says why at the suite's configuration. A function-scoped one that makes asyncio's default loop moves with its suite instead (AM605 turns it into an async fixture returning the running loop); an `async def event_loop` fixture is an ordinary async fixture and moves with the suite.".into(),
                    why: "Before pytest-asyncio 0.23 a synchronous `event_loop` fixture chose the loop the tests ran on; anyio's plugin owns the loop, so the fixture would silently stop applying, and the tests that take it would get a loop that is not running.".into(),
                    fix_safety: "No fix. Move the custom loop to an `anyio_backend` fixture returning `(\"asyncio\", {\"loop_factory\": …})` (or `{\"use_uvloop\": True}`), delete the `event_loop` fixture, and use `anyio.current_time()`, `anyio.to_thread.run_sync` or a task group where tests used the loop object; then run the migration again.".into(),
                },
                examples: vec![],
            },
        }
    }
}

impl Transform for EventLoopFixture {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
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

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        // In a suite that moves, AM605 has rewritten the fixture.
        if cx.targets.pytest.moves() {
            return;
        }
        for &def in cx.nodes_of_kind("function_definition") {
            if def.child_by_field_name("name").map(|n| cx.text(n)) != Some("event_loop")
                || syntax::is_async_def(def)
            {
                continue;
            }
            let Some(decorated) = def.parent().filter(|p| p.kind() == "decorated_definition")
            else {
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
                        self.info.code,
                        "a synchronous `event_loop` fixture sets a custom event loop: this suite stays on pytest-asyncio",
                        def.child_by_field_name("name").unwrap_or(def).byte_range(),
                    )
                    .with_hint("configure the loop in an `anyio_backend` fixture returning (\"asyncio\", {\"loop_factory\": ...}), delete this fixture, and migrate again"),
                );
            }
        }
    }
}
