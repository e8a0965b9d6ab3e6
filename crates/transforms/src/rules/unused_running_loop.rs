//! AM503: `loop = asyncio.get_running_loop()` with no use left.

use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::{preorder, Node};

/// Removes a `get_running_loop()` assignment whose variable nothing uses,
/// typically what is left after `run_in_executor` became `to_thread.run_sync`
/// or `loop.time()` became `anyio.current_time()`.
pub struct UnusedLoop {
    info: TransformInfo,
}

impl UnusedLoop {
    /// The transform with its docs.
    pub fn new() -> Self {
        UnusedLoop {
            info: TransformInfo {
                code: "AM503",
                name: "unused-running-loop",
                summary: "`loop = asyncio.get_running_loop()` (or `get_event_loop()`) in a coroutine is removed once nothing uses `loop`".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "Deletes `name = asyncio.get_running_loop()` (or `asyncio.get_event_loop()`) inside an `async def` when the function never reads `name`.".into(),
                    why: "After `loop.run_in_executor(None, …)` becomes `anyio.to_thread.run_sync(…)` the loop variable is dead, and it would keep `import asyncio` (and asyncio-only behaviour) alive.".into(),
                    fix_safety: "Safe: inside a coroutine both calls return the running loop, always succeed and have no side effect. Not applied in synchronous functions, where they may raise or create a loop.".into(),
                },
                examples: vec![Example {
                    before: "import asyncio\n\nimport anyio\n\nasync def checksum(data):\n    loop = asyncio.get_running_loop()\n    return await anyio.to_thread.run_sync(crc32, data)\n".into(),
                    after: "import anyio\n\nasync def checksum(data):\n    return await anyio.to_thread.run_sync(crc32, data)\n".into(),
                    unsafe_fixes: false,
                }],
            },
        }
    }
}

impl Transform for UnusedLoop {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        vec![
            Trigger::name("asyncio.get_running_loop"),
            Trigger::name("asyncio.get_event_loop"),
        ]
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        // Inside a coroutine `get_event_loop()` returns the running loop too.
        let getters = ["asyncio.get_running_loop", "asyncio.get_event_loop"];
        for call in getters.iter().flat_map(|g| cx.calls_to(g)) {
            let no_args = call
                .child_by_field_name("arguments")
                .is_some_and(|a| a.named_child_count() == 0);
            if !no_args {
                continue;
            }
            let Some(assign) = call.parent().filter(|p| p.kind() == "assignment") else {
                continue;
            };
            let Some(target) = assign
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier")
            else {
                continue;
            };
            let Some(stmt) = assign
                .parent()
                .filter(|s| s.kind() == "expression_statement")
            else {
                continue;
            };
            let Some(func_def) =
                syntax::enclosing(stmt, &["function_definition", "lambda", "class_definition"])
            else {
                continue;
            };
            if !syntax::is_async_def(func_def) || !cx.owns_its_lines(stmt) {
                continue;
            }
            let name = cx.text(target);
            let used = preorder(func_def)
                .any(|(n, _)| n.kind() == "identifier" && n != target && cx.text(n) == name);
            if used {
                continue;
            }
            let edit = delete_statement_line(cx, stmt);
            out.push(
                Diagnostic::new(
                    self.info.code,
                    format!("`{name}` is never used: the `{}` call goes", cx.text(call)),
                    stmt.byte_range(),
                )
                .with_fix(Fix::new(vec![edit], Applicability::Safe)),
            );
        }
    }
}

/// Deletes a statement's whole line, or makes it `pass` when it is alone in its block.
pub(super) fn delete_statement_line(cx: &FileContext, stmt: Node) -> Edit {
    let alone = stmt.parent().is_some_and(|b| {
        syntax::named_children(b)
            .iter()
            .filter(|c| c.kind() != "comment")
            .count()
            == 1
    });
    if alone {
        return Edit::replace(stmt.byte_range(), "pass");
    }
    let start = syntax::line_start(cx.src, stmt.start_byte());
    let end = syntax::line_end(cx.src, stmt.end_byte());
    Edit::delete(start..end)
}
