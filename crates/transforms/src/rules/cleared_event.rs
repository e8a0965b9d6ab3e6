//! AM307: an `asyncio.Event` that is cleared, kept in a local variable or a
//! private attribute of one class, becomes an `anyio.Event` that is replaced
//! by a fresh one where the old one was cleared (anyio's events are
//! one-shot: they have no `clear()`).

use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::Node;

pub(super) const CODE: &str = "AM307";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::All(vec![
        Trigger::name("asyncio.Event"),
        Trigger::Word("clear".into()),
    ])]
}

/// Why the rewrite is unsafe, in one clause.
const UNSAFE_BECAUSE: &str = "a task already waiting when the event is cleared keeps waiting on the old event, which nothing sets any more, where asyncio's `set()` woke it";

/// Where the event is kept: a local variable of one function, or a private
/// attribute of `self` in one class.
enum Holder<'a> {
    Local { name: &'a str, function: Node<'a> },
    Attribute { name: &'a str, class: Node<'a> },
}

impl<'a> Holder<'a> {
    /// The holder an assignment target names, with the scope it lives in.
    fn of(target: Node<'a>, cx: &FileContext<'a>) -> Option<Holder<'a>> {
        match target.kind() {
            "identifier" => {
                let function = syntax::enclosing(
                    target,
                    &["function_definition", "lambda", "class_definition"],
                )
                .filter(|f| f.kind() == "function_definition")?;
                Some(Holder::Local {
                    name: cx.text(target),
                    function,
                })
            }
            "attribute" => {
                let object = target.child_by_field_name("object")?;
                let attr = target.child_by_field_name("attribute")?;
                let name = cx.text(attr);
                (cx.text(object) == "self" && name.starts_with('_') && !name.starts_with("__"))
                    .then_some(())?;
                let class = syntax::enclosing(target, &["class_definition"])?;
                Some(Holder::Attribute { name, class })
            }
            _ => None,
        }
    }

    /// The nodes in the holder's scope that stand for the event: the name,
    /// or `self._name`.
    fn references(&self, cx: &FileContext<'a>) -> Vec<Node<'a>> {
        match self {
            Holder::Local { name, function } => syntax::preorder(*function)
                .map(|(n, _)| n)
                .filter(|n| n.kind() == "identifier" && cx.text(*n) == *name)
                .collect(),
            Holder::Attribute { name, class } => syntax::preorder(*class)
                .map(|(n, _)| n)
                .filter(|n| {
                    n.kind() == "attribute"
                        && n.child_by_field_name("attribute")
                            .is_some_and(|a| cx.text(a) == *name)
                })
                .collect(),
        }
    }
}

/// Whether `call` is `asyncio.Event()` with no arguments.
fn new_event(call: Node, cx: &FileContext) -> bool {
    syntax::is_call_without_arguments(call) && cx.callee(call).as_deref() == Some("asyncio.Event")
}

/// The expression statement `n` is the whole of.
fn statement(n: Node) -> Option<Node> {
    n.parent().filter(|p| p.kind() == "expression_statement")
}

