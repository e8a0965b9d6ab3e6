//! AM204: `async with asyncio.TaskGroup() as tg:` becomes an anyio task
//! group, and the tasks it creates are started with `start_soon`.

use super::task_support::{method_call, sole_async_with_item, spawn};
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::arguments;
use syntax::{named_children, Node};

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM204";

/// `t` in `t = tg.create_task(...)`.
fn handle_name<'t>(create: Node<'t>, cx: &FileContext<'t>) -> Option<&'t str> {
    let assign = create.parent().filter(|p| p.kind() == "assignment")?;
    let left = assign
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")?;
    (assign.child_by_field_name("right") == Some(create)).then(|| cx.text(left))
}

/// Methods of `asyncio.Task` that code reads a finished task with.
const TASK_METHODS: &[&str] = &[
    "result",
    "exception",
    "done",
    "cancelled",
    "add_done_callback",
    "get_name",
    "get_coro",
];

/// `tasks` when the handle of `create` goes into a collection held in that
/// name: `tasks = [tg.create_task(f(x)) for x in xs]` (or a dict or set
/// comprehension, or a list display), `tasks.append(tg.create_task(...))`,
/// `tasks[key] = tg.create_task(...)`.
fn container_name<'t>(create: Node<'t>, cx: &FileContext<'t>) -> Option<&'t str> {
    let mut cur = create;
    // Up through a comprehension's body (or a dict pair's value) or a display.
    while let Some(p) = cur.parent() {
        match p.kind() {
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "list"
            | "pair"
            | "dictionary" => cur = p,
            _ => break,
        }
    }
    let p = cur.parent()?;
    let name = |n: Node<'t>| (n.kind() == "identifier").then(|| cx.text(n));
    match p.kind() {
        "assignment" if p.child_by_field_name("right") == Some(cur) && cur.id() != create.id() => {
            name(p.child_by_field_name("left")?)
        }
        "assignment" if p.child_by_field_name("right") == Some(cur) => {
            let left = p.child_by_field_name("left")?;
            (left.kind() == "subscript")
                .then(|| left.child_by_field_name("value"))
                .flatten()
                .and_then(name)
        }
        "argument_list" => {
            let (obj, method) = method_call(p.parent()?, cx)?;
            matches!(method, "append" | "add")
                .then(|| name(obj))
                .flatten()
        }
        _ => None,
    }
}

/// Whether `obj` (the object of `obj.result()`) reaches a handle kept in one
/// of `containers`: `tasks[key]`, or a name a loop or comprehension binds
/// over `tasks` (`for t in tasks`, `for t in tasks.values()`,
/// `for key, t in tasks.items()`).
fn reaches_container(obj: Node, containers: &[&str], cx: &FileContext) -> bool {
    let held = |n: Node| {
        let n = match method_call(n, cx) {
            Some((o, "values")) if n.kind() == "call" => o,
            _ => n,
        };
        n.kind() == "identifier" && containers.contains(&cx.text(n))
    };
    match obj.kind() {
        "subscript" => obj.child_by_field_name("value").is_some_and(held),
        "identifier" => {
            let name = cx.text(obj);
            std::iter::successors(obj.parent(), |p| p.parent())
                .take_while(|p| !matches!(p.kind(), "function_definition" | "lambda"))
                .find_map(|p| {
                    let loops: Vec<Node> = match p.kind() {
                        "for_statement" => vec![p],
                        "list_comprehension"
                        | "set_comprehension"
                        | "generator_expression"
                        | "dictionary_comprehension" => named_children(p)
                            .into_iter()
                            .filter(|c| c.kind() == "for_in_clause")
                            .collect(),
                        _ => return None,
                    };
                    loops.into_iter().find_map(|l| {
                        let left = l.child_by_field_name("left")?;
                        let right = l.child_by_field_name("right")?;
                        if left.kind() == "identifier" && cx.text(left) == name {
                            return Some(right);
                        }
                        // `for key, t in tasks.items()`: the pair's value.
                        let pair = named_children(left);
                        let value_bound = matches!(left.kind(), "pattern_list" | "tuple_pattern")
                            && pair.len() == 2
                            && pair[1].kind() == "identifier"
                            && cx.text(pair[1]) == name;
                        match method_call(right, cx) {
                            Some((o, "items")) if value_bound && right.kind() == "call" => Some(o),
                            _ => None,
                        }
                    })
                })
                .is_some_and(held)
        }
        _ => false,
    }
}

