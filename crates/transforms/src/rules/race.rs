//! AM209: tasks raced with `asyncio.wait(..., return_when=FIRST_COMPLETED)`
//! whose losers are then cancelled become a task group in which the first
//! task to finish cancels the others.

use super::task_support::{self, exception_group_handlers, Spawn};
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::{named_children, Node};

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM209";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::name("asyncio.wait")]
}

/// `name = asyncio.create_task(f(x))` (or `ensure_future` of one call) as a
/// statement: the name and the coroutine call.
fn creation<'a>(stmt: Node<'a>, cx: &FileContext<'a>) -> Option<(&'a str, Node<'a>)> {
    let (left, right) = syntax::name_assignment(stmt)?;
    Some((
        cx.text(left),
        task_support::task_creation(right, false, cx)?.1,
    ))
}

/// The race: `done, pending = await asyncio.wait([...],
/// return_when=asyncio.FIRST_COMPLETED)`, the tasks' creations right before
/// it, the loop cancelling `pending` right after it, and an optional wait
/// for the cancelled tasks after that.
struct Race<'a> {
    /// When `asyncio.wait` returns.
    ends: Ends,
    /// Its `timeout=`.
    timeout: Option<Node<'a>>,
    /// The first and last statement the group replaces.
    first: Node<'a>,
    last: Node<'a>,
    /// The coroutine calls, in the order the tasks were created.
    calls: Vec<Node<'a>>,
    /// For tasks made by a list comprehension right before the wait
    /// (`tasks = [asyncio.create_task(f(x)) for x in xs]`), the loop that
    /// starts them: the `for` header and its `if` conditions.
    each: Option<(String, Vec<String>)>,
    /// The names the original binds (tasks, `done`, `pending`, the loop's).
    names: Vec<&'a str>,
}

/// When `asyncio.wait` returns (`return_when=`); the pending tasks are then
/// cancelled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ends {
    /// `FIRST_COMPLETED`: the first to finish ends the race.
    FirstDone,
    /// `FIRST_EXCEPTION`: the first to fail, or all done (a task group
    /// cancels the others when one fails).
    FirstError,
    /// `ALL_COMPLETED` with a `timeout=`: all done, or the deadline.
    AllDone,
}

/// `await asyncio.wait(pending)` or `await asyncio.gather(*pending,
/// return_exceptions=True)` as a statement: waiting for the cancelled
/// tasks to end, which the task group does too.
fn waits_for_cancelled(stmt: Node, pending: &str, cx: &FileContext) -> bool {
    let call = (stmt.kind() == "expression_statement")
        .then(|| stmt.named_child(0))
        .flatten()
        .filter(|a| a.kind() == "await")
        .and_then(|a| a.named_child(0))
        .filter(|c| c.kind() == "call");
    let Some(call) = call else {
        return false;
    };
    let args = syntax::arguments(call);
    match cx.callee(call).as_deref() {
        Some("asyncio.wait") => args.len() == 1 && cx.text(args[0]) == pending,
        Some("asyncio.gather") => {
            args.len() == 2
                && cx.text(args[0]) == format!("*{pending}")
                && task_support::returns_exceptions(call, cx) == Some(true)
        }
        _ => false,
    }
}

