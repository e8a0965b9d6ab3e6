//! AM206: `t = asyncio.create_task(f())` … `await t` in the same block
//! becomes a task group around that span.

use super::task_support::{exception_group_handlers, returns_exceptions};
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::{named_children, Node};

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM206";

/// `name = asyncio.create_task(...)` as a statement: the name and the callee.
fn creation<'a>(stmt: Node<'a>, cx: &FileContext<'a>) -> Option<(&'a str, Node<'a>)> {
    let (left, call) = syntax::name_assignment(stmt).filter(|(_, r)| r.kind() == "call")?;
    let func = call.child_by_field_name("function")?;
    match cx.qualified(func).as_deref() {
        Some("asyncio.create_task") => Some((cx.text(left), func)),
        // `ensure_future(f(x))` of a coroutine is `create_task`; only a
        // single call argument (no `loop=`), taken to return a coroutine.
        Some("asyncio.ensure_future") => {
            let args = call.child_by_field_name("arguments")?;
            let only = named_children(args);
            (only.len() == 1 && only[0].kind() == "call").then(|| (cx.text(left), func))
        }
        _ => None,
    }
}

/// `asyncio.Task` in the annotation of `assign` (`t: asyncio.Task[int] =
/// …`, `tasks: list[asyncio.Task] = []`) becomes `anyio.TaskHandle`: the
/// annotation follows the object the rewrite makes.
pub(super) fn handle_annotation(assign: Node, cx: &FileContext) -> Vec<Edit> {
    let Some(ty) = assign.child_by_field_name("type") else {
        return Vec::new();
    };
    let mut edits: Vec<Edit> = Vec::new();
    for (n, _) in syntax::preorder(ty) {
        let inside_last = edits.last().is_some_and(|e| n.start_byte() < e.end);
        if inside_last || !matches!(n.kind(), "attribute" | "identifier") {
            continue;
        }
        if cx.qualified(n).as_deref() == Some("asyncio.Task") {
            edits.push(Edit::replace(n.byte_range(), "anyio.TaskHandle"));
        }
    }
    edits
}

