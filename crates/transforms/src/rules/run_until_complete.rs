//! AM004: a synchronous entry point that runs one coroutine on an event loop
//! of its own (`loop = asyncio.new_event_loop()`, `loop.run_until_complete(
//! main(a))`, `loop.close()`; or `asyncio.get_event_loop().run_until_complete(
//! main())`) becomes `anyio.run(main, a)`.

use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::{arguments, named_children, Node};

pub(super) const CODE: &str = "AM004";

pub(super) fn triggers() -> Vec<Trigger> {
    // The loop comes from asyncio, the call spells `run_until_complete`.
    vec![Trigger::word_with_module("asyncio", "run_until_complete")]
}

/// Why the rewrite is unsafe, in one clause.
const UNSAFE_BECAUSE: &str = "`anyio.run` cancels the tasks still running when the coroutine returns, which the loop left pending, and leaves no event loop behind for later `get_event_loop()` calls";

/// Calls that give a loop for `run_until_complete`.
const LOOP_MAKERS: &[&str] = &["asyncio.new_event_loop", "asyncio.get_event_loop"];

/// Whether `node` is a call of one of [`LOOP_MAKERS`] with no arguments.
fn makes_loop(node: Node, cx: &FileContext) -> bool {
    syntax::is_call_without_arguments(node)
        && cx
            .callee(node)
            .is_some_and(|q| LOOP_MAKERS.contains(&q.as_str()))
}

/// `anyio.run(…)` for the coroutine call `main(a, k=v)`: the text and
/// whether it needs `functools`. `None` when the callee is not a plain name
/// or attribute (the coroutine may have been built elsewhere).
fn anyio_run(coro: Node, cx: &FileContext) -> Option<(String, bool)> {
    if coro.kind() != "call" {
        return None;
    }
    let func = coro.child_by_field_name("function")?;
    // An asyncio function (`asyncio.gather(a(), b())`) is no entry point:
    // its arguments are coroutines made before the loop runs.
    if !syntax::is_dotted(func)
        || cx
            .qualified(func)
            .is_some_and(|q| q.starts_with("asyncio."))
    {
        return None;
    }
    let f = cx.text(func);
    let args = arguments(coro);
    let Some((first, last)) = args.first().zip(args.last()) else {
        return Some((format!("anyio.run({f})"), false));
    };
    let text = &cx.src[first.start_byte()..last.end_byte()];
    if args
        .iter()
        .any(|a| matches!(a.kind(), "keyword_argument" | "dictionary_splat"))
    {
        Some((format!("anyio.run(functools.partial({f}, {text}))"), true))
    } else {
        Some((format!("anyio.run({f}, {text})"), false))
    }
}

/// The statement of a use of the loop variable: `loop.close()` or
/// `asyncio.set_event_loop(loop)` as statements of their own, which go with
/// the loop.
fn disposable<'a>(name: Node<'a>, cx: &FileContext<'a>) -> Option<Node<'a>> {
    let parent = name.parent()?;
    let call = match parent.kind() {
        "attribute" => {
            let method = parent.child_by_field_name("attribute")?;
            (cx.text(method) == "close").then_some(())?;
            parent.parent().filter(|c| c.kind() == "call")?
        }
        "argument_list" => {
            let call = parent.parent().filter(|c| c.kind() == "call")?;
            let func = call.child_by_field_name("function")?;
            (cx.qualified(func).as_deref() == Some("asyncio.set_event_loop")
                && parent.named_child_count() == 1)
                .then_some(call)?
        }
        _ => return None,
    };
    call.parent().filter(|s| {
        s.kind() == "expression_statement" && s.named_child(0).map(|c| c.id()) == Some(call.id())
    })
}

/// The module, or the synchronous function, holding `node`; `None` inside
/// async code, lambdas and classes.
fn sync_scope<'a>(node: Node<'a>, cx: &FileContext<'a>) -> Option<Node<'a>> {
    match syntax::enclosing(node, &["function_definition", "lambda", "class_definition"]) {
        Some(f) if f.kind() == "function_definition" && !syntax::is_async_def(f) => Some(f),
        Some(_) => None,
        None => Some(cx.tree.root_node()),
    }
}

/// Diagnostics with fixes for every `run_until_complete` of a loop made for it.
pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    for call in cx.nodes_ending_in("call", "run_until_complete") {
        let Some(method) = call
            .child_by_field_name("function")
            .filter(|f| f.kind() == "attribute")
        else {
            continue;
        };
        let (Some(object), Some(args)) = (
            method.child_by_field_name("object"),
            call.child_by_field_name("arguments"),
        ) else {
            continue;
        };
        let args = named_children(args);
        let [coro] = args.as_slice() else {
            continue;
        };
        let Some(scope) = sync_scope(call, cx) else {
            continue;
        };
        let Some((new_text, functools)) = anyio_run(*coro, cx) else {
            continue;
        };
        let mut edits = Vec::new();
        if makes_loop(object, cx) {
            // `asyncio.get_event_loop().run_until_complete(main())`.
            edits.push(Edit::replace(call.byte_range(), new_text));
        } else if object.kind() == "identifier" {
            let Some(plan) = loop_statements(object, call, scope, cx) else {
                continue;
            };
            match plan.unwrapped {
                // `try: <run>` / `finally: loop.close()`: the statement alone.
                Some((try_stmt, run_stmt)) => {
                    let before = &cx.src[run_stmt.start_byte()..call.start_byte()];
                    let after = &cx.src[call.end_byte()..run_stmt.end_byte()];
                    edits.push(Edit::replace(
                        try_stmt.byte_range(),
                        format!("{before}{new_text}{after}"),
                    ));
                }
                None => edits.push(Edit::replace(call.byte_range(), new_text)),
            }
            edits.extend(
                plan.removed
                    .into_iter()
                    .map(|s| super::pytest_support::delete_lines(cx, s)),
            );
        } else {
            continue;
        }
        let imports = super::task_support::anyio_imports(functools);
        out.push(
            Diagnostic::new(
                CODE,
                format!("a coroutine run on an event loop of its own becomes `anyio.run` ({UNSAFE_BECAUSE})"),
                call.byte_range(),
            )
            .with_fix(Fix::new(edits, Applicability::Unsafe).with_imports(imports)),
        );
    }
}

