//! AM202: `a, b = await asyncio.gather(f(x), g(y))` becomes `anyio.gather`.

use super::task_support::{arguments, caller_catching_bare, spawn};
use super::task_support::{exception_group_handlers, gather_shape, GatherShape, Handlers};
use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};

/// Fixed-arity gathers whose results are unpacked use anyio's own `gather`.
pub struct GatherResults {
    info: TransformInfo,
}

impl GatherResults {
    /// The transform with its docs.
    pub fn new() -> Self {
        GatherResults {
            info: TransformInfo {
                code: "AM202",
                name: "gather-results",
                summary: "`a, b = await asyncio.gather(f(x), g(y))` becomes `a, b = await anyio.gather(f(x), g(y))`".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "Rewrites a `gather` whose results are unpacked into as many names as it has calls to anyio's `gather` (anyio 4.15+; `--target-anyio` below that reports it instead). The handlers of an enclosing `try` in the same function become `except*`.".into(),
                    why: "This is the compact form the project chose for results of a fixed number of calls: `anyio.gather` runs the coroutines in a task group and returns their results in argument order, so the statement stays one readable line; a helper per call storing its result with `nonlocal` would need four lines per call. The coroutine objects are created up front, exactly as the original did.".into(),
                    fix_safety: "Safe: results come back in argument order, and the calls run concurrently in a task group. `anyio.gather` raises an `ExceptionGroup` where `asyncio.gather` raised the first exception bare; handlers of a `try` around it in the same function become `except*`, and where one cannot the site is reported. Callers further up are not visible to the tool. Where another function of the module calls this one inside a `try` with a plain `except` (which would stop matching the `ExceptionGroup`), the fix is unsafe and the message names that handler; callers in other modules are not seen: check them, or catch with `except*`.".into(),
                },
                examples: vec![Example {
                    before: "import asyncio\n\nasync def get_user(uid):\n    ...\n\nasync def get_posts(uid):\n    ...\n\nasync def page(uid):\n    user, posts = await asyncio.gather(get_user(uid), get_posts(uid))\n    return user, posts\n".into(),
                    after: "import anyio\n\nasync def get_user(uid):\n    ...\n\nasync def get_posts(uid):\n    ...\n\nasync def page(uid):\n    user, posts = await anyio.gather(get_user(uid), get_posts(uid))\n    return user, posts\n".into(),
                    unsafe_fixes: false,
                }],
            },
        }
    }
}

impl Transform for GatherResults {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        vec![Trigger::name("asyncio.gather")]
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for call in cx.calls_to("asyncio.gather") {
            let func = call
                .child_by_field_name("function")
                .expect("a call has a function");
            let GatherShape::Unpacked { stmt } = gather_shape(call, cx) else {
                continue;
            };
            let diag = Diagnostic::new(
                self.info.code,
                "`asyncio.gather` with unpacked results becomes `anyio.gather`",
                stmt.byte_range(),
            );
            if cx.targets.anyio < (4, 15) {
                out.push(
                    Diagnostic { message: "`asyncio.gather` with unpacked results: `anyio.gather` needs anyio 4.15 (--target-anyio)".into(), ..diag }
                        .with_hint("start each call in a task group from a small `async def` that stores its result with `nonlocal`"),
                );
                continue;
            }
            let assumed: Vec<String> = arguments(call)
                .into_iter()
                .filter_map(|a| {
                    spawn(a, cx)
                        .filter(|s| !s.known_coroutine)
                        .and_then(|_| a.child_by_field_name("function"))
                })
                .map(|f| cx.text(f).to_string())
                .collect();
            if let Some(bad) = arguments(call)
                .into_iter()
                .find(|a| spawn(*a, cx).is_none())
            {
                out.push(Diagnostic {
                    message: format!("`asyncio.gather` with unpacked results: `{}` is not a call of a coroutine function, which `anyio.gather` needs", cx.text(bad)),
                    ..diag
                });
                continue;
            }
            let mut edits = vec![Edit::replace(func.byte_range(), "anyio.gather")];
            match exception_group_handlers(stmt, cx) {
                Handlers::Untouched => {}
                Handlers::Rewrite(e) => edits.extend(e),
                Handlers::Blocked(why) => {
                    out.push(Diagnostic {
                        message: format!(
                            "`asyncio.gather` cannot become `anyio.gather` automatically: {why}"
                        ),
                        ..diag
                    });
                    continue;
                }
            }
            let (mut applicability, mut diag) = if assumed.is_empty() {
                (Applicability::Safe, diag)
            } else {
                let message = format!("{} (assumes each of `{}` is a coroutine function: `anyio.gather` rejects a future or task)", diag.message, assumed.join("`, `"));
                (Applicability::Unsafe, Diagnostic { message, ..diag })
            };
            if let Some(handler) = caller_catching_bare(stmt, cx) {
                applicability = Applicability::Unsafe;
                diag.message = format!("{} (a caller's {handler} catches the bare error, which now arrives inside an `ExceptionGroup`)", diag.message);
            }
            out.push(diag.with_fix(Fix::new(edits, applicability).with_imports(["anyio"])));
        }
    }
}