pub(super) fn triggers() -> Vec<Trigger> {
    // Nothing is looked at without a call ending in `create_task` or `ensure_future`.
    vec![
        Trigger::name("asyncio.create_task"),
        Trigger::name("asyncio.ensure_future"),
    ]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    // Below anyio 4.14 there are no task handles: only the spans whose
    // tasks just start (`tg.start_soon`) are rewritten.
    let handles = cx.targets.anyio >= (4, 14);
    super::task_list::check(CODE, cx, out);
    // Spans start at a statement `name = <…create_task>(…)`: only the
    // blocks holding such a call as a statement's right side can have one.
    let holders: Vec<usize> = ["create_task", "ensure_future"]
        .iter()
        .flat_map(|last| cx.nodes_ending_in("call", last))
        .filter_map(|call| call.parent()?.parent()?.parent())
        .map(|block| block.id())
        .collect();
    if holders.is_empty() {
        return;
    }
    for &block in cx
        .nodes_of_kind(syntax::kinds().block)
        .iter()
        .filter(|b| holders.contains(&b.id()))
    {
        let stmts = syntax::code_children(block);
        // Each creation's statement, callee, uses and name.
        let mut spans: Vec<(usize, Node, Uses, &str)> = Vec::new();
        for (i, stmt) in stmts.iter().enumerate() {
            let Some((name, func)) = creation(*stmt, cx) else {
                continue;
            };
            match awaited_only(name, i, &stmts, block, cx) {
                Some(uses) => spans.push((i, func, uses, name)),
                None => out.extend(super::unowned_task::report(CODE, name, *stmt, func, cx)),
            }
        }
        // Overlapping spans share one group.
        let mut groups: Vec<Group> = Vec::new();
        for (s, f, uses, name) in spans {
            match groups.last_mut() {
                Some(g) if s <= g.end => {
                    g.end = g.end.max(uses.last);
                    g.funcs.push(f);
                    g.waits.extend(uses.waits);
                    g.methods.extend(uses.methods);
                    for w in uses.wait_alls {
                        if !g.wait_alls.iter().any(|x| x.id() == w.id()) {
                            g.wait_alls.push(w);
                        }
                    }
                    g.names.push(name);
                    g.last_creation = s;
                    g.across_yield |= uses.across_yield;
                    g.cancelled_last |= uses.cancelled_last;
                }
                _ => groups.push(Group {
                    start: s,
                    end: uses.last,
                    funcs: vec![f],
                    waits: uses.waits,
                    methods: uses.methods,
                    wait_alls: uses.wait_alls,
                    names: vec![name],
                    last_creation: s,
                    across_yield: uses.across_yield,
                    cancelled_last: uses.cancelled_last,
                }),
            }
        }
        for group in groups {
            let (s, funcs, waits) = (group.start, &group.funcs, &group.waits);
            // Awaits that end the span read the results after the group.
            let tail = tail_awaits(&group, &stmts, cx);
            let e = tail.as_ref().map_or(group.end, |(k, _)| k - 1);
            let first = stmts[s];
            let last = stmts[e];
            if !cx.owns_its_lines(first) || !cx.owns_its_lines(last) {
                continue;
            }
            // A wait for all of them ends the group; inside it, it would
            // wait for handles, which `asyncio.wait` does not take.
            let wait_inside = stmts[s..=e]
                .iter()
                .any(|stmt| group.wait_alls.iter().any(|w| w.id() == stmt.id()));
            if wait_inside {
                continue;
            }
            // A `return` (or a `break` out of the block) between them would
            // now wait for the tasks when it leaves the group.
            if let Some(exit) = stmts[s..=e].iter().find_map(|st| leaves_early(*st)) {
                out.push(
                    Diagnostic::new(
                        CODE,
                        format!("tasks created and awaited here cannot get a task group automatically: the `{exit}` between them would wait for the tasks (a task group waits for its tasks when it is left), where the code left at once and the tasks ran on"),
                        first.start_byte()..last.end_byte(),
                    )
                    .superseding("AM901"),
                );
                continue;
            }
            let mut message = "tasks created and awaited here get a task group as their owner (a failing task now cancels the others, and its error surfaces when the group ends, not at the `await`".to_string();
            if let Some(handler) = super::task_support::caller_catching_bare(first, cx) {
                message.push_str(&format!("; a caller's {handler} catches errors of this function, which now arrive inside an `ExceptionGroup`, also those its own code raises inside the group"));
            }
            if group.cancelled_last {
                message.push_str("; the group waits for a cancelled task to finish, where the code went on at once");
            }
            if group.across_yield {
                message.push_str("; the group stays open across the context manager's `yield`, so an error raised in the body of its `async with` now reaches the caller inside an `ExceptionGroup`");
            }
            message.push(')');
            let diag = Diagnostic::new(CODE, message, first.start_byte()..last.end_byte());
            let handlers = match exception_group_handlers(first, cx) {
                Ok(e) => e,
                Err(why) => {
                    out.push(Diagnostic { message: format!("tasks created and awaited here cannot get a task group automatically: {why}"), ..diag });
                    continue;
                }
            };
            // A handle awaited inside the group raises `TaskFailed` when its
            // task fails, which the `except*` handlers would not catch.
            let awaited_inside = stmts[s..=e].iter().any(|stmt| {
                syntax::preorder(*stmt).any(|(n, _)| {
                    n.kind() == "await"
                        && n.is_named()
                        && !waits.iter().any(|w| {
                            w.start_byte() <= n.start_byte() && n.end_byte() <= w.end_byte()
                        })
                        && n.named_child(0).is_some_and(|a| {
                            a.kind() == "identifier" && group.names.contains(&cx.text(a))
                        })
                })
            });
            if awaited_inside && !handlers.is_empty() {
                out.push(Diagnostic {
                    message: "tasks created and awaited here cannot get a task group automatically: a task is awaited in the middle of the span, and inside the group awaiting a failed task raises anyio's `TaskFailed`, which the `except*` handlers would not catch".into(),
                    ..diag
                });
                continue;
            }
            let tg = cx.fresh_name_over(first, first.start_byte()..last.end_byte(), "tg", &[]);
            // The statements that go: a wait for all of them, and `await t`
            // whose value nobody reads (the group has waited).
            let mut gone: Vec<Node> = group
                .wait_alls
                .iter()
                .copied()
                .filter(|w| w.end_byte() > last.end_byte())
                .collect();
            let mut edits = Vec::new();
            // Whether the rewrite reads a task handle (anyio 4.14+).
            let mut reads_handle = !group.methods.is_empty();
            for (awaited, name) in tail.iter().flat_map(|(_, a)| a) {
                let stmt = awaited
                    .parent()
                    .filter(|p| p.kind() == "expression_statement");
                match stmt {
                    Some(stmt) if cx.owns_its_lines(stmt) => gone.push(stmt),
                    _ => {
                        reads_handle = true;
                        edits.push(Edit::replace(
                            awaited.byte_range(),
                            format!("{name}.return_value"),
                        ));
                    }
                }
            }
            for stmt in &gone {
                edits.push(super::pytest_support::delete_lines(cx, *stmt));
            }
            // One task only cancelled and waited for: the group's scope is
            // what is cancelled, and its end is the wait (the waits go, so
            // their lines get no indentation).
            let only = cancelled_group(&group, &gone, tail.is_some(), cx);
            let deleted: &[Node] = if only.is_some() { waits } else { &[] };
            edits.extend(group_edits(&tg, first, last, waits, deleted, cx));
            let mut functools = false;
            if let Some(only) = only {
                functools |= only.start.needs_functools;
                edits.push(Edit::replace(
                    only.creation.byte_range(),
                    format!("{tg}.start_soon({})", only.start.args),
                ));
                for c in &only.cancels {
                    edits.push(Edit::replace(
                        c.byte_range(),
                        format!("{tg}.cancel_scope.cancel()"),
                    ));
                }
                for w in waits {
                    edits.push(super::pytest_support::delete_lines(cx, *w));
                }
            } else {
                for (f, name) in funcs.iter().zip(&group.names) {
                    let (start, handle) = handle_edits(f, name, &gone, &tg, &mut functools, cx);
                    edits.extend(start);
                    reads_handle |= handle;
                }
                reads_handle |= !waits.is_empty();
                // `try: await t` / `except CancelledError: pass` waits for
                // the task however it ends: the handle's `wait()`.
                for w in waits {
                    let awaited = syntax::preorder(*w)
                        .find(|(n, _)| n.kind() == "await")
                        .and_then(|(n, _)| n.named_child(0))
                        .map_or("", |n| cx.text(n));
                    edits.push(Edit::replace(
                        w.byte_range(),
                        format!("await {awaited}.wait()"),
                    ));
                }
            }
            for (call, spelled) in &group.methods {
                edits.push(Edit::replace(call.byte_range(), spelled.clone()));
            }
            if reads_handle && !handles {
                out.push(needs_handles("tasks created and awaited here", diag, cx));
                continue;
            }
            edits.extend(handlers);
            let Some(edits) = nest_replacements(edits, cx) else {
                out.push(Diagnostic { message: "tasks created and awaited here cannot get a task group automatically: a statement to rewrite holds a string over several lines".into(), ..diag });
                continue;
            };
            let scope = first.start_byte()..last.end_byte();
            out.push(
                diag.with_fix(
                    Fix::new(edits, Applicability::Unsafe)
                        .with_imports(super::task_support::anyio_imports(functools))
                        .with_scope(scope),
                ),
            );
        }
    }
}

