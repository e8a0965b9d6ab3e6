//! AM306: annotations naming an asyncio synchronisation primitive follow
//! the objects the module now creates (`self._lock: asyncio.Lock =
//! anyio.Lock()` would otherwise be left with a wrong type and an asyncio
//! import kept alive only by it).

use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use std::ops::Range;
use syntax::Node;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM306";

/// The asyncio primitives and the anyio class their constructors become.
const PRIMITIVES: &[(&str, &str)] = &[
    ("asyncio.Lock", "anyio.Lock"),
    ("asyncio.Event", "anyio.Event"),
    ("asyncio.Semaphore", "anyio.Semaphore"),
    ("asyncio.BoundedSemaphore", "anyio.Semaphore"),
    ("asyncio.Condition", "anyio.Condition"),
];

/// Whether an identifier is the name after a dot (`Lock` in `anyio.Lock`),
/// which the index lists but which is no reference of its own.
fn is_attribute_name(n: Node) -> bool {
    n.parent().is_some_and(|p| {
        p.kind() == "attribute"
            && p.child_by_field_name("attribute")
                .is_some_and(|a| a.id() == n.id())
    })
}

/// Whether a name is part of an import statement (`from asyncio import Lock`).
fn in_import(n: Node) -> bool {
    std::iter::successors(n.parent(), |p| p.parent())
        .take(3)
        .any(|p| matches!(p.kind(), "import_statement" | "import_from_statement"))
}

/// The class whose body holds an annotation (read by dataclasses & co.).
fn class_of(ty: Node) -> Option<Node> {
    ty.parent()
        .filter(|a| a.kind() == "assignment")
        .and_then(|a| a.parent())
        .and_then(|s| s.parent())
        .and_then(|b| b.parent())
        .filter(|c| c.kind() == "class_definition")
}

/// Whether nothing reads a class's annotations to build or check objects:
/// no decorator (`@dataclass`, `@attrs.define`) and no base class or
/// metaclass (`BaseModel`, `NamedTuple`, `TypedDict`) but `object`.
fn plain_class(class: Node, cx: &FileContext) -> bool {
    let decorated = class
        .parent()
        .is_some_and(|p| p.kind() == "decorated_definition");
    let bases_plain = class
        .child_by_field_name("superclasses")
        .is_none_or(|args| {
            syntax::named_children(args)
                .iter()
                .all(|b| b.kind() == "comment" || cx.text(*b) == "object")
        });
    !decorated && bases_plain
}

/// Whether a reference is the class an `isinstance(x, ...)` call tests,
/// alone or in a tuple of classes.
fn isinstance_class(n: Node, cx: &FileContext) -> bool {
    let arg = match n.parent() {
        Some(t) if t.kind() == "tuple" => t,
        _ => n,
    };
    let Some(args) = arg.parent().filter(|a| a.kind() == "argument_list") else {
        return false;
    };
    let positional = syntax::named_children(args);
    positional.len() == 2
        && positional[1].id() == arg.id()
        && args.parent().is_some_and(|call| {
            call.kind() == "call"
                && call
                    .child_by_field_name("function")
                    .is_some_and(|f| cx.text(f) == "isinstance")
        })
}

/// The fix that names the anyio class at `range` instead.
fn follows(
    message: String,
    range: Range<usize>,
    anyio_name: &str,
    applicability: Applicability,
) -> Diagnostic {
    Diagnostic::new(CODE, message, range.clone()).with_fix(
        Fix::new(vec![Edit::replace(range, anyio_name)], applicability).with_imports(["anyio"]),
    )
}

