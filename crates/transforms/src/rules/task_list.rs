//! AM206's list form: tasks collected in a list (`[asyncio.create_task(f(x))
//! for x in xs]`, or `tasks.append(asyncio.create_task(f(x)))` in a loop) and
//! then gathered (`await asyncio.gather(*tasks)`) in the same block get a task
//! group around the statements from the first creation to the gather; the
//! gather's value becomes the handles' return values.

use super::task_support::exception_group_handlers;
use crate::FileContext;
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::{named_children, Node};

/// The statement index in a block that holds `node` (at any depth).
fn statement_of(node: Node, stmts: &[Node]) -> Option<usize> {
    stmts
        .iter()
        .position(|s| s.start_byte() <= node.start_byte() && node.end_byte() <= s.end_byte())
}

/// The callee of a task creation the group takes (`name=` allowed), to
/// rewrite to `tg.create_task`.
fn task_creation<'a>(call: Node<'a>, cx: &FileContext<'a>) -> Option<Node<'a>> {
    super::task_support::task_creation(call, true, cx).map(|(func, _)| func)
}

/// How a list of tasks is built: the callees of its creations and the index
/// of the first statement that creates one.
struct Built<'a> {
    definition: usize,
    first: usize,
    funcs: Vec<Node<'a>>,
    /// The `name.append(…)` calls, when the list starts empty, each with
    /// the statement `t = asyncio.create_task(…)` before it when it appends
    /// a name (`tasks.append(t)`).
    appends: Vec<(Node<'a>, Option<Node<'a>>)>,
}

/// The list `name` as statements `before` the gather build it: one
/// `name = [create_task(…) for …]`, or `name = []` followed by
/// `name.append(create_task(…))` statements; no other use of the name.
fn built<'a>(name: &str, stmts: &[Node<'a>], cx: &FileContext<'a>) -> Option<Built<'a>> {
    let mut definition = None;
    let mut funcs = Vec::new();
    let mut appends = Vec::new();
    let mut first = None;
    for (k, stmt) in stmts.iter().enumerate() {
        for (n, _) in syntax::preorder(*stmt) {
            if n.kind() != "identifier" || cx.text(n) != name {
                continue;
            }
            if syntax::enclosing(n, &["function_definition", "lambda"])
                .is_some_and(|f| f.start_byte() > stmt.start_byte())
            {
                return None;
            }
            let parent = n.parent()?;
            // `name = […]`: the list's one definition.
            if parent.kind() == "assignment" && parent.child_by_field_name("left") == Some(n) {
                if definition.is_some() || parent.parent()?.id() != stmt.id() {
                    return None;
                }
                let right = parent.child_by_field_name("right")?;
                match right.kind() {
                    "list" if right.named_child_count() == 0 => {}
                    // `set()`: tasks added with `add` (waited for with `asyncio.wait`).
                    "call" if cx.text(right) == "set()" => {}
                    "list_comprehension" => {
                        let body = right.child_by_field_name("body")?;
                        funcs.push(task_creation(body, cx)?);
                        first = Some(k);
                    }
                    _ => return None,
                }
                definition = Some(k);
                continue;
            }
            // `name.append(create_task(…))` as a statement of its own.
            let append = (parent.kind() == "attribute")
                .then(|| parent.child_by_field_name("attribute"))
                .flatten()
                .is_some_and(|a| matches!(cx.text(a), "append" | "add"));
            let call = parent.parent().filter(|c| c.kind() == "call");
            let arg = call
                .and_then(|c| c.child_by_field_name("arguments"))
                .map(named_children)
                .and_then(|a| (a.len() == 1).then(|| a[0]));
            let statement = call
                .and_then(|c| c.parent())
                .filter(|p| p.kind() == "expression_statement");
            // `t = asyncio.create_task(…)` then `tasks.append(t)`.
            let named = arg
                .filter(|a| a.kind() == "identifier")
                .zip(statement)
                .and_then(|(a, st)| created_before(a, st, cx));
            let created = match named {
                Some((_, func)) => Some(func),
                None => arg.and_then(|a| task_creation(a, cx)),
            };
            match (
                append && statement.is_some() && definition.is_some(),
                created,
            ) {
                (true, Some(func)) => {
                    funcs.push(func);
                    appends.extend(call.map(|c| (c, named.map(|(s, _)| s))));
                    first.get_or_insert(k);
                }
                _ => return None,
            }
        }
    }
    Some(Built {
        definition: definition?,
        first: first?,
        funcs,
        appends,
    })
}

