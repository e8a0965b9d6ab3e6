//! AM210: a task an async context manager starts in `__aenter__` and
//! cancels in `__aexit__` becomes a task group the object enters and exits
//! there.

use super::create_task_await::swallowing_wait;
use super::task_support;
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::Node;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM210";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![
        Trigger::name("asyncio.create_task"),
        Trigger::name("asyncio.ensure_future"),
    ]
}

/// The method `def` around `node`, its class, its name and the name of its
/// first parameter (`self`), when no other function or lambda is in between.
#[allow(clippy::type_complexity)]
fn method<'a>(
    node: Node<'a>,
    cx: &FileContext<'a>,
) -> Option<(Node<'a>, Node<'a>, &'a str, &'a str)> {
    let (def, class, me) = cx.method_of(node)?;
    let nearest = syntax::enclosing(node, &["function_definition", "lambda", "class_definition"]);
    (nearest == Some(def)).then_some(())?;
    Some((def, class, cx.text(def.child_by_field_name("name")?), me))
}

/// The methods of `class` by name (`async def` or not).
fn methods<'a>(class: Node<'a>, cx: &FileContext<'a>) -> Vec<(&'a str, Node<'a>)> {
    let Some(body) = class.child_by_field_name("body") else {
        return Vec::new();
    };
    syntax::code_children(body)
        .into_iter()
        .filter_map(|s| {
            let def = match s.kind() {
                "decorated_definition" => s.child_by_field_name("definition")?,
                _ => s,
            };
            (def.kind() == "function_definition")
                .then(|| Some((cx.text(def.child_by_field_name("name")?), def)))?
        })
        .collect()
}

/// `self.ATTR = <create>` (a call of `asyncio.create_task` or
/// `ensure_future`) as a statement of a method: the statement, the attribute, `self`, the method
/// and its class, and the coroutine call when it is one plain call.
struct Start<'a> {
    stmt: Node<'a>,
    attr: &'a str,
    me: &'a str,
    call: Option<Node<'a>>,
    def: Node<'a>,
    method: &'a str,
    class: Node<'a>,
}

fn start<'a>(create: Node<'a>, cx: &FileContext<'a>) -> Option<Start<'a>> {
    let call = task_support::task_creation(create, false, cx).map(|(_, call)| call);
    let assign = create
        .parent()
        .filter(|a| a.kind() == "assignment" && a.child_by_field_name("type").is_none())?;
    let stmt = assign
        .parent()
        .filter(|s| s.kind() == "expression_statement")?;
    let (def, class, method, me) = method(stmt, cx)?;
    let left = assign
        .child_by_field_name("left")
        .filter(|l| l.kind() == "attribute")?;
    let owner = left.child_by_field_name("object")?;
    let attr = cx.text(left.child_by_field_name("attribute")?);
    (cx.text(owner) == me).then_some(Start {
        stmt,
        attr,
        me,
        call,
        def,
        method,
        class,
    })
}

/// Every `X.ATTR` in the class (what the object does with the task).
fn uses<'a>(class: Node<'a>, attr: &str, cx: &FileContext<'a>) -> Vec<Node<'a>> {
    syntax::preorder(class)
        .map(|(n, _)| n)
        .filter(|n| {
            n.kind() == "attribute"
                && n.child_by_field_name("attribute")
                    .is_some_and(|a| cx.text(a) == attr)
        })
        .collect()
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    let calls = ["asyncio.create_task", "asyncio.ensure_future"]
        .iter()
        .flat_map(|name| cx.calls_to(name));
    for create in calls {
        if let Some(start) = start(create, cx) {
            let diag = rewrite(&start, cx).unwrap_or_else(|| lifecycle(&start, cx));
            out.push(diag.superseding("AM901"));
        } else if let Some(diag) = kept_in_set(create, cx) {
            out.push(diag.superseding("AM901"));
        }
    }
}

