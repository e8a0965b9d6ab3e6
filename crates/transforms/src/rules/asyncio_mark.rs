//! AM603: `@pytest.mark.asyncio` and `pytestmark = pytest.mark.asyncio`.

use super::pytest_support::{delete_lines, elements, remove_element};
use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::Node;

/// pytest-asyncio's marker goes (auto mode) or becomes `pytest.mark.anyio`.
pub struct PytestMark {
    info: TransformInfo,
}

impl PytestMark {
    /// The transform with its docs.
    pub fn new() -> Self {
        PytestMark {
            info: TransformInfo {
                code: "AM603",
                name: "asyncio-mark",
                summary: "`@pytest.mark.asyncio` is removed under `anyio_mode = auto`, else becomes `@pytest.mark.anyio`".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "Removes `@pytest.mark.asyncio` / `@pytest.mark.asyncio(...)` decorators and `pytest.mark.asyncio` in `pytestmark` (alone or in a list) when the project's pytest configuration runs in auto mode after migration (it had `asyncio_mode`, which becomes `anyio_mode = auto`); otherwise each becomes `pytest.mark.anyio`. Any other use becomes `pytest.mark.anyio`. Only in a suite that moves to anyio's plugin as a whole in this run (see the user guide's \"pytest suites\"): a suite given in part, or one that needs pytest-asyncio (a custom event loop, the `event_loop` fixture, a plugin built on pytest-asyncio), keeps its markers and the run says why.".into(),
                    why: "anyio's pytest plugin runs every async test in auto mode, so markers are noise (anyio's \"Testing with AnyIO\" docs); without auto mode it needs its own marker.".into(),
                    fix_safety: "Safe under auto mode: the test still runs as an async test (`loop_scope=` arguments go too: anyio shares one event loop for as long as a wider-scoped async fixture is alive). When nothing is left in a `pytestmark` list, the assignment goes; an `import pytest` left unused goes too. Without `asyncio_mode` (pytest-asyncio's strict default) the marker becomes `pytest.mark.anyio`, and AM605 pins the suite to asyncio in its root `conftest.py`.".into(),
                },
                examples: vec![Example {
                    before: "import pytest\n\n@pytest.mark.asyncio\nasync def test_ping(client):\n    assert await client.ping()\n".into(),
                    after: "import pytest\n\n@pytest.mark.anyio\nasync def test_ping(client):\n    assert await client.ping()\n".into(),
                    unsafe_fixes: false,
                }],
            },
        }
    }

    fn fix<'t>(&self, marker: Node<'t>, cx: &FileContext) -> Option<(Node<'t>, Vec<Edit>)> {
        let auto = cx.targets.pytest.auto();
        let anyio = || vec![Edit::replace(marker.byte_range(), "pytest.mark.anyio")];
        let parent = marker.parent()?;
        if parent.kind() == "decorator" {
            return Some((
                parent,
                if auto && cx.owns_its_lines(parent) {
                    vec![delete_lines(cx, parent)]
                } else {
                    anyio()
                },
            ));
        }
        let in_pytestmark = |n: Node| {
            n.kind() == "assignment"
                && n.child_by_field_name("left")
                    .is_some_and(|l| cx.text(l) == "pytestmark")
                && n.parent()
                    .is_some_and(|s| s.kind() == "expression_statement" && cx.owns_its_lines(s))
        };
        if in_pytestmark(parent) && parent.child_by_field_name("right") == Some(marker) {
            let stmt = parent.parent()?;
            return Some((
                stmt,
                if auto {
                    vec![delete_lines(cx, stmt)]
                } else {
                    anyio()
                },
            ));
        }
        if matches!(parent.kind(), "list" | "tuple") {
            let assign = parent.parent().filter(|a| in_pytestmark(*a))?;
            if !auto {
                return Some((parent, anyio()));
            }
            let items = elements(parent);
            let k = items.iter().position(|i| *i == marker)?;
            if items.len() == 1 {
                let stmt = assign.parent()?;
                return Some((stmt, vec![delete_lines(cx, stmt)]));
            }
            return Some((parent, vec![remove_element(&items, k)]));
        }
        Some((marker, anyio()))
    }
}

impl Transform for PytestMark {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        vec![Trigger::Word("mark.asyncio".into())]
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        // Markers move with the rest of the suite or not at all.
        if !cx.targets.pytest.moves() {
            return;
        }
        for &node in &cx.nodes_ending_in("name", "asyncio") {
            if node.kind() != "attribute"
                || cx.qualified(node).as_deref() != Some("pytest.mark.asyncio")
            {
                continue;
            }
            // `pytest.mark.asyncio(loop_scope=…)` is one marker with its arguments.
            let marker = node
                .parent()
                .filter(|p| p.kind() == "call" && p.child_by_field_name("function") == Some(node))
                .unwrap_or(node);
            let Some((site, edits)) = self.fix(marker, cx) else {
                continue;
            };
            let message = if edits.iter().all(|e| e.content.is_empty()) {
                "`pytest.mark.asyncio` goes: anyio's plugin runs async tests in auto mode"
            } else {
                "`pytest.mark.asyncio` becomes `pytest.mark.anyio`"
            };
            out.push(
                Diagnostic::new(self.info.code, message, site.byte_range())
                    .with_fix(Fix::new(edits, Applicability::Safe)),
            );
        }
    }
}