/// The race around `wait` (an `asyncio.wait` call), if it has the shape.
fn race<'a>(wait: Node<'a>, cx: &FileContext<'a>) -> Option<Race<'a>> {
    let assign = wait
        .parent()
        .filter(|a| a.kind() == "await")?
        .parent()
        .filter(|a| a.kind() == "assignment")?;
    let stmt = assign
        .parent()
        .filter(|s| s.kind() == "expression_statement")?;
    let block = stmt.parent()?;
    let targets = named_children(assign.child_by_field_name("left")?);
    let [done, pending] = targets.as_slice() else {
        return None;
    };
    if done.kind() != "identifier" || pending.kind() != "identifier" {
        return None;
    }
    // One collection of tasks, then `return_when=` and `timeout=`: the
    // race needs one of them (without, every task has ended and `pending`
    // is empty).
    let args = syntax::arguments(wait);
    let (tasks, keywords) = args.split_first()?;
    let (mut when, mut timeout) = (None, None);
    for kw in keywords {
        let name = kw.child_by_field_name("name").map(|n| cx.text(n));
        let value = kw.child_by_field_name("value")?;
        match name {
            Some("return_when") => when = Some(cx.qualified(value)?),
            Some("timeout") => timeout = Some(value),
            _ => return None,
        }
    }
    let ends = match when.as_deref() {
        Some("asyncio.FIRST_COMPLETED") => Ends::FirstDone,
        Some("asyncio.FIRST_EXCEPTION") => Ends::FirstError,
        Some("asyncio.ALL_COMPLETED") | None if timeout.is_some() => Ends::AllDone,
        _ => return None,
    };
    let stmts = syntax::code_children(block);
    let at = stmts.iter().position(|s| s.id() == stmt.id())?;
    let mut names = vec![cx.text(*done), cx.text(*pending)];
    let mut calls = Vec::new();
    let mut first = at;
    let mut each = None;
    if tasks.kind() == "identifier" {
        // `tasks = [asyncio.create_task(f(x)) for x in xs]` right before.
        first = at.checked_sub(1)?;
        let (name, comp) = syntax::name_assignment(stmts[first])
            .filter(|(_, r)| r.kind() == "list_comprehension")?;
        if cx.text(name) != cx.text(*tasks) {
            return None;
        }
        let (call, header) = comprehension(comp, cx)?;
        names.push(cx.text(name));
        calls.push(call);
        each = Some(header);
    } else if tasks.kind() == "list_comprehension" {
        // `asyncio.wait([asyncio.create_task(f(x)) for x in xs], ...)`.
        let (call, header) = comprehension(*tasks, cx)?;
        calls.push(call);
        each = Some(header);
    } else if !matches!(tasks.kind(), "list" | "set" | "tuple") {
        return None;
    }
    let elements = if each.is_some() {
        Vec::new()
    } else {
        named_children(*tasks)
    };
    if each.is_some() {
        // The comprehension gave the one call its loop starts.
    } else if elements.iter().all(|e| e.kind() == "identifier") {
        // Each task made by one of the statements right before the wait.
        let k = elements.len();
        if k < 2 || at < k {
            return None;
        }
        first = at - k;
        for s in &stmts[first..at] {
            let (name, call) = creation(*s, cx)?;
            if !elements.iter().any(|e| cx.text(*e) == name) || names.contains(&name) {
                return None;
            }
            names.push(name);
            calls.push(call);
        }
    } else {
        // The tasks made in the call: `asyncio.wait([asyncio.create_task(a()), …])`.
        for e in &elements {
            calls.push(task_support::task_creation(*e, false, cx)?.1);
        }
        if calls.len() < 2 {
            return None;
        }
    }
    let cancel = stmts.get(at + 1)?;
    if !task_support::cancels_all(*cancel, cx.text(*pending), cx) {
        return None;
    }
    names.push(cx.text(cancel.child_by_field_name("left")?));
    let mut last = at + 1;
    if stmts
        .get(at + 2)
        .is_some_and(|s| waits_for_cancelled(*s, cx.text(*pending), cx))
    {
        last = at + 2;
    }
    Some(Race {
        ends,
        timeout,
        first: stmts[first],
        last: stmts[last],
        calls,
        names,
        each,
    })
}

