//! AM605: the root `conftest.py` pins anyio's backend to asyncio.

use crate::{Docs, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::named_children;

/// The fixture that keeps a migrated suite on asyncio until its owners opt into trio.
pub const ANYIO_BACKEND_FIXTURE: &str =
    "@pytest.fixture(scope=\"session\")\ndef anyio_backend():\n    return \"asyncio\"\n";

/// A new root `conftest.py` holding only the fixture.
pub fn new_conftest() -> String {
    format!("import pytest\n\n\n{ANYIO_BACKEND_FIXTURE}")
}

/// Adds the session-scoped `anyio_backend` fixture to the root `conftest.py`.
pub struct AnyioBackend {
    info: TransformInfo,
}

impl AnyioBackend {
    /// The transform with its docs.
    pub fn new() -> Self {
        AnyioBackend {
            info: TransformInfo {
                code: "AM605",
                name: "anyio-backend",
                summary: "the root `conftest.py` gets a session-scoped `anyio_backend` fixture returning \"asyncio\"; a custom event loop set through pytest-asyncio becomes an `anyio_backend` with its loop factory".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "In the `conftest.py` beside a pytest configuration that used pytest-asyncio, adds `@pytest.fixture(scope=\"session\") def anyio_backend(): return \"asyncio\"` after the imports, unless the file defines `anyio_backend` already. When that `conftest.py` does not exist, it is created with just the fixture.\n\nA custom event loop set through pytest-asyncio moves too, where it is defined: an `event_loop_policy` fixture stays and gets an autouse `anyio_backend` fixture of its scope returning `(\"asyncio\", {\"loop_factory\": event_loop_policy.new_event_loop})` (pytest-asyncio's `event_loop_policy` is autouse, so every test under it, synchronous ones too, keeps its parametrisation and ids); a `pytest_asyncio_loop_factories` hook that returns the same mapping of names to factories for every test becomes an `anyio_backend` fixture returning `(\"asyncio\", {\"loop_factory\": F})`, session-scoped for one factory, parametrised over the names (pytest-asyncio's test ids) for several; a function-scoped synchronous `event_loop` fixture that makes asyncio's default loop becomes an async fixture returning the running loop. A custom loop with no faithful form keeps its whole suite on pytest-asyncio, and the run says why (see the user guide).".into(),
                    why: "anyio's plugin otherwise runs every test on every installed backend (its own `anyio_backend` is parametrized), so tests of code that is still asyncio-specific fail on trio. Session scope is what module- and session-scoped async fixtures need (a narrower one raises `ScopeMismatch`). Remove the fixture, or parametrize it, to opt into trio.".into(),
                    fix_safety: "Safe: the suite keeps running on asyncio, as it did under pytest-asyncio, on the same loops. A custom loop is moved only when nothing in the suite can tell the difference: no code reads the global event loop policy that pytest-asyncio swapped in for the policy fixture's tests, no synchronous test code asks for the current loop (anyio does not install a loop made by a `loop_factory` as the thread's current loop), no async fixture is scoped wider than the new `anyio_backend`, and with several factories no synchronous test runs an async fixture (it would run once per loop) and no marker picks factories by name.".into(),
                },
                examples: vec![],
            },
        }
    }
}

impl Transform for AnyioBackend {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        // Root conftest files are parsed whatever they contain (the caller
        // knows which they are); elsewhere there is nothing to do.
        vec![Trigger::All(vec![
            Trigger::Word("anyio_backend".into()),
            Trigger::Import("pytest_asyncio".into()),
        ])]
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        // A custom event loop set through pytest-asyncio becomes the
        // `anyio_backend` of the tests it applied to.
        let mut writes_backend = false;
        if cx.targets.pytest.moves() {
            let (rewrites, writes) = super::custom_loop::rewrites(cx);
            writes_backend = writes;
            for r in rewrites {
                let at = r.node.child_by_field_name("definition").unwrap_or(r.node);
                let at = at.child_by_field_name("name").unwrap_or(at);
                out.push(
                    Diagnostic::new(self.info.code, r.message, at.byte_range()).with_fix(
                        Fix::new(vec![r.edit], Applicability::Safe)
                            .with_imports(r.imports.iter().copied()),
                    ),
                );
            }
        }
        if !cx.targets.root_conftest || writes_backend {
            return;
        }
        let defined = cx.nodes_of_kind("function_definition").iter().any(|f| {
            f.child_by_field_name("name")
                .is_some_and(|n| cx.text(n) == "anyio_backend")
        });
        if defined {
            return;
        }
        let nl = cx.style.newline.as_str();
        let root = cx.tree.root_node();
        let stmts: Vec<_> = named_children(root)
            .into_iter()
            .filter(|n| n.kind() != "comment")
            .collect();
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
            Diagnostic::new(self.info.code, "the root `conftest.py` gets an `anyio_backend` fixture that keeps the suite on asyncio", at..at)
                .with_fix(Fix::new(vec![Edit::insert(at, text)], Applicability::Safe).with_imports(["pytest"])),
        );
    }
}
