//! AM212: `asyncio.current_task()` used only to tell tasks apart (kept as
//! an owner, compared with another current task) becomes
//! `anyio.get_current_task()`, compared with `==`.

use crate::{FileContext, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::{named_children, Node};

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM212";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::name("asyncio.current_task")]
}

/// The name a holder is known by: a variable's, or an attribute's last
/// name (`self._owner` in one method is `self._owner` in another).
fn holder_name<'a>(n: Node<'a>, cx: &FileContext<'a>) -> Option<&'a str> {
    match n.kind() {
        "identifier" => Some(cx.text(n)),
        "attribute" => n.child_by_field_name("attribute").map(|a| cx.text(a)),
        _ => None,
    }
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    let calls = cx.calls_to("asyncio.current_task");
    if calls.is_empty() {
        return;
    }
    let Some(edits) = identity_edits(&calls, cx) else {
        return;
    };
    for call in calls {
        out.push(
            Diagnostic::new(CODE, "`asyncio.current_task()` only tells tasks apart here: it becomes `anyio.get_current_task()`, compared with `==` (anyio's task info compares task ids, and a task that ended may share its id with a newer one, where asyncio compared the task objects)", call.byte_range())
                .with_fix(
                    Fix::new(edits.clone(), Applicability::Unsafe).with_imports(["anyio"]),
                )
                .superseding("AM901"),
        );
    }
}

/// The edits when every current task in the module is only kept and
/// compared: each call, and each `is` / `is not` between two task values.
/// `None` when one is used any other way (cancelled, awaited, passed on).
fn identity_edits(calls: &[Node], cx: &FileContext) -> Option<Vec<Edit>> {
    let is_call = |n: Node| calls.iter().any(|c| c.id() == n.id());
    let is_none = |n: Node| n.kind() == "none";
    // What holds a current task: the left sides of `X = asyncio.current_task()`.
    let mut holders: Vec<&str> = Vec::new();
    for call in calls {
        if call
            .child_by_field_name("arguments")
            .is_none_or(|a| !named_children(a).is_empty())
        {
            return None; // `current_task(loop)` / `current_task(task=…)`
        }
        let assign = call
            .parent()
            .filter(|p| p.kind() == "assignment" && p.child_by_field_name("right") == Some(*call));
        if let Some(assign) = assign {
            holders.push(holder_name(assign.child_by_field_name("left")?, cx)?);
        }
    }
    let is_holder = |n: Node| holder_name(n, cx).is_some_and(|h| holders.contains(&h));
    let task_value = |n: Node| is_call(n) || is_holder(n);
    let mut compare_edits: Vec<Edit> = Vec::new();
    let mut ok_comparison = |n: Node| -> bool {
        let Some((_, other, op)) = super::task_support::compared(n) else {
            return false;
        };
        if is_none(other) {
            return true;
        }
        if !task_value(other) {
            return false;
        }
        let new = match op.kind() {
            "is" => "==",
            "is not" => "!=",
            _ => return true,
        };
        let edit = Edit::replace(op.byte_range(), new);
        if !compare_edits.contains(&edit) {
            compare_edits.push(edit);
        }
        true
    };
    // Every call is kept or compared.
    for call in calls {
        let kept = call.parent().is_some_and(|p| {
            p.kind() == "assignment" && p.child_by_field_name("right") == Some(*call)
        });
        if !kept && !ok_comparison(*call) {
            return None;
        }
    }
    // Every use of a holder is an assignment of a current task or `None`,
    // or a comparison with one of those.
    for holder in &holders {
        let refs = cx
            .nodes_of_kind("identifier")
            .iter()
            .copied()
            .filter(|i| cx.text(*i) == *holder)
            .filter_map(|i| match i.parent() {
                Some(p) if p.kind() == "attribute" => {
                    (p.child_by_field_name("attribute") == Some(i)).then_some(p)
                }
                Some(p) if p.kind() == "keyword_argument" => None,
                _ => Some(i),
            });
        for r in refs {
            let assigned = r
                .parent()
                .filter(|p| p.kind() == "assignment" && p.child_by_field_name("left") == Some(r));
            if let Some(assign) = assigned {
                match assign.child_by_field_name("right") {
                    Some(v) if is_call(v) || is_none(v) => continue,
                    None => continue, // `x: T` declares it
                    _ => return None,
                }
            }
            if !ok_comparison(r) {
                return None;
            }
        }
    }
    let mut edits: Vec<Edit> = calls
        .iter()
        .map(|c| Edit::replace(c.byte_range(), "anyio.get_current_task()"))
        .collect();
    edits.extend(compare_edits);
    Some(edits)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    const OWNER: &str = "import asyncio\n\n\nclass Guard:\n    def __init__(self):\n        self._owner = None\n\n    async def enter(self):\n        if self._owner is not None and self._owner is not asyncio.current_task():\n            raise RuntimeError(\"held by another task\")\n        self._owner = asyncio.current_task()\n\n    def leave(self):\n        assert self._owner == asyncio.current_task()\n        self._owner = None\n";

    #[test]
    fn an_owner_kept_and_compared_becomes_task_info() {
        let found = run("AM212", OWNER);
        assert_eq!(found.len(), 3, "{found:?}");
        let (text, class) = found[0].fixed.clone().expect("a fix");
        assert_eq!(class, edit::Applicability::Unsafe);
        assert_eq!(
            text,
            OWNER
                .replace("asyncio.current_task()", "anyio.get_current_task()")
                .replace("self._owner is not anyio", "self._owner != anyio")
        );
    }

    #[test]
    fn a_task_used_otherwise_is_left_to_the_report() {
        for extra in [
            "    def stop(self):\n        self._owner.cancel()\n",
            "    def other(self, t):\n        return self._owner is t\n",
            "    async def run(self):\n        cancel_later(asyncio.current_task())\n",
        ] {
            let src = format!("{OWNER}\n{extra}");
            assert!(run("AM212", &src).is_empty(), "{extra}");
        }
    }
}
