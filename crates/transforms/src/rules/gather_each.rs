//! AM203: `results = await asyncio.gather(*(f(u) for u in us))` becomes the
//! `fetch_all` shape of anyio code: pre-allocated results filled by a helper that
//! each task runs.

use super::task_support::{arguments, caller_catching_bare, inside_try, returns_exceptions};
use super::task_support::{
    block, exception_group_handlers, gather_shape, spawn, GatherShape, Handlers,
};
use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::Node;

/// Gathers over a comprehension become a task group filling a result list.
pub struct GatherEach {
    info: TransformInfo,
}

impl GatherEach {
    /// The transform with its docs.
    pub fn new() -> Self {
        GatherEach {
            info: TransformInfo {
                code: "AM203",
                name: "gather-each",
                summary: "`rs = await asyncio.gather(*(f(u) for u in us))` becomes a task group filling a pre-allocated list".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "Rewrites `results = await asyncio.gather(*(fetch(u) for u in urls))` (or `*[...]`) to the usual anyio shape for results of many tasks: the iterable is materialised once with `list(...)`, `results` is pre-allocated, a local `async def` stores `results[i]`, and a task group starts it for each item with `enumerate`. The handlers of an enclosing `try` in the same function become `except*`.".into(),
                    why: "Tasks in a task group cannot return values; this pattern collects them by index, so the result is still a list in input order.".into(),
                    fix_safety: "Safe: the result is a list in the order of the inputs, as with `gather`. As with every task group, an `ExceptionGroup` replaces the bare first exception; handlers in the same function become `except*` or the site is reported. Only a single plain `for` (no `if`, no nested loop) over a call of a named function whose arguments are names, attributes or literals is rewritten (they are evaluated inside the tasks now), and not inside a `try` of the same function (a failing task would leave the list partly filled where `gather` assigned nothing). Where another function of the module calls this one inside a `try` with a plain `except` (which would stop matching the `ExceptionGroup`), the fix is unsafe and the message names that handler; callers in other modules are not seen: check them, or catch with `except*`.".into(),
                },
                examples: vec![Example {
                    before: "import asyncio\n\nasync def fetch(url):\n    ...\n\nasync def fetch_all(urls):\n    results = await asyncio.gather(*(fetch(u) for u in urls))\n    return results\n".into(),
                    after: "import anyio\n\nasync def fetch(url):\n    ...\n\nasync def fetch_all(urls):\n    items = list(urls)\n    results = [None] * len(items)\n\n    async def _fetch_one(i, u):\n        results[i] = await fetch(u)\n\n    async with anyio.create_task_group() as tg:\n        for i, item in enumerate(items):\n            tg.start_soon(_fetch_one, i, item)\n    return results\n".into(),
                    unsafe_fixes: false,
                }],
            },
        }
    }
}