/// The report for `what` (tasks) whose rewrite reads task handles, which
/// the target anyio (below 4.14) does not have, at `diag`'s site.
pub(super) fn needs_handles(what: &str, diag: Diagnostic, cx: &FileContext) -> Diagnostic {
    let (major, minor) = cx.targets.anyio;
    Diagnostic {
        message: format!("{what} get a task group whose task handles (`tg.create_task(...)`) the code reads, which anyio {major}.{minor} does not have: they need anyio 4.14 (`--target-anyio`, whose default follows the project's anyio requirement)"),
        ..diag
    }
    .superseding("AM901")
}

/// The edits that start the task of `t = asyncio.create_task(...)` (callee
/// `f`) in the group `tg`: `tg.start_soon(...)` when nothing reads the
/// handle once the statements `gone` have gone, else `tg.create_task`; and
/// whether they keep the handle.
fn handle_edits(
    f: &Node,
    name: &str,
    gone: &[Node],
    tg: &str,
    functools: &mut bool,
    cx: &FileContext,
) -> (Vec<Edit>, bool) {
    let mut edits = Vec::new();
    let handle = match unread_start(f, name, gone, cx) {
        Some((stmt, start)) => {
            *functools |= start.needs_functools;
            edits.push(Edit::replace(
                stmt.byte_range(),
                format!("{tg}.start_soon({})", start.args),
            ));
            false
        }
        None => {
            edits.push(Edit::replace(f.byte_range(), format!("{tg}.create_task")));
            if let Some(assign) = f.parent().and_then(|c| c.parent()) {
                edits.extend(handle_annotation(assign, cx));
            }
            true
        }
    };
    (edits, handle)
}

/// A group's one task, used only to be cancelled and waited for.
struct CancelledOnly<'a> {
    /// `t = asyncio.create_task(...)`, and how it starts.
    creation: Node<'a>,
    start: super::task_support::Spawn,
    /// The `t.cancel()` calls.
    cancels: Vec<Node<'a>>,
}

/// The group's task when it is the only one and every later use of its name
/// is `t.cancel()` or a wait that swallows its cancellation (each of those
/// in a block with other statements, so that deleting it leaves code), with
/// no read after the group: `t.cancel()` becomes `tg.cancel_scope.cancel()`
/// (the group ends when its task has ended) and the waits go.
fn cancelled_group<'a>(
    group: &Group<'a>,
    gone: &[Node],
    tail: bool,
    cx: &FileContext<'a>,
) -> Option<CancelledOnly<'a>> {
    let ([f], [name]) = (group.funcs.as_slice(), group.names.as_slice()) else {
        return None;
    };
    if tail || !gone.is_empty() || !group.methods.is_empty() || !group.wait_alls.is_empty() {
        return None;
    }
    let call = f.parent()?;
    let creation = call
        .parent()
        .filter(|a| a.kind() == "assignment")?
        .parent()
        .filter(|s| s.kind() == "expression_statement" && cx.owns_its_lines(*s))?;
    let scope = syntax::enclosing(creation, &["function_definition"])?;
    let mut cancels = Vec::new();
    for (n, _) in syntax::preorder(scope) {
        if n.kind() != "identifier" || cx.text(n) != *name || n.start_byte() < creation.end_byte() {
            continue;
        }
        if is_cancel_statement(n, cx) {
            cancels.push(n.parent()?.parent()?);
            continue;
        }
        let in_wait = group
            .waits
            .iter()
            .any(|w| w.start_byte() <= n.start_byte() && n.end_byte() <= w.end_byte());
        if !in_wait {
            return None;
        }
    }
    let leaves_code = group.waits.iter().all(|w| {
        cx.owns_its_lines(*w)
            && w.parent()
                .is_some_and(|b| syntax::code_children(b).len() > 1)
    });
    if cancels.is_empty() || !leaves_code {
        return None;
    }
    super::task_support::task_creation(call, true, cx)?;
    let start = super::task_support::start_args(call, cx)?;
    Some(CancelledOnly {
        creation,
        start,
        cancels,
    })
}

/// `t = asyncio.create_task(f(x))` (callee `func`) whose handle nothing
/// reads once the statements `gone` have gone: the statement, and how
/// `tg.start_soon` starts the call (`name=` goes along).
fn unread_start<'a>(
    func: &Node<'a>,
    name: &str,
    gone: &[Node],
    cx: &FileContext<'a>,
) -> Option<(Node<'a>, super::task_support::Spawn)> {
    let call = func.parent()?;
    let assign = call.parent().filter(|a| a.kind() == "assignment")?;
    let stmt = assign
        .parent()
        .filter(|s| s.kind() == "expression_statement" && cx.owns_its_lines(*s))?;
    let scope = syntax::enclosing(stmt, &["function_definition"])?;
    let read = syntax::preorder(scope).any(|(n, _)| {
        n.kind() == "identifier"
            && cx.text(n) == name
            && n.start_byte() >= stmt.end_byte()
            && !gone
                .iter()
                .any(|g| g.start_byte() <= n.start_byte() && n.end_byte() <= g.end_byte())
    });
    if read {
        return None;
    }
    super::task_support::task_creation(call, true, cx)?;
    Some((stmt, super::task_support::start_args(call, cx)?))
}

/// The edits that put statements `first` to `last` of one block into
/// `async with anyio.create_task_group() as {tg}:`: the header before
/// `first` and one more indentation level on every later line of the span
/// (see [`deeper`]).
pub(super) fn group_edits(
    tg: &str,
    first: Node,
    last: Node,
    waits: &[Node],
    gone: &[Node],
    cx: &FileContext,
) -> Vec<Edit> {
    let indent = cx.indent_at(first.start_byte());
    let unit = cx.style.indent.as_str();
    let nl = cx.style.newline.as_str();
    let mut edits = vec![Edit::insert(
        first.start_byte(),
        format!("async with anyio.create_task_group() as {tg}:{nl}{indent}{unit}"),
    )];
    edits.extend(deeper(first.start_byte()..last.end_byte(), waits, gone, cx));
    edits
}

