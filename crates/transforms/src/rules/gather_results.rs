//! AM202: `a, b = await asyncio.gather(f(x), g(y))`, and every other awaited
//! `gather` whose result is used, becomes `anyio.gather`.

use super::task_support::{anyio_gather, gather_shape, GatherShape};
use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic};

/// Gathers whose results are used become anyio's own `gather`.
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
                summary: "`a, b = await asyncio.gather(f(x), g(y))` becomes `a, b = await anyio.gather(f(x), g(y))`; a result used as a list gets `list(...)`".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "Rewrites an awaited `gather` whose result is used to anyio's `gather` (anyio 4.15+; `--target-anyio` below that reports it instead): unpacked (`a, b = await ...`), iterated (`for r in await ...`), or passed to a builtin that takes any iterable, it stays as it is; returned, assigned, compared or used any other way, it is wrapped in `list(...)`, because `anyio.gather` returns a tuple where `asyncio.gather` returned a list. The handlers of an enclosing `try` in the same function become `except*`. A gather over one comprehension assigned to a name is AM203's; one whose result is unused is AM201's.".into(),
                    why: "This is the compact form the project chose for results of a fixed number of calls: `anyio.gather` runs the coroutines in a task group and returns their results in argument order, so the statement stays one readable line; a helper per call storing its result with `nonlocal` would need four lines per call. The coroutine objects are created up front, exactly as the original did.".into(),
                    fix_safety: "Safe when every argument is a call of a coroutine function of the module: results come back in argument order (as a list where the code may need one), and the calls run concurrently in a task group. Unsafe when an argument is a coroutine object built elsewhere (`*coros`, `t`) or a call of a function not known to be a coroutine function: `anyio.gather` fails on a future or a task, which `asyncio.gather` took; a call that returns a task or future (`create_task`, `ensure_future`) is reported. `return_exceptions=True` with the results used is reported (`anyio.gather` has no such option). `anyio.gather` raises an `ExceptionGroup` where `asyncio.gather` raised the first exception bare; handlers of a `try` around it in the same function become `except*`, and where one cannot the site is reported. Callers further up are not visible to the tool. Where another function of the module calls this one inside a `try` with a plain `except` (which would stop matching the `ExceptionGroup`), the fix is unsafe and the message names that handler; callers in other modules are not seen: check them, or catch with `except*`.".into(),
                },
                examples: vec![Example {
                    before: "import asyncio\n\nasync def get_user(uid):\n    ...\n\nasync def get_posts(uid):\n    ...\n\nasync def page(uid):\n    user, posts = await asyncio.gather(get_user(uid), get_posts(uid))\n    return user, posts\n".into(),
                    after: "import anyio\n\nasync def get_user(uid):\n    ...\n\nasync def get_posts(uid):\n    ...\n\nasync def page(uid):\n    user, posts = await anyio.gather(get_user(uid), get_posts(uid))\n    return user, posts\n".into(),
                    unsafe_fixes: false,
                }, Example {
                    before: "import asyncio\n\nasync def price(symbol):\n    ...\n\nasync def prices():\n    return await asyncio.gather(price(\"a\"), price(\"b\"))\n".into(),
                    after: "import anyio\n\nasync def price(symbol):\n    ...\n\nasync def prices():\n    return list(await anyio.gather(price(\"a\"), price(\"b\")))\n".into(),
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
            let GatherShape::Used {
                awaited,
                needs_list,
            } = gather_shape(call, cx)
            else {
                continue;
            };
            let unpacked = awaited.parent().is_some_and(|p| {
                p.kind() == "assignment"
                    && p.child_by_field_name("left").is_some_and(|l| {
                        matches!(l.kind(), "pattern_list" | "tuple_pattern" | "list_pattern")
                    })
            });
            let (what, range) = match syntax::statement_anchor(awaited) {
                Some(stmt) if unpacked => ("with unpacked results", stmt.byte_range()),
                _ => ("whose result is used", awaited.byte_range()),
            };
            let diag = Diagnostic::new(
                self.info.code,
                format!("`asyncio.gather` {what} becomes `anyio.gather`"),
                range,
            );
            match anyio_gather(call, awaited, needs_list, cx) {
                Ok((fix, mut note)) => {
                    if needs_list {
                        note.insert_str(0, " in `list(...)` (it returns a tuple)");
                    }
                    out.push(
                        Diagnostic {
                            message: format!("{}{note}", diag.message),
                            ..diag
                        }
                        .with_fix(fix),
                    );
                }
                Err(why) => out.push(
                    Diagnostic {
                        message: format!("`asyncio.gather` {what}: {why}"),
                        ..diag
                    }
                    .with_hint("start each call in a task group from a small `async def` that stores its result with `nonlocal`"),
                ),
            }
        }
    }
}