/// What goes with a loop variable when its one `run_until_complete` becomes
/// `anyio.run`.
struct Plan<'a> {
    /// Statements deleted: the assignment, `asyncio.set_event_loop(loop)`,
    /// a `loop.close()` of its own.
    removed: Vec<Node<'a>>,
    /// `try: <run statement>` / `finally: loop.close()`: the `try`, replaced
    /// by the run statement alone.
    unwrapped: Option<(Node<'a>, Node<'a>)>,
}

/// The statements that go with the loop variable `name` (its assignment from
/// a loop maker, `asyncio.set_event_loop(loop)`, `loop.close()`), when every
/// use of it in `scope` is one of those or the one `run_until_complete` call.
fn loop_statements<'a>(
    name: Node<'a>,
    run: Node<'a>,
    scope: Node<'a>,
    cx: &FileContext<'a>,
) -> Option<Plan<'a>> {
    let spelled = cx.text(name);
    let mut assignment = None;
    let mut removed = Vec::new();
    let scope_of = |n: Node<'a>| {
        syntax::enclosing(n, &["function_definition", "lambda", "class_definition"]).map(|s| s.id())
    };
    for (n, _) in syntax::preorder(scope) {
        if n.kind() != "identifier" || cx.text(n) != spelled || n.id() == name.id() {
            continue;
        }
        // Another function's variable of that name is not this loop.
        if scope_of(n) != scope_of(run) {
            continue;
        }
        let parent = n.parent()?;
        if parent.kind() == "assignment" && parent.child_by_field_name("left") == Some(n) {
            let right = parent.child_by_field_name("right")?;
            let stmt = parent
                .parent()
                .filter(|s| s.kind() == "expression_statement")?;
            if assignment.is_some() || !makes_loop(right, cx) || stmt.end_byte() > run.start_byte()
            {
                return None;
            }
            assignment = Some(stmt);
            continue;
        }
        match disposable(n, cx) {
            Some(stmt) => removed.push(stmt),
            None => return None,
        }
    }
    let assignment = assignment?;
    // The assignment and the run in one block, the loop's other statements
    // too: no branch may skip one of them.
    let block = assignment.parent()?;
    let in_block = |s: Node| s.parent().is_some_and(|p| p.id() == block.id());
    let run_stmt = syntax::enclosing(run, &["expression_statement", "return_statement"])?;
    let mut unwrapped = None;
    if !in_block(run_stmt) {
        // `try: <run>` / `finally: loop.close()` and nothing else.
        let body = run_stmt.parent()?;
        let try_stmt = body
            .parent()
            .filter(|t| t.kind() == "try_statement" && in_block(*t))?;
        let parts = named_children(try_stmt);
        let [first, finally] = parts.as_slice() else {
            return None;
        };
        let closing = named_children(*finally)
            .into_iter()
            .find(|c| c.kind() == "block")
            .map(named_children)
            .unwrap_or_default();
        let only_close =
            matches!(closing.as_slice(), [c] if removed.iter().any(|r| r.id() == c.id()));
        if first.id() != body.id()
            || finally.kind() != "finally_clause"
            || named_children(body).len() != 1
            || !only_close
            || syntax::preorder(try_stmt).any(|(c, _)| c.kind() == "comment")
        {
            return None;
        }
        removed.retain(|r| r.id() != closing[0].id());
        unwrapped = Some((try_stmt, run_stmt));
    }
    if !removed.iter().all(|s| in_block(*s)) {
        return None;
    }
    removed.push(assignment);
    removed
        .iter()
        .all(|s| cx.owns_its_lines(*s))
        .then_some(Plan { removed, unwrapped })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn a_loop_made_for_one_run_becomes_anyio_run() {
        let src = "import asyncio\n\ndef main():\n    loop = asyncio.new_event_loop()\n    loop.run_until_complete(serve(1))\n    loop.close()\n";
        let found = run("AM004", src);
        assert_eq!(found.len(), 1, "{found:?}");
        let (text, class) = found[0].fixed.clone().expect("a fix");
        assert_eq!(
            text,
            "import asyncio\n\ndef main():\n    anyio.run(serve, 1)\n"
        );
        assert_eq!(class, edit::Applicability::Unsafe);
    }

    #[test]
    fn an_asyncio_function_is_no_entry_point() {
        let src = "import asyncio\n\ndef main():\n    loop = asyncio.new_event_loop()\n    loop.run_until_complete(asyncio.gather(a(1), a(2)))\n    loop.close()\n";
        assert!(run("AM004", src).iter().all(|f| f.fixed.is_none()));
    }

    #[test]
    fn a_loop_used_twice_is_left() {
        let src = "import asyncio\n\ndef main():\n    loop = asyncio.new_event_loop()\n    loop.run_until_complete(a())\n    loop.run_until_complete(b())\n";
        assert!(run("AM004", src).is_empty());
    }
}