/// One more indentation level on every line that starts inside `span`
/// after its first (not lines inside strings, not blank ones, not the lines
/// after the first of `waits`, the statements that become one line, and
/// none of `gone`, the statements deleted with their lines).
pub(super) fn deeper(
    span: std::ops::Range<usize>,
    waits: &[Node],
    gone: &[Node],
    cx: &FileContext,
) -> Vec<Edit> {
    let unit = cx.style.indent.as_str();
    let mut edits = Vec::new();
    let mut pos = span.start;
    while let Some(i) = cx.src[pos..span.end].find('\n') {
        let line_start = pos + i + 1;
        pos = line_start;
        let line = cx.src[line_start..].split('\n').next().unwrap_or("");
        if line.trim().is_empty() || syntax::is_inside_string(&cx.strings, line_start) {
            continue;
        }
        // A wait that replaces a whole statement is one line; a statement
        // that goes keeps none.
        let one_line = |w: &Node| w.start_byte() < line_start && line_start < w.end_byte();
        let goes = |g: &Node| {
            syntax::line_start(cx.src, g.start_byte()) <= line_start && line_start < g.end_byte()
        };
        if waits.iter().any(one_line) || gone.iter().any(goes) {
            continue;
        }
        edits.push(Edit::insert(line_start, unit));
    }
    edits
}

/// The edits of a span moved into a group, made consistent: a statement
/// replaced whole (a multi-line `t = asyncio.create_task(\n f(x))` that
/// becomes `tg.start_soon(f, x)`) takes the deeper indentation of its later
/// lines into its own text, where [`deeper`] inserted it line by line. None
/// when such a statement holds a string over several lines (its text cannot
/// be re-indented without changing the string).
pub(super) fn nest_replacements(edits: Vec<Edit>, cx: &FileContext) -> Option<Vec<Edit>> {
    let unit = cx.style.indent.as_str();
    let within = |e: &Edit, at: usize| e.start < at && at < e.end;
    let (inserts, mut kept): (Vec<Edit>, Vec<Edit>) = edits.iter().cloned().partition(|i| {
        i.start == i.end && i.content == unit && edits.iter().any(|e| within(e, i.start))
    });
    for e in kept
        .iter_mut()
        .filter(|e| inserts.iter().any(|i| within(e, i.start)))
    {
        let multiline_string = cx.src[e.start..e.end]
            .match_indices('\n')
            .any(|(i, _)| syntax::is_inside_string(&cx.strings, e.start + i + 1));
        if multiline_string {
            return None;
        }
        let mut lines = e.content.split('\n');
        let mut text = lines.next().unwrap_or_default().to_string();
        for line in lines {
            text.push('\n');
            if !line.trim().is_empty() {
                text.push_str(unit);
            }
            text.push_str(line);
        }
        e.content = text;
    }
    Some(kept)
}

/// Tasks whose spans overlap, sharing one group.
struct Group<'a> {
    /// The first and last statement of the span (indexes in the block).
    start: usize,
    end: usize,
    /// The `create_task` callees.
    funcs: Vec<Node<'a>>,
    /// Statements that await a task and swallow its cancellation.
    waits: Vec<Node<'a>>,
    /// Calls of an ended task's methods, and the handle's spelling.
    methods: Vec<(Node<'a>, String)>,
    /// Statements that wait for all of the tasks they name (`await
    /// asyncio.wait([a, b])`): the group's end, where they go.
    wait_alls: Vec<Node<'a>>,
    /// The tasks' names.
    names: Vec<&'a str>,
    /// The statement of the last creation.
    last_creation: usize,
    /// A span holds an `asynccontextmanager`'s `yield`.
    across_yield: bool,
    /// A task is cancelled last and not awaited.
    cancelled_last: bool,
}

/// The statements that end the span and only await its tasks (`r = await t`,
/// `total = await a + await b`, `return await t`), from the first of them:
/// their awaits and the awaited names. They go after the group, which has
/// waited for every task, with `t.return_value` for `await t`: awaiting a
/// handle whose task failed raises anyio's `TaskFailed` inside the group, a
/// second error beside the task's own, which `except*` handlers would not
/// catch; after the group only the task's error is raised.
#[allow(clippy::type_complexity)]
fn tail_awaits<'a>(
    group: &Group<'a>,
    stmts: &[Node<'a>],
    cx: &FileContext<'a>,
) -> Option<(usize, Vec<(Node<'a>, &'a str)>)> {
    let is_method = |n: Node| group.methods.iter().any(|(c, _)| c.id() == n.id());
    // A statement of the tail: its awaits (all of the group's handles), when
    // moving it after the group changes nothing another task could see. Its
    // calls (`print(await t)`) then run once every task has ended: in the
    // original that is so only in the span's last statement, and only for
    // calls made after its awaits (`print(...)` around them), so a call
    // anywhere else keeps the statement in the group.
    let handle_awaits = |stmt: Node<'a>, last: bool| -> Option<Vec<(Node<'a>, &'a str)>> {
        if group.wait_alls.iter().any(|w| w.id() == stmt.id()) {
            return waits_for_all(stmt, cx)
                .is_some_and(|names| names.iter().all(|n| group.names.contains(n)))
                .then_some(Vec::new());
        }
        let mut found: Vec<(Node<'a>, &'a str)> = Vec::new();
        let mut calls = Vec::new();
        for (n, _) in syntax::preorder(stmt) {
            if n.kind() == "await" && n.is_named() {
                let arg = n.named_child(0).filter(|a| a.kind() == "identifier")?;
                let name = cx.text(arg);
                group.names.contains(&name).then_some(())?;
                found.push((n, name));
            } else if n.kind() == "call" && !is_method(n) {
                calls.push(n);
            } else if matches!(n.kind(), "yield" | "lambda" | "function_definition") {
                return None;
            }
        }
        let uses_method = group
            .methods
            .iter()
            .any(|(c, _)| stmt.start_byte() <= c.start_byte() && c.end_byte() <= stmt.end_byte());
        let after_awaits = |c: &Node| {
            found.iter().all(|(a, _)| {
                (c.start_byte() <= a.start_byte() && a.end_byte() <= c.end_byte())
                    || a.end_byte() <= c.start_byte()
            })
        };
        if !(calls.is_empty() || last && calls.iter().all(after_awaits)) {
            return None;
        }
        (!found.is_empty() || uses_method).then_some(found)
    };
    let mut k = group.end + 1;
    let mut awaits = Vec::new();
    while k > group.last_creation + 1 {
        let stmt = stmts[k - 1];
        if group.waits.iter().any(|w| w.id() == stmt.id()) {
            break;
        }
        match handle_awaits(stmt, k == group.end + 1) {
            Some(found) => {
                awaits.extend(found);
                k -= 1;
            }
            None => break,
        }
    }
    (k <= group.end).then_some((k, awaits))
}