/// For `tasks.append(t)` (the statement `append`): the statement right
/// before it, `t = asyncio.create_task(…)`, and its callee, when the
/// function reads `t` nowhere else but in a `for` that binds it anew
/// (`for t in tasks: t.cancel()`).
fn created_before<'a>(
    t: Node<'a>,
    append: Node<'a>,
    cx: &FileContext<'a>,
) -> Option<(Node<'a>, Node<'a>)> {
    let mut prev = append.prev_named_sibling();
    while let Some(p) = prev.filter(|p| p.kind() == "comment") {
        prev = p.prev_named_sibling();
    }
    let stmt = prev?;
    let (left, right) = syntax::name_assignment(stmt)?;
    if cx.text(left) != cx.text(t) {
        return None;
    }
    let func = task_creation(right, cx)?;
    let scope = syntax::enclosing(append, &["function_definition", "lambda"])?;
    let rebinding_for = |n: Node| {
        std::iter::successors(n.parent(), |p| p.parent()).any(|p| {
            p.kind() == "for_statement"
                && p.child_by_field_name("left")
                    .is_some_and(|l| l.kind() == "identifier" && cx.text(l) == cx.text(t))
        })
    };
    let elsewhere = syntax::preorder(scope).any(|(n, _)| {
        n.kind() == "identifier"
            && cx.text(n) == cx.text(t)
            && n.id() != left.id()
            && n.id() != t.id()
            && !rebinding_for(n)
    });
    (!elsewhere).then_some((stmt, func))
}

/// The arguments (comments included) of the call `awaited` awaits, when
/// that call is of `function`.
fn awaited_call_of<'a>(
    awaited: Node<'a>,
    function: &str,
    cx: &FileContext<'a>,
) -> Option<Vec<Node<'a>>> {
    let call = awaited.named_child(0).filter(|c| c.kind() == "call")?;
    if cx.callee(call).as_deref() != Some(function) {
        return None;
    }
    Some(named_children(call.child_by_field_name("arguments")?))
}

/// `await asyncio.gather(*name)`: the name, when the gather has that one
/// starred identifier and nothing else but maybe `return_exceptions=True`
/// (the wait for cancelled tasks), and whether it has that.
fn gathered_list<'a>(awaited: Node<'a>, cx: &FileContext<'a>) -> Option<(&'a str, bool)> {
    let args = awaited_call_of(awaited, "asyncio.gather", cx)?;
    let call = awaited.named_child(0)?;
    let (star, returning) = match args.as_slice() {
        [star] => (star, false),
        [star, _] if super::task_support::returns_exceptions(call, cx) == Some(true) => {
            (star, true)
        }
        _ => return None,
    };
    let name = (star.kind() == "list_splat")
        .then(|| star.named_child(0))
        .flatten()
        .filter(|n| n.kind() == "identifier")?;
    Some((cx.text(name), returning))
}

/// `await asyncio.wait(name)` (all of them, no timeout): the name.
fn waited_list<'a>(awaited: Node<'a>, cx: &FileContext<'a>) -> Option<&'a str> {
    let args = awaited_call_of(awaited, "asyncio.wait", cx)?;
    let (list, rest) = args.split_first()?;
    let all_completed = |a: &Node| super::task_support::is_all_completed(*a, cx);
    (list.kind() == "identifier" && rest.iter().all(all_completed)).then(|| cx.text(*list))
}

/// `done, pending = await asyncio.wait(name)` as a statement: the names
/// bound to the finished and the pending tasks.
fn wait_targets<'a>(
    stmt: Node<'a>,
    awaited: Node,
    cx: &FileContext<'a>,
) -> Option<(&'a str, &'a str)> {
    let assign = stmt
        .named_child(0)
        .filter(|a| stmt.kind() == "expression_statement" && a.kind() == "assignment")?;
    if assign.child_by_field_name("right") != Some(awaited) {
        return None;
    }
    let left = assign
        .child_by_field_name("left")
        .filter(|l| matches!(l.kind(), "pattern_list" | "tuple_pattern"))?;
    match named_children(left).as_slice() {
        [done, pending] if done.kind() == "identifier" && pending.kind() == "identifier" => {
            Some((cx.text(*done), cx.text(*pending)))
        }
        _ => None,
    }
}

