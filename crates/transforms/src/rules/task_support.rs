//! What the task-group rewrites share: spawning a call with `start_soon`,
//! recognising the shapes of `asyncio.gather`, and turning the handlers of
//! an enclosing `try` into `except*` (a task group raises an ExceptionGroup).

use crate::FileContext;
use edit::{Applicability, Edit, Fix};
use syntax::{arguments, is_dotted, named_children, Node};

/// The `async with` statement and the `as` name when `call` opens it as the
/// only item: `async with asyncio.TaskGroup() as tg:`.
pub fn sole_async_with_item(call: Node) -> Option<(Node, Node)> {
    let pattern = call.parent().filter(|p| p.kind() == "as_pattern")?;
    let item = pattern.parent().filter(|p| p.kind() == "with_item")?;
    let clause = item
        .parent()
        .filter(|p| p.kind() == "with_clause" && named_children(*p).len() == 1)?;
    let stmt = clause.parent().filter(|p| p.kind() == "with_statement")?;
    if !syntax::children(stmt).iter().any(|c| c.kind() == "async") {
        return None;
    }
    let alias = pattern.child_by_field_name("alias")?;
    let name = named_children(alias)
        .into_iter()
        .next()
        .filter(|n| n.kind() == "identifier")?;
    Some((stmt, name))
}

/// The comparison `a is b` / `a == b` (or their negations) that `n` is
/// one of the two operands of: the comparison, the other operand and the
/// operator token.
pub fn compared(n: Node) -> Option<(Node, Node, Node)> {
    let cmp = n.parent().filter(|p| p.kind() == "comparison_operator")?;
    let operands = named_children(cmp);
    let [a, b] = operands.as_slice() else {
        return None;
    };
    let other = if a.id() == n.id() { *b } else { *a };
    let op = syntax::children(cmp)
        .into_iter()
        .find(|k| !k.is_named())
        .filter(|k| matches!(k.kind(), "is" | "is not" | "==" | "!="))?;
    Some((cmp, other, op))
}

/// `obj.method(...)`: the object and the method's name.
pub fn method_call<'a>(call: Node<'a>, cx: &FileContext<'a>) -> Option<(Node<'a>, &'a str)> {
    let f = call
        .child_by_field_name("function")
        .filter(|f| f.kind() == "attribute")?;
    Some((
        f.child_by_field_name("object")?,
        cx.text(f.child_by_field_name("attribute")?),
    ))
}

/// `start_soon` arguments for a coroutine call: `f, a, b`, or
/// `functools.partial(f, a, k=v)` when it has keyword arguments.
pub struct Spawn {
    pub args: String,
    pub needs_functools: bool,
    /// Whether the callee is known to be a coroutine function (an
    /// undecorated `async def` of this module); otherwise it is assumed.
    pub known_coroutine: bool,
}

/// Library functions known to be coroutine functions.
const KNOWN_COROUTINE_FUNCTIONS: &[&str] = &[
    "asyncio.sleep",
    "anyio.sleep",
    "anyio.sleep_forever",
    "anyio.sleep_until",
    "anyio.to_thread.run_sync",
    "anyio.wait_all_tasks_blocked",
];

/// Calls that return a task or a future, not a coroutine: `start_soon` cannot run them.
const NOT_COROUTINE_FUNCTIONS: &[&str] = &[
    "create_task",
    "create_future",
    "ensure_future",
    "wrap_future",
    "Future",
    "Task",
    "shield",
    "run_in_executor",
    "run_coroutine_threadsafe",
    "gather",
    "wait",
    "partial",
];

/// The arguments of a call laid out one per line (`f(\n    a,\n    k=v,\n)`),
/// joined on one line for the new call they go to (`start_soon(f, a, k=v)`;
/// a line grown too long is wrapped later, as a formatter would). None when
/// they already share one line, when an argument spans lines itself, or when
/// a comment stands between them (it would be lost).
fn one_line_arguments(args: &[Node], cx: &FileContext) -> Option<String> {
    let (first, last) = (args.first()?, args.last()?);
    let between = &cx.src[first.start_byte()..last.end_byte()];
    if !between.contains('\n') || between.contains('#') {
        return None;
    }
    let texts: Vec<&str> = args.iter().map(|a| cx.text(*a)).collect();
    if texts.iter().any(|t| t.contains('\n')) {
        return None;
    }
    Some(texts.join(", "))
}

