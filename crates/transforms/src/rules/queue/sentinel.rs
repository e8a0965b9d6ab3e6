//! Sentinel shutdown → end of stream: one producer whose last statement is
//! `await q.put(None)` and one consumer that loops until it gets `None`
//! become a producer that closes its end (`async with send:`) and a consumer
//! that iterates (`async for item in receive:`).

use super::handoff::references_to;
use super::uses::{MethodUse, Side};
use crate::FileContext;
use edit::Edit;
use std::ops::Range;
use syntax::{is_docstring, line_end, line_start, named_children, Node};

/// The edits of a sentinel shutdown, found unambiguous.
pub struct Shutdown {
    /// When one producer puts the sentinel: its body, which moves into
    /// `async with send:`.
    pub wrap: Option<Wrap>,
    /// The sentinel: its line deleted (a producer's), or its put turned into
    /// `await send.aclose()` (the creating function's, after the producers).
    pub sentinel: Edit,
    /// The consumer's loop head, which becomes `async for item in receive`.
    pub loop_head: Edit,
}

/// A producer's statements before the sentinel (whole lines), moved into a
/// new block.
pub struct Wrap {
    pub body: Range<usize>,
    /// `async with send:`, the line that opens the block.
    pub opener: String,
    /// The indentation of the producer's body.
    pub indent: String,
}

impl Shutdown {
    /// Whether an edit of a use lies in text this shutdown replaces.
    pub fn replaces(&self, e: &Edit) -> bool {
        let inside = |r: &Edit| r.start <= e.start && e.end <= r.end;
        inside(&self.sentinel) || inside(&self.loop_head)
    }
}

