//! AM605: the root `conftest.py` pins anyio's backend to asyncio.

use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM605";

/// The fixture that keeps a migrated suite on asyncio until its owners opt into trio.
pub const ANYIO_BACKEND_FIXTURE: &str =
    "@pytest.fixture(scope=\"session\")\ndef anyio_backend():\n    return \"asyncio\"\n";

/// A new root `conftest.py` holding only the fixture.
pub fn new_conftest() -> String {
    format!("import pytest\n\n\n{ANYIO_BACKEND_FIXTURE}")
}

pub(super) fn triggers() -> Vec<Trigger> {
    // Root conftest files are parsed whatever they contain (the caller
    // knows which they are); elsewhere there is nothing to do.
    vec![Trigger::All(vec![
        Trigger::Word("anyio_backend".into()),
        Trigger::Import("pytest_asyncio".into()),
    ])]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    // A custom event loop set through pytest-asyncio becomes the
    // `anyio_backend` of the tests it applied to.
    let mut writes_backend = false;
    if cx.targets.pytest.moves() {
        let (rewrites, writes) = super::custom_loop::rewrites(cx);
        writes_backend = writes;
        for r in rewrites {
            let at = r.node.child_by_field_name("definition").unwrap_or(r.node);
            let at = at.child_by_field_name("name").unwrap_or(at);
            out.push(Diagnostic::new(CODE, r.message, at.byte_range()).with_fix(
                Fix::new(vec![r.edit], Applicability::Safe).with_imports(r.imports.iter().copied()),
            ));
        }
    }
    if !cx.targets.root_conftest || writes_backend {
        return;
    }
    let defined = cx
        .nodes_of_kind(syntax::kinds().function_definition)
        .iter()
        .any(|f| {
            f.child_by_field_name("name")
                .is_some_and(|n| cx.text(n) == "anyio_backend")
        });
    if defined {
        return;
    }
    let nl = cx.style.newline.as_str();
    let root = cx.tree.root_node();
    let stmts = syntax::code_children(root);
    // After the leading docstring and imports.
    let mut last = None;
    for (k, s) in stmts.iter().enumerate() {
        let leading = matches!(
            s.kind(),
            "import_statement" | "import_from_statement" | "future_import_statement"
        ) || (k == 0
            && s.kind() == "expression_statement"
            && s.named_child(0).is_some_and(|c| c.kind() == "string"));
        if !leading {
            break;
        }
        last = Some(*s);
    }
    let at = last.map_or(0, |s| {
        cx.src[s.end_byte()..]
            .find('\n')
            .map_or(cx.src.len(), |i| s.end_byte() + i + 1)
    });
    let fixture = ANYIO_BACKEND_FIXTURE
        .replace('\n', nl)
        .replace("    ", &cx.style.indent);
    let rest = &cx.src[at..];
    let blank_after = rest
        .split_inclusive('\n')
        .take_while(|l| l.trim().is_empty())
        .count()
        .min(2);
    let before = if last.is_some() {
        format!("{nl}{nl}")
    } else {
        String::new()
    };
    let after = if rest.trim().is_empty() {
        String::new()
    } else {
        nl.repeat(2 - blank_after)
    };
    let text = format!("{before}{fixture}{after}");
    out.push(
        Diagnostic::new(CODE, "the root `conftest.py` gets an `anyio_backend` fixture that keeps the suite on asyncio", at..at)
            .with_fix(Fix::new(vec![Edit::insert(at, text)], Applicability::Safe).with_imports(["pytest"])),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;
    use crate::Targets;

    #[test]
    fn the_root_conftest_gets_the_fixture() {
        let src = "import pytest\n";
        let found = run_with(
            "AM605",
            src,
            Targets {
                root_conftest: true,
                ..moves()
            },
        );
        assert_fixes(
            &found,
            "the root `conftest.py` gets an `anyio_backend` fixture that keeps the suite on asyncio",
            "import pytest\n\n\n@pytest.fixture(scope=\"session\")\ndef anyio_backend():\n    return \"asyncio\"\n",
            edit::Applicability::Safe,
        );
    }

    #[test]
    fn another_file_is_left() {
        let src = "import pytest\n";
        assert!(run_with("AM605", src, moves()).is_empty());
    }
}