/// Whether `stmt` (a statement of the block) only waits: `await
/// asyncio.wait(name)` alone, or guarded by `if name:` (`wait` rejects an
/// empty set; a task group does not need the guard).
fn only_waits(stmt: Node, awaited: Node, name: &str, cx: &FileContext) -> bool {
    let bare = |s: Node| {
        s.kind() == "expression_statement" && s.named_child(0).map(|n| n.id()) == Some(awaited.id())
    };
    if bare(stmt) {
        return true;
    }
    let guarded = stmt.kind() == "if_statement"
        && stmt.child_by_field_name("alternative").is_none()
        && stmt
            .child_by_field_name("condition")
            .is_some_and(|c| c.kind() == "identifier" && cx.text(c) == name);
    let body = stmt
        .child_by_field_name("consequence")
        .map(named_children)
        .unwrap_or_default();
    guarded && matches!(body.as_slice(), [only] if bare(*only))
}

/// Whether a statement of the span can leave it: a `return`, or a `break` /
/// `continue` of a loop around the span. The tasks went on running there
/// (cancelled workers for ever), and the group would wait for them.
fn leaves(stmt: Node) -> bool {
    syntax::preorder(stmt).any(|(n, _)| {
        let owner = match n.kind() {
            "return_statement" => &["function_definition", "lambda"][..],
            "break_statement" | "continue_statement" => &[
                "for_statement",
                "while_statement",
                "function_definition",
                "lambda",
            ][..],
            _ => return false,
        };
        syntax::enclosing(n, owner).is_none_or(|o| {
            o.start_byte() < stmt.start_byte()
                || matches!(o.kind(), "function_definition" | "lambda")
                    && n.kind() != "return_statement"
        })
    })
}

/// After the wait, the reads of the tasks' results (`[t.result() for t in
/// tasks]`, or `for t in tasks:` whose body uses `t` only as `t.result()`):
/// the uses of `name` that iterate, and the `t.result()` calls (the
/// handle's `t.return_value` once the group has ended). `None` when `name`
/// is read after `after` some other way.
#[allow(clippy::type_complexity)]
fn result_reads<'a>(
    name: &str,
    block: Node<'a>,
    after: usize,
    cx: &FileContext<'a>,
) -> Option<(Vec<Node<'a>>, Vec<Node<'a>>)> {
    let scope = syntax::enclosing(block, &["function_definition"])?;
    let (mut iterating, mut calls) = (Vec::new(), Vec::new());
    for (n, _) in syntax::preorder(scope) {
        if n.kind() != "identifier" || cx.text(n) != name || n.start_byte() < after {
            continue;
        }
        let over = n.parent()?;
        let is_iterable = matches!(over.kind(), "for_in_clause" | "for_statement")
            && over.child_by_field_name("right") == Some(n);
        let var = over
            .child_by_field_name("left")
            .filter(|v| is_iterable && v.kind() == "identifier")?;
        // Where the loop variable is read: the comprehension, or the loop
        // (whose variable must not be read after it).
        let within = if over.kind() == "for_in_clause" {
            over.parent()?
        } else {
            if super::task_support::name_used_elsewhere(over, cx.text(var), over, cx) {
                return None;
            }
            over
        };
        for (u, _) in syntax::preorder(within) {
            if u.kind() != "identifier" || cx.text(u) != cx.text(var) || u.id() == var.id() {
                continue;
            }
            let attr = u.parent().filter(|a| {
                a.kind() == "attribute"
                    && a.child_by_field_name("object") == Some(u)
                    && a.child_by_field_name("attribute")
                        .is_some_and(|m| cx.text(m) == "result")
            })?;
            let call = attr
                .parent()
                .filter(|c| c.kind() == "call" && syntax::is_call_without_arguments(*c))?;
            calls.push(call);
        }
        iterating.push(n);
    }
    Some((iterating, calls))
}

