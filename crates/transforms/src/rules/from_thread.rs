//! AM505: a synchronous function that only anyio's worker threads run
//! (every use of its name is `anyio.to_thread.run_sync(func, …)`) calls back
//! into the event loop with anyio's `from_thread`:
//! `asyncio.run_coroutine_threadsafe(f(x), loop).result()` becomes
//! `anyio.from_thread.run(f, x)` and `loop.call_soon_threadsafe(g, x)` as a
//! statement `anyio.from_thread.run_sync(g, x)`; a `loop` parameter nothing
//! else uses goes, with the argument every `run_sync` passes for it.

use super::pytest_support::remove_element;
use super::task_support::spawn;
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::Node;

pub(super) const CODE: &str = "AM505";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::word_with_module("asyncio", "threadsafe")]
}

/// Why the rewrite is unsafe, in one clause.
const UNSAFE_BECAUSE: &str = "the call now runs under the cancel scope of the task that started the thread, which cancels it with that task, and `from_thread.run_sync` waits for the function and raises its error in the thread where `call_soon_threadsafe` returned at once";

/// One call into the loop, and its anyio form.
struct Hop<'a> {
    /// The replaced expression.
    node: Node<'a>,
    /// The loop expression it named.
    loop_: Node<'a>,
    text: String,
    functools: bool,
    /// The statement that submitted the coroutine, deleted (the split form).
    gone: Option<Node<'a>>,
}

/// `asyncio.run_coroutine_threadsafe(f(x), loop).result()`.
fn coroutine_hop<'a>(result_call: Node<'a>, cx: &FileContext<'a>) -> Option<Hop<'a>> {
    let method = result_call.child_by_field_name("function")?;
    (method.kind() == "attribute"
        && method
            .child_by_field_name("attribute")
            .is_some_and(|a| cx.text(a) == "result")
        && syntax::arguments(result_call).is_empty())
    .then_some(())?;
    let object = method.child_by_field_name("object")?;
    let (submit, gone) = match object.kind() {
        "identifier" => submitted(result_call, object, cx)?,
        _ => (object, None),
    };
    (submit.kind() == "call"
        && cx.callee(submit).as_deref() == Some("asyncio.run_coroutine_threadsafe"))
    .then_some(())?;
    let [coro, loop_] = syntax::arguments(submit)[..] else {
        return None;
    };
    let s = spawn(coro, cx)?;
    Some(Hop {
        node: result_call,
        loop_,
        text: format!("anyio.from_thread.run({})", s.args),
        functools: s.needs_functools,
        gone,
    })
}

/// The split form: `fut = asyncio.run_coroutine_threadsafe(...)` as the
/// statement right before the one whose first call is `fut.result()`, with
/// no other use of `fut` in the function: the submission (the right side)
/// and its statement. Waiting right after submitting is what
/// `from_thread.run` does in one step.
fn submitted<'a>(
    result_call: Node<'a>,
    fut: Node<'a>,
    cx: &FileContext<'a>,
) -> Option<(Node<'a>, Option<Node<'a>>)> {
    let name = cx.text(fut);
    let stmt = std::iter::successors(Some(result_call), |n| n.parent())
        .find(|n| n.parent().is_some_and(|p| p.kind() == "block"))?;
    let before = stmt.prev_named_sibling()?;
    let assign = before
        .named_child(0)
        .filter(|a| before.kind() == "expression_statement" && a.kind() == "assignment")?;
    (assign
        .child_by_field_name("left")
        .is_some_and(|l| l.kind() == "identifier" && cx.text(l) == name))
    .then_some(())?;
    // Nothing in the statement runs before the wait.
    let first_call = syntax::preorder(stmt)
        .map(|(n, _)| n)
        .filter(|n| n.kind() == "call")
        .min_by_key(|n| (n.end_byte(), std::cmp::Reverse(n.start_byte())))?;
    let inner = syntax::preorder(result_call)
        .map(|(n, _)| n)
        .any(|n| n.id() == first_call.id());
    inner.then_some(())?;
    let def = syntax::enclosing(stmt, &["function_definition", "lambda"])?;
    let uses = syntax::preorder(def)
        .filter(|(n, _)| n.kind() == "identifier" && cx.text(*n) == name)
        .count();
    (uses == 2).then_some(())?;
    Some((assign.child_by_field_name("right")?, Some(before)))
}

