//! AM503: `loop = asyncio.get_running_loop()` with no use left, typically
//! what is left after `run_in_executor` became `to_thread.run_sync` or
//! `loop.time()` became `anyio.current_time()`.

use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Fix};
use syntax::preorder;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM503";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![
        Trigger::name("asyncio.get_running_loop"),
        Trigger::name("asyncio.get_event_loop"),
    ]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    // Inside a coroutine `get_event_loop()` returns the running loop too.
    let getters = ["asyncio.get_running_loop", "asyncio.get_event_loop"];
    for call in getters.iter().flat_map(|g| cx.calls_to(g)) {
        if !syntax::is_call_without_arguments(call) {
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
        let Some(func_def) = syntax::enclosing_scope(stmt) else {
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
        let edit = semantic::delete_statement(stmt, cx.src);
        out.push(
            Diagnostic::new(
                CODE,
                format!("`{name}` is never used: the `{}` call goes", cx.text(call)),
                stmt.byte_range(),
            )
            .with_fix(Fix::new(vec![edit], Applicability::Safe)),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn an_unused_loop_goes() {
        let src = "import asyncio\n\nasync def main():\n    loop = asyncio.get_running_loop()\n    return 1\n";
        let found = run("AM503", src);
        assert_fixes(
            &found,
            "`loop` is never used: the `asyncio.get_running_loop()` call goes",
            "import asyncio\n\nasync def main():\n    return 1\n",
            edit::Applicability::Safe,
        );
    }

    #[test]
    fn a_used_loop_or_a_sync_function_is_left() {
        let src = "import asyncio\n\nasync def main():\n    loop = asyncio.get_running_loop()\n    return loop\n\ndef sync():\n    loop = asyncio.get_event_loop()\n";
        assert!(run("AM503", src).is_empty());
    }
}