/// Whether `name` is used in the function holding `block` outside the
/// statements `span` (but for the uses `allowed`), shared with other
/// scopes, or a `yield` is inside the span.
fn escapes(name: &str, block: Node, span: &[Node], allowed: &[Node], cx: &FileContext) -> bool {
    let Some(scope) = syntax::enclosing(block, &["function_definition"]) else {
        return true;
    };
    let (start, end) = match (span.first(), span.last()) {
        (Some(f), Some(l)) => (f.start_byte(), l.end_byte()),
        _ => return true,
    };
    syntax::preorder(scope).any(|(n, _)| match n.kind() {
        "identifier" => {
            cx.text(n) == name
                && !(start <= n.start_byte() && n.end_byte() <= end)
                && !allowed.iter().any(|a| a.id() == n.id())
        }
        "nonlocal_statement" | "global_statement" => {
            named_children(n).iter().any(|c| cx.text(*c) == name)
        }
        "yield" => start <= n.start_byte() && n.end_byte() <= end,
        _ => false,
    })
}

/// Diagnostics (with fixes) for every list of tasks gathered in its block.
pub fn check(code: &'static str, cx: &FileContext, out: &mut Vec<Diagnostic>) {
    for &awaited in cx.nodes_of_kind("await") {
        let (name, waits, returns_exceptions) =
            match (gathered_list(awaited, cx), waited_list(awaited, cx)) {
                (Some((name, returning)), _) => (name, false, returning),
                (None, Some(name)) => (name, true, false),
                (None, None) => continue,
            };
        let Some(mut block) =
            syntax::enclosing(awaited, &["block", "function_definition", "lambda"])
                .filter(|b| b.kind() == "block")
        else {
            continue;
        };
        // `if tasks: await asyncio.wait(tasks)`: the guard is the statement.
        if let Some(outer) = block
            .parent()
            .filter(|p| waits && p.kind() == "if_statement")
            .and_then(|p| p.parent())
            .filter(|b| b.kind() == "block")
        {
            block = outer;
        }
        let stmts: Vec<Node> = named_children(block)
            .into_iter()
            .filter(|c| c.kind() != "comment")
            .collect();
        let Some(g) = statement_of(awaited, &stmts) else {
            continue;
        };
        // `for t in tasks: t.cancel()` right before the wait: the group's
        // scope is cancelled there instead, and its end is the wait.
        let cancelled = g > 0 && super::task_support::cancels_all(stmts[g - 1], name, cx);
        if returns_exceptions && !cancelled {
            continue;
        }
        let gather_stmt = stmts[g];
        // The gather must be the statement's only await: the rest of the
        // statement runs after the group now.
        let awaits = syntax::preorder(gather_stmt)
            .filter(|(n, _)| n.kind() == "await" && n.is_named())
            .count();
        let bare = gather_stmt.kind() == "expression_statement"
            && gather_stmt.named_child(0).map(|n| n.id()) == Some(awaited.id());
        let shape = if cancelled {
            bare
        } else if waits {
            only_waits(gather_stmt, awaited, name, cx)
                || wait_targets(gather_stmt, awaited, cx).is_some()
        } else {
            matches!(
                gather_stmt.kind(),
                "expression_statement" | "return_statement"
            )
        };
        if awaits != 1 || !shape {
            continue;
        }
        let built_before = if cancelled { g - 1 } else { g };
        let Some(list) = built(name, &stmts[..built_before], cx) else {
            continue;
        };
        // Results read from the handles after the group (not of cancelled
        // tasks: asyncio's `result()` raised there).
        let (iterating, mut reads) = match result_reads(name, block, gather_stmt.end_byte(), cx) {
            Some(found) if !cancelled => found,
            _ => Default::default(),
        };
        // `done, pending = await asyncio.wait(tasks)`: every task is done
        // after it, so `done` read for results is the list (in its order,
        // where the set's was arbitrary), and `pending` must be unused.
        let mut done_reads: Vec<Node> = Vec::new();
        if let Some((done, pending)) = wait_targets(gather_stmt, awaited, cx).filter(|_| waits) {
            let Some(scope) = syntax::enclosing(block, &["function_definition"]) else {
                continue;
            };
            let read_after = |n: &str| {
                syntax::preorder(scope).any(|(i, _)| {
                    i.kind() == "identifier"
                        && cx.text(i) == n
                        && i.start_byte() >= gather_stmt.end_byte()
                })
            };
            if cancelled || read_after(pending) || done == name || pending == name {
                continue;
            }
            let Some((over, calls)) = result_reads(done, block, gather_stmt.end_byte(), cx) else {
                continue;
            };
            done_reads.extend(over);
            reads.extend(calls);
        }
        if escapes(name, block, &stmts[list.definition..=g], &iterating, cx) {
            continue;
        }
        if stmts[list.first..g].iter().any(|s| leaves(*s)) {
            continue;
        }
        // The definition (`tasks = []`) may stand before the span; it must
        // not be used before it either (checked by `built`).
        let first = stmts[list.first];
        let last = stmts[g - 1];
        if cancelled && list.first >= g - 1 {
            continue;
        }
        if !cx.owns_its_lines(first) || !cx.owns_its_lines(last) || !cx.owns_its_lines(gather_stmt)
        {
            continue;
        }
        let how = if cancelled {
            "cancelled"
        } else if waits {
            "waited for"
        } else {
            "gathered"
        };
        let diag = Diagnostic::new(
            code,
            if cancelled {
                format!("tasks collected in `{name}` and cancelled get a task group whose scope is cancelled there (a failing task now cancels the others and its error surfaces when the group ends, where `{}` kept it from the caller)", if waits { "asyncio.wait" } else { "gather(..., return_exceptions=True)" })
            } else if waits {
                format!("tasks collected in `{name}` and waited for get a task group as their owner (a failing task now cancels the others, and its error, which `asyncio.wait` did not raise, surfaces when the group ends)")
            } else {
                format!("tasks collected in `{name}` and gathered get a task group as their owner (a failing task now cancels the others, and its error surfaces when the group ends, not at the `await`)")
            },
            first.start_byte()..gather_stmt.end_byte(),
        );
        let handlers = match exception_group_handlers(first, cx) {
            Ok(e) => e,
            Err(why) => {
                out.push(Diagnostic {
                    message: format!(
                        "tasks collected in `{name}` and {how} cannot get a task group automatically: {why}"
                    ),
                    ..diag
                });
                continue;
            }
        };
        let span = first.start_byte()..last.end_byte();
        let tg = cx.fresh_name_over(first, span.clone(), "tg", &[]);
        // Nothing reads the handles: the tasks start with `start_soon`.
        let unused = (waits || bare) && reads.is_empty();
        let start_args = |create: Node| super::task_support::start_args(create, cx);
        // A comprehension whose handles nobody reads becomes the loop that
        // starts them: `for u in us: tg.start_soon(f, u)`.
        let definition = stmts[list.definition];
        let comprehension_loop = (unused && list.appends.is_empty())
            .then(|| {
                let right = definition.named_child(0)?.child_by_field_name("right")?;
                let parts = named_children(right);
                let [body, clause] = parts.as_slice() else {
                    return None;
                };
                let plain = clause.kind() == "for_in_clause"
                    && !syntax::children(*clause)
                        .iter()
                        .any(|c| c.kind() == "async");
                let s = start_args(*body).filter(|_| plain)?;
                let (var, over) = (
                    clause.child_by_field_name("left")?,
                    clause.child_by_field_name("right")?,
                );
                let nl = cx.style.newline.as_str();
                let indent = format!(
                    "{}{}",
                    cx.indent_at(definition.start_byte()),
                    cx.style.indent
                );
                Some((
                    format!(
                        "for {} in {}:{nl}{indent}{}{tg}.start_soon({})",
                        cx.text(var),
                        cx.text(over),
                        cx.style.indent,
                        s.args
                    ),
                    s.needs_functools,
                ))
            })
            .flatten()
            .filter(|_| cx.owns_its_lines(definition) && list.definition == list.first);
        // Handles nobody reads: `tg.start_soon(f, x)` in place of each
        // append, and no list at all.
        let spawns: Option<Vec<_>> = (unused && !list.appends.is_empty())
            .then(|| {
                list.appends
                    .iter()
                    .map(|(call, named)| {
                        let create = match named {
                            // The append goes: it must have its lines.
                            Some(stmt) => {
                                let append = call.parent().filter(|p| cx.owns_its_lines(*p));
                                append?;
                                stmt.named_child(0)?.child_by_field_name("right")?
                            }
                            None => call.child_by_field_name("arguments")?.named_child(0)?,
                        };
                        let s = start_args(create)?;
                        Some((*call, *named, s))
                    })
                    .collect()
            })
            .flatten()
            .filter(|_| cx.owns_its_lines(stmts[list.definition]));
        // The statements that become one line (the cancel loop, the
        // comprehension) and those that go (`tasks.append(t)`).
        let cancel_loop = cancelled.then(|| stmts[g - 1]);
        let one_line: Vec<Node> = cancel_loop
            .into_iter()
            .chain(comprehension_loop.as_ref().map(|_| definition))
            .collect();
        let gone: Vec<Node> = spawns
            .iter()
            .flatten()
            .filter(|(_, named, _)| named.is_some())
            .filter_map(|(call, _, _)| call.parent())
            .collect();
        let mut edits =
            super::create_task_await::group_edits(&tg, first, last, &one_line, &gone, cx);
        if let Some(l) = cancel_loop {
            edits.push(Edit::replace(
                l.byte_range(),
                format!("{tg}.cancel_scope.cancel()"),
            ));
        }
        let mut functools = false;
        if let Some((text, needs_functools)) = &comprehension_loop {
            functools = *needs_functools;
            edits.push(Edit::replace(definition.byte_range(), text.clone()));
        } else if let Some(spawns) = &spawns {
            edits.push(super::pytest_support::delete_lines(
                cx,
                stmts[list.definition],
            ));
            for (call, named, s) in spawns {
                functools |= s.needs_functools;
                let start = format!("{tg}.start_soon({})", s.args);
                match named {
                    // `t = create_task(…)` starts it; `tasks.append(t)` goes.
                    Some(stmt) => {
                        edits.push(Edit::replace(stmt.byte_range(), start));
                        if let Some(append) = call.parent() {
                            edits.push(super::pytest_support::delete_lines(cx, append));
                        }
                    }
                    None => edits.push(Edit::replace(call.byte_range(), start)),
                }
            }
        } else {
            for f in &list.funcs {
                edits.push(Edit::replace(f.byte_range(), format!("{tg}.create_task")));
            }
            // `tasks: list[asyncio.Task] = []` holds handles now.
            if let Some(assign) = stmts[list.definition].named_child(0) {
                edits.extend(super::create_task_await::handle_annotation(assign, cx));
            }
        }
        for over in &done_reads {
            edits.push(Edit::replace(over.byte_range(), name));
        }
        for call in &reads {
            let handle = call
                .child_by_field_name("function")
                .and_then(|f| f.child_by_field_name("object"))
                .map_or("", |o| cx.text(o));
            edits.push(Edit::replace(
                call.byte_range(),
                format!("{handle}.return_value"),
            ));
        }
        // The group has waited for every task: the gather is its results,
        // or nothing when they are not used.
        if waits || bare {
            edits.push(super::pytest_support::delete_lines(cx, gather_stmt));
        } else {
            // `list(await gather(*tasks))` needs no `list(...)` around a list.
            let listed = awaited
                .parent()
                .filter(|a| a.kind() == "argument_list" && syntax::named_children(*a).len() == 1)
                .and_then(|a| a.parent())
                .filter(|c| {
                    c.child_by_field_name("function")
                        .is_some_and(|f| cx.text(f) == "list")
                });
            edits.push(Edit::replace(
                listed.unwrap_or(awaited).byte_range(),
                format!("[task.return_value for task in {name}]"),
            ));
        }
        // Below anyio 4.14 there are no handles: only tasks that just start
        // (their list gone, the wait gone) have a rewrite.
        let handle_free = (comprehension_loop.is_some() || spawns.is_some())
            && reads.is_empty()
            && (waits || bare);
        if !handle_free && cx.targets.anyio < (4, 14) {
            let what = format!("tasks collected in `{name}`");
            out.push(super::create_task_await::needs_handles(&what, diag, cx));
            continue;
        }
        edits.extend(handlers);
        let Some(edits) = super::create_task_await::nest_replacements(edits, cx) else {
            continue;
        };
        let mut diag = diag;
        if cx.edits_drop_comment(&edits) {
            diag.message.push_str(crate::DROPS_COMMENT);
        }
        out.push(
            diag.with_fix(
                Fix::new(edits, Applicability::Unsafe)
                    .with_imports(super::task_support::anyio_imports(functools))
                    .with_scope(first.start_byte()..gather_stmt.end_byte()),
            ),
        );
    }
}