/// `[asyncio.create_task(f(x)) for x in xs if c]`: the coroutine call and
/// the loop that starts each task (the `for` header and the conditions).
/// Its loop variables must be used nowhere else in the function, which the
/// `for` statement would rebind.
fn comprehension<'a>(
    comp: Node<'a>,
    cx: &FileContext<'a>,
) -> Option<(Node<'a>, (String, Vec<String>))> {
    let body = comp.child_by_field_name("body")?;
    let call = task_support::task_creation(body, false, cx)?.1;
    let clauses: Vec<Node> = named_children(comp).into_iter().skip(1).collect();
    let [for_in, conditions @ ..] = clauses.as_slice() else {
        return None;
    };
    if for_in.kind() != "for_in_clause"
        || syntax::children(*for_in)
            .iter()
            .any(|c| c.kind() == "async")
        || conditions.iter().any(|c| c.kind() != "if_clause")
    {
        return None;
    }
    let (target, iter) = (
        for_in.child_by_field_name("left")?,
        for_in.child_by_field_name("right")?,
    );
    // The loop's names, used anywhere else in the function, would change.
    let scope = syntax::enclosing(comp, &["function_definition"])?;
    let bound: Vec<&str> = syntax::preorder(target)
        .map(|(n, _)| n)
        .filter(|n| n.kind() == "identifier")
        .map(|n| cx.text(n))
        .collect();
    let used_elsewhere = syntax::preorder(scope).any(|(n, _)| {
        n.kind() == "identifier"
            && bound.contains(&cx.text(n))
            && !(comp.start_byte() <= n.start_byte() && n.end_byte() <= comp.end_byte())
    });
    if used_elsewhere {
        return None;
    }
    let ifs = conditions
        .iter()
        .map(|c| c.named_child(0).map(|e| cx.text(e).to_string()))
        .collect::<Option<Vec<_>>>()?;
    Some((
        call,
        (
            format!("for {} in {}:", cx.text(target), cx.text(iter)),
            ifs,
        ),
    ))
}

/// Whether the race runs inside a loop of its function (`scope`).
fn in_loop(race: &Race, scope: Node) -> bool {
    std::iter::successors(race.first.parent(), |n| n.parent())
        .take_while(|n| n.id() != scope.id())
        .any(|n| matches!(n.kind(), "for_statement" | "while_statement"))
}

/// Whether the function reads one of the race's names (the tasks, `done`,
/// `pending`, the loop's) where the race's binding may reach it: anywhere
/// when the race is inside a loop; otherwise after the race, unless a
/// statement of the race's own block binds the name again first (a second
/// race reusing `done, pending`).
fn names_escape(
    race: &Race,
    scope: Node,
    except: Option<&str>,
    replaced: &[std::ops::Range<usize>],
    cx: &FileContext,
) -> bool {
    let (start, end) = (race.first.start_byte(), race.last.end_byte());
    let block = race.first.parent();
    let looped = in_loop(race, scope);
    let rebinds = |n: Node| {
        let mut target = n;
        while let Some(p) = target
            .parent()
            .filter(|p| matches!(p.kind(), "pattern_list" | "tuple_pattern"))
        {
            target = p;
        }
        let Some(binder) = target.parent().filter(|p| {
            matches!(p.kind(), "assignment" | "for_statement")
                && p.child_by_field_name("left")
                    .is_some_and(|l| l.id() == target.id())
        }) else {
            return false;
        };
        let stmt = if binder.kind() == "assignment" {
            binder.parent()
        } else {
            Some(binder)
        };
        stmt.and_then(|s| s.parent()) == block
    };
    race.names
        .iter()
        .filter(|name| **name != "_" && Some(**name) != except)
        .any(|name| {
            let mut outside = syntax::preorder(scope)
                .map(|(n, _)| n)
                .filter(|n| n.kind() == "identifier" && cx.text(*n) == *name)
                .filter(|n| !(start <= n.start_byte() && n.end_byte() <= end))
                // A read the rewrite replaces has names of its own (`for t in done`).
                .filter(|n| {
                    !replaced
                        .iter()
                        .any(|r| r.start <= n.start_byte() && n.end_byte() <= r.end)
                });
            if looped {
                return outside.next().is_some();
            }
            outside
                .find(|n| n.start_byte() >= end)
                .is_some_and(|n| !rebinds(n))
        })
}

/// How the code after a race reads its winners: the first one's value, or
/// every one's as a list.
#[derive(Clone, Copy)]
enum WinnerRead {
    First,
    All,
}

/// `call` is `obj.result()` for the node `obj`: that call.
fn result_of<'a>(obj: Node<'a>, cx: &FileContext) -> Option<Node<'a>> {
    let attr = obj
        .parent()
        .filter(|a| a.kind() == "attribute" && a.child_by_field_name("object") == Some(obj))?;
    (cx.text(attr.child_by_field_name("attribute")?) == "result")
        .then(|| attr.parent())
        .flatten()
        .filter(|c| c.kind() == "call" && syntax::is_call_without_arguments(*c))
}

