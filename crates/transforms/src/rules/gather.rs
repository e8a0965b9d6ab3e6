//! AM201: `await asyncio.gather(f(a), g(b))` whose result is unused becomes a
//! task group that starts each call with `start_soon`.

use super::task_support::{
    anyio_gather, block, each, exception_group_handlers, gather_shape, spawn, GatherShape,
};
use super::task_support::{
    caller_catching_bare, name_used_elsewhere, positional, returns_exceptions,
};
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::Node;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM201";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::name("asyncio.gather")]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    for call in cx.calls_to("asyncio.gather") {
        let hint = "start each call in a task group: `async with anyio.create_task_group() as tg: tg.start_soon(f, a)`; collect results in a pre-allocated list from a small helper that stores `results[i]`";
        match gather_shape(call, cx) {
            GatherShape::Unused { stmt } => {
                let diag = Diagnostic::new(
                    CODE,
                    "`asyncio.gather` becomes a task group",
                    stmt.byte_range(),
                );
                out.push(match rewrite(call, stmt, cx) {
                    Ok((fix, note)) => Diagnostic {
                        message: format!("{}{note}", diag.message),
                        ..diag
                    }
                    .with_fix(fix),
                    // Coroutine objects built beforehand still fit `anyio.gather`.
                    Err(why) => match anyio_gather(call, stmt, false, cx) {
                        Ok((fix, note)) => Diagnostic {
                            message: format!("`asyncio.gather` becomes `anyio.gather` (not a task group: {why}){note}"),
                            ..diag
                        }
                        .with_fix(fix),
                        Err(_) => Diagnostic {
                            message: format!(
                                "`asyncio.gather` cannot become a task group automatically: {why}"
                            ),
                            range: call.byte_range(),
                            ..diag
                        }
                        .with_hint(hint),
                    },
                });
            }
            GatherShape::Other(why) => out.push(
                Diagnostic::new(
                    CODE,
                    format!("`asyncio.gather` runs tasks without a task group: {why}"),
                    call.byte_range(),
                )
                .with_hint(hint),
            ),
            // AM202 and AM203 handle these.
            GatherShape::Used { .. }
            | GatherShape::Collected { .. }
            | GatherShape::Captured { .. } => {}
        }
    }
}

