//! AM202: `a, b = await asyncio.gather(f(x), g(y))`, and every other awaited
//! `gather` whose result is used, becomes `anyio.gather`.

use super::task_support::{anyio_gather, gather_shape, GatherShape};
use crate::{FileContext, Trigger};
use edit::Diagnostic;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM202";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::name("asyncio.gather")]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
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
            CODE,
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