/// How a task is used after its creation.
struct Uses<'a> {
    /// The index of the last statement that uses it.
    last: usize,
    /// Calls of the task's methods once it has ended (`t.result()`), with
    /// the handle's spelling (`t.return_value`).
    methods: Vec<(Node<'a>, String)>,
    /// Statements that await it and swallow its cancellation (they become
    /// `await t.wait()`).
    waits: Vec<Node<'a>>,
    /// Statements that wait for it and the other tasks they name.
    wait_alls: Vec<Node<'a>>,
    /// The span holds the `yield` of an `asynccontextmanager`.
    across_yield: bool,
    /// Its last use cancels it, and nothing awaits it after.
    cancelled_last: bool,
}

/// The uses of `name` after its creation, when every one (in this block,
/// outside nested functions) is `await name`, `name.cancel()` as a
/// statement, or an await that swallows the task's cancellation (the only
/// kind allowed after a `cancel()`), the last one is an await, and nothing
/// rebinds it; `None` otherwise.
fn awaited_only<'a>(
    name: &str,
    created: usize,
    stmts: &[Node<'a>],
    block: Node<'a>,
    cx: &FileContext<'a>,
) -> Option<Uses<'a>> {
    let mut last = None;
    let mut last_is_await = false;
    let mut cancelled = false;
    let mut first_cancel: Option<usize> = None;
    let mut waits = Vec::new();
    let mut wait_alls = Vec::new();
    let mut methods = Vec::new();
    // The first statement of the block after which the task has ended: by
    // an `await` that returned (so it did not fail and was not cancelled),
    // or by a wait that swallows its cancellation.
    // And after which its `result()` is its return value or raises its error
    // (a wait that does not raise for it).
    let (mut returned_after, mut ended_after, mut collected_after) = (None, None, None);
    for (k, stmt) in stmts.iter().enumerate().skip(created + 1) {
        let (mut returned_here, mut ended_here, mut collected_here) = (false, false, false);
        for (n, _) in syntax::preorder(*stmt) {
            if n.kind() != "identifier" || cx.text(n) != name {
                continue;
            }
            let nested = syntax::enclosing(n, &["function_definition", "lambda"])
                .is_some_and(|f| f.start_byte() > block.start_byte());
            if nested {
                return None;
            }
            let parent = n.parent()?;
            if parent.kind() == "await" {
                match swallowing_wait(parent, cx) {
                    Some(wait) => {
                        ended_here |= wait.id() == stmt.id();
                        waits.push(wait);
                    }
                    // Awaiting a cancelled handle raises anyio's
                    // `TaskCancelled`, not the `CancelledError` asyncio's
                    // task raised into the awaiting code.
                    None if cancelled => return None,
                    // Its error is caught at the `await`; in a group it
                    // would cancel the group first (unowned_task says so).
                    None if caught_at(parent, block, cx).is_some() => return None,
                    None => {
                        returned_here |= !inside_compound(parent, *stmt);
                        ended_here |= returned_here;
                    }
                }
                last_is_await = true;
            } else if let Some(raises) = waited_with_others(n, *stmt, cx) {
                // `gather` raises into the caller a task's cancellation,
                // which the group would not.
                if cancelled && raises {
                    return None;
                }
                if !wait_alls.iter().any(|w: &Node| w.id() == stmt.id()) {
                    wait_alls.push(*stmt);
                }
                ended_here = true;
                returned_here |= raises;
                collected_here = true;
                last_is_await = true;
            } else if is_cancel_statement(n, cx) {
                last_is_await = false;
                cancelled = true;
                // Whether the task could have started before this cancel:
                // a task cancelled before it starts never runs with
                // asyncio, and runs to its first await with anyio.
                if first_cancel.is_none() {
                    first_cancel = Some(n.start_byte());
                }
            } else if let Some(call) = ended_method(
                n,
                [returned_after, ended_after, collected_after].map(|a| a.is_some()),
                cx,
            ) {
                methods.push(call);
            } else {
                return None;
            }
            last = Some(k);
        }
        if returned_here && returned_after.is_none() {
            returned_after = Some(k);
        }
        if ended_here && ended_after.is_none() {
            ended_after = Some(k);
        }
        if (collected_here || returned_here) && collected_after.is_none() {
            collected_after = Some(k);
        }
    }
    // A task whose last use neither awaits nor cancels it was left running.
    // One cancelled last: the group waits for its cancellation to finish,
    // where the original went on at once (said in the report).
    let started_before_cancel =
        first_cancel.is_some_and(|at| may_start_before(stmts[created].end_byte(), at, block));
    // Cancelled before it could start, the task never runs with asyncio;
    // in a task group it would run to its first `await` (unowned_task says so).
    if cancelled && !started_before_cancel {
        return None;
    }
    let cancelled_last = !last_is_await && cancelled;
    if !last_is_await && !cancelled_last {
        return None;
    }
    // Used after the block (e.g. returned at the end of an outer block)?
    let scope = syntax::enclosing(block, &["function_definition"])?;
    // Shared with an enclosing scope, or a `yield` inside the span (a task
    // group cannot stay open across a yield of an async generator).
    let shared = syntax::preorder(scope).any(|(n, _)| {
        matches!(n.kind(), "nonlocal_statement" | "global_statement")
            && syntax::named_children(n)
                .iter()
                .any(|c| cx.text(*c) == name)
    });
    let yields = last.is_some_and(|l| {
        stmts[created..=l]
            .iter()
            .any(|s| syntax::preorder(*s).any(|(n, _)| n.kind() == "yield"))
    });
    // An `asynccontextmanager`'s generator is entered and left by one task,
    // so a group may stay open across its `yield`.
    let across_yield = yields && in_async_context_manager(block, cx);
    if shared || yields && !across_yield {
        return None;
    }
    let outside = syntax::preorder(scope).any(|(n, _)| {
        n.kind() == "identifier"
            && cx.text(n) == name
            && !(block.start_byte() <= n.start_byte() && n.end_byte() <= block.end_byte())
    });
    if outside {
        return None;
    }
    last.map(|last| Uses {
        last,
        methods,
        waits,
        wait_alls,
        across_yield,
        cancelled_last,
    })
}