/// What one reference to the event does, and its edit: `None` when it has
/// no form on a replaced anyio event (passed on, stored, its `wait()`'s
/// result read, a method anyio's lacks).
fn use_edit(
    reference: Node,
    holder: &Holder,
    clears: &mut usize,
    cx: &FileContext,
) -> Option<Option<Edit>> {
    let parent = reference.parent()?;
    // The event's creations: `x = asyncio.Event()`.
    if parent.kind() == "assignment" && parent.child_by_field_name("left") == Some(reference) {
        let right = parent.child_by_field_name("right")?;
        return new_event(right, cx)
            .then(|| Some(Edit::replace(right.byte_range(), "anyio.Event()")));
    }
    let method = (parent.kind() == "attribute"
        && parent.child_by_field_name("object") == Some(reference))
    .then(|| parent.child_by_field_name("attribute"))
    .flatten()?;
    let call = parent.parent().filter(|c| c.kind() == "call")?;
    let no_args = call
        .child_by_field_name("arguments")
        .is_some_and(|a| a.named_child_count() == 0);
    match cx.text(method) {
        "is_set" if no_args => Some(None),
        "set" if no_args && statement(call).is_some() => Some(None),
        // `await x.wait()` as a statement: asyncio's returns `True`, anyio's `None`.
        "wait" if no_args => {
            let awaited = call.parent().filter(|a| a.kind() == "await")?;
            statement(awaited).map(|_| None)
        }
        "clear" if no_args => {
            let stmt = statement(call)?;
            // A local cleared inside a nested function would need `nonlocal`.
            if let Holder::Local { function, .. } = holder {
                let inner =
                    syntax::enclosing(stmt, &["function_definition", "lambda", "class_definition"]);
                if inner.map(|f| f.id()) != Some(function.id()) {
                    return None;
                }
            }
            *clears += 1;
            let target = cx.text(reference);
            Some(Some(Edit::replace(
                call.byte_range(),
                format!("{target} = anyio.Event()"),
            )))
        }
        _ => None,
    }
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<(usize, String)> = Vec::new();
    for call in cx.calls_to("asyncio.Event") {
        let Some(target) = call
            .parent()
            .filter(|p| p.kind() == "assignment")
            .and_then(|a| a.child_by_field_name("left"))
        else {
            continue;
        };
        let Some(holder) = Holder::of(target, cx) else {
            continue;
        };
        let (scope, name) = match &holder {
            Holder::Local { name, function } => (function.id(), name.to_string()),
            Holder::Attribute { name, class } => (class.id(), name.to_string()),
        };
        // One diagnostic per event, at its first creation.
        if seen.contains(&(scope, name.clone())) {
            continue;
        }
        seen.push((scope, name.clone()));
        if let Holder::Attribute { name, .. } = &holder {
            // Another module uses it (`pool._closed.clear()`) or checks types.
            let file = Some(cx.targets.file.as_str());
            if cx
                .targets
                .project
                .primitive_blocked_outside("AM302", Some(name), file)
                .is_some()
            {
                continue;
            }
        }
        let mut edits = Vec::new();
        let mut clears = 0;
        let mut ok = true;
        for reference in holder.references(cx) {
            match use_edit(reference, &holder, &mut clears, cx) {
                Some(edit) => edits.extend(edit),
                None => {
                    ok = false;
                    break;
                }
            }
        }
        let shared = matches!(holder, Holder::Local { function, name } if syntax::preorder(function).any(|(n, _)| {
            matches!(n.kind(), "global_statement" | "nonlocal_statement")
                && syntax::named_children(n).iter().any(|c| cx.text(*c) == name)
        }));
        if !ok || clears == 0 || shared {
            continue;
        }
        out.push(
            Diagnostic::new(
                CODE,
                format!("a cleared event becomes a fresh `anyio.Event()` where it is cleared ({UNSAFE_BECAUSE})"),
                call.byte_range(),
            )
            .with_fix(Fix::new(edits, Applicability::Unsafe).with_imports(["anyio"])),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn a_cleared_event_is_replaced_where_it_was_cleared() {
        let src = "import asyncio\n\nasync def main():\n    ready = asyncio.Event()\n    ready.set()\n    await ready.wait()\n    ready.clear()\n";
        let found = run("AM307", src);
        assert_eq!(found.len(), 1, "{found:?}");
        let (text, class) = found[0].fixed.clone().expect("a fix");
        assert_eq!(text, "import asyncio\n\nasync def main():\n    ready = anyio.Event()\n    ready.set()\n    await ready.wait()\n    ready = anyio.Event()\n");
        assert_eq!(class, edit::Applicability::Unsafe);
    }

    #[test]
    fn an_event_handed_over_or_never_cleared_is_left() {
        let handed = "import asyncio\n\nasync def main(worker):\n    ready = asyncio.Event()\n    worker(ready)\n    ready.clear()\n";
        assert!(run("AM307", handed).is_empty());
        let kept =
            "import asyncio\n\nasync def main():\n    ready = asyncio.Event()\n    ready.set()\n";
        assert!(run("AM307", kept).is_empty());
    }
}
