//! AM205: `tg.start_soon(f(x))` passes a coroutine object; anyio wants `tg.start_soon(f, x)`.

use super::task_support::{is_module_coroutine, method_call, spawn};
use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::arguments;
use syntax::Node;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM205";

/// Names bound by `async with anyio.create_task_group() as name:` around `node`.
fn is_task_group(node: Node, name: &str, cx: &FileContext) -> bool {
    cx.enclosing_with_items(node).iter().any(|w| {
        let opens = w.qualified.as_deref() == Some("anyio.create_task_group")
            || w.spelling == "anyio.create_task_group";
        opens && w.alias == Some(name)
    })
}

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::All(vec![
        Trigger::Word("start_soon".into()),
        Trigger::Import("anyio".into()),
    ])]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
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
        let drops = cx.dropped_comment(only.byte_range(), &s.args).is_some();
        let applicability = if drops {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        let mut message =
            "`start_soon` takes a callable and its arguments, not a coroutine object".to_string();
        if drops {
            message.push_str(crate::DROPS_COMMENT);
        }
        out.push(
            Diagnostic::new(CODE, message, call.byte_range()).with_fix(
                Fix::new(
                    vec![Edit::replace(only.byte_range(), s.args)],
                    applicability,
                )
                .with_imports(imports),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn a_coroutine_object_becomes_the_function_and_its_arguments() {
        let src = "import anyio\n\nasync def work(a, k=0): ...\n\nasync def main():\n    async with anyio.create_task_group() as tg:\n        tg.start_soon(work(1))\n";
        let found = run("AM205", src);
        assert_fixes(
            &found,
            "`start_soon` takes a callable and its arguments, not a coroutine object",
            "import anyio\n\nasync def work(a, k=0): ...\n\nasync def main():\n    async with anyio.create_task_group() as tg:\n        tg.start_soon(work, 1)\n",
            edit::Applicability::Safe,
        );
    }
}
