//! AM208: a future made and used in one coroutine (`fut =
//! loop.create_future()`, set with `fut.set_result(x)` — maybe in a callback
//! the coroutine defines — and awaited) becomes an `anyio.Future` (anyio
//! 4.15+): `fut.return_value = x`, `fut.result()` → `fut.return_value`,
//! `fut.done()` → a status test.

use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::Node;

pub(super) const CODE: &str = "AM208";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![
        Trigger::name("asyncio.Future"),
        Trigger::word_with_module("asyncio", "create_future"),
    ]
}

/// Why the rewrite is unsafe, in one clause.
const UNSAFE_BECAUSE: &str = "cancelling the task that awaits it no longer cancels the future, and setting a future that has finished raises anyio's `FutureAlreadyFinished`, not `InvalidStateError`";

/// Calls that return the running loop inside a coroutine.
const RUNNING_LOOP: &[&str] = &["asyncio.get_running_loop", "asyncio.get_event_loop"];

/// Whether `call` (no arguments) makes an asyncio future for the running
/// loop: `asyncio.Future()`, `asyncio.get_running_loop().create_future()`, or
/// `loop.create_future()` with `loop` assigned from `get_running_loop()` in
/// `func`.
fn makes_future(call: Node, func: Node, cx: &FileContext) -> bool {
    let no_args = syntax::is_call_without_arguments(call);
    let Some(callee) = call.child_by_field_name("function").filter(|_| no_args) else {
        return false;
    };
    if cx.qualified(callee).as_deref() == Some("asyncio.Future") {
        return true;
    }
    let Some(object) = (callee.kind() == "attribute")
        .then(|| callee.child_by_field_name("object"))
        .flatten()
        .filter(|_| {
            callee
                .child_by_field_name("attribute")
                .is_some_and(|a| cx.text(a) == "create_future")
        })
    else {
        return false;
    };
    let running = |n: Node| {
        n.kind() == "call"
            && n.child_by_field_name("function")
                .and_then(|f| cx.qualified(f))
                .is_some_and(|q| RUNNING_LOOP.contains(&q.as_str()))
    };
    if running(object) {
        return true;
    }
    // `loop = asyncio.get_running_loop()`, the only binding of `loop`.
    if object.kind() != "identifier" {
        return false;
    }
    let name = cx.text(object);
    let mut bindings = syntax::preorder(func).filter_map(|(n, _)| {
        (n.kind() == "assignment"
            && n.child_by_field_name("left")
                .is_some_and(|l| l.kind() == "identifier" && cx.text(l) == name))
        .then(|| n.child_by_field_name("right"))
        .flatten()
    });
    let first = bindings.next();
    first.is_some_and(running) && bindings.next().is_none()
}