/// The shutdown of a queue with these uses: `(use, name of the end it is
/// rewritten to)`. `None` unless one consumer, run once, loops until `None`
/// and either one producer, run once, puts it last, or the creating
/// function puts it once every producer is done.
pub fn find<'a>(
    uses: &[(MethodUse<'a>, String)],
    creator: Node<'a>,
    cx: &FileContext<'a>,
) -> Option<Shutdown> {
    let puts: Vec<&(MethodUse, String)> =
        uses.iter().filter(|(u, _)| u.side == Side::Send).collect();
    let gets: Vec<&(MethodUse, String)> = uses
        .iter()
        .filter(|(u, _)| u.side == Side::Receive)
        .collect();
    let sentinels: Vec<&&(MethodUse, String)> =
        puts.iter().filter(|(u, _)| puts_none(u.call)).collect();
    let [(sentinel, send)] = sentinels.as_slice() else {
        return None;
    };
    let awaited = sentinel.call.parent().filter(|a| a.kind() == "await")?;
    let sentinel_stmt = awaited
        .parent()
        .filter(|s| s.kind() == "expression_statement" && s.named_child_count() == 1)?;
    if sentinel.method != "put" || !cx.owns_its_lines(sentinel_stmt) {
        return None;
    }
    // Text these edits replace with code must hold no comment.
    let has_comment = |r: &Range<usize>| cx.dropped_comment(r.clone(), "").is_some();
    let consumer = one_unit(gets.iter().map(|(u, _)| u.call))?;
    if consumer == creator || !runs_once(consumer, cx) {
        return None;
    }
    let (wrap, sentinel_edit) = if unit_of(sentinel.call) == Some(creator) {
        if !done_before(&puts, sentinel_stmt, creator, cx) {
            return None;
        }
        let edit = Edit::replace(awaited.byte_range(), format!("await {send}.aclose()"));
        (None, edit)
    } else {
        let producer = one_unit(puts.iter().map(|(u, _)| u.call))?;
        if producer == creator
            || contains(producer, consumer)
            || contains(consumer, producer)
            || !runs_once(producer, cx)
        {
            return None;
        }
        // `await q.put(None)` is the producer's last statement.
        let body = producer.child_by_field_name("body")?;
        let stmts = syntax::code_children(body);
        let (last, before) = stmts.split_last()?;
        if *last != sentinel_stmt {
            return None;
        }
        let first = before.iter().copied().find(|s| !is_docstring(*s))?;
        if !cx.owns_its_lines(first) {
            return None;
        }
        let line = line_start(cx.src, sentinel_stmt.start_byte())
            ..line_end(cx.src, sentinel_stmt.end_byte());
        if has_comment(&line) {
            return None;
        }
        let wrap = Wrap {
            body: line_start(cx.src, first.start_byte())..line.start,
            opener: format!("async with {send}:"),
            indent: cx.indent_at(first.start_byte()).to_string(),
        };
        (Some(wrap), Edit::delete(line))
    };
    // The consumer: one `get`, in the head of its loop.
    let [(get, receive)] = gets.as_slice() else {
        return None;
    };
    let (loop_stmt, item, head_end) = loop_head(get.call, cx)?;
    if syntax::enclosing(
        loop_stmt,
        &["function_definition", "for_statement", "while_statement"],
    ) != Some(consumer)
        || loop_stmt.child_by_field_name("alternative").is_some()
    {
        return None;
    }
    // asyncio leaves `None` in the item after the loop; `async for` leaves
    // the last item: a use after the loop would see the difference.
    let used_after = syntax::preorder(consumer).any(|(n, _)| {
        n.kind() == "identifier" && cx.text(n) == item && n.start_byte() >= loop_stmt.end_byte()
    });
    if used_after {
        return None;
    }
    let head = loop_stmt.start_byte()..head_end;
    if has_comment(&head) {
        return None;
    }
    let colon = if head_end == loop_stmt.child_by_field_name("condition")?.end_byte() {
        ""
    } else {
        ":"
    };
    Some(Shutdown {
        wrap,
        sentinel: sentinel_edit,
        loop_head: Edit::replace(head, format!("async for {item} in {receive}{colon}")),
    })
}

/// Whether every other put has finished when the creating function reaches
/// its sentinel `stmt`: the sentinel is in no loop; the creator's own puts
/// come before it; and every other function that puts is started before it
/// and outside any `with` block (a task group) that still runs at the sentinel.
fn done_before(puts: &[&(MethodUse, String)], stmt: Node, creator: Node, cx: &FileContext) -> bool {
    let mut cur = stmt.parent();
    while let Some(n) = cur.filter(|n| *n != creator) {
        if matches!(n.kind(), "for_statement" | "while_statement") {
            return false;
        }
        cur = n.parent();
    }
    puts.iter().all(|(u, _)| {
        if u.call.start_byte() >= stmt.start_byte() && u.call.end_byte() <= stmt.end_byte() {
            return true;
        }
        match unit_of(u.call) {
            Some(unit) if unit == creator => u.call.end_byte() <= stmt.start_byte(),
            Some(unit) => {
                let refs = references_to(unit, cx);
                !refs.is_empty()
                    && !contains(unit, stmt)
                    && refs
                        .iter()
                        .all(|r| r.end_byte() <= stmt.start_byte() && finished_before(*r, stmt, cx))
            }
            None => false,
        }
    })
}

/// Whether the call that `reference` (a function's name) makes or starts has
/// finished by `stmt`: it is awaited (alone or in an awaited `gather`), or
/// started in a task group whose `async with` ends before `stmt`.
fn finished_before(reference: Node, stmt: Node, cx: &FileContext) -> bool {
    let Some(parent) = reference.parent() else {
        return false;
    };
    // The task group's name, for `tg.start_soon(f, ...)` / `tg.create_task(f(...))`.
    let group_of = |call: Node| -> Option<String> {
        let f = call.child_by_field_name("function")?;
        let name = cx.text(f.child_by_field_name("attribute")?);
        if !matches!(name, "start_soon" | "create_task" | "start") {
            return None;
        }
        Some(cx.text(f.child_by_field_name("object")?).to_string())
    };
    let group =
        if parent.kind() == "call" && parent.child_by_field_name("function") == Some(reference) {
            let Some(holder) = parent.parent() else {
                return false;
            };
            if holder.kind() == "await" {
                return true;
            }
            let Some(outer) = holder
                .parent()
                .filter(|o| holder.kind() == "argument_list" && o.kind() == "call")
            else {
                return false;
            };
            if outer.parent().is_some_and(|a| a.kind() == "await")
                && cx
                    .text(outer.child_by_field_name("function").unwrap_or(outer))
                    .ends_with("gather")
            {
                return true;
            }
            group_of(outer)
        } else if parent.kind() == "argument_list" {
            parent.parent().and_then(group_of)
        } else {
            None
        };
    let Some(group) = group else {
        return false;
    };
    cx.enclosing_with_items(reference)
        .iter()
        .any(|w| w.alias == Some(group.as_str()) && !contains(w.statement, stmt))
}

/// The function `node` is directly in.
fn unit_of(node: Node) -> Option<Node> {
    syntax::enclosing(node, &["function_definition"])
}

/// The one function all `calls` are directly in, if there is one.
fn one_unit<'a>(calls: impl Iterator<Item = Node<'a>>) -> Option<Node<'a>> {
    let mut unit = None;
    for call in calls {
        let f = unit_of(call)?;
        if unit.is_some_and(|u| u != f) {
            return None;
        }
        unit = Some(f);
    }
    unit
}

