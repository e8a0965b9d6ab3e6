//! What AM206 says about a local task it does not rewrite: why the task has
//! no owner the rewrite could give it, in place of AM901's general report.

use crate::FileContext;
use edit::Diagnostic;
use syntax::Node;

/// The report for `name = asyncio.create_task(...)` (statement `stmt`,
/// callee `func`) that the task-group rewrite leaves alone, when the first
/// use that stops it says why: the task is never used, returned, handed to
/// another function, stored, used by a nested function, or read through
/// asyncio's task API. `None` leaves AM901's report.
pub(super) fn report(
    code: &'static str,
    name: &str,
    stmt: Node,
    func: Node,
    cx: &FileContext,
) -> Option<Diagnostic> {
    let call = func.parent()?;
    let scope = syntax::enclosing(stmt, &["function_definition"])?;
    let uses: Vec<Node> = syntax::preorder(scope)
        .map(|(n, _)| n)
        .filter(|n| {
            n.kind() == "identifier" && cx.text(*n) == name && n.start_byte() >= stmt.end_byte()
        })
        // `x.t` and `f(t=…)` name something else.
        .filter(|n| syntax::names_variable(*n))
        .collect();
    let (message, hint) = if uses.is_empty() {
        never_used(name)
    } else {
        let block = stmt.parent()?;
        let created = stmt.end_byte();
        uses.iter()
            .find_map(|u| escapes(name, *u, scope, block, created, cx))??
    };
    Some(
        Diagnostic::new(
            code,
            format!("an unstructured task: {message}"),
            call.byte_range(),
        )
        .with_hint(hint)
        .superseding("AM901"),
    )
}

/// A task nothing uses after making it (AM901 says the same of
/// `asyncio.create_task(f())` as a statement of its own).
fn never_used(name: &str) -> (String, String) {
    (
        format!("nothing awaits or cancels `{name}` (fire and forget, which anyio does not have)"),
        "if this function may wait for it, put the rest of the function in `async with anyio.create_task_group() as tg:` and start it with `tg.start_soon(func, *args)`; if it must outlive the function, start it in a task group its owner keeps open (one the caller or the application passes in as `tg`)".into(),
    )
}

/// Methods of `asyncio.Task` that AM206 maps to the handle's once the task has ended.
const ENDED: &[&str] = &["result", "exception", "cancelled", "cancel"];

/// Methods of the collections AM206's list form and AM210 take
/// (`tasks.append(t)`, `self._tasks.add(t)`).
const HANDLED_ELSEWHERE: &[&str] = &["append", "add", "extend", "insert", "discard", "remove"];

