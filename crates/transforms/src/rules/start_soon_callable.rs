//! AM205: `tg.start_soon(f(x))` passes a coroutine object; anyio wants `tg.start_soon(f, x)`.

use super::task_support::{arguments, is_module_coroutine, method_call, spawn};
use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::Node;

/// Coroutine objects passed to `start_soon` become callables.
pub struct StartSoonCallable {
    info: TransformInfo,
}

impl StartSoonCallable {
    /// The transform with its docs.
    pub fn new() -> Self {
        StartSoonCallable {
            info: TransformInfo {
                code: "AM205",
                name: "start-soon-callable",
                summary: "`tg.start_soon(f(x))` becomes `tg.start_soon(f, x)`".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "In the body of `async with anyio.create_task_group() as tg:`, rewrites `tg.start_soon(f(x, k=v))` to `tg.start_soon(f, x)` (`functools.partial` for keyword arguments) when `f` is an `async def` of the same module (another function may return a callable, which `start_soon` accepts).".into(),
                    why: "`start_soon` takes a callable and its arguments; given a coroutine object, anyio raises `TypeError` on asyncio and trio alike.".into(),
                    fix_safety: "Safe: the call's arguments are evaluated when `start_soon` is called in both forms, and the task runs the same coroutine.".into(),
                },
                examples: vec![Example {
                    before: "import anyio\n\nasync def worker(n, name):\n    pass\n\nasync def main():\n    async with anyio.create_task_group() as tg:\n        tg.start_soon(worker(1, name=\"a\"))\n".into(),
                    after: "import functools\n\nimport anyio\n\nasync def worker(n, name):\n    pass\n\nasync def main():\n    async with anyio.create_task_group() as tg:\n        tg.start_soon(functools.partial(worker, 1, name=\"a\"))\n".into(),
                    unsafe_fixes: false,
                }],
            },
        }
    }
}

/// Names bound by `async with anyio.create_task_group() as name:` around `node`.
fn is_task_group(node: Node, name: &str, cx: &FileContext) -> bool {
    cx.enclosing_with_items(node).iter().any(|w| {
        let opens = w.qualified.as_deref() == Some("anyio.create_task_group")
            || w.spelling == "anyio.create_task_group";
        opens && w.alias == Some(name)
    })
}

impl Transform for StartSoonCallable {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        vec![Trigger::All(vec![
            Trigger::Word("start_soon".into()),
            Trigger::Import("anyio".into()),
        ])]
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for call in cx.nodes_ending_in("call", "start_soon") {
            let Some((obj, method)) = method_call(call, cx) else {
                continue;
            };
            if method != "start_soon" || obj.kind() != "identifier" {
                continue;
            }
            let args = arguments(call);
            let [only] = args.as_slice() else { continue };
            let Some(s) = spawn(*only, cx) else { continue };
            // Only a call of an `async def` of this module surely makes a
            // coroutine object; another call may return a callable.
            if !only
                .child_by_field_name("function")
                .is_some_and(|f| is_module_coroutine(f, cx))
            {
                continue;
            }
            if !is_task_group(call, cx.text(obj), cx) {
                continue;
            }
            let mut imports = Vec::new();
            if s.needs_functools {
                imports.push("functools");
            }
            let drops_comment = cx.dropped_comment(only.byte_range(), &s.args).is_some();
            let (applicability, why) = if drops_comment {
                (Applicability::Unsafe, " (the fix would drop a comment)")
            } else {
                (Applicability::Safe, "")
            };
            out.push(
                Diagnostic::new(
                    self.info.code,
                    format!("`start_soon` takes a callable and its arguments, not a coroutine object{why}"),
                    call.byte_range(),
                )
                .with_fix(
                    Fix::new(
                        vec![Edit::replace(only.byte_range(), s.args)],
                        applicability,
                    )
                    .with_imports(imports),
                ),
            );
        }
    }
}