/// How `call` (`f(a, k=v)`) is started as a task, if its function is a name
/// or an attribute chain (and not one known to return a task or future).
pub fn spawn(call: Node, cx: &FileContext) -> Option<Spawn> {
    if call.kind() != "call" {
        return None;
    }
    let func = call
        .child_by_field_name("function")
        .filter(|f| is_dotted(*f))?;
    let last = cx.text(func).rsplit('.').next().unwrap_or_default();
    if NOT_COROUTINE_FUNCTIONS.contains(&last) || is_module_plain_function(func, cx) {
        return None;
    }
    // Other asyncio functions would keep asyncio-only code inside the group
    // (`asyncio.sleep` has its own rewrite, AM002).
    if cx
        .qualified(func)
        .is_some_and(|q| q.starts_with("asyncio.") && q != "asyncio.sleep")
    {
        return None;
    }
    let args = arguments(call);
    let f = cx.text(func);
    let Some((first, last)) = args.first().zip(args.last()) else {
        return Some(Spawn {
            args: f.to_string(),
            needs_functools: false,
            known_coroutine: is_module_coroutine(func, cx),
        });
    };
    let text = one_line_arguments(&args, cx)
        .unwrap_or_else(|| cx.src[first.start_byte()..last.end_byte()].to_string());
    let keyword = args
        .iter()
        .any(|a| matches!(a.kind(), "keyword_argument" | "dictionary_splat"));
    let known_coroutine = is_module_coroutine(func, cx);
    Some(if keyword {
        Spawn {
            args: format!("functools.partial({f}, {text})"),
            needs_functools: true,
            known_coroutine,
        }
    } else {
        Spawn {
            args: format!("{f}, {text}"),
            needs_functools: false,
            known_coroutine,
        }
    })
}

/// How `asyncio.create_task(f(x), name=n)` starts when its handle is not
/// needed: `f, x, name=n` (`name=` goes to `start_soon` as it went to
/// `create_task`).
pub fn start_args(create: Node, cx: &FileContext) -> Option<Spawn> {
    let inner = named_children(create.child_by_field_name("arguments")?);
    let mut s = spawn(*inner.first()?, cx)?;
    for kw in inner.iter().skip(1) {
        s.args = format!("{}, {}", s.args, cx.text(*kw));
    }
    Some(s)
}

/// Whether `arg` is `return_when=asyncio.ALL_COMPLETED`, which `asyncio.wait`
/// does by default.
pub fn is_all_completed(arg: Node, cx: &FileContext) -> bool {
    arg.kind() == "keyword_argument"
        && arg
            .child_by_field_name("name")
            .is_some_and(|n| cx.text(n) == "return_when")
        && arg
            .child_by_field_name("value")
            .and_then(|v| cx.qualified(v))
            .is_some_and(|q| q == "asyncio.ALL_COMPLETED")
}

/// `asyncio.create_task(f(x))` (with `name=` too when `named` allows it:
/// the handle API and `start_soon` take it), or `asyncio.ensure_future(f(x))`
/// with one call argument: the callee and the coroutine call. A comment
/// between the parentheses refuses it (a rewrite would drop it).
pub fn task_creation<'a>(
    call: Node<'a>,
    named: bool,
    cx: &FileContext<'a>,
) -> Option<(Node<'a>, Node<'a>)> {
    if call.kind() != "call" {
        return None;
    }
    let func = call.child_by_field_name("function")?;
    let args = named_children(call.child_by_field_name("arguments")?);
    let (coro, rest) = args.split_first()?;
    let name = |a: &Node| {
        named
            && a.kind() == "keyword_argument"
            && a.child_by_field_name("name")
                .is_some_and(|n| cx.text(n) == "name")
    };
    if coro.kind() != "call" {
        return None;
    }
    match cx.qualified(func).as_deref() {
        Some("asyncio.create_task") if rest.iter().all(name) => Some((func, *coro)),
        Some("asyncio.ensure_future") if rest.is_empty() => Some((func, *coro)),
        _ => None,
    }
}

/// `for t in tasks: t.cancel()` and nothing else: every task of `tasks`
/// cancelled.
pub fn cancels_all(stmt: Node, tasks: &str, cx: &FileContext) -> bool {
    if stmt.kind() != "for_statement" || stmt.child_by_field_name("alternative").is_some() {
        return false;
    }
    let (Some(var), Some(over), Some(body)) = (
        stmt.child_by_field_name("left"),
        stmt.child_by_field_name("right"),
        stmt.child_by_field_name("body"),
    ) else {
        return false;
    };
    let body = syntax::code_children(body);
    var.kind() == "identifier"
        && cx.text(over) == tasks
        && body.len() == 1
        && cx.text(body[0]) == format!("{}.cancel()", cx.text(var))
}

