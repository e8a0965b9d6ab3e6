//! AM202: `a, b = await asyncio.gather(f(x), g(y))`, and every other awaited
//! `gather` whose result is used, becomes `anyio.gather`.

use super::task_support::{anyio_gather, block, gather_shape, spawn, GatherShape};
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::Node;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM202";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::name("asyncio.gather")]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    for call in cx.calls_to("asyncio.gather") {
        let (awaited, needs_list) = match gather_shape(call, cx) {
            GatherShape::Used {
                awaited,
                needs_list,
            } => (awaited, needs_list),
            GatherShape::Captured {
                stmt,
                target,
                calls,
            } => {
                out.extend(captured(stmt, target, &calls, cx));
                continue;
            }
            _ => continue,
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

/// Why the capturing form is unsafe, in one clause.
const CAPTURE_UNSAFE: &str = "a `BaseException` that is not an `Exception`, such as a task's own cancellation, is raised where `gather` stored it in the results";

/// `results = await asyncio.gather(f(a), g(b), return_exceptions=True)`:
/// a pre-allocated list, a small `async def` that stores each call's result
/// or exception in its place, and a task group that starts one per call
/// (anyio has no `return_exceptions`).
fn captured(stmt: Node, target: Node, calls: &[Node], cx: &FileContext) -> Option<Diagnostic> {
    let diag = Diagnostic::new(
        CODE,
        format!("`asyncio.gather` with `return_exceptions=True` becomes a task group that stores each result or exception ({CAPTURE_UNSAFE})"),
        stmt.byte_range(),
    );
    let spawns: Option<Vec<_>> = calls.iter().map(|c| spawn(*c, cx)).collect();
    let Some(spawns) = spawns else {
        return Some(Diagnostic {
            message: "`asyncio.gather` with `return_exceptions=True` whose results are used: an argument is not a call of a plain function".into(),
            ..diag
        });
    };
    // The helper's own names must not hide the results list.
    let helper_names = ["i", "func", "args", "exc"];
    let results = match target.kind() {
        "identifier" if !helper_names.contains(&cx.text(target)) => cx.text(target).to_string(),
        _ => cx.fresh_name(stmt, "results", &helper_names.map(String::from)),
    };
    let helper = cx.fresh_name(stmt, "_capture", std::slice::from_ref(&results));
    let tg = cx.fresh_name(stmt, "tg", &[results.clone(), helper.clone()]);
    let mut lines = vec![
        (0, format!("{results} = [None] * {}", calls.len())),
        (0, String::new()),
        (0, format!("async def {helper}(i, func, *args):")),
        (1, "try:".to_string()),
        (2, format!("{results}[i] = await func(*args)")),
        (1, "except Exception as exc:".to_string()),
        (2, format!("{results}[i] = exc")),
        (0, String::new()),
        (0, format!("async with anyio.create_task_group() as {tg}:")),
    ];
    let mut imports = vec!["anyio"];
    for (i, s) in spawns.iter().enumerate() {
        if s.needs_functools && !imports.contains(&"functools") {
            imports.push("functools");
        }
        lines.push((1, format!("{tg}.start_soon({helper}, {i}, {})", s.args)));
    }
    if target.kind() != "identifier" || cx.text(target) != results {
        lines.push((0, format!("{} = {results}", cx.text(target))));
    }
    let new_text = block(&lines, cx.indent_at(stmt.start_byte()), cx);
    if cx.dropped_comment(stmt.byte_range(), &new_text).is_some() {
        return Some(Diagnostic {
            message: format!("{}{}", diag.message, crate::DROPS_COMMENT),
            ..diag
        });
    }
    Some(
        diag.with_fix(
            Fix::new(
                vec![Edit::replace(stmt.byte_range(), new_text)],
                Applicability::Unsafe,
            )
            .with_imports(imports),
        ),
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn unpacked_results_go_to_anyio_gather() {
        let src = "import asyncio\n\nasync def f(): ...\n\nasync def main():\n    a, b = await asyncio.gather(f(), f())\n";
        let found = run("AM202", src);
        assert_fixes(
            &found,
            "`asyncio.gather` with unpacked results becomes `anyio.gather`",
            "import asyncio\n\nasync def f(): ...\n\nasync def main():\n    a, b = await anyio.gather(f(), f())\n",
            edit::Applicability::Safe,
        );
    }

    #[test]
    fn below_anyio_4_15_it_is_reported() {
        let src = "import asyncio\n\nasync def f(): ...\n\nasync def main():\n    a, b = await asyncio.gather(f(), f())\n";
        let found = run_with(
            "AM202",
            src,
            crate::Targets {
                anyio: (4, 14),
                ..Default::default()
            },
        );
        assert_reports(&found, "`asyncio.gather` with unpacked results: `anyio.gather` needs anyio 4.15 (--target-anyio)");
    }
}
