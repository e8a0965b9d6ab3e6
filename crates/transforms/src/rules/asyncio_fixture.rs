//! AM604: `@pytest_asyncio.fixture(...)` becomes `@pytest.fixture(...)`.

use super::pytest_support::{decorator_target, remove_element};
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM604";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::Import("pytest_asyncio".into())]
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
}