/// The call `f(arg)` whose only argument is `arg`, when `f` is spelled `name`.
fn sole_argument_of<'a>(arg: Node<'a>, name: &str, cx: &FileContext) -> Option<Node<'a>> {
    let list = arg
        .parent()
        .filter(|l| l.kind() == "argument_list" && l.named_child_count() == 1)?;
    list.parent().filter(|c| {
        c.kind() == "call"
            && c.child_by_field_name("function")
                .is_some_and(|f| cx.text(f) == name)
    })
}

/// What the use `n` of `done` reads: `done.pop().result()`,
/// `next(iter(done)).result()`, `list(done)[0].result()` (the first
/// winner's value), `[t.result() for t in done]` (every winner's).
fn winner_read(n: Node, cx: &FileContext) -> Option<(std::ops::Range<usize>, WinnerRead)> {
    let parent = n.parent()?;
    // `done.pop()`
    let popped = (parent.kind() == "attribute"
        && parent.child_by_field_name("object") == Some(n)
        && parent
            .child_by_field_name("attribute")
            .is_some_and(|a| cx.text(a) == "pop"))
    .then(|| parent.parent())
    .flatten()
    .filter(|c| c.kind() == "call" && syntax::is_call_without_arguments(*c));
    let next_iter = sole_argument_of(n, "iter", cx).and_then(|i| sole_argument_of(i, "next", cx));
    let first_listed = sole_argument_of(n, "list", cx)
        .and_then(|l| l.parent())
        .filter(|s| {
            s.kind() == "subscript"
                && s.child_by_field_name("subscript")
                    .is_some_and(|i| cx.text(i) == "0")
        });
    if let Some(read) = popped.or(next_iter).or(first_listed) {
        return result_of(read, cx).map(|c| (c.byte_range(), WinnerRead::First));
    }
    // `[t.result() for t in done]`
    let clause = parent;
    let comp = (clause.kind() == "for_in_clause" && clause.child_by_field_name("right") == Some(n))
        .then(|| clause.parent())
        .flatten()
        .filter(|c| c.kind() == "list_comprehension" && c.named_child_count() == 2)?;
    let item = clause
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")?;
    let body = comp.child_by_field_name("body")?;
    let (obj, method) = super::task_support::method_call(body, cx)?;
    (method == "result"
        && syntax::is_call_without_arguments(body)
        && obj.kind() == "identifier"
        && cx.text(obj) == cx.text(item))
    .then(|| (comp.byte_range(), WinnerRead::All))
}

/// The reads of the winners after a `FIRST_COMPLETED` race (not in a
/// loop), when every use of `done` there is one; `None` otherwise.
fn winner_reads(
    race: &Race,
    scope: Node,
    cx: &FileContext,
) -> Option<Vec<(std::ops::Range<usize>, WinnerRead)>> {
    let done = *race.names.first()?;
    let looped = in_loop(race, scope);
    if race.ends != Ends::FirstDone || looped || done == "_" {
        return None;
    }
    let end = race.last.end_byte();
    syntax::preorder(scope)
        .map(|(n, _)| n)
        .filter(|n| n.kind() == "identifier" && cx.text(*n) == done && n.start_byte() >= end)
        .map(|n| {
            (syntax::enclosing(n, &["function_definition", "lambda"]) == Some(scope))
                .then(|| winner_read(n, cx))
                .flatten()
        })
        .collect()
}

/// How the wait is spelled, for the messages.
fn spelled(race: &Race) -> &'static str {
    match (race.ends, race.timeout.is_some()) {
        (Ends::FirstDone, false) => "asyncio.wait(..., return_when=FIRST_COMPLETED)",
        (Ends::FirstDone, true) => "asyncio.wait(..., return_when=FIRST_COMPLETED, timeout=...)",
        (Ends::FirstError, false) => "asyncio.wait(..., return_when=FIRST_EXCEPTION)",
        (Ends::FirstError, true) => "asyncio.wait(..., return_when=FIRST_EXCEPTION, timeout=...)",
        (Ends::AllDone, _) => "asyncio.wait(..., timeout=...)",
    }
}