/// Whether `node` is in a function decorated `@asynccontextmanager`.
fn in_async_context_manager(node: Node, cx: &FileContext) -> bool {
    syntax::enclosing(node, &["function_definition"])
        .and_then(|f| f.parent())
        .filter(|d| d.kind() == "decorated_definition")
        .is_some_and(|d| {
            syntax::named_children(d)
                .into_iter()
                .filter(|c| c.kind() == "decorator")
                .filter_map(|c| c.named_child(0))
                .any(|e| cx.qualified(e).as_deref() == Some("contextlib.asynccontextmanager"))
        })
}

/// Whether something awaits or yields in `block` between byte `from` (the
/// task's creation) and byte `until` (its cancel): the task may have started
/// before it is cancelled.
pub(super) fn may_start_before(from: usize, until: usize, block: Node) -> bool {
    syntax::preorder(block).any(|(n, _)| {
        matches!(n.kind(), "await" | "yield")
            && n.is_named()
            && n.start_byte() >= from
            && n.end_byte() <= until
    })
}

/// The first handler of a `try` inside `block` (the task's block) whose
/// body holds `awaited` (`except LookupError:`), when one catches more than
/// the task's cancellation: the awaiting code handles the task's error. (A
/// `try` around the task's block too gets `except*` handlers instead.)
pub(super) fn caught_at<'a>(
    awaited: Node<'a>,
    block: Node<'a>,
    cx: &FileContext<'a>,
) -> Option<Node<'a>> {
    if swallowing_wait(awaited, cx).is_some() {
        return None;
    }
    let mut child = awaited;
    for p in std::iter::successors(awaited.parent(), |n| n.parent()) {
        if p.id() == block.id() || matches!(p.kind(), "function_definition" | "lambda") {
            return None;
        }
        if p.kind() == "try_statement" && p.child_by_field_name("body") == Some(child) {
            if let Some(h) = syntax::named_children(p)
                .into_iter()
                .find(|c| matches!(c.kind(), "except_clause" | "except_group_clause"))
            {
                return Some(h);
            }
        }
        child = p;
    }
    None
}

/// A statement in `stmt` that leaves the block holding it early: a
/// `return`, or a `break` / `continue` of a loop around the block (not one
/// inside `stmt`), outside nested functions and classes.
fn leaves_early(stmt: Node) -> Option<&'static str> {
    syntax::preorder(stmt).find_map(|(n, _)| {
        let kind = match n.kind() {
            "return_statement" => "return",
            "break_statement" => "break",
            "continue_statement" => "continue",
            _ => return None,
        };
        let mut cur = Some(n);
        while let Some(a) = cur {
            let loops = kind != "return" && matches!(a.kind(), "for_statement" | "while_statement");
            if syntax::is_scope(a) || loops {
                return None;
            }
            if a.id() == stmt.id() {
                break;
            }
            cur = a.parent();
        }
        Some(kind)
    })
}

/// Whether `node` (in statement `stmt`) runs only under a condition or a
/// loop of that statement: an `if`, `for`, `while`, `try`, `with` or `match`
/// between them.
fn inside_compound(node: Node, stmt: Node) -> bool {
    std::iter::successors(node.parent(), |n| n.parent())
        .take_while(|n| n.id() != stmt.id())
        .chain(std::iter::once(stmt))
        .any(|n| {
            matches!(
                n.kind(),
                "if_statement"
                    | "for_statement"
                    | "while_statement"
                    | "try_statement"
                    | "with_statement"
                    | "match_statement"
                    | "conditional_expression"
                    | "boolean_operator"
            )
        })
}

