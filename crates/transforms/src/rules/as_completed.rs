//! AM211: `for fut in asyncio.as_completed([...]): ... await fut ...`
//! becomes `async with anyio.as_completed(...) as handles: async for fut in
//! handles: ...` (anyio 4.15+): the jobs run in a task group and their
//! handles arrive as they finish; awaiting a handle gives its result.

use super::create_task_await::deeper;
use super::task_support::exception_group_handlers;
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::{named_children, Node};

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM211";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::name("asyncio.as_completed")]
}

/// What `anyio.as_completed(...)` takes for the one argument of asyncio's:
/// the elements of a list or tuple display of calls, or a comprehension of
/// one call unpacked; `None` for anything else (a name may hold tasks or
/// futures, which anyio's would await without owning them). The flag says
/// whether the iterable may be empty (anyio's raises `ValueError` then).
fn awaitables(arg: Node, cx: &FileContext) -> Option<(String, bool)> {
    let is_job = |n: Node| {
        n.kind() == "call"
            && n.child_by_field_name("function").is_some_and(|f| {
                !matches!(
                    cx.qualified(f).as_deref(),
                    Some("asyncio.create_task" | "asyncio.ensure_future" | "asyncio.gather")
                )
            })
    };
    match arg.kind() {
        "list" | "tuple" => {
            let items = named_children(arg);
            (!items.is_empty() && items.iter().all(|i| is_job(*i))).then(|| {
                let texts: Vec<&str> = items.iter().map(|i| cx.text(*i)).collect();
                (texts.join(", "), false)
            })
        }
        "list_comprehension" | "generator_expression" => {
            let body = arg.child_by_field_name("body")?;
            is_job(body).then(|| {
                let inner = &cx.text(arg)[1..cx.text(arg).len() - 1];
                (format!("*({inner})"), true)
            })
        }
        _ => None,
    }
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    for call in cx.calls_to("asyncio.as_completed") {
        if let Some(diag) = rewrite(call, cx) {
            out.push(diag.superseding("AM905"));
        }
    }
}