/// The edits for one use of the future's name, or `None` when the use has
/// no `anyio.Future` form (passed on, stored, a bound method, `cancel()`,
/// `set_exception()`, a callback).
fn use_edit(name: Node, cx: &FileContext) -> Option<Vec<Edit>> {
    let parent = name.parent()?;
    if parent.kind() == "await" {
        return Some(Vec::new());
    }
    let method = (parent.kind() == "attribute")
        .then(|| parent.child_by_field_name("attribute"))
        .flatten()?;
    let call = parent.parent().filter(|c| c.kind() == "call")?;
    let args = syntax::arguments(call);
    let n = cx.text(name);
    match (cx.text(method), args.as_slice()) {
        ("set_result", [value]) if value.kind() != "keyword_argument" => {
            // A statement of its own: its value (None) is not read.
            let stmt = call
                .parent()
                .filter(|p| p.kind() == "expression_statement")?;
            (stmt.named_child(0).map(|c| c.id()) == Some(call.id())).then_some(())?;
            Some(vec![Edit::replace(
                call.byte_range(),
                format!("{n}.return_value = {}", cx.text(*value)),
            )])
        }
        ("result", []) => Some(vec![Edit::replace(
            call.byte_range(),
            format!("{n}.return_value"),
        )]),
        ("done", []) => {
            // `not fut.done()`: the plain test for a pending future.
            if let Some(not) = call.parent().filter(|p| p.kind() == "not_operator") {
                return Some(vec![Edit::replace(
                    not.byte_range(),
                    format!("{n}.status is anyio.Future.Status.PENDING"),
                )]);
            }
            let test = format!("{n}.status is not anyio.Future.Status.PENDING");
            // Comparisons bind tighter than `not`, `and`, `or`; elsewhere
            // (an operand, an argument) the test is parenthesized.
            let bare = call.parent().is_some_and(|p| {
                matches!(
                    p.kind(),
                    "if_statement"
                        | "elif_clause"
                        | "while_statement"
                        | "not_operator"
                        | "boolean_operator"
                        | "assert_statement"
                        | "return_statement"
                        | "assignment"
                        | "expression_statement"
                )
            });
            let text = if bare { test } else { format!("({test})") };
            Some(vec![Edit::replace(call.byte_range(), text)])
        }
        _ => None,
    }
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    if cx.targets.anyio < (4, 15) {
        return;
    }
    for &assign in cx.nodes_of_kind(syntax::kinds().assignment) {
        let (Some(left), Some(right)) = (
            assign.child_by_field_name("left"),
            assign.child_by_field_name("right"),
        ) else {
            continue;
        };
        if left.kind() != "identifier" || right.kind() != "call" {
            continue;
        }
        let Some(func) = syntax::enclosing(
            assign,
            &["function_definition", "lambda", "class_definition"],
        )
        .filter(|f| syntax::is_async_def(*f)) else {
            continue;
        };
        if !makes_future(right, func, cx) {
            continue;
        }
        let stmt = match assign.parent() {
            Some(s) if s.kind() == "expression_statement" => s,
            _ => continue,
        };
        let name = cx.text(left);
        // An annotation must follow the object: `asyncio.Future[T]` only.
        let mut edits = vec![Edit::replace(right.byte_range(), "anyio.Future()")];
        if let Some(annotation) = assign.child_by_field_name("type") {
            let ty = annotation.named_child(0).unwrap_or(annotation);
            let base = if ty.kind() == "generic_type" || ty.kind() == "subscript" {
                ty.named_child(0).unwrap_or(ty)
            } else {
                ty
            };
            if cx.qualified(base).as_deref() != Some("asyncio.Future") {
                continue;
            }
            edits.push(Edit::replace(base.byte_range(), "anyio.Future"));
        }
        // Every other use of the name in the coroutine has an anyio form; the
        // coroutine handles no `InvalidStateError` (anyio raises its own).
        // Else the first use that has none, for the report.
        let mut blocker: Option<String> = None;
        for (n, _) in syntax::preorder(func) {
            match n.kind() {
                "identifier" if cx.text(n) == name && n.id() != left.id() => {
                    match use_edit(n, cx) {
                        Some(e) => edits.extend(e),
                        None => {
                            let at = syntax::enclosing(
                                n,
                                &["expression_statement", "return_statement", "call"],
                            )
                            .map_or(cx.text(n), |s| cx.text(s));
                            blocker = Some(format!(
                                "`{name}` is used as `{}`",
                                at.lines().next().unwrap_or(at)
                            ));
                        }
                    }
                }
                "identifier" if cx.text(n) == "InvalidStateError" => {
                    blocker = Some("the coroutine handles `InvalidStateError`, which anyio's future does not raise".into());
                }
                "global_statement" | "nonlocal_statement"
                    if syntax::named_children(n)
                        .iter()
                        .any(|c| cx.text(*c) == name) =>
                {
                    blocker = Some(format!("`{name}` is shared with another scope"));
                }
                _ => {}
            }
            if blocker.is_some() {
                break;
            }
        }
        let awaited = syntax::preorder(func).any(|(n, _)| {
            n.kind() == "await"
                && n.is_named()
                && n.named_child(0)
                    .is_some_and(|a| a.kind() == "identifier" && cx.text(a) == name)
        });
        if !awaited || !cx.owns_its_lines(stmt) {
            continue;
        }
        if let Some(why) = blocker {
            out.push(
                Diagnostic::new(
                    CODE,
                    format!("an asyncio future made and awaited in this coroutine stays asyncio's: {why}"),
                    right.byte_range(),
                )
                .with_hint("let the code that sets it take an `anyio.Future` and set `fut.return_value = x` (from another thread through `anyio.from_thread.run_sync` or a blocking portal), or pass the value through a memory object stream"),
            );
            continue;
        }
        out.push(
            Diagnostic::new(
                CODE,
                format!("a future made and awaited in this coroutine becomes an `anyio.Future` ({UNSAFE_BECAUSE})"),
                right.byte_range(),
            )
            .with_fix(Fix::new(edits, Applicability::Unsafe).with_imports(["anyio"])),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn a_future_set_and_awaited_becomes_anyio_s() {
        let src = "import asyncio\n\nasync def main():\n    fut = asyncio.Future()\n    fut.set_result(1)\n    return await fut\n";
        let found = run("AM208", src);
        assert_eq!(found.len(), 1, "{found:?}");
        let (text, class) = found[0].fixed.clone().expect("a fix");
        assert_eq!(text, "import asyncio\n\nasync def main():\n    fut = anyio.Future()\n    fut.return_value = 1\n    return await fut\n");
        assert_eq!(class, edit::Applicability::Unsafe);
    }

    #[test]
    fn a_future_handed_over_or_failed_is_reported() {
        let handed = "import asyncio\n\nasync def main(register):\n    fut = asyncio.Future()\n    register(fut)\n    return await fut\n";
        assert_reports(
            &run("AM208", handed),
            "an asyncio future made and awaited in this coroutine stays asyncio's: `fut` is used as `register(fut)`",
        );
        let failed = "import asyncio\n\nasync def main():\n    fut = asyncio.Future()\n    fut.set_exception(ValueError())\n    return await fut\n";
        assert_reports(
            &run("AM208", failed),
            "an asyncio future made and awaited in this coroutine stays asyncio's: `fut` is used as `fut.set_exception(ValueError())`",
        );
    }
}
