//! AM603: `@pytest.mark.asyncio` and `pytestmark = pytest.mark.asyncio`.

use super::pytest_support::{delete_lines, remove_element};
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::Node;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM603";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::Word("mark.asyncio".into())]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
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
        let Some((site, edits)) = fix(marker, cx) else {
            continue;
        };
        // Deleted, or left as the comment its line had.
        let message = if edits
            .iter()
            .all(|e| e.content.trim().is_empty() || e.content.trim_start().starts_with('#'))
        {
            "`pytest.mark.asyncio` goes: anyio's plugin runs async tests in auto mode"
        } else {
            "`pytest.mark.asyncio` becomes `pytest.mark.anyio`"
        };
        out.push(
            Diagnostic::new(CODE, message, site.byte_range())
                .with_fix(Fix::new(edits, Applicability::Safe)),
        );
    }
}

fn fix<'t>(marker: Node<'t>, cx: &FileContext) -> Option<(Node<'t>, Vec<Edit>)> {
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
        let items = syntax::code_children(parent);
        let k = items.iter().position(|i| *i == marker)?;
        if items.len() == 1 {
            let stmt = assign.parent()?;
            return Some((stmt, vec![delete_lines(cx, stmt)]));
        }
        return Some((parent, vec![remove_element(&items, k, cx.src)]));
    }
    Some((marker, anyio()))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn the_marker_becomes_anyios() {
        let src = "import pytest\n\n@pytest.mark.asyncio\nasync def test_x():\n    pass\n";
        let found = run_with("AM603", src, moves());
        assert_fixes(
            &found,
            "`pytest.mark.asyncio` becomes `pytest.mark.anyio`",
            "import pytest\n\n@pytest.mark.anyio\nasync def test_x():\n    pass\n",
            edit::Applicability::Safe,
        );
    }

    #[test]
    fn a_suite_that_stays_is_left() {
        let src = "import pytest\n\n@pytest.mark.asyncio\nasync def test_x():\n    pass\n";
        assert!(run("AM603", src).is_empty());
    }
}