/// One `for` over a comprehension whose element is a call:
/// `*(fetch(u) for u in urls)` or `*[fetch(u) for u in urls]`.
pub struct Each<'t> {
    /// The loop variable (a plain name).
    pub var: Node<'t>,
    /// The iterable.
    pub iterable: Node<'t>,
    /// The call made for each item.
    pub call: Node<'t>,
}

/// The comprehension behind a single `*` argument, when it is one plain loop
/// (no `if`, no nested `for`, no `async for`) producing a call.
pub fn each(splat: Node) -> Option<Each> {
    if splat.kind() != "list_splat" {
        return None;
    }
    let mut inner = splat.named_child(0)?;
    if inner.kind() == "parenthesized_expression" {
        inner = inner.named_child(0)?;
    }
    if !matches!(inner.kind(), "generator_expression" | "list_comprehension") {
        return None;
    }
    let parts = syntax::code_children(inner);
    let [body, clause] = parts.as_slice() else {
        return None;
    };
    if clause.kind() != "for_in_clause"
        || body.kind() != "call"
        || syntax::children(*clause)
            .iter()
            .any(|c| c.kind() == "async")
    {
        return None;
    }
    let var = clause
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")?;
    let iterable = clause.child_by_field_name("right")?;
    Some(Each {
        var,
        iterable,
        call: *body,
    })
}

/// The shapes of `await asyncio.gather(...)` the rewrites handle.
pub enum GatherShape<'t> {
    /// `await asyncio.gather(...)` as a statement of its own: the result is unused.
    Unused { stmt: Node<'t> },
    /// `await asyncio.gather(...)` whose result is used some other way
    /// (unpacked, returned, compared, iterated): `anyio.gather` fits, and
    /// `needs_list` says whether its tuple must become a list.
    Used { awaited: Node<'t>, needs_list: bool },
    /// `results = await asyncio.gather(*(f(u) for u in us))`, or
    /// `return await ...` (no target).
    Collected {
        stmt: Node<'t>,
        target: Option<Node<'t>>,
        each: Each<'t>,
    },
    /// `results = await asyncio.gather(f(a), g(b), return_exceptions=True)`
    /// (or unpacked): each call's result or exception goes to its place.
    Captured {
        stmt: Node<'t>,
        target: Node<'t>,
        calls: Vec<Node<'t>>,
    },
    /// Anything else, with the reason.
    Other(&'static str),
}

/// The values the function around `at` puts in the variable `name`: the
/// right sides of its assignments and the arguments of `name.append(...)`
/// (`add`, `extend`, `insert`).
fn sources<'t>(name: &str, at: Node<'t>, cx: &FileContext) -> Vec<Node<'t>> {
    let Some(scope) = syntax::enclosing(at, &["function_definition", "lambda"]) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (n, _) in syntax::preorder(scope) {
        match n.kind() {
            "assignment"
                if n.child_by_field_name("left")
                    .is_some_and(|l| l.kind() == "identifier" && cx.text(l) == name) =>
            {
                out.extend(n.child_by_field_name("right"));
            }
            "call" => {
                let added = method_call(n, cx).is_some_and(|(obj, method)| {
                    obj.kind() == "identifier"
                        && cx.text(obj) == name
                        && matches!(method, "append" | "add" | "extend" | "insert")
                });
                if added {
                    out.extend(arguments(n));
                }
            }
            _ => {}
        }
    }
    out
}

/// Why the variable `name` (used at `at`) holds tasks or futures, when the
/// function around `at` assigns it one (`fut = loop.create_future()`,
/// `ts = [asyncio.create_task(f(u)) for u in us]`) or adds one to it
/// (`futures.append(fut)` of such a `fut`).
fn holds_futures(name: Node, at: Node, cx: &FileContext, depth: usize) -> Option<String> {
    if depth > 2 || name.kind() != "identifier" {
        return None;
    }
    let var = cx.text(name);
    // The calls that produce a task or a future.
    let future_call = |n: Node| {
        n.kind() == "call"
            && n.child_by_field_name("function").is_some_and(|f| {
                let last = cx.text(f).rsplit('.').next().unwrap_or_default();
                NOT_COROUTINE_FUNCTIONS.contains(&last) && last != "partial"
            })
    };
    for v in sources(var, at, cx) {
        // A value that is, or holds, such a call (a display, a comprehension).
        if let Some(f) = syntax::preorder(v)
            .map(|(n, _)| n)
            .find(|n| future_call(*n))
        {
            return Some(format!("`{var}` holds what `{}` returns, a task or a future, which `anyio.gather` does not take", cx.text(f)));
        }
        // One step further: `futures.append(fut)` where `fut = ...create_future()`.
        if v.kind() == "identifier" && cx.text(v) != var {
            if let Some(why) = holds_futures(v, at, cx, depth + 1) {
                return Some(why);
            }
        }
    }
    None
}