/// The fix, and why it is unsafe when it is.
fn rewrite(call: Node, stmt: Node, cx: &FileContext) -> Result<(Fix, String), String> {
    let indent = cx.indent_at(stmt.start_byte());
    let tg = cx.fresh_name(stmt, "tg", &[]);
    let mut lines = vec![(0, format!("async with anyio.create_task_group() as {tg}:"))];
    let mut functools = false;
    let mut assumed: Vec<String> = Vec::new();
    // With `return_exceptions=True` a failing call must not cancel the others.
    let swallow = returns_exceptions(call, cx) == Some(true);
    let mut helper = String::new();
    if swallow {
        helper = cx.fresh_name(stmt, "_ignoring_errors", std::slice::from_ref(&tg));
        lines.insert(0, (0, format!("async def {helper}(func, *args):")));
        lines.insert(1, (1, "try:".into()));
        lines.insert(2, (2, "await func(*args)".into()));
        lines.insert(3, (1, "except Exception:".into()));
        lines.insert(4, (2, "pass".into()));
        lines.insert(5, (0, String::new()));
    }
    let spawn_text = |args: &str| {
        if swallow {
            format!("{helper}, {args}")
        } else {
            args.to_string()
        }
    };
    for arg in positional(call) {
        if let Some(s) = spawn(arg, cx) {
            functools |= s.needs_functools;
            if !s.known_coroutine {
                assumed.push(
                    cx.text(arg.child_by_field_name("function").unwrap_or(arg))
                        .to_string(),
                );
            }
            lines.push((1, format!("{tg}.start_soon({})", spawn_text(&s.args))));
        } else if let Some(e) = each(arg) {
            let s =
                spawn(e.call, cx).ok_or("the comprehension's call is not of a plain function")?;
            if !s.known_coroutine {
                assumed.push(
                    cx.text(e.call.child_by_field_name("function").unwrap_or(e.call))
                        .to_string(),
                );
            }
            if name_used_elsewhere(stmt, cx.text(e.var), arg, cx) {
                return Err(format!(
                    "the loop variable `{}` is also used outside the comprehension",
                    cx.text(e.var)
                ));
            }
            functools |= s.needs_functools;
            lines.push((
                1,
                format!("for {} in {}:", cx.text(e.var), cx.text(e.iterable)),
            ));
            lines.push((2, format!("{tg}.start_soon({})", spawn_text(&s.args))));
        } else {
            return Err(format!(
                "the argument `{}` is not a call of a plain function",
                cx.text(arg)
            ));
        }
    }
    if lines.len() == 1 + if swallow { 6 } else { 0 } {
        return Err("`gather()` with no arguments".into());
    }
    let new_text = block(&lines, indent, cx);
    let mut edits = vec![Edit::replace(stmt.byte_range(), new_text.clone())];
    // A nested `def` right after another statement gets a blank line
    // before it, as a formatter puts one.
    let start = syntax::line_start(cx.src, stmt.start_byte());
    let previous_line = cx.src[..start.saturating_sub(1)]
        .rsplit('\n')
        .next()
        .unwrap_or("");
    let after_code = stmt
        .prev_named_sibling()
        .is_some_and(|p| p.kind() != "comment")
        && !previous_line.trim().is_empty();
    if swallow && after_code {
        edits.push(Edit::insert(start, cx.style.newline.as_str()));
    }
    edits.extend(exception_group_handlers(stmt, cx)?);
    // A callee not known to be a coroutine function may return a future
    // or a task, which `start_soon` rejects.
    let mut applicability = if swallow || !assumed.is_empty() {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    let mut note = String::new();
    if swallow {
        note = " (`return_exceptions=True`: the rewrite ignores each call's exception, where `gather` returned it; a `BaseException` such as a cancellation is not ignored)".into();
    } else if !assumed.is_empty() {
        note = format!(" (assumes each of `{}` is a coroutine function: a call returning a future or task would fail in `start_soon`)", assumed.join("`, `"));
    }
    if cx.dropped_comment(stmt.byte_range(), &new_text).is_some() {
        applicability = Applicability::Unsafe;
        note.push_str(crate::DROPS_COMMENT);
    }
    if let Some(handler) = caller_catching_bare(stmt, cx) {
        applicability = Applicability::Unsafe;
        note.push_str(&format!(" (a caller's {handler} catches the bare error, which now arrives inside an `ExceptionGroup`)"));
    }
    let mut imports = vec!["anyio"];
    if functools {
        imports.push("functools");
    }
    Ok((Fix::new(edits, applicability).with_imports(imports), note))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn calls_of_module_coroutines_start_in_a_task_group() {
        let src = "import asyncio\n\nasync def f(): ...\n\nasync def main():\n    await asyncio.gather(f(), f())\n";
        let found = run("AM201", src);
        assert_fixes(
            &found,
            "`asyncio.gather` becomes a task group",
            "import asyncio\n\nasync def f(): ...\n\nasync def main():\n    async with anyio.create_task_group() as tg:\n        tg.start_soon(f)\n        tg.start_soon(f)\n",
            edit::Applicability::Safe,
        );
    }

    #[test]
    fn coroutine_objects_built_beforehand_go_to_anyio_gather() {
        let src = "import asyncio\n\nasync def main(tasks):\n    await asyncio.gather(*tasks)\n";
        let found = run("AM201", src);
        assert_fixes(
            &found,
            "`asyncio.gather` becomes `anyio.gather` (not a task group: the argument `*tasks` is not a call of a plain function) (assumes `*tasks` holds coroutine objects: `anyio.gather` rejects a future or task)",
            "import asyncio\n\nasync def main(tasks):\n    await anyio.gather(*tasks)\n",
            edit::Applicability::Unsafe,
        );
    }

    #[test]
    fn a_used_result_is_left_to_am202() {
        let src = "import asyncio\n\nasync def f(): ...\n\nasync def main():\n    a, b = await asyncio.gather(f(), f())\n";
        assert!(run("AM201", src).is_empty());
    }
}