/// `t.result()` → `t.return_value` and `t.exception()` → `t.exception` for
/// the handles `names`, in the same function after the group's block ends
/// (where every task has finished). `Err` names a method of `asyncio.Task`
/// called there that the handle does not have (`done`, `add_done_callback`).
fn after_group_reads(
    group: Node,
    names: &[&str],
    containers: &[&str],
    loose: bool,
    cx: &FileContext,
) -> Result<Vec<Edit>, String> {
    if names.is_empty() && containers.is_empty() && !loose {
        return Ok(Vec::new());
    }
    let scope = syntax::enclosing(group, &["function_definition"]);
    let Some(root) = scope.and_then(|f| f.child_by_field_name("body")) else {
        return Ok(Vec::new());
    };
    let mut edits = Vec::new();
    for (n, _) in syntax::preorder(root) {
        if n.kind() != "call" || n.start_byte() < group.end_byte() {
            continue;
        }
        if syntax::enclosing(n, &["function_definition", "lambda"]) != scope {
            continue;
        }
        let Some((obj, method)) = method_call(n, cx) else {
            continue;
        };
        let named = obj.kind() == "identifier" && names.contains(&cx.text(obj));
        if !named && !reaches_container(obj, containers, cx) {
            // A handle kept elsewhere may be what a Task method is called on.
            if (loose || !containers.is_empty()) && TASK_METHODS.contains(&method) {
                return Err(format!("{}.{method}()", cx.text(obj)));
            }
            continue;
        }
        let has_args = n
            .child_by_field_name("arguments")
            .is_some_and(|a| a.named_child_count() > 0);
        let property = match method {
            "result" if !has_args => "return_value",
            "exception" if !has_args => "exception",
            "cancel" => continue,
            _ => return Err(format!("{}.{method}()", cx.text(obj))),
        };
        edits.push(Edit::replace(
            n.byte_range(),
            format!("{}.{property}", cx.text(obj)),
        ));
    }
    Ok(edits)
}

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::name("asyncio.TaskGroup")]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    for call in cx.calls_to("asyncio.TaskGroup") {
        let Some((stmt, tg)) = sole_async_with_item(call).map(|(s, n)| (s, cx.text(n))) else {
            out.push(
                Diagnostic::new(CODE, "`asyncio.TaskGroup()` not opened by `async with … as name`", call.byte_range())
                    .with_hint("open `async with anyio.create_task_group() as tg:` where the tasks' owner lives, and pass `tg` on"),
            );
            continue;
        };
        let body = stmt.child_by_field_name("body").unwrap_or(stmt);
        let mut edits = vec![Edit::replace(
            call.byte_range(),
            "anyio.create_task_group()",
        )];
        let mut functools = false;
        let mut handles_used = Vec::new();
        let mut handle_names: Vec<&str> = Vec::new();
        // Collections holding handles, and whether one is held elsewhere.
        let mut containers: Vec<&str> = Vec::new();
        let mut loose = false;
        // A `create_task` argument anyio's has no counterpart for (`context=`).
        let mut unsupported: Option<String> = None;
        for (n, _) in syntax::preorder(body) {
            if n.kind() != "call" {
                continue;
            }
            // Inside a nested function `tg` may be another object.
            if syntax::enclosing(n, &["function_definition", "lambda"])
                .is_some_and(|f| f.start_byte() > stmt.start_byte())
            {
                continue;
            }
            let Some((obj, method)) = method_call(n, cx) else {
                continue;
            };
            if cx.text(obj) != tg || method != "create_task" {
                continue;
            }
            let unused = n
                .parent()
                .is_some_and(|p| p.kind() == "expression_statement");
            let args = arguments(n);
            let coro = args.first().and_then(|c| spawn(*c, cx));
            let extra: Vec<Node> = args.iter().skip(1).copied().collect();
            let only_name = extra.iter().all(|a| {
                a.kind() == "keyword_argument"
                    && a.child_by_field_name("name")
                        .is_some_and(|k| cx.text(k) == "name")
            });
            if !only_name {
                unsupported.get_or_insert_with(|| cx.text(n).to_string());
            }
            match (unused, coro) {
                (true, Some(s)) if only_name => {
                    functools |= s.needs_functools;
                    let name = extra
                        .first()
                        .map(|a| format!(", {}", cx.text(*a)))
                        .unwrap_or_default();
                    edits.push(Edit::replace(
                        n.byte_range(),
                        format!("{tg}.start_soon({}{name})", s.args),
                    ));
                }
                _ => {
                    handles_used.push(cx.text(n).to_string());
                    if let Some(name) = handle_name(n, cx) {
                        handle_names.push(name);
                    } else if let Some(c) = container_name(n, cx) {
                        containers.push(c);
                    } else {
                        loose = true;
                    }
                }
            }
        }
        // After the group, asyncio's `t.result()` / `t.exception()` are
        // the handle's `return_value` / `exception` properties.
        if let Some(text) = unsupported {
            out.push(Diagnostic::new(
                CODE,
                format!("`asyncio.TaskGroup` with `{text}`: anyio's `create_task` takes only the coroutine and `name=`"),
                call.byte_range(),
            ).with_hint("run the code in the context you need inside the task (`ctx.run` is not awaitable: set the context variables at the task's start)"));
            continue;
        }
        let reads = after_group_reads(stmt, &handle_names, &containers, loose, cx);
        let Ok(reads) = reads else {
            let call_text = reads.unwrap_err();
            out.push(Diagnostic::new(
                CODE,
                format!("`asyncio.TaskGroup` whose task is used after the group through `{call_text}`, which anyio's `TaskHandle` does not have"),
                call.byte_range(),
            ).with_hint("after the group every task has finished: read `handle.return_value` / `handle.exception`, or `handle.status`"));
            continue;
        };
        let mapped = !reads.is_empty();
        edits.extend(reads);
        let diag = Diagnostic::new(
            CODE,
            "`asyncio.TaskGroup` becomes an anyio task group",
            call.byte_range(),
        );
        let mut applicability = Applicability::Safe;
        let mut message = diag.message.clone();
        if cx.edits_drop_comment(&edits) {
            applicability = Applicability::Unsafe;
            message.push_str(crate::DROPS_COMMENT);
        }
        if !handles_used.is_empty() {
            if cx.targets.anyio < (4, 14) {
                out.push(Diagnostic {
                    message: format!("`asyncio.TaskGroup` whose task objects are used (`{}`): `tg.create_task` needs anyio 4.14 (--target-anyio)", handles_used[0]),
                    ..diag
                });
                continue;
            }
            applicability = Applicability::Unsafe;
            let reads = if mapped {
                "; `.result()` and `.exception()` after the group become its `return_value` and `exception`"
            } else {
                ""
            };
            // asyncio's group raises a failed task's error once; anyio's adds
            // the `TaskFailed` the awaiting code got (checked on both).
            let awaited_inside = syntax::preorder(stmt).any(|(n, _)| {
                n.kind() == "await"
                    && n.is_named()
                    && n.named_child(0).is_some_and(|a| {
                        a.kind() == "identifier" && handle_names.iter().any(|h| *h == cx.text(a))
                    })
            });
            let awaited = if awaited_inside {
                "; awaiting a handle inside the group raises anyio's `TaskFailed` when its task fails, an error beside the task's own in the `ExceptionGroup`"
            } else {
                ""
            };
            message = format!("{message} (the task object of `{}` is used: anyio returns a `TaskHandle`, not an `asyncio.Task`{reads}{awaited})", handles_used[0]);
        }
        let mut imports = vec!["anyio"];
        if functools {
            imports.push("functools");
        }
        out.push(
            Diagnostic { message, ..diag }
                .with_fix(Fix::new(edits, applicability).with_imports(imports)),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn create_task_becomes_start_soon() {
        let src = "import asyncio\n\nasync def main():\n    async with asyncio.TaskGroup() as tg:\n        tg.create_task(work(1))\n";
        let found = run("AM204", src);
        assert_fixes(
            &found,
            "`asyncio.TaskGroup` becomes an anyio task group",
            "import asyncio\n\nasync def main():\n    async with anyio.create_task_group() as tg:\n        tg.start_soon(work, 1)\n",
            edit::Applicability::Safe,
        );
    }

    #[test]
    fn a_result_read_through_a_collection_of_handles_is_the_return_value() {
        let src = "import asyncio\n\nasync def main():\n    async with asyncio.TaskGroup() as tg:\n        tasks = [tg.create_task(work(n)) for n in range(3)]\n    return [t.result() for t in tasks]\n";
        let found = run("AM204", src);
        assert_fixes(
            &found,
            "`asyncio.TaskGroup` becomes an anyio task group (the task object of `tg.create_task(work(n))` is used: anyio returns a `TaskHandle`, not an `asyncio.Task`; `.result()` and `.exception()` after the group become its `return_value` and `exception`)",
            "import asyncio\n\nasync def main():\n    async with anyio.create_task_group() as tg:\n        tasks = [tg.create_task(work(n)) for n in range(3)]\n    return [t.return_value for t in tasks]\n",
            edit::Applicability::Unsafe,
        );
    }
}
