//! AM607: a synchronous test or fixture that requests an async fixture (as
//! a parameter, by `usefixtures` or `request.getfixturevalue`) gets
//! `anyio_backend`, without which anyio's plugin does not run that fixture;
//! so does an autouse async fixture, which runs for the synchronous tests too.

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

/// The arguments of the function's decorators that are calls of `target`
/// (`pytest.fixture(autouse=True)`, `pytest.mark.usefixtures("conn")`).
fn decorator_calls<'t>(def: Node<'t>, target: &str, cx: &FileContext<'t>) -> Vec<Node<'t>> {
    let Some(d) = def.parent().filter(|p| p.kind() == "decorated_definition") else {
        return Vec::new();
    };
    syntax::named_children(d)
        .into_iter()
        .filter(|c| c.kind() == "decorator")
        .filter(|c| {
            super::pytest_support::decorator_target(*c, cx).is_some_and(|(q, _)| q == target)
        })
        .filter_map(|c| {
            syntax::named_children(c)
                .into_iter()
                .find(|e| e.kind() == "call")
        })
        .filter_map(|call| call.child_by_field_name("arguments"))
        .collect()
}

/// The edit adding `anyio_backend` to a parameter list: after its leading
/// plain parameters (before defaults, `*`, `/`).
fn add_backend(params: Node) -> Edit {
    let items = syntax::code_children(params);
    let plain = items
        .iter()
        .take_while(|p| matches!(p.kind(), "identifier" | "typed_parameter"))
        .last();
    match plain {
        Some(last) => Edit::insert(last.end_byte(), ", anyio_backend"),
        None if items.is_empty() => Edit::insert(params.start_byte() + 1, "anyio_backend"),
        None => Edit::insert(items[0].start_byte(), "anyio_backend, "),
    }
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    let PytestSuite::Moves { async_fixtures, .. } = &cx.targets.pytest else {
        return;
    };
    if async_fixtures.is_empty() {
        return;
    }
    for &def in cx.nodes_of_kind(syntax::kinds().function_definition) {
        let Some(name) = def.child_by_field_name("name").map(|n| cx.text(n)) else {
            continue;
        };
        let Some(params) = def.child_by_field_name("parameters") else {
            continue;
        };
        let names = parameter_names(params, cx);
        if names.contains(&"anyio_backend") {
            continue;
        }
        let message = if syntax::is_async_def(def) {
            // An autouse async fixture runs for the sync tests too: with
            // `anyio_backend` among its own parameters it is in every
            // request it joins (not wider than the backend's module scope).
            let autouse = decorator_calls(def, "pytest.fixture", cx)
                .into_iter()
                .chain(decorator_calls(def, "pytest_asyncio.fixture", cx))
                .any(|args| {
                    let text = cx.text(args);
                    // `scope="session"` or `'package'`: wider than the backend.
                    text.contains("autouse=True")
                        && !text.contains("session")
                        && !text.contains("package")
                });
            if !autouse {
                continue;
            }
            format!("`{name}` is an autouse async fixture: for the synchronous tests it runs for, it needs `anyio_backend` for anyio's plugin to run it")
        } else {
            if !name.starts_with("test") && !is_fixture(def, cx) {
                continue;
            }
            // Requested as a parameter, by `@pytest.mark.usefixtures("conn")`,
            // or by `request.getfixturevalue("conn")` in the body.
            let fetched = syntax::preorder(def).filter_map(|(n, _)| {
                let (_, method) =
                    super::task_support::method_call(n, cx).filter(|_| n.kind() == "call")?;
                (method == "getfixturevalue")
                    .then(|| n.child_by_field_name("arguments"))
                    .flatten()
            });
            let used: Vec<String> = decorator_calls(def, "pytest.mark.usefixtures", cx)
                .into_iter()
                .chain(fetched)
                .flat_map(|args| syntax::named_children(args))
                .filter(|a| a.kind() == "string")
                .map(|a| cx.text(a).trim_matches(['"', '\'']).to_string())
                .collect();
            let Some(requested) = names
                .iter()
                .map(|n| n.to_string())
                .chain(used)
                .find(|n| n != name && async_fixtures.contains(n))
            else {
                continue;
            };
            format!("`{name}` is synchronous and requests the async fixture `{requested}`: it needs `anyio_backend` for anyio's plugin to run that fixture")
        };
        out.push(
            Diagnostic::new(
                CODE,
                message,
                def.child_by_field_name("name").unwrap_or(def).byte_range(),
            )
            .with_fix(Fix::new(vec![add_backend(params)], Applicability::Safe)),
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

    #[test]
    fn fixtures_requested_otherwise_and_autouse_ones() {
        // Each finding's fix, applied alone.
        let fixed = |src: &str| -> Vec<String> {
            run_with("AM607", src, moves())
                .into_iter()
                .filter_map(|f| f.fixed.map(|(text, _)| text))
                .collect()
        };
        let src = "import pytest\n\n@pytest.mark.usefixtures(\"client\")\ndef test_marked():\n    pass\n\ndef test_fetched(request):\n    request.getfixturevalue(\"client\")\n";
        let texts = fixed(src);
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(
            texts[0].contains("def test_marked(anyio_backend):"),
            "{}",
            texts[0]
        );
        assert!(
            texts[1].contains("def test_fetched(request, anyio_backend):"),
            "{}",
            texts[1]
        );
        // Wider than the backend's module scope: left.
        let autouse = "import pytest\n\n@pytest.fixture(autouse=True)\nasync def reset():\n    yield\n\n@pytest.fixture(autouse=True, scope=\"session\")\nasync def session_wide():\n    yield\n";
        let texts = fixed(autouse);
        assert_eq!(texts.len(), 1, "{texts:?}");
        assert!(
            texts[0].contains("async def reset(anyio_backend):"),
            "{}",
            texts[0]
        );
    }
}