/// Whether every value the function puts in the variable `name` is a call
/// of a known coroutine function, or a comprehension or display of them
/// (`coros = [fetch(u) for u in us]`).
fn holds_coroutines(name: Node, at: Node, cx: &FileContext) -> bool {
    let known = |c: Node| spawn(c, cx).is_some_and(|s| s.known_coroutine);
    let all = sources(cx.text(name), at, cx);
    !all.is_empty()
        && all.iter().all(|v| match v.kind() {
            "call" => known(*v),
            "list_comprehension" | "generator_expression" => v
                .child_by_field_name("body")
                .is_some_and(|b| b.kind() == "call" && known(b)),
            "list" | "tuple" => named_children(*v)
                .into_iter()
                .all(|e| e.kind() == "call" && known(e)),
            _ => false,
        })
}

/// The call a `*` argument's comprehension makes for each item, whatever its
/// clauses (`*(fetch(u) for u in us if u)`).
fn comprehension_call(splat: Node) -> Option<Node> {
    let mut inner = splat.named_child(0)?;
    if inner.kind() == "parenthesized_expression" {
        inner = inner.named_child(0)?;
    }
    if !matches!(inner.kind(), "generator_expression" | "list_comprehension") {
        return None;
    }
    inner
        .child_by_field_name("body")
        .filter(|b| b.kind() == "call")
}

/// The positional arguments of a call (no `name=value`, no `**kwargs`).
pub fn positional(call: Node) -> Vec<Node> {
    arguments(call)
        .into_iter()
        .filter(|a| !matches!(a.kind(), "keyword_argument" | "dictionary_splat"))
        .collect()
}

/// `Some(true)` for `gather(…, return_exceptions=True)`, `Some(false)` with
/// no keyword arguments, `None` for any other keyword argument.
pub fn returns_exceptions(call: Node, cx: &FileContext) -> Option<bool> {
    let keywords: Vec<Node> = arguments(call)
        .into_iter()
        .filter(|a| matches!(a.kind(), "keyword_argument" | "dictionary_splat"))
        .collect();
    match keywords.as_slice() {
        [] => Some(false),
        [k] if k.kind() == "keyword_argument"
            && k.child_by_field_name("name")
                .is_some_and(|n| cx.text(n) == "return_exceptions")
            && k.child_by_field_name("value")
                .is_some_and(|v| v.kind() == "true") =>
        {
            Some(true)
        }
        _ => None,
    }
}

/// Which shape an `asyncio.gather(...)` call is in.
pub fn gather_shape<'t>(call: Node<'t>, cx: &FileContext) -> GatherShape<'t> {
    let args = positional(call);
    let Some(return_exceptions) = returns_exceptions(call, cx) else {
        return GatherShape::Other(
            "`gather` with keyword arguments other than `return_exceptions=True`",
        );
    };
    let Some(awaited) = call.parent().filter(|p| p.kind() == "await") else {
        return GatherShape::Other("`gather` that is not awaited directly");
    };
    let parent = awaited.parent().expect("an await has a parent");
    if let Some(stmt) = syntax::statement_anchor(awaited).filter(|s| cx.owns_its_lines(*s)) {
        if (stmt.kind(), parent.kind()) == ("expression_statement", "expression_statement") {
            return GatherShape::Unused { stmt };
        }
        let left = parent.child_by_field_name("left");
        if let Some(left) = left.filter(|l| {
            parent.kind() == "assignment"
                && parent.child_by_field_name("type").is_none()
                && l.kind() == "identifier"
                && args.len() == 1
        }) {
            if let Some(each) = each(args[0]) {
                return GatherShape::Collected {
                    stmt,
                    target: Some(left),
                    each,
                };
            }
        }
        if parent.kind() == "return_statement" && stmt.id() == parent.id() && args.len() == 1 {
            if let Some(each) = each(args[0]) {
                return GatherShape::Collected {
                    stmt,
                    target: None,
                    each,
                };
            }
        }
    }
    if return_exceptions {
        // A statement `target = await gather(f(a), …)` of calls only.
        let captured = syntax::statement_anchor(awaited)
            .filter(|s| cx.owns_its_lines(*s) && s.kind() == "expression_statement")
            .filter(|_| {
                parent.kind() == "assignment" && parent.child_by_field_name("type").is_none()
            })
            .zip(parent.child_by_field_name("left"))
            .filter(|(_, l)| {
                matches!(
                    l.kind(),
                    "identifier" | "pattern_list" | "tuple_pattern" | "list_pattern"
                )
            });
        let all_calls = !args.is_empty() && args.iter().all(|a| a.kind() == "call");
        if let Some((stmt, target)) = captured.filter(|_| all_calls) {
            return GatherShape::Captured {
                stmt,
                target,
                calls: args,
            };
        }
        return GatherShape::Other(
            "`gather` with `return_exceptions=True` whose results are used (`anyio.gather` has no such option)",
        );
    }
    GatherShape::Used {
        awaited,
        needs_list: needs_list(awaited, parent, cx),
    }
}