/// `name.result()`, `name.exception()` (once an `await` of the task has
/// returned: it neither failed nor was cancelled, so asyncio's and the
/// handle's agree), `name.result()` also once a wait for all the tasks has
/// (a failed task raised there; its error now leaves the group), or
/// `name.cancelled()` (once the task has ended in any way), as the handle
/// spells it: the call and its replacement.
fn ended_method<'a>(
    name: Node<'a>,
    [returned, ended, collected]: [bool; 3],
    cx: &FileContext<'a>,
) -> Option<(Node<'a>, String)> {
    let attr = name.parent().filter(|a| a.kind() == "attribute")?;
    let call = attr
        .parent()
        .filter(|c| c.kind() == "call" && syntax::is_call_without_arguments(*c))?;
    let method = cx.text(attr.child_by_field_name("attribute")?);
    let handle = cx.text(name);
    let spelled = match method {
        "result" if returned || collected => format!("{handle}.return_value"),
        "exception" if returned => format!("{handle}.exception"),
        "cancelled" if ended => format!("{handle}.status is anyio.TaskHandle.Status.CANCELLED"),
        _ => return None,
    };
    Some((call, spelled))
}

/// When `name` is one of the tasks that statement `stmt` waits for, all of
/// them plain names and no timeout: `await asyncio.wait([a, b])` (any
/// display, `return_when=ALL_COMPLETED` at most) or `await
/// asyncio.gather(a, b)`: whether the wait raises a failed task's error
/// (`gather` without `return_exceptions=True`).
fn waited_with_others(name: Node, stmt: Node, cx: &FileContext) -> Option<bool> {
    let display = name.parent()?;
    let (call, raises) = if matches!(display.kind(), "list" | "tuple" | "set") {
        let call = display.parent()?.parent()?;
        let args = named_children(call.child_by_field_name("arguments")?);
        let fits = cx.callee(call).as_deref() == Some("asyncio.wait")
            && args.first().is_some_and(|a| a.id() == display.id())
            && args[1..]
                .iter()
                .all(|k| super::task_support::is_all_completed(*k, cx));
        (fits.then_some(call)?, false)
    } else if display.kind() == "argument_list" {
        let call = display.parent()?;
        let fits = cx.callee(call).as_deref() == Some("asyncio.gather");
        (fits.then_some(call)?, !returns_exceptions(call, cx)?)
    } else {
        return None;
    };
    let awaited = call.parent().filter(|a| a.kind() == "await")?;
    let statement = awaited
        .parent()
        .filter(|s| s.kind() == "expression_statement" && s.id() == stmt.id())?;
    waits_for_all(statement, cx)?;
    Some(raises)
}

/// The names of the tasks a statement `await asyncio.wait([a, b])` /
/// `await asyncio.gather(a, b)` waits for, when every one is a plain name.
fn waits_for_all<'a>(stmt: Node<'a>, cx: &FileContext<'a>) -> Option<Vec<&'a str>> {
    let call = stmt.named_child(0)?.named_child(0)?;
    let args = named_children(call.child_by_field_name("arguments")?);
    let tasks = match cx.callee(call).as_deref() {
        Some("asyncio.wait") => named_children(*args.first()?),
        Some("asyncio.gather") => args
            .into_iter()
            .filter(|a| a.kind() != "keyword_argument")
            .collect(),
        _ => return None,
    };
    let names: Option<Vec<&str>> = tasks
        .iter()
        .map(|t| (t.kind() == "identifier").then(|| cx.text(*t)))
        .collect();
    names.filter(|n| !n.is_empty())
}

/// Whether `name` (an identifier) is the object of `name.cancel()` as a
/// statement of its own (the handle's `cancel()` returns nothing).
fn is_cancel_statement(name: Node, cx: &FileContext) -> bool {
    let Some(attr) = name.parent().filter(|a| a.kind() == "attribute") else {
        return false;
    };
    let method = attr.child_by_field_name("attribute").map(|m| cx.text(m));
    let call = attr
        .parent()
        .filter(|c| c.kind() == "call" && method == Some("cancel"));
    call.is_some_and(|c| {
        syntax::is_call_without_arguments(c)
            && c.parent()
                .is_some_and(|p| p.kind() == "expression_statement")
    })
}