impl Transform for GatherEach {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        vec![Trigger::name("asyncio.gather")]
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        // One rewrite per function a round: the next one then sees the names
        // this one introduced and picks fresh ones.
        let mut rewritten: Vec<usize> = Vec::new();
        for call in cx.calls_to("asyncio.gather") {
            let GatherShape::Collected { stmt, target, each } = gather_shape(call, cx) else {
                continue;
            };
            let diag = Diagnostic::new(
                self.info.code,
                "`asyncio.gather` over a comprehension becomes a task group filling a list",
                stmt.byte_range(),
            );
            if spawn(each.call, cx).is_none() {
                out.push(Diagnostic { message: "`asyncio.gather` over a comprehension of calls that are not of a plain function".into(), ..diag });
                continue;
            }
            // Arguments are evaluated inside each task now: only names,
            // attributes and literals keep their order and count.
            let plain = |n: Node| {
                matches!(
                    n.kind(),
                    "identifier"
                        | "attribute"
                        | "integer"
                        | "float"
                        | "string"
                        | "true"
                        | "false"
                        | "none"
                )
            };
            let simple = arguments(each.call).iter().all(|a| {
                plain(*a)
                    || (a.kind() == "keyword_argument"
                        && a.child_by_field_name("value").is_some_and(plain))
            });
            if !simple {
                out.push(Diagnostic { message: "`asyncio.gather` over a comprehension whose call computes its arguments (they would be evaluated inside the tasks)".into(), ..diag });
                continue;
            }
            if cx.text(target) == cx.text(each.var) {
                out.push(Diagnostic {
                    message: "`asyncio.gather` whose result is assigned to its own loop variable"
                        .into(),
                    ..diag
                });
                continue;
            }
            // A failing gather never assigns its target; the rewrite fills it
            // while the tasks run, which a handler in this function would see.
            if inside_try(stmt) {
                out.push(Diagnostic { message: "`asyncio.gather` over a comprehension inside a `try`: the result list would be partly filled when a task fails".into(), ..diag });
                continue;
            }
            let handlers = match exception_group_handlers(stmt, cx) {
                Handlers::Untouched => Vec::new(),
                Handlers::Rewrite(e) => e,
                Handlers::Blocked(why) => {
                    out.push(Diagnostic {
                        message: format!(
                            "`asyncio.gather` cannot become a task group automatically: {why}"
                        ),
                        ..diag
                    });
                    continue;
                }
            };
            let scope = syntax::enclosing(stmt, &["function_definition"]).map_or(0, |f| f.id());
            if rewritten.contains(&scope) {
                continue;
            }
            let results = cx.text(target);
            let var = cx.text(each.var);
            let fname = cx.text(
                each.call
                    .child_by_field_name("function")
                    .expect("spawned call has a function"),
            );
            let short = fname
                .rsplit('.')
                .next()
                .unwrap_or(fname)
                .trim_start_matches('_');
            let helper = cx.fresh_name(&format!("_{short}_one"), &[]);
            let i = cx.fresh_name("i", std::slice::from_ref(&helper));
            let tg = cx.fresh_name("tg", &[helper.clone(), i.clone()]);
            let iterable = cx.text(each.iterable);
            // Materialised once: the iterable may be unsized, or a display
            // whose elements must not be evaluated twice.
            let mut lines = Vec::new();
            // The builtins the new code calls, through `builtins.` where the
            // module (or the function) binds a name of its own.
            let mut imports = vec!["anyio"];
            let mut builtin = |name: &str| {
                if cx.model.lookup(name, stmt).is_some() {
                    imports.push("builtins");
                    format!("builtins.{name}")
                } else {
                    name.to_string()
                }
            };
            let (list, len, enumerate) = (builtin("list"), builtin("len"), builtin("enumerate"));
            imports.dedup();
            let items = cx.fresh_name("items", &[helper.clone(), i.clone(), tg.clone()]);
            lines.push((0, format!("{items} = {list}({iterable})")));
            lines.push((0, format!("{results} = [None] * {len}({items})")));
            lines.push((0, String::new()));
            lines.push((0, format!("async def {helper}({i}, {var}):")));
            // `return_exceptions=True`: an exception takes the result's place.
            let swallow = returns_exceptions(call, cx) == Some(true);
            if swallow {
                let exc = cx.fresh_name(
                    "exc",
                    &[helper.clone(), i.clone(), tg.clone(), items.clone()],
                );
                lines.push((1, "try:".into()));
                lines.push((2, format!("{results}[{i}] = await {}", cx.text(each.call))));
                lines.push((1, format!("except Exception as {exc}:")));
                lines.push((2, format!("{results}[{i}] = {exc}")));
            } else {
                lines.push((1, format!("{results}[{i}] = await {}", cx.text(each.call))));
            }
            lines.push((0, String::new()));
            lines.push((0, format!("async with anyio.create_task_group() as {tg}:")));
            // A fresh loop variable: the comprehension's own did not leak into the function.
            let item = cx.fresh_name(
                "item",
                &[helper.clone(), i.clone(), tg.clone(), items.clone()],
            );
            lines.push((1, format!("for {i}, {item} in {enumerate}({items}):")));
            lines.push((2, format!("{tg}.start_soon({helper}, {i}, {item})")));
            let indent = cx.indent_at(stmt.start_byte());
            let new_text = block(&lines, indent, cx);
            let known = spawn(each.call, cx).is_some_and(|s| s.known_coroutine);
            let caller = caller_catching_bare(stmt, cx);
            let applicability = if swallow
                || !known
                || caller.is_some()
                || cx.dropped_comment(stmt.byte_range(), &new_text).is_some()
            {
                Applicability::Unsafe
            } else {
                Applicability::Safe
            };
            let diag = if !known && !swallow {
                let f = cx.text(
                    each.call
                        .child_by_field_name("function")
                        .expect("spawned call has a function"),
                );
                Diagnostic {
                    message: format!(
                        "{} (assumes `{f}` returns a coroutine, as a coroutine function does)",
                        diag.message
                    ),
                    ..diag
                }
            } else if swallow {
                Diagnostic {
                    message: format!("{} (`return_exceptions=True`: exceptions are stored in the list as before, but a `BaseException` such as a cancellation is not)", diag.message),
                    ..diag
                }
            } else {
                diag
            };
            let diag = match caller {
                Some(handler) => Diagnostic {
                    message: format!("{} (a caller's {handler} catches the bare error, which now arrives inside an `ExceptionGroup`)", diag.message),
                    ..diag
                },
                None => diag,
            };
            let mut edits = vec![Edit::replace(stmt.byte_range(), new_text)];
            edits.extend(handlers);
            rewritten.push(scope);
            out.push(diag.with_fix(Fix::new(edits, applicability).with_imports(imports)));
        }
    }
}