/// Whether `inner` lies within `outer`.
pub(super) fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// Whether the function named by `def` is referenced once in the file, and
/// not from inside a loop, a comprehension or a lambda (so it runs once).
fn runs_once(def: Node, cx: &FileContext) -> bool {
    let refs = references_to(def, cx);
    let [reference] = refs.as_slice() else {
        return false;
    };
    let mut cur = reference.parent();
    while let Some(n) = cur {
        match n.kind() {
            "function_definition" => return true,
            "for_statement"
            | "while_statement"
            | "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression"
            | "lambda" => return false,
            _ => cur = n.parent(),
        }
    }
    true
}

/// `q.put(None)`.
fn puts_none(call: Node) -> bool {
    let args: Vec<Node> = call
        .child_by_field_name("arguments")
        .map(named_children)
        .unwrap_or_default();
    matches!(args.as_slice(), [a] if a.kind() == "none")
}

/// `while True:` whose first statement is `item = await q.get()` (the get
/// is `get`): the loop, the item's name and that statement.
pub(super) fn while_true_get<'a>(
    get: Node<'a>,
    cx: &FileContext<'a>,
) -> Option<(Node<'a>, &'a str, Node<'a>)> {
    let assign = get
        .parent()
        .filter(|p| p.kind() == "await")?
        .parent()
        .filter(|a| a.kind() == "assignment" && a.child_by_field_name("type").is_none())?;
    let item = assign
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")?;
    let stmt = assign
        .parent()
        .filter(|s| s.kind() == "expression_statement" && s.named_child_count() == 1)?;
    let block = stmt.parent().filter(|b| b.kind() == "block")?;
    let loop_stmt = block.parent().filter(|w| {
        w.kind() == "while_statement"
            && w.child_by_field_name("condition")
                .is_some_and(|c| cx.text(c) == "True")
    })?;
    (named_children(block).first() == Some(&stmt)).then_some((loop_stmt, cx.text(item), stmt))
}

/// The loop whose head holds `get` (`await q.get()`), its item's name, and
/// where the text the `async for` head replaces ends:
/// `while (item := await q.get()) is not None` (up to the colon), or
/// `while True:` + `item = await q.get()` + `if item is None: break` (up to
/// the end of the `if`, when more statements follow).
fn loop_head<'a>(get: Node<'a>, cx: &FileContext<'a>) -> Option<(Node<'a>, &'a str, usize)> {
    let awaited = get.parent().filter(|p| p.kind() == "await")?;
    let holder = awaited.parent()?;
    match holder.kind() {
        "named_expression" => {
            let item = holder.child_by_field_name("name")?;
            let paren = holder
                .parent()
                .filter(|p| p.kind() == "parenthesized_expression")?;
            let cmp = paren
                .parent()
                .filter(|c| c.kind() == "comparison_operator")?;
            // `is not` is one (aliased) token.
            let parts = syntax::children(cmp);
            let [left, op, none] = parts.as_slice() else {
                return None;
            };
            let is_not = cx.text(*op).split_whitespace().eq(["is", "not"]);
            let loop_stmt = cmp.parent().filter(|w| {
                w.kind() == "while_statement" && w.child_by_field_name("condition") == Some(cmp)
            })?;
            (*left == paren && is_not && none.kind() == "none").then_some((
                loop_stmt,
                cx.text(item),
                cmp.end_byte(),
            ))
        }
        "assignment" => {
            let (loop_stmt, name, stmt) = while_true_get(get, cx)?;
            let block = stmt.parent()?;
            let body: Vec<Node> = named_children(block);
            let [_, check, _rest, ..] = body.as_slice() else {
                return None;
            };
            let breaks = check.kind() == "if_statement"
                && check.child_by_field_name("alternative").is_none()
                && check.child_by_field_name("condition").is_some_and(|c| {
                    let p = syntax::children(c);
                    c.kind() == "comparison_operator"
                        && matches!(p.as_slice(), [l, is, n] if cx.text(*l) == name && cx.text(*is) == "is" && n.kind() == "none")
                })
                && check.child_by_field_name("consequence").is_some_and(|b| {
                    matches!(named_children(b).as_slice(), [s] if s.kind() == "break_statement")
                });
            (breaks && cx.owns_its_lines(*check)).then_some((loop_stmt, name, check.end_byte()))
        }
        _ => None,
    }
}