/// Why the use `u` of the task `name` takes it out of the function's hands,
/// with the anyio idiom: `Some(Some(why))`; `None` for a use the rewrite
/// could take (the next use decides), `Some(None)` for one another report
/// covers (a collection AM206's list form or AM210 takes, an asyncio
/// function).
#[allow(clippy::option_option)]
fn escapes(
    name: &str,
    u: Node,
    scope: Node,
    block: Node,
    created: usize,
    cx: &FileContext,
) -> Option<Option<(String, String)>> {
    let Some(parent) = u.parent() else {
        return Some(None);
    };
    // A nested function or lambda may run after this one has returned.
    let nested = syntax::enclosing(u, &["function_definition", "lambda"])
        .is_some_and(|f| f.id() != scope.id());
    if nested {
        return Some(Some((
            format!("`{name}` is used by a nested function, which may run after this one returns"),
            "start the task in a task group that lives as long as whatever uses it, and pass the group (or the handle, anyio 4.14+) to the nested function".into(),
        )));
    }
    match parent.kind() {
        "return_statement" | "expression_list" | "tuple"
            if syntax::enclosing(u, &["return_statement"]).is_some() =>
        {
            Some(Some((
                format!("`{name}` is returned: the caller owns the task"),
                "let the caller start it in its own task group: take `tg` as a parameter and call `tg.start_soon(func, *args)` (or `tg.create_task(...)` for a handle, anyio 4.14+)".into(),
            )))
        }
        "argument_list" => {
            let Some(callee) = parent.parent().and_then(|c| c.child_by_field_name("function"))
            else {
                return Some(None);
            };
            let spelled = cx.text(callee);
            let last = spelled.rsplit('.').next().unwrap_or(spelled);
            if HANDLED_ELSEWHERE.contains(&last)
                || cx.qualified(callee).is_some_and(|q| q.starts_with("asyncio."))
            {
                return Some(None);
            }
            Some(Some((
                format!("`{name}` is handed to `{spelled}()`, which receives an asyncio task"),
                format!("start the task in a task group that outlives `{spelled}()`'s use of it; what `{spelled}()` does with the task (await, cancel, inspect) goes through the anyio handle (`tg.create_task(...)`, anyio 4.14+) or a cancel scope"),
            )))
        }
        "assignment" if parent.child_by_field_name("right") == Some(u) => {
            let left = parent.child_by_field_name("left")?;
            Some(matches!(left.kind(), "attribute" | "subscript").then(|| {
                (
                    format!("`{name}` is stored in `{}`, beyond this function", cx.text(left)),
                    "start it in a task group that lives as long as the object or collection keeping it (entered where it starts, exited where it stops), or one the caller passes in".into(),
                )
            }))
        }
        "attribute" if parent.child_by_field_name("object") == Some(u) => {
            let method = cx.text(parent.child_by_field_name("attribute")?);
            if method == "cancel"
                && !super::create_task_await::may_start_before(created, parent.start_byte(), block)
            {
                return Some(Some((
                    format!("`{name}` is cancelled before it can start: asyncio then never runs its coroutine, while a task group's task runs up to its first `await`"),
                    "if the task is never meant to run, do not create it; otherwise start it in a task group (`tg.start_soon(func, *args)`) and cancel the group's scope once it may stop".into(),
                )));
            }
            if ENDED.contains(&method) {
                return None;
            }
            let called = parent.parent().is_some_and(|c| c.kind() == "call");
            Some(Some((
                format!("`{name}.{method}{}` is asyncio's task API", if called { "()" } else { "" }),
                if method == "done" {
                    "a task group waits for its tasks; to learn that one has finished, let it set an `anyio.Event`, or read the handle's `status` (`tg.create_task(...)`, anyio 4.14+)".into()
                } else {
                    "start it in a task group; the handle (`tg.create_task(...)`, anyio 4.14+) has `cancel()`, `wait()`, `status`, `return_value` and `exception`".into()
                },
            )))
        }
        // Awaited after it was cancelled, where nothing catches it.
        "await"
            if super::create_task_await::caught_at(parent, block, cx).is_none()
                && !suppressed(u, scope, cx)
                && cancelled_before(name, u, scope, cx) =>
        {
            Some(Some((
                format!("`await {name}` after `{name}.cancel()` raises the task's `CancelledError` into this function unless the task swallowed it, where awaiting an anyio handle raises `TaskCancelled`"),
                format!("with the anyio handle (`{name} = tg.create_task(...)`, anyio 4.14+), `{name}.cancel()` then `await {name}.wait()` waits for it without raising; if this function must stop too, cancel the scope around both"),
            )))
        }
        // Awaited where its error is caught: a group would raise it first.
        "await" => super::create_task_await::caught_at(parent, block, cx).map(|handler| {
            let header = cx.text(handler).lines().next().unwrap_or_default().trim();
            // (`get_cancelled_exc_class` once AM120 has run, with --unsafe.)
            if header.contains("CancelledError") || header.contains("get_cancelled_exc_class") {
                return Some((
                    format!("`await {name}` catches the task's cancellation in a `try` the rewrite does not take (`{header}`; only `try: await {name}` with `except CancelledError: pass` and nothing else becomes `await {name}.wait()`)"),
                    format!("with the anyio handle (`{name} = tg.create_task(...)`, anyio 4.14+), `{name}.cancel()` then `await {name}.wait()`, and run the handler's code after it when `{name}.status is anyio.TaskHandle.Status.CANCELLED`"),
                ));
            }
            Some((
                format!("the error of `await {name}` is caught there (`{header}`), and in a task group a failing task's error cancels the group and is raised when it ends, not at the `await`"),
                "catch the error inside the task (a small async function that awaits the call in the `try` and returns the fallback), then start that function in a task group: `tg.create_task(...)` (anyio 4.14+) for its value".into(),
            ))
        }),
        _ => Some(None),
    }
}

/// Whether `name.cancel()` is called in `scope` (not in a nested function)
/// before the use `u`.
fn cancelled_before(name: &str, u: Node, scope: Node, cx: &FileContext) -> bool {
    syntax::preorder(scope).any(|(n, _)| {
        n.end_byte() <= u.start_byte()
            && n.kind() == "call"
            && syntax::enclosing(n, &["function_definition", "lambda"]) == Some(scope)
            && n.child_by_field_name("function").is_some_and(|f| {
                f.kind() == "attribute"
                    && f.child_by_field_name("attribute")
                        .is_some_and(|a| cx.text(a) == "cancel")
                    && f.child_by_field_name("object")
                        .is_some_and(|o| o.kind() == "identifier" && cx.text(o) == name)
            })
    })
}

/// Whether `u` is inside `with contextlib.suppress(...)` (in `scope`) that
/// names the cancellation.
fn suppressed(u: Node, scope: Node, cx: &FileContext) -> bool {
    cx.enclosing_with_items(u).iter().any(|w| {
        w.spelling.ends_with("suppress")
            && syntax::enclosing(w.statement, &["function_definition", "lambda"]) == Some(scope)
            && {
                let text = cx.text(w.statement);
                let header = text.split(':').next().unwrap_or(text);
                header.contains("CancelledError") || header.contains("get_cancelled_exc_class")
            }
    })
}
