//! AM504: the running loop's clock, `loop.time()`, becomes `anyio.current_time()`.

use super::unused_running_loop::delete_statement_line;
use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::{preorder, Node};

/// The functions that return the running loop inside a coroutine.
const LOOP_GETTERS: [&str; 2] = ["asyncio.get_running_loop", "asyncio.get_event_loop"];

/// Rewrites the loop clock read in a coroutine to anyio's clock.
pub struct LoopTime {
    info: TransformInfo,
}

impl LoopTime {
    /// The transform with its docs.
    pub fn new() -> Self {
        LoopTime {
            info: TransformInfo {
                code: "AM504",
                name: "loop-time",
                summary: "`asyncio.get_running_loop().time()` and `loop.time()` in a coroutine become `anyio.current_time()`".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "Rewrites `asyncio.get_running_loop().time()` (or `get_event_loop()`) inside an `async def`, and `loop.time()` where `loop` is a local of the same `async def` assigned once from one of them, to `anyio.current_time()`. The `loop = ...` line goes when the clock was its only use (or, after other rewrites, with its last use: AM503).".into(),
                    why: "Deadlines and durations measured on the loop's clock are measured on anyio's clock in anyio code: it is the same monotonic clock, and it works on trio too. The loop object it came from would otherwise keep `import asyncio` alive.".into(),
                    fix_safety: "Safe: on the asyncio backend `anyio.current_time()` returns the running loop's `time()`, and inside a coroutine both calls return the running loop. Uses in a nested function or lambda are left alone (a loop callback runs outside any task, where anyio cannot tell which library is running), as are loops kept on attributes and reads in synchronous functions.".into(),
                },
                examples: vec![Example {
                    before: "import asyncio\n\nasync def timed(job):\n    loop = asyncio.get_running_loop()\n    start = loop.time()\n    await job()\n    return loop.time() - start\n".into(),
                    after: "import anyio\n\nasync def timed(job):\n    start = anyio.current_time()\n    await job()\n    return anyio.current_time() - start\n".into(),
                    unsafe_fixes: false,
                }],
            },
        }
    }
}

/// `recv.time()` with no arguments: the whole call.
fn time_call<'t>(recv: Node<'t>, cx: &FileContext) -> Option<Node<'t>> {
    let attr = recv
        .parent()
        .filter(|a| a.kind() == "attribute" && a.child_by_field_name("object") == Some(recv))?;
    if attr.child_by_field_name("attribute").map(|n| cx.text(n)) != Some("time") {
        return None;
    }
    attr.parent().filter(|c| {
        c.kind() == "call"
            && c.child_by_field_name("arguments")
                .is_some_and(|a| a.named_child_count() == 0)
    })
}

/// The innermost function, lambda or class around `node`, if it is an `async def`.
fn coroutine_around(node: Node) -> Option<Node> {
    syntax::enclosing(node, &["function_definition", "lambda", "class_definition"])
        .filter(|f| syntax::is_async_def(*f))
}

impl Transform for LoopTime {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        LOOP_GETTERS.iter().map(|g| Trigger::name(g)).collect()
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let fix = |call: Node, out: &mut Vec<Diagnostic>| {
            out.push(
                Diagnostic::new(
                    self.info.code,
                    "the loop's `time()` becomes `anyio.current_time()`",
                    call.byte_range(),
                )
                .with_fix(
                    Fix::new(
                        vec![Edit::replace(call.byte_range(), "anyio.current_time()")],
                        Applicability::Safe,
                    )
                    .with_imports(["anyio"]),
                ),
            );
        };
        for getter in LOOP_GETTERS {
            for call in cx.calls_to(getter) {
                let no_args = call
                    .child_by_field_name("arguments")
                    .is_some_and(|a| a.named_child_count() == 0);
                let Some(func) = coroutine_around(call).filter(|_| no_args) else {
                    continue;
                };
                if let Some(time) = time_call(call, cx) {
                    fix(time, out);
                    continue;
                }
                // `loop = asyncio.get_running_loop()`, the only binding of
                // `loop` in this coroutine: its `loop.time()` reads.
                let Some(target) = call
                    .parent()
                    .filter(|a| a.kind() == "assignment")
                    .and_then(|a| a.child_by_field_name("left"))
                    .filter(|l| l.kind() == "identifier")
                else {
                    continue;
                };
                let name = cx.text(target);
                let uses: Vec<Node> = preorder(func)
                    .map(|(n, _)| n)
                    .filter(|n| n.kind() == "identifier" && *n != target && cx.text(*n) == name)
                    .collect();
                let rebound = uses.iter().any(|n| {
                    n.parent().is_some_and(|p| {
                        matches!(
                            p.kind(),
                            "assignment"
                                | "augmented_assignment"
                                | "for_statement"
                                | "for_in_clause"
                                | "as_pattern_target"
                                | "global_statement"
                                | "nonlocal_statement"
                                | "pattern_list"
                                | "tuple_pattern"
                                | "named_expression"
                                | "parameters"
                        ) && p.child_by_field_name("right") != Some(*n)
                            && p.child_by_field_name("value") != Some(*n)
                    })
                });
                if rebound {
                    continue;
                }
                // Only reads in this coroutine's own body, after the assignment.
                let reads: Vec<Node> = uses
                    .iter()
                    .filter(|u| {
                        u.start_byte() > call.end_byte()
                            && coroutine_around(**u).map(|f| f.id()) == Some(func.id())
                    })
                    .filter_map(|u| time_call(*u, cx))
                    .collect();
                if reads.is_empty() {
                    continue;
                }
                // When the clock was all it was for, the assignment goes too.
                let stmt = call
                    .parent()
                    .and_then(|a| a.parent())
                    .filter(|s| s.kind() == "expression_statement" && cx.owns_its_lines(*s));
                let mut edits: Vec<Edit> = reads
                    .iter()
                    .map(|t| Edit::replace(t.byte_range(), "anyio.current_time()"))
                    .collect();
                if let Some(stmt) = stmt.filter(|_| reads.len() == uses.len()) {
                    edits.push(delete_statement_line(cx, stmt));
                }
                out.push(
                    Diagnostic::new(
                        self.info.code,
                        format!(
                            "the loop's `time()` becomes `anyio.current_time()`{}",
                            if reads.len() == uses.len() {
                                format!(", and `{name}` goes")
                            } else {
                                String::new()
                            }
                        ),
                        reads[0].byte_range(),
                    )
                    .with_fix(Fix::new(edits, Applicability::Safe).with_imports(["anyio"])),
                );
            }
        }
    }
}