/// Builtins whose first argument may be any iterable: a tuple does as well
/// as a list there (`zip` takes them anywhere, `min`/`max` alone).
const ITERABLE_BUILTINS: &[&str] = &[
    "all",
    "any",
    "dict",
    "enumerate",
    "frozenset",
    "len",
    "list",
    "set",
    "sorted",
    "sum",
    "tuple",
];

/// Whether the value of `awaited` may be used as a list: anything but a
/// discarded value, an unpacking, a loop's iterable, a slice assignment, a
/// `*` argument or the argument of a builtin that takes any iterable.
fn needs_list(awaited: Node, parent: Node, cx: &FileContext) -> bool {
    let is = |field: &str| parent.child_by_field_name(field) == Some(awaited);
    match parent.kind() {
        "expression_statement" | "list_splat" => false,
        "for_statement" | "for_in_clause" => !is("right"),
        "assignment" => {
            !(is("right")
                && parent.child_by_field_name("left").is_some_and(|l| {
                    matches!(l.kind(), "pattern_list" | "tuple_pattern" | "list_pattern")
                        || (l.kind() == "subscript"
                            && l.child_by_field_name("subscript")
                                .is_some_and(|s| s.kind() == "slice"))
                }))
        }
        "argument_list" => {
            let args = named_children(parent);
            let first = args.first() == Some(&awaited);
            let func = parent
                .parent()
                .and_then(|c| c.child_by_field_name("function"));
            let name = func
                .filter(|f| f.kind() == "identifier")
                .map(|f| cx.text(f));
            !match name {
                Some("zip") => true,
                Some("min" | "max") => args.len() == 1,
                Some(n) => first && ITERABLE_BUILTINS.contains(&n),
                None => false,
            }
        }
        _ => true,
    }
}

/// The `except` handlers of every `try` (in the same function) whose body
/// holds `stmt`: a task group raises an ExceptionGroup, so they must become
/// `except*` (Python 3.11+, no `return`/`break`/`continue` in them, no use of
/// the caught exception object) or the site is left to a person. `Ok`: the
/// edits inserting the `*`s (none when no `try` around catches anything);
/// `Err`: why a handler cannot become `except*`.
pub fn exception_group_handlers(stmt: Node, cx: &FileContext) -> Result<Vec<Edit>, String> {
    let mut edits = Vec::new();
    let mut cur = stmt.parent();
    while let Some(n) = cur {
        if syntax::is_scope(n) {
            break;
        }
        // A context manager that catches exceptions (`pytest.raises`,
        // `contextlib.suppress`) would miss the ExceptionGroup.
        if n.kind() == "with_statement" {
            // `pytest.raises(Exception)` or `suppress(Exception)` with no
            // `as` and no `match=` catches the group too (ExceptionGroup is
            // an Exception) and looks no further into it.
            let catches_any = |call: Node| {
                let args = syntax::arguments(call);
                matches!(args.as_slice(), [a] if matches!(cx.text(*a), "Exception" | "BaseException"))
                    // The value of its item (`with raises(E) as info` puts an `as_pattern` in between).
                    && call.parent().is_some_and(|item| item.kind() == "with_item")
            };
            let catches = syntax::preorder(n)
                .take_while(|(m, _)| m.kind() != "block")
                .filter(|(m, _)| m.kind() == "call" && !catches_any(*m))
                .filter_map(|(m, _)| m.child_by_field_name("function"))
                .map(|f| cx.text(f).rsplit('.').next().unwrap_or("").to_string())
                .find(|last| {
                    matches!(last.as_str(), "suppress" | "RaisesGroup")
                        || crate::EXPECTS_ERROR.contains(&last.as_str())
                });
            if let Some(cm) = catches {
                return Err(format!("it is inside `with …{cm}(…)`, which would not catch the ExceptionGroup a task group raises"));
            }
        }
        if n.kind() == "try_statement" {
            let in_body = n.child_by_field_name("body").is_some_and(|b| {
                b.start_byte() <= stmt.start_byte() && stmt.end_byte() <= b.end_byte()
            });
            if in_body {
                for clause in named_children(n)
                    .into_iter()
                    .filter(|c| c.kind() == "except_clause")
                {
                    match handler_edit(clause, cx) {
                        Ok(Some(e)) => edits.push(e),
                        Ok(None) => {}
                        Err(why) => return Err(why),
                    }
                }
            }
        }
        cur = n.parent();
    }
    Ok(edits)
}