/// The report for a task a method adds to a set on the object
/// (`self._tasks.add(asyncio.create_task(...))`, or `t = ...` then
/// `self._tasks.add(t)`): the methods that start such tasks and those that
/// cancel the set's tasks (`for t in self._tasks: t.cancel()`), and the
/// owner the tasks need.
fn kept_in_set<'a>(create: Node<'a>, cx: &FileContext<'a>) -> Option<Diagnostic> {
    // `X.add(<create>)`, or `t = <create>` followed in its block by `X.add(t)`.
    let added_to = |arg: &str, stmt: Node<'a>| -> Option<Node<'a>> {
        let call = stmt
            .named_child(0)
            .filter(|c| stmt.kind() == "expression_statement" && c.kind() == "call")?;
        let f = call
            .child_by_field_name("function")
            .filter(|f| f.kind() == "attribute")?;
        let args = syntax::named_children(call.child_by_field_name("arguments")?);
        (f.child_by_field_name("attribute")
            .is_some_and(|a| cx.text(a) == "add")
            && args.len() == 1
            && cx.text(args[0]) == arg)
            .then(|| f.child_by_field_name("object"))?
    };
    let (stmt, set) = match create.parent() {
        Some(args) if args.kind() == "argument_list" => {
            let stmt = args.parent()?.parent()?;
            (stmt, added_to(cx.text(create), stmt)?)
        }
        Some(assign) if assign.kind() == "assignment" => {
            let name = assign
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier")
                .map(|l| cx.text(l))?;
            let stmt = assign
                .parent()
                .filter(|s| s.kind() == "expression_statement")?;
            let set = std::iter::successors(stmt.next_named_sibling(), |s| s.next_named_sibling())
                .find_map(|s| added_to(name, s))?;
            (stmt, set)
        }
        _ => return None,
    };
    let (_, class, method_name, me) = method(stmt, cx)?;
    let attr = set
        .child_by_field_name("attribute")
        .filter(|_| set.kind() == "attribute")?;
    if set.child_by_field_name("object").map(|o| cx.text(o)) != Some(me) {
        return None;
    }
    let tasks = format!("{me}.{}", cx.text(attr));
    // A loop over the set (or a copy of it) that cancels each task.
    let cancels = |def: Node| {
        syntax::preorder(def).any(|(n, _)| {
            n.kind() == "for_statement"
                && n.child_by_field_name("right")
                    .is_some_and(|r| cx.text(r).contains(&tasks))
                && n.child_by_field_name("left").is_some_and(|var| {
                    let cancel = format!("{}.cancel", cx.text(var));
                    n.child_by_field_name("body")
                        .is_some_and(|b| calls(b, &cancel, cx))
                })
        })
    };
    let stops: Vec<String> = methods(class, cx)
        .into_iter()
        .filter(|(_, def)| cancels(*def))
        .map(|(name, _)| method_ref(name))
        .collect();
    let what = format!(
        "`{tasks}`, a set of tasks started in {}",
        method_ref(method_name)
    );
    let tg = format!("{me}._task_group");
    let class = class_name(class, cx);
    let (message, hint) = if stops.is_empty() {
        (
            format!("{what} that nothing in the class cancels: the tasks need an owner that outlives them"),
            format!("start them in a task group their owner keeps open for as long as the work runs (an application-scoped group entered at start-up and passed in, `{class}(tg)`): `tg.start_soon(func, *args)`; the set and its `add_done_callback(discard)` go"),
        )
    } else {
        let stops = stops.join(" and ");
        (
            format!("{what} and cancelled in {stops}: the object needs a task group that lives from its start to {stops}"),
            format!("where the object starts: `{tg} = anyio.create_task_group()` and `await {tg}.__aenter__()`; in {}: `{tg}.start_soon(func, *args)`; in {stops}: `{tg}.cancel_scope.cancel()` and `await {tg}.__aexit__(None, None, None)`, in the task that entered it, or start the jobs in a task group the caller passes in (`{class}(tg)`); the set and its `add_done_callback(discard)` go", method_ref(method_name)),
        )
    };
    Some(Diagnostic::new(CODE, message, stmt.byte_range()).with_hint(hint))
}

