//! AM604: `@pytest_asyncio.fixture(...)` becomes `@pytest.fixture(...)`,
//! and `pytest_plugins` stops loading pytest-asyncio.

use super::pytest_support::{decorator_target, delete_lines, remove_element};
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM604";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![
        Trigger::Import("pytest_asyncio".into()),
        Trigger::Word("pytest_plugins".into()),
    ]
}

/// `pytest_plugins = ["pytest_asyncio", ...]` at module level: the edit that
/// stops loading pytest-asyncio (the element goes, or the statement when it
/// is the only one), and the statement.
fn plugin_removal<'t>(stmt: syntax::Node<'t>, cx: &FileContext<'t>) -> Option<Edit> {
    let assign = stmt.named_child(0).filter(|a| a.kind() == "assignment")?;
    let left = assign.child_by_field_name("left")?;
    let right = assign.child_by_field_name("right")?;
    if cx.text(left) != "pytest_plugins" || !cx.owns_its_lines(stmt) {
        return None;
    }
    let is_asyncio = |n: &syntax::Node| {
        n.kind() == "string"
            && matches!(
                cx.text(*n).trim_matches(['"', '\'']),
                "pytest_asyncio" | "pytest_asyncio.plugin"
            )
    };
    if is_asyncio(&right) {
        return Some(delete_lines(cx, stmt));
    }
    if !matches!(right.kind(), "list" | "tuple") {
        return None;
    }
    let items = syntax::code_children(right);
    let k = items.iter().position(is_asyncio)?;
    if items.len() == 1 {
        return Some(delete_lines(cx, stmt));
    }
    Some(remove_element(&items, k, cx.src))
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    // Fixtures move with the rest of the suite or not at all.
    if !cx.targets.pytest.moves() {
        return;
    }
    for &decorator in cx.nodes_of_kind(syntax::kinds().decorator) {
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
            let items = syntax::code_children(args);
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
                let e = remove_element(&remaining, k, cx.src);
                remaining.remove(k);
                edits.push(e);
            }
        }
        let (applicability, why) = if cx.edits_drop_comment(&edits) {
            (Applicability::Unsafe, crate::DROPS_COMMENT)
        } else {
            (Applicability::Safe, "")
        };
        out.push(
            Diagnostic::new(
                CODE,
                format!("`pytest_asyncio.fixture` becomes `pytest.fixture`{why}"),
                decorator.byte_range(),
            )
            .with_fix(Fix::new(edits, applicability).with_imports(["pytest"])),
        );
    }
    // pytest would fail to start once pytest-asyncio is uninstalled.
    for stmt in syntax::named_children(cx.tree.root_node()) {
        if stmt.kind() != "expression_statement" {
            continue;
        }
        if let Some(edit) = plugin_removal(stmt, cx) {
            out.push(
                Diagnostic::new(
                    CODE,
                    "`pytest_plugins` loads pytest-asyncio, which the suite leaves for anyio's plugin: it goes",
                    stmt.byte_range(),
                )
                .with_fix(Fix::new(vec![edit], Applicability::Safe)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn the_decorator_becomes_pytests() {
        let src =
            "import pytest_asyncio\n\n@pytest_asyncio.fixture\nasync def client():\n    yield 1\n";
        let found = run_with("AM604", src, moves());
        assert_fixes(
            &found,
            "`pytest_asyncio.fixture` becomes `pytest.fixture`",
            "import pytest_asyncio\n\n@pytest.fixture\nasync def client():\n    yield 1\n",
            edit::Applicability::Safe,
        );
    }

    #[test]
    fn pytest_plugins_stops_loading_pytest_asyncio() {
        let src = "pytest_plugins = [\"pytest_asyncio\", \"myplugin\"]\n";
        let found = run_with("AM604", src, moves());
        assert_fixes(
            &found,
            "`pytest_plugins` loads pytest-asyncio, which the suite leaves for anyio's plugin: it goes",
            "pytest_plugins = [\"myplugin\"]\n",
            edit::Applicability::Safe,
        );
        let alone = "import os\n\npytest_plugins = \"pytest_asyncio\"\n";
        let found = run_with("AM604", alone, moves());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].fixed.as_ref().unwrap().0, "import os\n\n");
        // The suite stays: nothing.
        assert!(run("AM604", src).is_empty());
    }
}