/// The rewrite of the loop over `call`, or a report of why it cannot be
/// made; `None` where the shape is not this rule's (AM905 reports it).
fn rewrite(call: Node, cx: &FileContext) -> Option<Diagnostic> {
    let for_stmt = call.parent().filter(|p| {
        p.kind() == "for_statement"
            && p.child_by_field_name("right") == Some(call)
            && p.child_by_field_name("alternative").is_none()
            && !syntax::children(*p).iter().any(|k| k.kind() == "async")
    })?;
    let def = syntax::enclosing(for_stmt, &["function_definition", "lambda"])?;
    if !syntax::is_async_def(def) || cx.targets.anyio < (4, 15) {
        return None;
    }
    let name = for_stmt
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")
        .map(|l| cx.text(l))?;
    // `as_completed(f(u) for u in urls)`: the generator is the arguments.
    let arguments = call.child_by_field_name("arguments")?;
    let args = match arguments.kind() {
        "generator_expression" => vec![arguments],
        _ => named_children(arguments),
    };
    let [arg] = args.as_slice() else {
        return None;
    };
    let (spelled, may_be_empty) = awaitables(*arg, cx)?;
    let body = for_stmt.child_by_field_name("body")?;
    // The loop only awaits what it gets, and none of those awaits is in a
    // `try` of the loop that catches the job's error.
    let uses: Vec<Node> = syntax::preorder(body)
        .map(|(n, _)| n)
        .filter(|n| n.kind() == "identifier" && cx.text(*n) == name)
        .collect();
    let awaited = |n: &Node| n.parent().is_some_and(|p| p.kind() == "await");
    if uses.is_empty() || !uses.iter().all(awaited) {
        return None;
    }
    let diag = |message: String| Diagnostic::new(CODE, message, for_stmt.byte_range());
    // A task group cannot stay open across a `yield` of an async generator
    // (its consumer may close the generator from another task).
    let yields = syntax::preorder(body).any(|(n, _)| {
        n.kind() == "yield"
            && syntax::enclosing(n, &["function_definition", "lambda"]).map(|f| f.id())
                == Some(def.id())
    });
    if yields {
        return Some(diag("`asyncio.as_completed` cannot become `anyio.as_completed` here: the loop yields, and a task group cannot stay open across a `yield` of an async generator".to_string()));
    }
    let caught = uses.iter().any(|u| {
        std::iter::successors(u.parent(), |p| p.parent())
            .take_while(|p| p.id() != body.id())
            .any(|p| {
                p.kind() == "try_statement"
                    && named_children(p)
                        .iter()
                        .any(|c| c.kind() == "except_clause")
            })
    });
    if caught {
        return Some(diag(format!("`asyncio.as_completed` cannot become `anyio.as_completed` here: the loop catches an error of `await {name}`, and with anyio a job's error cancels the other jobs and leaves the loop")));
    }
    let handlers = match exception_group_handlers(for_stmt, cx) {
        Ok(edits) => edits,
        Err(why) => {
            return Some(diag(format!(
                "`asyncio.as_completed` cannot become `anyio.as_completed` here: {why}"
            )))
        }
    };
    let colon = syntax::children(for_stmt)
        .into_iter()
        .find(|k| k.kind() == ":")?;
    let handles = cx.fresh_name(for_stmt, "handles", &[]);
    let indent = cx.indent_at(for_stmt.start_byte());
    let unit = cx.style.indent.as_str();
    let nl = cx.style.newline.as_str();
    let mut edits = vec![Edit::replace(
        for_stmt.start_byte()..colon.end_byte(),
        format!("async with anyio.as_completed({spelled}) as {handles}:{nl}{indent}{unit}async for {name} in {handles}:"),
    )];
    edits.extend(deeper(colon.end_byte()..for_stmt.end_byte(), &[], &[], cx));
    edits.extend(handlers);
    let empty = if may_be_empty {
        "; an empty iterable raises `ValueError`"
    } else {
        ""
    };
    let drops = if cx.edits_drop_comment(&edits) {
        crate::DROPS_COMMENT
    } else {
        ""
    };
    Some(
        diag(format!("`asyncio.as_completed` becomes `anyio.as_completed`: the jobs run in a task group and awaiting each handle gives its result (assumes the calls return coroutines, not tasks or futures{empty}; a job's error cancels the others and is raised in an ExceptionGroup, and jobs still running when the loop is left are cancelled){drops}"))
            .with_fix(
                Fix::new(edits, Applicability::Unsafe)
                    .with_imports(["anyio"])
                    .with_scope(for_stmt.byte_range()),
            ),
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    const LOOP: &str = "import asyncio\n\n\nasync def main(urls):\n    for fut in asyncio.as_completed([fetch(u) for u in urls]):\n        page = await fut\n        print(page)\n";

    #[test]
    fn the_loop_iterates_the_handles_as_they_finish() {
        let found = run("AM211", LOOP);
        assert_fixes(
            &found,
            "`asyncio.as_completed` becomes `anyio.as_completed`: the jobs run in a task group and awaiting each handle gives its result (assumes the calls return coroutines, not tasks or futures; an empty iterable raises `ValueError`; a job's error cancels the others and is raised in an ExceptionGroup, and jobs still running when the loop is left are cancelled)",
            "import asyncio\n\n\nasync def main(urls):\n    async with anyio.as_completed(*(fetch(u) for u in urls)) as handles:\n        async for fut in handles:\n            page = await fut\n            print(page)\n",
            edit::Applicability::Unsafe,
        );
    }

    #[test]
    fn a_display_is_spread_into_the_call() {
        let src = "import asyncio\n\n\nasync def main():\n    for f in asyncio.as_completed((a(), b(1))):\n        print(await f)\n";
        let found = run("AM211", src);
        let (text, _) = found[0].fixed.clone().expect("a fix");
        assert!(
            text.contains("    async with anyio.as_completed(a(), b(1)) as handles:\n        async for f in handles:\n            print(await f)\n"),
            "{text}"
        );
        assert!(!found[0].message.contains("empty"));
    }

    #[test]
    fn shapes_it_leaves_to_a_person() {
        for (src, why) in [
            // Tasks or futures in a name, a timeout, the handle used otherwise.
            ("    for f in asyncio.as_completed(tasks):\n        await f\n", None),
            ("    for f in asyncio.as_completed([a()], timeout=1):\n        await f\n", None),
            ("    for f in asyncio.as_completed([a()]):\n        done.append(f)\n", None),
            (
                "    for f in asyncio.as_completed([a()]):\n        yield await f\n",
                Some("`asyncio.as_completed` cannot become `anyio.as_completed` here: the loop yields, and a task group cannot stay open across a `yield` of an async generator"),
            ),
            (
                "    for f in asyncio.as_completed([a()]):\n        try:\n            await f\n        except ValueError:\n            pass\n",
                Some("`asyncio.as_completed` cannot become `anyio.as_completed` here: the loop catches an error of `await f`, and with anyio a job's error cancels the other jobs and leaves the loop"),
            ),
        ] {
            let src = format!("import asyncio\n\n\nasync def main(tasks, done):\n{src}");
            let found = run("AM211", &src);
            match why {
                None => assert!(found.is_empty(), "{found:?}"),
                Some(why) => assert_reports(&found, why),
            }
        }
        let old = crate::Targets {
            anyio: (4, 14),
            ..crate::Targets::default()
        };
        assert!(run_with("AM211", LOOP, old).is_empty());
    }
}