pub(super) fn triggers() -> Vec<Trigger> {
    PRIMITIVES.iter().map(|(a, _)| Trigger::name(a)).collect()
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    let types = cx.nodes_of_kind(syntax::kinds().type_);
    // The outermost annotation around a name or a range (`Optional[asyncio.Lock]`
    // holds a `type` in a `type`).
    let outer_type = |r: Range<usize>| {
        types
            .iter()
            .filter(|t| t.start_byte() <= r.start && r.end <= t.end_byte())
            .min_by_key(|t| t.start_byte())
            .copied()
    };
    // The dotted names spelled in string annotations (the semantic model
    // keeps their text), once for all primitives.
    let in_strings: Vec<(Range<usize>, Node)> = cx
        .model
        .annotation_strings()
        .iter()
        .flat_map(|r| syntax::dotted_names_in_text(cx.src, r.clone()))
        .filter_map(|name| Some((name.clone(), outer_type(name)?)))
        .collect();
    for (asyncio_name, anyio_name) in PRIMITIVES {
        let last = asyncio_name.rsplit('.').next().unwrap_or(asyncio_name);
        // Each reference with the annotation around it, if any.
        let refs: Vec<(Node, Option<Node>)> = cx
            .nodes_ending_in("name", last)
            .into_iter()
            .filter(|n| cx.qualified(*n).as_deref() == Some(*asyncio_name))
            .filter(|n| !in_import(*n) && !is_attribute_name(*n))
            .map(|n| (n, outer_type(n.byte_range())))
            .collect();
        // Outside annotations, only `isinstance` tests.
        let tests: Vec<Node> = refs
            .iter()
            .filter(|(_, ty)| ty.is_none())
            .map(|(n, _)| *n)
            .collect();
        if tests.iter().any(|n| !isinstance_class(*n, cx)) {
            // Objects of the asyncio class may still be made here.
            continue;
        }
        // The annotations, naming the class or spelling it in a string.
        let mut sites: Vec<(Range<usize>, Node)> = refs
            .iter()
            .filter_map(|(n, ty)| Some((n.byte_range(), (*ty)?)))
            .collect();
        sites.extend(
            in_strings
                .iter()
                .filter(|(r, _)| {
                    cx.model.resolve_dotted(&cx.src[r.clone()]).as_deref() == Some(*asyncio_name)
                })
                .cloned(),
        );
        if sites.is_empty() && tests.is_empty() {
            continue;
        }
        sites.sort_by_key(|(r, _)| r.start);
        let anyio_last = anyio_name.rsplit('.').next().unwrap_or(anyio_name);
        let is_anyio_class =
            |f: Node| cx.text(f) == *anyio_name || cx.qualified(f).as_deref() == Some(*anyio_name);
        // Made here: called, or handed on as the factory that makes them
        // (`defaultdict(anyio.Lock)`, `field(default_factory=anyio.Lock)`).
        let creates_anyio = cx.nodes_ending_in("call", anyio_last).iter().any(|c| {
            c.child_by_field_name("function")
                .is_some_and(is_anyio_class)
        }) || cx.nodes_ending_in("name", anyio_last).iter().any(|n| {
            is_anyio_class(*n)
                && n.parent().is_some_and(|p| {
                    p.kind() == "argument_list"
                        || (p.kind() == "keyword_argument"
                            && p.child_by_field_name("name")
                                .is_some_and(|k| cx.text(k) == "default_factory"))
                })
        });
        for (range, ty) in sites {
            let text = &cx.src[range.clone()];
            let read_at_run_time = class_of(ty).is_some_and(|c| !plain_class(c, cx));
            out.push(if read_at_run_time {
                Diagnostic::new(
                    CODE,
                    format!("the class attribute annotation `{text}` is left as it is: the class is decorated or has a base class, and dataclasses, attrs and pydantic read class annotations at run time"),
                    range,
                )
                .with_hint(format!("write `{anyio_name}` if nothing validates or builds objects from this annotation"))
            } else if creates_anyio {
                follows(
                    format!("the annotation `{text}` follows the objects: `{anyio_name}`"),
                    range,
                    anyio_name,
                    Applicability::Safe,
                )
            } else {
                Diagnostic::new(
                    CODE,
                    format!("the annotation `{text}` names an asyncio class, and this module creates no `{anyio_name}` to tell what it receives"),
                    range,
                )
                .with_hint(format!("write `{anyio_name}` once the objects passed here are anyio's (the modules creating them migrated)"))
            });
        }
        for test in tests {
            let range = test.byte_range();
            out.push(if creates_anyio {
                follows(
                    format!("`isinstance` tests for `{anyio_name}`, the objects this module now makes (an `{asyncio_name}` made outside the module no longer passes the test)"),
                    range,
                    anyio_name,
                    Applicability::Unsafe,
                )
            } else {
                Diagnostic::new(
                    CODE,
                    format!("`isinstance` tests for `{asyncio_name}`, and this module creates no `{anyio_name}` to tell what it receives"),
                    range,
                )
                .with_hint(format!("test for `{anyio_name}` once the objects passed here are anyio's (the modules creating them migrated)"))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn an_annotation_follows_the_anyio_object() {
        let src = "import asyncio\n\nimport anyio\n\nlock: asyncio.Lock = anyio.Lock()\n";
        let found = run("AM306", src);
        assert_fixes(
            &found,
            "the annotation `asyncio.Lock` follows the objects: `anyio.Lock`",
            "import asyncio\n\nimport anyio\n\nlock: anyio.Lock = anyio.Lock()\n",
            edit::Applicability::Safe,
        );
    }

    #[test]
    fn with_no_anyio_object_it_is_reported() {
        let src = "import asyncio\n\nev: asyncio.Event\n";
        let found = run("AM306", src);
        assert_reports(&found, "the annotation `asyncio.Event` names an asyncio class, and this module creates no `anyio.Event` to tell what it receives");
    }

    #[test]
    fn a_string_annotation_and_a_plain_class_body_follow() {
        let src = "import asyncio\n\nimport anyio\n\nclass Gate:\n    opened: \"asyncio.Event | None\"\n    closed: asyncio.Event\n\n    def __init__(self):\n        self.opened = anyio.Event()\n";
        let found = run("AM306", src);
        let fixed: Vec<&str> = found
            .iter()
            .filter_map(|f| f.fixed.as_ref().map(|(text, _)| text.as_str()))
            .collect();
        assert_eq!(
            fixed,
            [
                src.replace("\"asyncio.Event", "\"anyio.Event"),
                src.replace("closed: asyncio", "closed: anyio"),
            ]
        );
    }

    #[test]
    fn a_decorated_or_derived_class_body_is_reported() {
        for class in ["@dataclass\nclass Limits:", "class Limits(BaseModel):"] {
            let src = format!("import asyncio\n\nimport anyio\n\n{class}\n    per_host: asyncio.Semaphore\n\nsem = anyio.Semaphore(2)\n");
            let found = run("AM306", &src);
            assert_reports(&found, "the class attribute annotation `asyncio.Semaphore` is left as it is: the class is decorated or has a base class, and dataclasses, attrs and pydantic read class annotations at run time");
        }
    }

    #[test]
    fn an_isinstance_test_follows_with_an_unsafe_fix() {
        let src = "import asyncio\n\nimport anyio\n\nready = anyio.Event()\n\n\ndef is_event(x):\n    return isinstance(x, (asyncio.Event, str))\n";
        let found = run("AM306", src);
        assert_fixes(
            &found,
            "`isinstance` tests for `anyio.Event`, the objects this module now makes (an `asyncio.Event` made outside the module no longer passes the test)",
            &src.replace("(asyncio.Event", "(anyio.Event"),
            edit::Applicability::Unsafe,
        );
        let src = "import asyncio\n\n\ndef is_event(x):\n    return isinstance(x, asyncio.Event)\n";
        assert_reports(&run("AM306", src), "`isinstance` tests for `asyncio.Event`, and this module creates no `anyio.Event` to tell what it receives");
        // A call that is not `isinstance` still keeps the asyncio class.
        let src =
            "import asyncio\n\nimport anyio\n\nready = anyio.Event()\nmake(x, asyncio.Event)\n";
        assert!(run("AM306", src).is_empty());
    }
}