/// `loop.call_soon_threadsafe(g, x)` as a statement of its own.
fn callback_hop<'a>(call: Node<'a>, cx: &FileContext<'a>) -> Option<Hop<'a>> {
    let method = call.child_by_field_name("function")?;
    (method.kind() == "attribute"
        && method
            .child_by_field_name("attribute")
            .is_some_and(|a| cx.text(a) == "call_soon_threadsafe"))
    .then_some(())?;
    let statement = call
        .parent()
        .is_some_and(|p| p.kind() == "expression_statement");
    let args = syntax::arguments(call);
    let plain = !args.is_empty()
        && args
            .iter()
            .all(|a| !matches!(a.kind(), "keyword_argument" | "dictionary_splat"));
    (statement && plain).then_some(())?;
    let first = args.first()?;
    let last = args.last()?;
    Some(Hop {
        node: call,
        loop_: method.child_by_field_name("object")?,
        text: format!(
            "anyio.from_thread.run_sync({})",
            &cx.src[first.start_byte()..last.end_byte()]
        ),
        functools: false,
        gone: None,
    })
}

/// The calls `anyio.to_thread.run_sync(name, …)` that are every use of the
/// function's name in the module; `None` when it is used any other way.
fn worker_starts<'a>(def: Node<'a>, name: &str, cx: &FileContext<'a>) -> Option<Vec<Node<'a>>> {
    let mut starts = Vec::new();
    for &ident in cx.nodes_of_kind(syntax::kinds().identifier) {
        if cx.text(ident) != name || def.child_by_field_name("name") == Some(ident) {
            continue;
        }
        let args = ident.parent().filter(|p| p.kind() == "argument_list")?;
        let call = args.parent().filter(|c| c.kind() == "call")?;
        let first = syntax::arguments(call).first().copied();
        // (Spelled so by an earlier fix of this run, before `import anyio` is added.)
        let spelled = call
            .child_by_field_name("function")
            .is_some_and(|f| cx.text(f) == "anyio.to_thread.run_sync");
        let run_sync = match cx.callee(call) {
            Some(q) => q == "anyio.to_thread.run_sync",
            None => spelled,
        };
        (first == Some(ident) && run_sync).then_some(())?;
        starts.push(call);
    }
    (!starts.is_empty()).then_some(starts)
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    // The calls into the loop, found from the index (`….result()`,
    // `….call_soon_threadsafe(…)`), grouped by the synchronous function
    // whose own body makes them (not a nested function's or lambda's).
    let mut by_def: Vec<(Node, Vec<Hop>)> = Vec::new();
    let calls = cx
        .nodes_ending_in("call", "result")
        .into_iter()
        .filter_map(|n| coroutine_hop(n, cx))
        .chain(
            cx.nodes_ending_in("call", "call_soon_threadsafe")
                .into_iter()
                .filter_map(|n| callback_hop(n, cx)),
        );
    for hop in calls {
        let Some(def) = syntax::enclosing(hop.node, &["function_definition", "lambda"])
            .filter(|d| d.kind() == "function_definition" && !syntax::is_async_def(*d))
        else {
            continue;
        };
        match by_def.iter_mut().find(|(d, _)| d.id() == def.id()) {
            Some((_, hops)) => hops.push(hop),
            None => by_def.push((def, vec![hop])),
        }
    }
    by_def.sort_by_key(|(d, _)| d.start_byte());
    for (def, mut hops) in by_def {
        hops.sort_by_key(|h| h.node.start_byte());
        let Some(name) = def.child_by_field_name("name").map(|n| cx.text(n)) else {
            continue;
        };
        let Some(starts) = worker_starts(def, name, cx) else {
            continue;
        };
        let mut edits: Vec<Edit> = hops
            .iter()
            .map(|h| Edit::replace(h.node.byte_range(), h.text.clone()))
            .collect();
        edits.extend(
            hops.iter()
                .filter_map(|h| h.gone)
                .map(|g| semantic::delete_statement(g, cx.src)),
        );
        edits.extend(dropped_loop(def, &hops, &starts, cx));
        let functools = hops.iter().any(|h| h.functools);
        let imports = super::task_support::anyio_imports(functools);
        out.push(
            Diagnostic::new(
                CODE,
                format!("`{name}` runs in anyio's worker threads: its calls into the event loop become `anyio.from_thread`'s ({UNSAFE_BECAUSE})"),
                hops[0].node.byte_range(),
            )
            .with_fix(Fix::new(edits, Applicability::Unsafe).with_imports(imports)),
        );
    }
}