fn handler_edit(clause: Node, cx: &FileContext) -> Result<Option<Edit>, String> {
    let kids = syntax::children(clause);
    if kids.iter().any(|k| k.kind() == "*") {
        return Ok(None); // already `except*`
    }
    // Named by its header: line numbers would be those of a later round's text.
    let header = cx
        .text(clause)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches(':');
    let line = format!("`{header}`");
    if cx.targets.python < (3, 11) {
        return Err(format!("the handler {line} would have to become `except*`, which needs Python 3.11 (--target-python)"));
    }
    let value = clause.child_by_field_name("value");
    let Some(value) = value else {
        return Err("the bare `except:` cannot become `except*`".to_string());
    };
    if cx.text(value).contains("ExceptionGroup") {
        return Err(format!(
            "the handler {line} catches an ExceptionGroup, which `except*` does not allow"
        ));
    }
    let block = named_children(clause)
        .into_iter()
        .find(|c| c.kind() == "block");
    if value.kind() == "as_pattern" {
        let alias = value
            .child_by_field_name("alias")
            .map(|a| cx.text(a))
            .unwrap_or("");
        let used = block.is_some_and(|b| {
            syntax::preorder(b).any(|(n, _)| n.kind() == "identifier" && cx.text(n) == alias)
        });
        if used {
            return Err(format!("the handler {line} uses the caught exception `{alias}`, which would become an ExceptionGroup"));
        }
    }
    if let Some(b) = block {
        let body = cx.text(b);
        if body.contains("exc_info") || body.contains("sys.exception") {
            return Err(format!("the handler {line} inspects the current exception, which would become an ExceptionGroup"));
        }
        if let Some(kw) = escapes(b) {
            return Err(format!(
                "the handler {line} uses `{kw}`, which `except*` does not allow"
            ));
        }
    }
    let except_kw = kids
        .first()
        .filter(|k| k.kind() == "except")
        .ok_or("malformed except clause")?;
    Ok(Some(Edit::insert(except_kw.end_byte(), "*")))
}

/// A `return`, or a `break`/`continue` leaving the handler, inside `block`.
fn escapes(block: Node) -> Option<&'static str> {
    for (n, _) in syntax::preorder(block) {
        let kw = match n.kind() {
            "return_statement" => "return",
            "break_statement" => "break",
            "continue_statement" => "continue",
            _ => continue,
        };
        let mut up = n.parent();
        let mut contained = false;
        while let Some(u) = up {
            if u.id() == block.id() {
                break;
            }
            if syntax::is_scope(u)
                || (kw != "return" && matches!(u.kind(), "for_statement" | "while_statement"))
            {
                contained = true;
                break;
            }
            up = u.parent();
        }
        if !contained {
            return Some(kw);
        }
    }
    None
}

/// Lines indented under a header at `indent`, one level per `unit`, joined
/// with the file's newline: the first line carries no indentation (it goes
/// where the replaced statement started).
pub fn block(lines: &[(usize, String)], indent: &str, cx: &FileContext) -> String {
    let nl = cx.style.newline.as_str();
    let mut out = String::new();
    for (k, (level, text)) in lines.iter().enumerate() {
        if k > 0 {
            out.push_str(nl);
            if !text.is_empty() {
                out.push_str(indent);
            }
        }
        if !text.is_empty() {
            out.push_str(&cx.style.indent.repeat(*level));
            out.push_str(text);
        }
    }
    out
}

/// Whether the module defines an undecorated `async def` named like the
/// last component of `func` (a decorator may turn its result into anything).
pub fn is_module_coroutine(func: Node, cx: &FileContext) -> bool {
    // Library coroutine functions, by meaning or (before `import anyio` is
    // added in a later round) by spelling.
    let qualified = cx
        .qualified(func)
        .unwrap_or_else(|| cx.text(func).to_string());
    if KNOWN_COROUTINE_FUNCTIONS.contains(&qualified.as_str()) {
        return true;
    }
    let name = cx.text(func).rsplit('.').next().unwrap_or_default();
    cx.nodes_of_kind(syntax::kinds().function_definition)
        .iter()
        .any(|d| {
            syntax::is_async_def(*d)
                && d.child_by_field_name("name")
                    .is_some_and(|n| cx.text(n) == name)
                && d.parent().is_none_or(|p| {
                    p.kind() != "decorated_definition"
                        || syntax::named_children(p)
                            .iter()
                            .filter(|c| c.kind() == "decorator")
                            .all(|c| matches!(cx.text(*c).trim(), "@classmethod" | "@staticmethod"))
                })
        })
}

