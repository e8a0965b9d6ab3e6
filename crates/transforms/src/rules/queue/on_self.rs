//! A queue kept on `self._name` by one class: the pair of ends becomes two
//! attributes, and every method's use changes with them.

use super::uses::{first_line, MethodUse, Side};
use super::{buffer_size, type_argument, would_block_edits};
use crate::FileContext;
use edit::{Applicability, Edit, Fix};
use std::ops::Range;
use syntax::Node;

/// The rewrite of `self._q = asyncio.Queue(...)` (the assignment `assign`)
/// in a method, or why it cannot be done.
pub fn rewrite(call: Node, assign: Node, cx: &FileContext) -> Result<(Range<usize>, Fix), String> {
    let target = assign
        .child_by_field_name("left")
        .filter(|l| l.kind() == "attribute")
        .ok_or("it is not assigned to a plain name or an attribute of `self`")?;
    let object = target.child_by_field_name("object").ok_or("malformed")?;
    let attr = target
        .child_by_field_name("attribute")
        .map(|a| cx.text(a))
        .ok_or("malformed")?;
    let stmt = assign
        .parent()
        .filter(|s| s.kind() == "expression_statement" && cx.owns_its_lines(*s))
        .ok_or("its assignment does not stand on its own lines")?;
    let (class, self_name) = method_of(stmt, cx)
        .filter(|(_, s)| *s == cx.text(object))
        .ok_or("it is stored on an object other than the `self` of a method")?;
    if !attr.starts_with('_') {
        return Err(format!(
            "it is kept on the public attribute `{}`, which code in other modules can use (make it private to migrate it)",
            cx.text(target)
        ));
    }
    let size = buffer_size(call, cx)?;
    let taken = |name: &str| {
        cx.nodes_ending_in("name", name)
            .iter()
            .any(|n| n.kind() == "attribute")
    };
    let fresh = |base: String| {
        (1..)
            .map(|i| {
                if i == 1 {
                    base.clone()
                } else {
                    format!("{base}_{i}")
                }
            })
            .find(|n| !taken(n))
            .unwrap_or_default()
    };
    let send = fresh(format!("{attr}_send"));
    let receive = fresh(format!("{attr}_receive"));
    let mut edits = Vec::new();
    let mut blockers = Vec::new();
    for node in cx.nodes_ending_in("name", attr) {
        if node.kind() != "attribute" || node == target {
            continue;
        }
        let Some((_, self_name)) = method_of(node, cx).filter(|(c, _)| *c == class) else {
            blockers.push(format!(
                "`{}` (used outside the class's methods)",
                first_line(node, cx)
            ));
            continue;
        };
        let through_self = node
            .child_by_field_name("object")
            .is_some_and(|o| o.kind() == "identifier" && cx.text(o) == self_name);
        if !through_self {
            blockers.push(format!(
                "`{}` (used on another object than `self`)",
                first_line(node, cx)
            ));
            continue;
        }
        let object = cx.text(node.child_by_field_name("object").unwrap_or(node));
        match MethodUse::of(node, cx) {
            // A worker pool's shutdown is followed only in one function.
            Ok(u) if matches!(u.side, Side::Join | Side::TaskDone) => {
                blockers.push(format!("`{}`", cx.text(u.call)))
            }
            Ok(u) => edits.extend(u.edit(
                &format!("{object}.{send}"),
                &format!("{object}.{receive}"),
                cx,
            )),
            Err(why) => blockers.push(why),
        }
    }
    if !blockers.is_empty() {
        blockers.sort();
        blockers.dedup();
        return Err(format!("it is used as {}", blockers.join(", ")));
    }
    edits.extend(would_block_edits(class, cx));
    edits.push(Edit::replace(
        stmt.byte_range(),
        format!(
            "{self_name}.{send}, {self_name}.{receive} = anyio.create_memory_object_stream{}({size})",
            type_argument(assign, cx)
        ),
    ));
    let mut imports = vec!["anyio"];
    if size == "math.inf" {
        imports.push("math");
    }
    Ok((
        stmt.byte_range(),
        Fix::new(edits, Applicability::Unsafe).with_imports(imports),
    ))
}

/// The class and the `self` parameter's name of the method `node` is in
/// (through any functions nested in the method).
fn method_of<'a>(node: Node<'a>, cx: &FileContext<'a>) -> Option<(Node<'a>, &'a str)> {
    cx.method_of(node).map(|(_, class, me)| (class, me))
}