/// The message of a rewrite.
fn message(race: &Race, cx: &FileContext) -> String {
    let group = match race.ends {
        Ends::FirstDone => "a task group whose first finisher cancels the others",
        Ends::FirstError | Ends::AllDone => "a task group",
    };
    let deadline = race
        .timeout
        .map(|t| format!(", inside `anyio.move_on_after({})`", cx.text(t)))
        .unwrap_or_default();
    format!(
        "tasks waited for with `{}`, the rest then cancelled, get {group}{deadline} (a failing task now raises its error out of the group, and the group waits for the cancelled tasks to end)",
        spelled(race)
    )
}

/// The start of a message saying the site is left to a person.
fn cannot(race: &Race) -> String {
    format!(
        "tasks waited for with `{}` cannot get a task group automatically",
        spelled(race)
    )
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    for wait in cx.nodes_ending_in("call", "wait") {
        if cx.callee(wait).as_deref() != Some("asyncio.wait") {
            continue;
        }
        let Some(race) = race(wait, cx) else { continue };
        let Some(scope) = syntax::enclosing(wait, &["function_definition"]) else {
            continue;
        };
        let (first, last) = (race.first, race.last);
        // The winners read after the race (`done.pop().result()`): the
        // jobs' values, kept by the one that cancels the group.
        let reads = winner_reads(&race, scope, cx).filter(|r| !r.is_empty());
        let done = reads.as_ref().map(|_| race.names[0]);
        let replaced: Vec<std::ops::Range<usize>> =
            reads.iter().flatten().map(|(r, _)| r.clone()).collect();
        if names_escape(&race, scope, done, &replaced, cx)
            || !cx.owns_its_lines(first)
            || !cx.owns_its_lines(last)
        {
            continue;
        }
        let diag = Diagnostic::new(CODE, message(&race, cx), wait.byte_range());
        let spawns: Option<Vec<Spawn>> = race
            .calls
            .iter()
            .map(|c| task_support::spawn(*c, cx))
            .collect();
        let Some(spawns) = spawns else {
            out.push(Diagnostic {
                message: format!(
                    "{}: a task does not run a plain coroutine call",
                    cannot(&race)
                ),
                ..diag
            });
            continue;
        };
        let handlers = match exception_group_handlers(first, cx) {
            Ok(edits) => edits,
            Err(why) => {
                out.push(Diagnostic {
                    message: format!("{}: {why}", cannot(&race)),
                    ..diag
                });
                continue;
            }
        };
        let span = first.start_byte()..last.end_byte();
        let tg = cx.fresh_name_over(first, span.clone(), "tg", &[]);
        let helper = cx.fresh_name_over(
            first,
            span.clone(),
            "run_then_cancel",
            std::slice::from_ref(&tg),
        );
        // Under `move_on_after` for a `timeout=`; a local function that
        // cancels the group after its job for `FIRST_COMPLETED`.
        let level = usize::from(race.timeout.is_some());
        let mut lines = Vec::new();
        let results = reads.as_ref().map(|_| {
            cx.fresh_name_over(
                first,
                span.clone(),
                "results",
                &[tg.clone(), helper.clone()],
            )
        });
        if let Some(r) = &results {
            lines.push((0, format!("{r} = []")));
        }
        if let Some(t) = race.timeout {
            lines.push((0, format!("with anyio.move_on_after({}):", cx.text(t))));
        }
        lines.push((
            level,
            format!("async with anyio.create_task_group() as {tg}:"),
        ));
        if race.ends == Ends::FirstDone {
            lines.extend([
                (0, String::new()),
                (level + 1, format!("async def {helper}(func, *args):")),
                (
                    level + 2,
                    match &results {
                        Some(r) => format!("{r}.append(await func(*args))"),
                        None => "await func(*args)".to_string(),
                    },
                ),
                (level + 2, format!("{tg}.cancel_scope.cancel()")),
                (0, String::new()),
            ]);
        }
        // A comprehension's tasks start in its loop.
        let mut at = level + 1;
        if let Some((header, ifs)) = &race.each {
            lines.push((at, header.clone()));
            at += 1;
            for cond in ifs {
                lines.push((at, format!("if {cond}:")));
                at += 1;
            }
        }
        for spawn in &spawns {
            let args = match race.ends {
                Ends::FirstDone => format!("{helper}, {}", spawn.args),
                _ => spawn.args.clone(),
            };
            lines.push((at, format!("{tg}.start_soon({args})")));
        }
        let indent = cx.indent_at(first.start_byte());
        let mut edits = vec![Edit::replace(
            span.clone(),
            task_support::block(&lines, indent, cx),
        )];
        edits.extend(handlers);
        if let (Some(reads), Some(r)) = (&reads, &results) {
            for (range, read) in reads {
                let text = match read {
                    WinnerRead::First => format!("{r}[0]"),
                    WinnerRead::All => r.clone(),
                };
                edits.push(Edit::replace(range.clone(), text));
            }
        }
        let functools = spawns.iter().any(|s| s.needs_functools);
        let mut diag = diag;
        if let Some(r) = &results {
            diag.message.pop();
            diag.message.push_str(&format!(
                "; the winners read after it are the values the jobs keep in `{r}`)"
            ));
        }
        if cx.edits_drop_comment(&edits) {
            diag.message.push_str(crate::DROPS_COMMENT);
        }
        out.push(
            diag.with_fix(
                Fix::new(edits, Applicability::Unsafe)
                    .with_imports(task_support::anyio_imports(functools))
                    .with_scope(span),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    const RACE: &str = "import asyncio\n\n\nasync def serve(ws):\n    consumer = asyncio.create_task(consume(ws))\n    producer = asyncio.create_task(produce(ws, limit=3))\n    done, pending = await asyncio.wait(\n        [consumer, producer], return_when=asyncio.FIRST_COMPLETED\n    )\n    for task in pending:\n        task.cancel()\n    print(\"closed\")\n";

    #[test]
    fn the_first_finisher_cancels_the_group() {
        let found = run("AM209", RACE);
        let fixed = RACE
            .replace(
                "    consumer = asyncio.create_task(consume(ws))\n    producer = asyncio.create_task(produce(ws, limit=3))\n    done, pending = await asyncio.wait(\n        [consumer, producer], return_when=asyncio.FIRST_COMPLETED\n    )\n    for task in pending:\n        task.cancel()\n",
                "    async with anyio.create_task_group() as tg:\n\n        async def run_then_cancel(func, *args):\n            await func(*args)\n            tg.cancel_scope.cancel()\n\n        tg.start_soon(run_then_cancel, consume, ws)\n        tg.start_soon(run_then_cancel, functools.partial(produce, ws, limit=3))\n",
            );
        assert_fixes(
            &found,
            "tasks waited for with `asyncio.wait(..., return_when=FIRST_COMPLETED)`, the rest then cancelled, get a task group whose first finisher cancels the others (a failing task now raises its error out of the group, and the group waits for the cancelled tasks to end)",
            &fixed,
            edit::Applicability::Unsafe,
        );
    }

    #[test]
    fn a_deadline_is_a_move_on_scope_around_the_group() {
        let src = "import asyncio\n\n\nasync def poll(a, b):\n    done, pending = await asyncio.wait(\n        [asyncio.create_task(ask(a)), asyncio.create_task(ask(b))], timeout=2\n    )\n    for t in pending:\n        t.cancel()\n";
        let found = run("AM209", src);
        let fixed = "import asyncio\n\n\nasync def poll(a, b):\n    with anyio.move_on_after(2):\n        async with anyio.create_task_group() as tg:\n            tg.start_soon(ask, a)\n            tg.start_soon(ask, b)\n";
        assert_fixes(
            &found,
            "tasks waited for with `asyncio.wait(..., timeout=...)`, the rest then cancelled, get a task group, inside `anyio.move_on_after(2)` (a failing task now raises its error out of the group, and the group waits for the cancelled tasks to end)",
            fixed,
            edit::Applicability::Unsafe,
        );
    }

    #[test]
    fn a_race_whose_results_are_read_is_left_alone() {
        let src = RACE.replace("print(\"closed\")", "print(done)");
        assert!(run("AM209", &src).is_empty());
    }
}
