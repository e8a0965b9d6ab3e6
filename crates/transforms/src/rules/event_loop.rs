//! AM606: pytest-asyncio's `event_loop` fixture has no place under anyio.

use super::pytest_support::{decorator_target, delete_lines};
use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Fix};

/// Removes `event_loop` fixture definitions and reports the tests that use one.
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
                summary: "`event_loop` fixture definitions are removed; uses of `event_loop` are reported".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "Deletes a fixture named `event_loop` (decorated with `pytest.fixture` or `pytest_asyncio.fixture`), and reports every function that takes an `event_loop` parameter.".into(),
                    why: "anyio's plugin owns the event loop. A custom loop (a policy, a loop factory, a virtual clock) is configured through `anyio_backend` returning `(\"asyncio\", {\"loop_factory\": …})` instead.".into(),
                    fix_safety: "Safe for the definition: nothing in the anyio plugin asks for it. A test or fixture that takes `event_loop` as a parameter needs a person: use `anyio.current_time()`, `anyio.to_thread`, or a task group instead of the loop object.".into(),
                },
                examples: vec![Example {
                    before: "import asyncio\nimport pytest\n\n@pytest.fixture\ndef event_loop():\n    loop = asyncio.new_event_loop()\n    yield loop\n    loop.close()\n\nasync def test_x():\n    pass\n".into(),
                    after: "async def test_x():\n    pass\n".into(),
                    unsafe_fixes: false,
                }],
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
        for &def in cx.nodes_of_kind("function_definition") {
            let name = def.child_by_field_name("name").map(|n| cx.text(n));
            if name == Some("event_loop") {
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
                if is_fixture && cx.owns_its_lines(decorated) {
                    let mut edit = delete_lines(cx, decorated);
                    // Take one following blank line too, so the spacing stays even.
                    let rest = &cx.src[edit.end..];
                    if let Some(nl) = rest.find('\n').filter(|&i| rest[..i].trim().is_empty()) {
                        edit.end += nl + 1;
                    }
                    out.push(
                        Diagnostic::new(self.info.code, "the `event_loop` fixture goes: anyio's plugin owns the event loop (configure a custom loop through `anyio_backend`)", decorated.byte_range())
                            .with_fix(Fix::new(vec![edit], Applicability::Safe)),
                    );
                }
                continue;
            }
            // Most functions' parameters do not even spell it.
            let Some(params) = def
                .child_by_field_name("parameters")
                .filter(|p| cx.text(*p).contains("event_loop"))
            else {
                continue;
            };
            let uses = syntax::named_children(params).into_iter().any(|p| {
                let ident = if p.kind() == "identifier" {
                    Some(p)
                } else {
                    p.child_by_field_name("name")
                };
                ident.is_some_and(|i| cx.text(i) == "event_loop")
            });
            if uses {
                out.push(
                    Diagnostic::new(self.info.code, "this function takes pytest-asyncio's `event_loop` fixture", def.byte_range()).with_hint(
                        "use `anyio.current_time()` for `loop.time()`, `anyio.to_thread.run_sync` for executors, a task group for tasks; a custom loop goes in `anyio_backend` as (\"asyncio\", {\"loop_factory\": ...})",
                    ),
                );
            }
        }
    }
}
