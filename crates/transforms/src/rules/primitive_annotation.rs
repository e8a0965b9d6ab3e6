//! AM306: annotations naming an asyncio synchronisation primitive follow
//! the objects the module now creates (`self._lock: asyncio.Lock =
//! anyio.Lock()` would otherwise be left with a wrong type and an asyncio
//! import kept alive only by it).

use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
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

/// Whether an annotation is in a class body (read by dataclasses & co.).
fn in_class_body(ty: Node) -> bool {
    ty.parent()
        .filter(|a| a.kind() == "assignment")
        .and_then(|a| a.parent())
        .and_then(|s| s.parent())
        .and_then(|b| b.parent())
        .is_some_and(|c| c.kind() == "class_definition")
}

pub(super) fn triggers() -> Vec<Trigger> {
    PRIMITIVES.iter().map(|(a, _)| Trigger::name(a)).collect()
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    let types = cx.nodes_of_kind(syntax::kinds().type_);
    if types.is_empty() {
        return;
    }
    // The outermost annotation around a name (`Optional[asyncio.Lock]`
    // holds a `type` in a `type`).
    let outer_type = |n: Node| {
        types
            .iter()
            .filter(|t| t.start_byte() <= n.start_byte() && n.end_byte() <= t.end_byte())
            .min_by_key(|t| t.start_byte())
            .copied()
    };
    for (asyncio_name, anyio_name) in PRIMITIVES {
        let last = asyncio_name.rsplit('.').next().unwrap_or(asyncio_name);
        let refs: Vec<Node> = cx
            .nodes_ending_in("name", last)
            .into_iter()
            .filter(|n| cx.qualified(*n).as_deref() == Some(*asyncio_name))
            .filter(|n| !in_import(*n) && !is_attribute_name(*n))
            .collect();
        if refs.is_empty() || refs.iter().any(|n| outer_type(*n).is_none()) {
            // None, or objects of the asyncio class may still be made here.
            continue;
        }
        let anyio_last = anyio_name.rsplit('.').next().unwrap_or(anyio_name);
        let creates_anyio = cx.nodes_ending_in("call", anyio_last).iter().any(|c| {
            c.child_by_field_name("function").is_some_and(|f| {
                cx.text(f) == *anyio_name || cx.qualified(f).as_deref() == Some(*anyio_name)
            })
        });
        // Every reference is in an annotation (checked above).
        for (n, ty) in refs.iter().filter_map(|&n| Some((n, outer_type(n)?))) {
            let text = cx.text(n);
            out.push(if in_class_body(ty) {
                Diagnostic::new(
                    CODE,
                    format!("the class attribute annotation `{text}` is left as it is: dataclasses, attrs and pydantic read class annotations at run time"),
                    n.byte_range(),
                )
                .with_hint(format!("write `{anyio_name}` if nothing validates or builds objects from this annotation"))
            } else if creates_anyio {
                Diagnostic::new(
                    CODE,
                    format!("the annotation `{text}` follows the objects: `{anyio_name}`"),
                    n.byte_range(),
                )
                .with_fix(
                    Fix::new(vec![Edit::replace(n.byte_range(), *anyio_name)], Applicability::Safe)
                        .with_imports(["anyio"]),
                )
            } else {
                Diagnostic::new(
                    CODE,
                    format!("the annotation `{text}` names an asyncio class, and this module creates no `{anyio_name}` to tell what it receives"),
                    n.byte_range(),
                )
                .with_hint(format!("write `{anyio_name}` once the objects passed here are anyio's (the modules creating them migrated)"))
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
}