/// The report for a task kept on the object that the rewrite does not
/// take: where the object starts it and where it cancels it, and the owner
/// it needs there.
fn lifecycle(start: &Start, cx: &FileContext) -> Diagnostic {
    let (me, attr) = (start.me, start.attr);
    let task = format!("{me}.{attr}");
    let cancel = format!("{task}.cancel");
    // The methods that cancel the task, and those that wait for it to end
    // (`await self._task`, after setting an event the job watches).
    let (mut stops, mut waits): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for (name, def) in methods(start.class, cx) {
        let cancels = calls(def, &cancel, cx);
        let awaits = syntax::preorder(def).any(|(n, _)| {
            n.kind() == "await" && n.named_child(0).is_some_and(|a| cx.text(a) == task)
        });
        if cancels && !stops.contains(&name) {
            stops.push(name);
        } else if awaits && !waits.contains(&name) {
            waits.push(name);
        }
    }
    let what = format!("`{task}`, a task started in {}", method_ref(start.method));
    let tg = format!("{me}._task_group");
    let class = class_name(start.class, cx);
    let join = |names: &[&str]| {
        names
            .iter()
            .map(|s| method_ref(s))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let enter = format!(
        "in {}: `{tg} = anyio.create_task_group()`, `await {tg}.__aenter__()`, `{tg}.start_soon(func, *args)`",
        method_ref(start.method)
    );
    let (message, hint) = if !stops.is_empty() {
        let stops = join(&stops);
        (
            format!("{what} and cancelled in {stops}: the object needs a task group that lives from one to the other"),
            format!("{enter}; in {stops}: `{tg}.cancel_scope.cancel()`, `await {tg}.__aexit__(None, None, None)`; both must run in the same task, so when they may not, start the job in a task group the caller passes in (`{class}(tg)`)"),
        )
    } else if !waits.is_empty() {
        let waits = join(&waits);
        (
            format!("{what} and awaited in {waits}: the object needs a task group that lives from one to the other"),
            format!("{enter}; in {waits}, where it awaited the task: `await {tg}.__aexit__(None, None, None)`, which waits for the job; both must run in the same task, so when they may not, start the job in a task group the caller passes in (`{class}(tg)`)"),
        )
    } else {
        (
            format!("{what} that nothing in the class cancels or awaits: it needs an owner that outlives it"),
            format!("start it in a task group its owner keeps open for as long as the work runs (an application-scoped group entered at start-up and passed in, `{class}(tg)`): `tg.start_soon(func, *args)`; a cancel scope of its own stops it early"),
        )
    };
    Diagnostic::new(CODE, message, start.stmt.byte_range()).with_hint(hint)
}

/// Whether `node` holds a call of the function spelled `function`
/// (`self._task.cancel`).
fn calls(node: Node, function: &str, cx: &FileContext) -> bool {
    syntax::preorder(node).any(|(n, _)| {
        n.kind() == "call"
            && n.child_by_field_name("function")
                .is_some_and(|f| cx.text(f) == function)
    })
}

/// A method as messages name it: `__aenter__`, `start()`.
fn method_ref(name: &str) -> String {
    if name.starts_with("__") && name.ends_with("__") {
        format!("`{name}`")
    } else {
        format!("`{name}()`")
    }
}

/// The name of a class, for the examples in a hint.
fn class_name<'a>(class: Node<'a>, cx: &FileContext<'a>) -> &'a str {
    class
        .child_by_field_name("name")
        .map_or("Service", |n| cx.text(n))
}

/// The rewrite of one start, or a report saying why it cannot be made;
/// `None` when the task is not started in `__aenter__` or the class has no
/// `__aexit__` that cancels it ([`lifecycle`] reports it then).
fn rewrite(start: &Start, cx: &FileContext) -> Option<Diagnostic> {
    let (me, attr) = (start.me, start.attr);
    let body = start.def.child_by_field_name("body")?;
    if start.method != "__aenter__"
        || !syntax::is_async_def(start.def)
        || start.stmt.parent() != Some(body)
    {
        return None;
    }
    let methods = methods(start.class, cx);
    let (_, exit) = methods.iter().find(|(n, _)| *n == "__aexit__")?;
    let exit_body = exit.child_by_field_name("body")?;
    // `self.ATTR.cancel()` as a statement of `__aexit__`'s own body.
    let cancel = syntax::code_children(exit_body)
        .into_iter()
        .find(|s| cx.text(*s) == format!("{me}.{attr}.cancel()"))?;
    let diag = |message: String| Diagnostic::new(CODE, message, start.stmt.byte_range());
    let what =
        format!("`{me}.{attr}`, a task started in `__aenter__` and cancelled in `__aexit__`");
    if !syntax::is_async_def(*exit) {
        return None;
    }
    // Then, maybe, a wait that swallows its cancellation.
    let after: Vec<Node> = syntax::code_children(exit_body)
        .into_iter()
        .skip_while(|s| s.id() != cancel.id())
        .skip(1)
        .collect();
    let wait = after.first().copied().filter(|s| {
        syntax::preorder(*s).any(|(n, _)| {
            n.kind() == "await"
                && n.named_child(0)
                    .is_some_and(|a| cx.text(a) == format!("{me}.{attr}"))
                && swallowing_wait(n, cx).is_some_and(|w| w.id() == s.id())
        })
    });
    // Nothing else reads the task: its other uses are the start, the
    // cancel, the wait and a `self.ATTR = None` in `__init__`.
    let reset_in_init = |n: Node| {
        method(n, cx).is_some_and(|(_, _, name, _)| name == "__init__")
            && n.parent().is_some_and(|a| {
                a.kind() == "assignment"
                    && a.child_by_field_name("right")
                        .is_some_and(|r| cx.text(r) == "None")
                    && a.parent()
                        .is_some_and(|s| s.kind() == "expression_statement")
            })
    };
    let within =
        |n: Node, s: Node| s.start_byte() <= n.start_byte() && n.end_byte() <= s.end_byte();
    // `self.ATTR is None` / `is not None`: the group is set where the task
    // was, so the test reads the same of it.
    let none_test = |n: Node| {
        n.parent().is_some_and(|c| {
            c.kind() == "comparison_operator"
                && syntax::named_children(c).len() == 2
                && syntax::named_children(c).iter().any(|o| o.kind() == "none")
                && cx.text(c).contains(" is ")
        })
    };
    let mut resets = Vec::new();
    // Annotations of `self.ATTR: asyncio.Task | None = None` name the group's type.
    let mut annotations = Vec::new();
    for n in uses(start.class, attr, cx) {
        if within(n, start.stmt) || within(n, cancel) || wait.is_some_and(|w| within(n, w)) {
            continue;
        }
        if reset_in_init(n) {
            resets.push(n.child_by_field_name("attribute")?);
            annotations.extend(n.parent().and_then(|a| a.child_by_field_name("type")));
            continue;
        }
        if none_test(n) {
            resets.push(n.child_by_field_name("attribute")?);
            continue;
        }
        let place = method(n, cx).map_or("the class body".to_string(), |(_, _, name, _)| {
            method_ref(name)
        });
        return Some(diag(format!("{what}, is also used in {place}: give the object a task group by hand (`async with` around the object's work, or one entered in `__aenter__` and exited in `__aexit__`)")));
    }
    if !attr.starts_with('_') {
        return Some(diag(format!("{what}, is a public attribute that code elsewhere may read: give the object a task group by hand")));
    }
    let Some(spawn) = start.call.and_then(|call| task_support::spawn(call, cx)) else {
        return Some(diag(format!(
            "{what}, does not run a plain coroutine call: give the object a task group by hand"
        )));
    };
    let others: Vec<&str> = ["_task_group", "_tg"]
        .into_iter()
        .filter(|name| !uses(start.class, name, cx).is_empty())
        .collect();
    let group = match others.as_slice() {
        [] => "_task_group",
        [only] if *only == "_tg" => "_task_group",
        [only] if *only == "_task_group" => "_tg",
        _ => return Some(diag(format!("{what}: the class already uses `_task_group` and `_tg`; give the object a task group by hand"))),
    };
    let tg = format!("{me}.{group}");
    let nl = cx.style.newline.as_str();
    let enter_indent = cx.indent_at(start.stmt.start_byte());
    let exit_indent = cx.indent_at(cancel.start_byte());
    let mut edits = vec![
        Edit::replace(
            start.stmt.byte_range(),
            [
                format!("{tg} = anyio.create_task_group()"),
                format!("await {tg}.__aenter__()"),
                format!("{tg}.start_soon({})", spawn.args),
            ]
            .join(&format!("{nl}{enter_indent}")),
        ),
        Edit::replace(
            cancel.start_byte()..wait.unwrap_or(cancel).end_byte(),
            [
                format!("{tg}.cancel_scope.cancel()"),
                format!("await {tg}.__aexit__(None, None, None)"),
            ]
            .join(&format!("{nl}{exit_indent}")),
        ),
    ];
    edits.extend(leave_on_error(start, body, &tg, cx));
    // `self._task = None` in `__init__` names the group instead.
    edits.extend(
        resets
            .into_iter()
            .map(|r| Edit::replace(r.byte_range(), group)),
    );
    edits.extend(
        annotations
            .into_iter()
            .map(|a| Edit::replace(a.byte_range(), "anyio.abc.TaskGroup | None")),
    );
    let drops = if cx.edits_drop_comment(&edits) {
        crate::DROPS_COMMENT
    } else {
        ""
    };
    Some(
        diag(format!("{what}, becomes a task group the object enters in `__aenter__` and exits in `__aexit__` (the object must be entered and exited in the same task: `async with` does, a pytest-asyncio fixture that yields inside it does not; an error in the task now cancels the code inside `async with` and is raised when it exits){drops}"))
            .with_fix(
                Fix::new(edits, Applicability::Unsafe)
                    .with_imports(task_support::anyio_imports(spawn.needs_functools)),
            ),
    )
}

/// When the code of `__aenter__` after the task's start may raise, it goes
/// into a `try` whose handler leaves the group before the error goes on:
/// `__aexit__` is not called when `__aenter__` fails, and a group left
/// entered breaks the caller's task (trio: "Nursery stack corrupted"). The
/// handler re-raises the error itself, as asyncio did, not in a group.
fn leave_on_error(start: &Start, body: Node, tg: &str, cx: &FileContext) -> Vec<Edit> {
    let mut rest: Vec<Node> = syntax::code_children(body)
        .into_iter()
        .skip_while(|s| s.id() != start.stmt.id())
        .skip(1)
        .collect();
    // `return self` at the end cannot fail.
    if rest.last().is_some_and(|r| {
        r.kind() == "return_statement"
            && r.named_child(0)
                .is_none_or(|v| matches!(v.kind(), "identifier" | "none"))
    }) {
        rest.pop();
    }
    let may_raise = rest.iter().any(|st| {
        syntax::preorder(*st).any(|(n, _)| {
            matches!(
                n.kind(),
                "await" | "call" | "raise_statement" | "assert_statement" | "subscript"
            )
        })
    });
    let (Some(first), Some(last)) = (rest.first(), rest.last()) else {
        return Vec::new();
    };
    if !may_raise {
        return Vec::new();
    }
    let indent = cx.indent_at(first.start_byte());
    let unit = cx.style.indent.as_str();
    let nl = cx.style.newline.as_str();
    let mut edits = vec![Edit::insert(
        first.start_byte(),
        format!("try:{nl}{indent}{unit}"),
    )];
    edits.extend(super::create_task_await::deeper(
        first.start_byte()..last.end_byte(),
        &[],
        &[],
        cx,
    ));
    edits.push(Edit::insert(
        last.end_byte(),
        [
            format!("{nl}{indent}except BaseException:"),
            format!("{unit}{tg}.cancel_scope.cancel()"),
            format!("{unit}await {tg}.__aexit__(None, None, None)"),
            format!("{unit}raise"),
        ]
        .join(&format!("{nl}{indent}")),
    ));
    edits
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    const WORKER: &str = "import asyncio\n\n\nclass Worker:\n    def __init__(self):\n        self._task = None\n\n    async def __aenter__(self):\n        self._task = asyncio.create_task(self._run(1))\n        return self\n\n    async def __aexit__(self, *exc_info):\n        self._task.cancel()\n        try:\n            await self._task\n        except asyncio.CancelledError:\n            pass\n\n    async def _run(self, n):\n        await asyncio.sleep(n)\n";

    #[test]
    fn the_object_enters_and_exits_a_task_group() {
        let found = run("AM210", WORKER);
        assert_eq!(found.len(), 1, "{found:?}");
        let (text, class) = found[0].fixed.clone().expect("a fix");
        assert_eq!(class, edit::Applicability::Unsafe);
        assert_eq!(
            text,
            "import asyncio\n\n\nclass Worker:\n    def __init__(self):\n        self._task_group = None\n\n    async def __aenter__(self):\n        self._task_group = anyio.create_task_group()\n        await self._task_group.__aenter__()\n        self._task_group.start_soon(self._run, 1)\n        return self\n\n    async def __aexit__(self, *exc_info):\n        self._task_group.cancel_scope.cancel()\n        await self._task_group.__aexit__(None, None, None)\n\n    async def _run(self, n):\n        await asyncio.sleep(n)\n"
        );
    }

    #[test]
    fn a_task_read_elsewhere_is_reported() {
        let src = WORKER.replace(
            "        return self\n",
            "        return self\n\n    def running(self):\n        return not self._task.done()\n",
        );
        let found = run("AM210", &src);
        assert_reports(&found, "`self._task`, a task started in `__aenter__` and cancelled in `__aexit__`, is also used in `running()`: give the object a task group by hand (`async with` around the object's work, or one entered in `__aenter__` and exited in `__aexit__`)");
    }

    #[test]
    fn a_task_started_and_stopped_in_other_methods_is_reported_with_both() {
        let src = WORKER
            .replace("async def __aenter__(self)", "async def start(self)")
            .replace(
                "async def __aexit__(self, *exc_info)",
                "async def stop(self)",
            );
        let found = run("AM210", &src);
        assert_reports(&found, "`self._task`, a task started in `start()` and cancelled in `stop()`: the object needs a task group that lives from one to the other");
        assert!(
            found[0].hint.as_deref().is_some_and(|h| h
                .contains("in `stop()`: `self._task_group.cancel_scope.cancel()`")
                && h.contains("`Worker(tg)`")),
            "{found:?}"
        );
    }

    #[test]
    fn a_task_only_awaited_or_left_alone_is_reported_with_its_start() {
        let src = WORKER.replace("        self._task.cancel()\n", "");
        let found = run("AM210", &src);
        assert_reports(&found, "`self._task`, a task started in `__aenter__` and awaited in `__aexit__`: the object needs a task group that lives from one to the other");
        let src = src.replace("            await self._task\n", "            pass\n");
        let found = run("AM210", &src);
        assert_reports(&found, "`self._task`, a task started in `__aenter__` that nothing in the class cancels or awaits: it needs an owner that outlives it");
    }

    #[test]
    fn tasks_kept_in_a_set_are_reported_with_where_they_start_and_stop() {
        let src = "import asyncio\n\n\nclass Pool:\n    def __init__(self):\n        self._tasks = set()\n\n    def spawn(self, n):\n        task = asyncio.create_task(work(n))\n        self._tasks.add(task)\n        task.add_done_callback(self._tasks.discard)\n\n    async def close(self):\n        for task in list(self._tasks):\n            task.cancel()\n";
        let found = run("AM210", src);
        assert_reports(&found, "`self._tasks`, a set of tasks started in `spawn()` and cancelled in `close()`: the object needs a task group that lives from its start to `close()`");
        let src = src.replace("            task.cancel()\n", "            print(task)\n");
        let src = src.replace(
            "        task = asyncio.create_task(work(n))\n        self._tasks.add(task)\n",
            "        self._tasks.add(asyncio.create_task(work(n)))\n",
        );
        let found = run("AM210", &src);
        assert_reports(&found, "`self._tasks`, a set of tasks started in `spawn()` that nothing in the class cancels: the tasks need an owner that outlives them");
    }
}