/// Whether the module defines a plain (not `async`) `def` with the last
/// name of `func`: its call returns no coroutine for `start_soon`.
fn is_module_plain_function(func: Node, cx: &FileContext) -> bool {
    let name = cx.text(func).rsplit('.').next().unwrap_or_default();
    cx.nodes_of_kind(syntax::kinds().function_definition)
        .iter()
        .any(|d| {
            !syntax::is_async_def(*d)
                && d.child_by_field_name("name")
                    .is_some_and(|n| cx.text(n) == name)
        })
}

/// Whether `name` is used in the function around `node` outside `except_in`
/// (a comprehension whose loop variable would become a plain loop's).
pub fn name_used_elsewhere(node: Node, name: &str, except_in: Node, cx: &FileContext) -> bool {
    let scope =
        syntax::enclosing(node, &["function_definition", "lambda"]).unwrap_or(cx.tree.root_node());
    syntax::preorder(scope).any(|(n, _)| {
        n.kind() == "identifier"
            && cx.text(n) == name
            && !(except_in.start_byte() <= n.start_byte() && n.end_byte() <= except_in.end_byte())
            && !only_binds(n)
    })
}

/// Whether an identifier is only bound there, never read: the target of a
/// `for` loop or of a plain assignment (`for _ in range(2)`). Another
/// binding of the same name cannot tell that the loop variable was rebound.
fn only_binds(n: Node) -> bool {
    n.parent().is_some_and(|p| {
        matches!(p.kind(), "for_statement" | "assignment")
            && p.child_by_field_name("left")
                .is_some_and(|l| l.id() == n.id())
    })
}

/// Whether `node` sits inside a `try` of its own function.
pub fn inside_try(node: Node) -> bool {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if syntax::is_scope(n) {
            return false;
        }
        if n.kind() == "try_statement" {
            return true;
        }
        cur = n.parent();
    }
    false
}

/// A handler in the program that catches what the function holding `stmt`
/// raises, by a plain `except` (its header and the caller): a task group raises an
/// `ExceptionGroup` where `gather` raised the first error bare, so such a
/// handler would stop matching. Calls of the function by name, or as a
/// method of that name, inside the body of a `try` elsewhere in the file
/// count, and in another walked file that imports this one's module.
pub fn caller_catching_bare(stmt: Node, cx: &FileContext) -> Option<String> {
    let func = syntax::enclosing(stmt, &["function_definition"])?;
    let name = cx.text(func.child_by_field_name("name")?);
    in_module_caller(func, name, cx).or_else(|| {
        let call = cx
            .targets
            .project
            .caught
            .caught_elsewhere(name, &cx.targets.file)?;
        Some(format!("`{}` in `{}`", call.header, call.file))
    })
}

/// [`caller_catching_bare`] in the function's own module: a `try` with a
/// plain handler, or a `with pytest.raises(...)` / `assertRaises(...)`,
/// around a call of it.
fn in_module_caller(func: Node, name: &str, cx: &FileContext) -> Option<String> {
    for call in cx.nodes_ending_in("call", name) {
        if call.start_byte() >= func.start_byte() && call.end_byte() <= func.end_byte() {
            continue;
        }
        let mut node = call;
        while let Some(parent) = node.parent() {
            if syntax::is_scope(parent) {
                break;
            }
            if parent.kind() == "try_statement" && parent.child_by_field_name("body") == Some(node)
            {
                let bare = named_children(parent).into_iter().find(|c| {
                    c.kind() == "except_clause" && !cx.text(*c).contains("ExceptionGroup")
                });
                if let Some(clause) = bare {
                    let header = cx.text(clause).lines().next().unwrap_or("").trim();
                    let caller = syntax::enclosing(parent, &["function_definition"])
                        .and_then(|f| f.child_by_field_name("name"))
                        .map_or("the module".to_string(), |n| format!("`{}`", cx.text(n)));
                    return Some(format!("`{header}` in {caller}"));
                }
            }
            // `with pytest.raises(ValueError):` (or `assertRaises`) expects
            // the bare error as the handler does.
            if parent.kind() == "with_statement" && parent.child_by_field_name("body") == Some(node)
            {
                let expects = syntax::preorder(parent)
                    .map(|(n, _)| n)
                    .take_while(|n| n.kind() != "block")
                    .find(|n| {
                        n.kind() == "call"
                            && n.child_by_field_name("function").is_some_and(|f| {
                                let last = cx.text(f).rsplit('.').next().unwrap_or_default();
                                crate::EXPECTS_ERROR.contains(&last)
                            })
                            && !cx.text(*n).contains("ExceptionGroup")
                    });
                if let Some(expects) = expects {
                    let caller = syntax::enclosing(parent, &["function_definition"])
                        .and_then(|f| f.child_by_field_name("name"))
                        .map_or("the module".to_string(), |n| format!("`{}`", cx.text(n)));
                    return Some(format!("`{}` in {caller}", cx.text(expects)));
                }
            }
            node = parent;
        }
    }
    None
}