/// The name a plain positional parameter declares (maybe annotated).
fn param_name(p: Node) -> Option<Node> {
    match p.kind() {
        "identifier" => Some(p),
        "typed_parameter" => p.named_child(0).filter(|n| n.kind() == "identifier"),
        _ => None,
    }
}

/// The loop parameter the calls named, when nothing else in the function
/// uses it: its removal from the parameters and from every `run_sync` call
/// (passed positionally at its place). Nothing when any of that does not hold.
fn dropped_loop(def: Node, hops: &[Hop], starts: &[Node], cx: &FileContext) -> Vec<Edit> {
    let loop_name = cx.text(hops[0].loop_);
    if hops
        .iter()
        .any(|h| h.loop_.kind() != "identifier" || cx.text(h.loop_) != loop_name)
    {
        return Vec::new();
    }
    let params: Vec<Node> = def
        .child_by_field_name("parameters")
        .map(syntax::code_children)
        .unwrap_or_default();
    // A plain positional parameter (maybe annotated), before any `*`,
    // default or keyword-only one.

    let Some(index) = params
        .iter()
        .position(|p| param_name(*p).is_some_and(|n| cx.text(n) == loop_name))
    else {
        return Vec::new();
    };
    if params[..index].iter().any(|p| param_name(*p).is_none()) {
        return Vec::new();
    }
    let declared = param_name(params[index]).expect("found by its name");
    let in_hops = |n: Node| hops.iter().any(|h| h.loop_.id() == n.id());
    let other_use = syntax::preorder(def).any(|(n, _)| {
        n.kind() == "identifier"
            && cx.text(n) == loop_name
            && n.id() != declared.id()
            && !in_hops(n)
    });
    if other_use {
        return Vec::new();
    }
    let mut edits = vec![remove_element(&params, index, cx.src)];
    for call in starts {
        // `run_sync(func, a, loop, …)`: the function is argument 0.
        let args = syntax::arguments(*call);
        if args.len() <= index + 1 {
            return Vec::new();
        }
        if args[..=index + 1].iter().any(|a| {
            matches!(
                a.kind(),
                "keyword_argument" | "list_splat" | "dictionary_splat"
            )
        }) {
            return Vec::new();
        }
        edits.push(remove_element(&args, index + 1, cx.src));
    }
    edits
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn a_worker_thread_calls_back_with_from_thread() {
        let src = "import asyncio\nimport anyio\n\ndef work(loop):\n    asyncio.run_coroutine_threadsafe(save(1), loop).result()\n\nasync def main(loop):\n    await anyio.to_thread.run_sync(work, loop)\n";
        let found = run("AM505", src);
        assert_eq!(found.len(), 1, "{found:?}");
        let (text, class) = found[0].fixed.clone().expect("a fix");
        assert_eq!(text, "import asyncio\nimport anyio\n\ndef work():\n    anyio.from_thread.run(save, 1)\n\nasync def main(loop):\n    await anyio.to_thread.run_sync(work)\n");
        assert_eq!(class, edit::Applicability::Unsafe);
    }

    #[test]
    fn a_function_run_elsewhere_is_left() {
        let src = "import asyncio\nimport anyio\n\ndef work(loop):\n    asyncio.run_coroutine_threadsafe(save(1), loop).result()\n\nasync def main(loop):\n    await anyio.to_thread.run_sync(work, loop)\n    work(loop)\n";
        assert!(run("AM505", src).is_empty());
    }

    #[test]
    fn a_future_waited_for_right_after_it_is_submitted() {
        let src = "import asyncio\nimport anyio\n\ndef work(loop):\n    fut = asyncio.run_coroutine_threadsafe(save(1), loop)\n    return fut.result()\n\nasync def main(loop):\n    await anyio.to_thread.run_sync(work, loop)\n";
        let found = run("AM505", src);
        let (text, _) = found[0].fixed.clone().expect("a fix");
        assert_eq!(text, "import asyncio\nimport anyio\n\ndef work():\n    return anyio.from_thread.run(save, 1)\n\nasync def main(loop):\n    await anyio.to_thread.run_sync(work)\n");
        // Work in between, or a second use of the future: left.
        for src in [
            src.replace("    return fut", "    log()\n    return fut"),
            src.replace("    return fut.result()", "    return log() + fut.result()"),
            src.replace(
                "    return fut.result()",
                "    fut.add_done_callback(log)\n    return fut.result()",
            ),
        ] {
            assert!(run("AM505", &src).is_empty(), "{src}");
        }
    }
}