/// The statement around `await t` that swallows the task's cancellation and
/// nothing else: `try: await t` / `except asyncio.CancelledError: pass` or
/// `with contextlib.suppress(asyncio.CancelledError): await t`.
pub(super) fn swallowing_wait<'a>(awaited: Node<'a>, cx: &FileContext<'a>) -> Option<Node<'a>> {
    let stmt = awaited
        .parent()
        .filter(|p| p.kind() == "expression_statement")?;
    let body = stmt.parent().filter(|b| b.kind() == "block")?;
    if named_children(body).len() != 1 {
        return None;
    }
    let outer = body.parent()?;
    let is_cancel_class = |n: Node| match n.kind() {
        "call" => {
            syntax::is_call_without_arguments(n)
                && cx.callee(n).as_deref() == Some("anyio.get_cancelled_exc_class")
        }
        _ => cx.qualified(n).as_deref() == Some("asyncio.CancelledError"),
    };
    // Comments inside would be lost with the statement.
    if syntax::preorder(outer).any(|(n, _)| n.kind() == "comment") {
        return None;
    }
    match outer.kind() {
        "try_statement" => {
            let parts = named_children(outer);
            let [_, handler] = parts.as_slice() else {
                return None;
            };
            if handler.kind() != "except_clause" {
                return None;
            }
            let inner = named_children(*handler);
            let [class, block] = inner.as_slice() else {
                return None;
            };
            let passes = named_children(*block)
                .iter()
                .all(|s| s.kind() == "pass_statement");
            (is_cancel_class(*class) && passes).then_some(outer)
        }
        "with_statement" => {
            let clause = named_children(outer)
                .into_iter()
                .find(|c| c.kind() == "with_clause")?;
            let items = named_children(clause);
            let [item] = items.as_slice() else {
                return None;
            };
            let call = item.named_child(0).filter(|c| c.kind() == "call")?;
            let suppress = cx.callee(call).as_deref() == Some("contextlib.suppress");
            let args = call.child_by_field_name("arguments")?;
            let classes = named_children(args);
            let async_with = syntax::children(outer)
                .first()
                .is_some_and(|c| c.kind() == "async");
            (suppress && !async_with && classes.len() == 1 && is_cancel_class(classes[0]))
                .then_some(outer)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn a_task_awaited_in_its_block_gets_a_task_group() {
        let src = "import asyncio\n\nasync def main():\n    t = asyncio.create_task(work())\n    await other()\n    await t\n";
        let found = run("AM206", src);
        assert_fixes(
            &found,
            "tasks created and awaited here get a task group as their owner (a failing task now cancels the others, and its error surfaces when the group ends, not at the `await`)",
            // The trailing await goes: the group waited for the task, and
            // nothing reads the handle, so the task just starts.
            "import asyncio\n\nasync def main():\n    async with anyio.create_task_group() as tg:\n        tg.start_soon(work)\n        await other()\n",
            edit::Applicability::Unsafe,
        );
    }

    #[test]
    fn a_handle_still_read_stays_a_handle() {
        let src = "import asyncio\n\nasync def main():\n    t = asyncio.create_task(work(1), name=\"w\")\n    u = asyncio.create_task(work(2))\n    await t\n    print(await u)\n";
        let found = run("AM206", src);
        assert_fixes(
            &found,
            "tasks created and awaited here get a task group as their owner (a failing task now cancels the others, and its error surfaces when the group ends, not at the `await`)",
            "import asyncio\n\nasync def main():\n    async with anyio.create_task_group() as tg:\n        tg.start_soon(work, 1, name=\"w\")\n        u = tg.create_task(work(2))\n    print(u.return_value)\n",
            edit::Applicability::Unsafe,
        );
    }

    #[test]
    fn a_task_never_awaited_is_not_its_own() {
        let src = "import asyncio\n\nasync def main():\n    t = asyncio.create_task(work())\n    return t\n";
        let found = run("AM206", src);
        assert!(found.iter().all(|f| f.fixed.is_none()), "{found:?}");
        assert!(
            found.iter().any(|f| f
                .message
                .contains("`t` is returned: the caller owns the task")),
            "{found:?}"
        );
    }

    #[test]
    fn a_gathered_list_of_tasks_gets_a_task_group() {
        let src = "import asyncio\n\nasync def main(us):\n    tasks = [asyncio.create_task(f(u)) for u in us]\n    return await asyncio.gather(*tasks)\n";
        let found = run("AM206", src);
        assert_eq!(found.len(), 1, "{found:?}");
        let (text, class) = found[0].fixed.clone().expect("a fix");
        assert_eq!(text, "import asyncio\n\nasync def main(us):\n    async with anyio.create_task_group() as tg:\n        tasks = [tg.create_task(f(u)) for u in us]\n    return [task.return_value for task in tasks]\n");
        assert_eq!(class, edit::Applicability::Unsafe);
        // A `list(...)` around the gather goes with it: the results are a list.
        let src = src.replace(
            "return await asyncio.gather(*tasks)",
            "return list(await asyncio.gather(*tasks))",
        );
        assert!(fixed_text(&run("AM206", &src))
            .ends_with("    return [task.return_value for task in tasks]\n"));
    }

    /// The text of the one fix `found` holds.
    fn fixed_text(found: &[Finding]) -> String {
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].fixed.clone().expect("a fix").0
    }

    #[test]
    fn an_ended_task_is_read_through_its_handle() {
        let src = "import asyncio\n\nasync def main():\n    t = asyncio.create_task(work())\n    await t\n    log(t.result(), t.exception())\n";
        assert_eq!(
            fixed_text(&run("AM206", src)),
            "import asyncio\n\nasync def main():\n    async with anyio.create_task_group() as tg:\n        t = tg.create_task(work())\n    log(t.return_value, t.exception)\n"
        );
        let src = "import asyncio\n\nasync def main():\n    u = asyncio.create_task(work())\n    await log()\n    u.cancel()\n    try:\n        await u\n    except asyncio.CancelledError:\n        pass\n    return u.cancelled()\n";
        assert_eq!(
            fixed_text(&run("AM206", src)),
            "import asyncio\n\nasync def main():\n    async with anyio.create_task_group() as tg:\n        u = tg.create_task(work())\n        await log()\n        u.cancel()\n        await u.wait()\n    return u.status is anyio.TaskHandle.Status.CANCELLED\n"
        );
    }

    #[test]
    fn a_result_read_before_the_task_ended_is_not_the_handles() {
        let src = "import asyncio\n\nasync def main(c):\n    t = asyncio.create_task(work())\n    if c:\n        await t\n    log(t.result())\n    await t\n";
        assert!(run("AM206", src).is_empty());
    }

    #[test]
    fn a_call_while_another_task_runs_stays_in_the_group() {
        let src = "import asyncio\n\nasync def main():\n    a = asyncio.create_task(work())\n    b = asyncio.create_task(work())\n    print(await a)\n    print(await b)\n";
        assert_eq!(
            fixed_text(&run("AM206", src)),
            "import asyncio\n\nasync def main():\n    async with anyio.create_task_group() as tg:\n        a = tg.create_task(work())\n        b = tg.create_task(work())\n        print(await a)\n    print(b.return_value)\n"
        );
    }

    #[test]
    fn workers_cancelled_when_done_get_a_cancelled_group() {
        let src = "import asyncio\n\nasync def main(q):\n    tasks = []\n    for i in range(3):\n        task = asyncio.create_task(work(i, q))\n        tasks.append(task)\n    await q.join()\n    for task in tasks:\n        task.cancel()\n    await asyncio.gather(*tasks, return_exceptions=True)\n";
        assert_eq!(
            fixed_text(&run("AM206", src)),
            "import asyncio\n\nasync def main(q):\n    async with anyio.create_task_group() as tg:\n        for i in range(3):\n            tg.start_soon(work, i, q)\n        await q.join()\n        tg.cancel_scope.cancel()\n"
        );
    }
}
