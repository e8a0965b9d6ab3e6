//! AM604: `@pytest_asyncio.fixture(...)` becomes `@pytest.fixture(...)`.

use super::pytest_support::{decorator_target, elements, remove_element};
use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};

/// pytest-asyncio's fixture decorator becomes pytest's own.
pub struct PytestFixture {
    info: TransformInfo,
}

impl PytestFixture {
    /// The transform with its docs.
    pub fn new() -> Self {
        PytestFixture {
            info: TransformInfo {
                code: "AM604",
                name: "asyncio-fixture",
                summary: "`@pytest_asyncio.fixture(...)` becomes `@pytest.fixture(...)` without `loop_scope`".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "Rewrites `@pytest_asyncio.fixture` (bare or called, also imported as `from pytest_asyncio import fixture`) to `@pytest.fixture`, dropping the `loop_scope=` argument and keeping `scope`, `params`, `autouse`, `name` and `ids`. `import pytest` is added when missing; `import pytest_asyncio` goes when nothing else uses it.".into(),
                    why: "anyio's plugin handles async fixtures declared with plain `@pytest.fixture`, in auto mode and with the `anyio` marker alike.".into(),
                    fix_safety: "Safe: the fixture keeps its scope and parameters. `loop_scope` has no anyio counterpart: anyio keeps one event loop alive for as long as any async fixture that uses it, so a module-scoped async fixture still shares its loop with the tests.".into(),
                },
                examples: vec![Example {
                    before: "import pytest_asyncio\n\n@pytest_asyncio.fixture(scope=\"module\", loop_scope=\"module\")\nasync def db():\n    yield await connect()\n".into(),
                    after: "import pytest\n\n@pytest.fixture(scope=\"module\")\nasync def db():\n    yield await connect()\n".into(),
                    unsafe_fixes: false,
                }],
            },
        }
    }
}

impl Transform for PytestFixture {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        vec![Trigger::Import("pytest_asyncio".into())]
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        // Fixtures move with the rest of the suite or not at all.
        if !cx.targets.pytest.moves() {
            return;
        }
        for &decorator in cx.nodes_of_kind("decorator") {
            let Some((q, func)) = decorator_target(decorator, cx) else {
                continue;
            };
            if q != "pytest_asyncio.fixture" {
                continue;
            }
            let mut edits = vec![Edit::replace(func.byte_range(), "pytest.fixture")];
            if let Some(args) = func
                .parent()
                .filter(|c| c.kind() == "call")
                .and_then(|c| c.child_by_field_name("arguments"))
            {
                let items = elements(args);
                let dropped: Vec<usize> = items
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| {
                        a.kind() == "keyword_argument"
                            && a.child_by_field_name("name")
                                .is_some_and(|n| cx.text(n) == "loop_scope")
                    })
                    .map(|(k, _)| k)
                    .collect();
                // Removed one at a time from the end, so the separators stay right.
                let mut remaining = items.clone();
                for &k in dropped.iter().rev() {
                    let e = remove_element(&remaining, k);
                    remaining.remove(k);
                    edits.push(e);
                }
            }
            let drops_comment = edits
                .iter()
                .any(|e| cx.dropped_comment(e.range(), &e.content).is_some());
            let (applicability, why) = if drops_comment {
                (Applicability::Unsafe, " (the fix would drop a comment)")
            } else {
                (Applicability::Safe, "")
            };
            out.push(
                Diagnostic::new(
                    self.info.code,
                    format!("`pytest_asyncio.fixture` becomes `pytest.fixture`{why}"),
                    decorator.byte_range(),
                )
                .with_fix(Fix::new(edits, applicability).with_imports(["pytest"])),
            );
        }
    }
}
