//! AM607: a synchronous test or fixture that requests an async fixture
//! gets `anyio_backend`, without which anyio's plugin does not run that fixture.

use crate::{Docs, Example, FileContext, PytestSuite, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::Node;

/// Adds `anyio_backend` to synchronous functions that request async fixtures.
pub struct SyncFixtureUser {
    info: TransformInfo,
}

impl SyncFixtureUser {
    /// The transform with its docs.
    pub fn new() -> Self {
        SyncFixtureUser {
            info: TransformInfo {
                code: "AM607",
                name: "sync-uses-async-fixture",
                summary: "a synchronous test or fixture that requests an async fixture gets an `anyio_backend` parameter".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "In a suite that moves to anyio's plugin, a synchronous test (`def test_…`) or fixture whose parameters name one of the suite's async fixtures, and not `anyio_backend`, gets `anyio_backend` after its last plain parameter. The suite's async fixtures are those declared with `pytest_asyncio.fixture` anywhere in it, and, in auto mode, every `async def` fixture.".into(),
                    why: "pytest-asyncio runs an async fixture whoever requests it; anyio's plugin runs one only for a test whose fixtures include `anyio_backend` (async tests get it automatically, synchronous ones do not), so the synchronous test would receive a coroutine or fail with \"requested an async fixture … with no plugin or hook that handled it\".".into(),
                    fix_safety: "Safe: the root `conftest.py`'s `anyio_backend` (AM605) returns \"asyncio\", so the fixture runs on asyncio as before, and the test itself stays synchronous.".into(),
                },
                examples: vec![Example {
                    before: "import pytest\nimport pytest_asyncio\n\n@pytest_asyncio.fixture\nasync def db():\n    return 1\n\ndef test_db(db):\n    assert db == 1\n".into(),
                    after: "import pytest\nimport pytest_asyncio\n\n@pytest_asyncio.fixture\nasync def db():\n    return 1\n\ndef test_db(db, anyio_backend):\n    assert db == 1\n".into(),
                    unsafe_fixes: false,
                }],
            },
        }
    }
}

/// The parameter names of a function (plain, typed and defaulted ones).
fn parameter_names<'t>(params: Node<'t>, cx: &FileContext<'t>) -> Vec<&'t str> {
    syntax::named_children(params)
        .into_iter()
        .filter_map(|p| match p.kind() {
            "identifier" => Some(cx.text(p)),
            "typed_parameter" => syntax::named_children(p)
                .into_iter()
                .find(|c| c.kind() == "identifier")
                .map(|c| cx.text(c)),
            "default_parameter" | "typed_default_parameter" => {
                p.child_by_field_name("name").map(|n| cx.text(n))
            }
            _ => None,
        })
        .collect()
}

/// Whether the function is decorated as a pytest fixture.
fn is_fixture(def: Node, cx: &FileContext) -> bool {
    def.parent()
        .filter(|p| p.kind() == "decorated_definition")
        .is_some_and(|d| {
            syntax::named_children(d)
                .into_iter()
                .filter(|c| c.kind() == "decorator")
                .any(|c| {
                    super::pytest_support::decorator_target(c, cx).is_some_and(|(q, _)| {
                        q == "pytest.fixture" || q == "pytest_asyncio.fixture"
                    })
                })
        })
}

impl Transform for SyncFixtureUser {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        // Any test file may request a fixture defined elsewhere, in any
        // words: the files of a moving suite are parsed whatever they
        // contain, and elsewhere there is nothing to do. These words only
        // keep the run from parsing other files for it.
        vec![Trigger::All(vec![
            Trigger::Import("pytest".into()),
            Trigger::Word("def test".into()),
        ])]
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let PytestSuite::Moves { async_fixtures, .. } = &cx.targets.pytest else {
            return;
        };
        if async_fixtures.is_empty() {
            return;
        }
        for &def in cx.nodes_of_kind("function_definition") {
            if syntax::is_async_def(def) {
                continue;
            }
            let Some(name) = def.child_by_field_name("name").map(|n| cx.text(n)) else {
                continue;
            };
            if !name.starts_with("test") && !is_fixture(def, cx) {
                continue;
            }
            let Some(params) = def.child_by_field_name("parameters") else {
                continue;
            };
            let names = parameter_names(params, cx);
            if names.contains(&"anyio_backend") {
                continue;
            }
            let Some(requested) = names
                .iter()
                .find(|n| **n != name && async_fixtures.contains(**n))
            else {
                continue;
            };
            // After the leading plain parameters (before defaults, `*`, `/`).
            let items: Vec<Node> = syntax::named_children(params)
                .into_iter()
                .filter(|c| c.kind() != "comment")
                .collect();
            let plain = items
                .iter()
                .take_while(|p| matches!(p.kind(), "identifier" | "typed_parameter"))
                .last();
            let edit = match plain {
                Some(last) => Edit::insert(last.end_byte(), ", anyio_backend"),
                None if items.is_empty() => continue,
                None => Edit::insert(items[0].start_byte(), "anyio_backend, "),
            };
            out.push(
                Diagnostic::new(
                    self.info.code,
                    format!("`{name}` is synchronous and requests the async fixture `{requested}`: it needs `anyio_backend` for anyio's plugin to run that fixture"),
                    def.child_by_field_name("name").unwrap_or(def).byte_range(),
                )
                .with_fix(Fix::new(vec![edit], Applicability::Safe)),
            );
        }
    }
}
