//! AM607: a synchronous test or fixture that requests an async fixture
//! gets `anyio_backend`, without which anyio's plugin does not run that fixture.

use crate::{FileContext, PytestSuite, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::Node;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM607";

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

pub(super) fn triggers() -> Vec<Trigger> {
    // Any test file may request a fixture defined elsewhere, in any
    // words: the files of a moving suite are parsed whatever they
    // contain, and elsewhere there is nothing to do. These words only
    // keep the run from parsing other files for it.
    vec![Trigger::All(vec![
        Trigger::Import("pytest".into()),
        Trigger::Word("def test".into()),
    ])]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    let PytestSuite::Moves { async_fixtures, .. } = &cx.targets.pytest else {
        return;
    };
    if async_fixtures.is_empty() {
        return;
    }
    for &def in cx.nodes_of_kind(syntax::kinds().function_definition) {
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
        let items = syntax::code_children(params);
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
                CODE,
                format!("`{name}` is synchronous and requests the async fixture `{requested}`: it needs `anyio_backend` for anyio's plugin to run that fixture"),
                def.child_by_field_name("name").unwrap_or(def).byte_range(),
            )
            .with_fix(Fix::new(vec![edit], Applicability::Safe)),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn a_sync_test_requesting_an_async_fixture_gets_the_backend() {
        let src = "import pytest\n\ndef test_sync(client):\n    pass\n";
        let found = run_with("AM607", src, moves());
        assert_fixes(
            &found,
            "`test_sync` is synchronous and requests the async fixture `client`: it needs `anyio_backend` for anyio's plugin to run that fixture",
            "import pytest\n\ndef test_sync(client, anyio_backend):\n    pass\n",
            edit::Applicability::Safe,
        );
    }

    #[test]
    fn an_async_test_is_left() {
        let src = "import pytest\n\nasync def test_async(client):\n    pass\n";
        assert!(run_with("AM607", src, moves()).is_empty());
    }
}