/// `await asyncio.gather(...)` as `await anyio.gather(...)` (anyio 4.15+),
/// in `list(...)` when `needs_list`: the fix, and a note saying what an
/// unsafe one assumes. `Err` says why it cannot be rewritten.
pub fn anyio_gather(
    call: Node,
    awaited: Node,
    needs_list: bool,
    cx: &FileContext,
) -> Result<(Fix, String), String> {
    if cx.targets.anyio < (4, 15) {
        return Err("`anyio.gather` needs anyio 4.15 (--target-anyio)".into());
    }
    if returns_exceptions(call, cx) != Some(false) {
        return Err("`anyio.gather` takes no keyword arguments".into());
    }
    // `anyio.gather` takes coroutine objects only: a future or a task fails in it.
    let mut functions: Vec<&str> = Vec::new();
    let mut objects: Vec<&str> = Vec::new();
    for arg in arguments(call) {
        // A `*` comprehension is judged by the call it makes for each item.
        let made = (arg.kind() == "list_splat")
            .then(|| comprehension_call(arg))
            .flatten();
        let Some(c) = made.or((arg.kind() == "call").then_some(arg)) else {
            // A name (or `*name`) the function fills with tasks or futures.
            let name = if arg.kind() == "list_splat" {
                arg.named_child(0)
            } else {
                Some(arg)
            };
            if let Some(why) = name.and_then(|n| holds_futures(n, call, cx, 0)) {
                return Err(why);
            }
            if !name.is_some_and(|n| n.kind() == "identifier" && holds_coroutines(n, call, cx)) {
                objects.push(cx.text(arg));
            }
            continue;
        };
        let func = c.child_by_field_name("function").unwrap_or(c);
        match spawn(c, cx) {
            Some(s) if s.known_coroutine => {}
            Some(_) => functions.push(cx.text(func)),
            None => {
                let last = cx.text(func).rsplit('.').next().unwrap_or_default();
                if NOT_COROUTINE_FUNCTIONS.contains(&last) && last != "partial" {
                    return Err(format!(
                        "`{}` is a task or a future, which `anyio.gather` does not take",
                        cx.text(c)
                    ));
                }
                objects.push(cx.text(arg));
            }
        }
    }
    let func = call
        .child_by_field_name("function")
        .expect("a call has a function");
    let mut edits = vec![Edit::replace(func.byte_range(), "anyio.gather")];
    if needs_list {
        edits.push(Edit::insert(awaited.start_byte(), "list("));
        edits.push(Edit::insert(awaited.end_byte(), ")"));
    }
    edits.extend(exception_group_handlers(awaited, cx)?);
    let mut applicability = Applicability::Safe;
    let mut note = String::new();
    let each_of = |names: &[&str]| {
        let list = format!("`{}`", names.join("`, `"));
        if names.len() > 1 {
            format!("each of {list}")
        } else {
            list
        }
    };
    let mut assumed = Vec::new();
    if !functions.is_empty() {
        assumed.push(format!("{} returns a coroutine", each_of(&functions)));
    }
    match objects.as_slice() {
        [] => {}
        [one] if one.starts_with('*') => assumed.push(format!("`{one}` holds coroutine objects")),
        _ => assumed.push(format!("{} is a coroutine object", each_of(&objects))),
    }
    if !assumed.is_empty() {
        applicability = Applicability::Unsafe;
        note = format!(
            " (assumes {}: `anyio.gather` rejects a future or task)",
            assumed.join(" and ")
        );
    }
    if let Some(handler) = caller_catching_bare(awaited, cx) {
        applicability = Applicability::Unsafe;
        note.push_str(&format!(" (a caller's {handler} catches the bare error, which now arrives inside an `ExceptionGroup`)"));
    }
    Ok((Fix::new(edits, applicability).with_imports(["anyio"]), note))
}

/// The modules a fix writing anyio code needs: `functools` too when it
/// wrote a `functools.partial`.
pub fn anyio_imports(functools: bool) -> Vec<&'static str> {
    if functools {
        vec!["anyio", "functools"]
    } else {
        vec!["anyio"]
    }
}
