//! AM504: the running loop's clock, `loop.time()`, becomes `anyio.current_time()`.

use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::{preorder, Node};

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM504";

/// The functions that return the running loop inside a coroutine.
const LOOP_GETTERS: [&str; 2] = ["asyncio.get_running_loop", "asyncio.get_event_loop"];

/// `recv.time()` with no arguments: the whole call.
fn time_call<'t>(recv: Node<'t>, cx: &FileContext) -> Option<Node<'t>> {
    let attr = recv
        .parent()
        .filter(|a| a.kind() == "attribute" && a.child_by_field_name("object") == Some(recv))?;
    if attr.child_by_field_name("attribute").map(|n| cx.text(n)) != Some("time") {
        return None;
    }
    attr.parent()
        .filter(|c| syntax::is_call_without_arguments(*c))
}

/// The innermost function, lambda or class around `node`, if it is an `async def`.
fn coroutine_around(node: Node) -> Option<Node> {
    syntax::enclosing_scope(node).filter(|f| syntax::is_async_def(*f))
}

pub(super) fn triggers() -> Vec<Trigger> {
    LOOP_GETTERS.iter().map(|g| Trigger::name(g)).collect()
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    let fix = |call: Node, out: &mut Vec<Diagnostic>| {
        out.push(
            Diagnostic::new(
                CODE,
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
            let no_args = syntax::is_call_without_arguments(call);
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
                edits.push(semantic::delete_statement(stmt, cx.src));
            }
            out.push(
                Diagnostic::new(
                    CODE,
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

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn the_loop_clock_becomes_anyios() {
        let src = "import asyncio\n\nasync def main():\n    loop = asyncio.get_running_loop()\n    return loop.time()\n";
        let found = run("AM504", src);
        assert_fixes(
            &found,
            "the loop's `time()` becomes `anyio.current_time()`, and `loop` goes",
            "import asyncio\n\nasync def main():\n    return anyio.current_time()\n",
            edit::Applicability::Safe,
        );
    }
}
