//! Sentinel shutdown → end of stream: one producer whose last statement is
//! `await q.put(None)` and one consumer that loops until it gets `None`
//! become a producer that closes its end (`async with send:`) and a consumer
//! that iterates (`async for item in receive:`).

use super::uses::{MethodUse, Side};
use crate::FileContext;
use edit::Edit;
use std::ops::Range;
use syntax::{named_children, Node};

/// The edits of a sentinel shutdown, found unambiguous.
pub struct Shutdown {
    /// The producer's statements before the sentinel (whole lines), which
    /// move into `async with {send}:`.
    pub body: Range<usize>,
    /// `async with send:`, the line that opens them.
    pub opener: String,
    /// The indentation of the producer's body.
    pub body_indent: String,
    /// The sentinel's line, deleted.
    pub sentinel_line: Range<usize>,
    /// The consumer's loop head, which becomes `async for item in receive`.
    pub loop_head: Edit,
}

impl Shutdown {
    /// Whether an edit of a use lies in text this shutdown replaces.
    pub fn replaces(&self, e: &Edit) -> bool {
        let inside = |r: &Range<usize>| r.start <= e.start && e.end <= r.end;
        inside(&self.sentinel_line) || inside(&(self.loop_head.start..self.loop_head.end))
    }
}

/// The shutdown of a queue with these uses: `(use, name of the end it is
/// rewritten to)`. `None` unless exactly one producer and one consumer,
/// each run once, follow the pattern.
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
    let producer = one_unit(puts.iter().map(|(u, _)| u.call))?;
    let consumer = one_unit(gets.iter().map(|(u, _)| u.call))?;
    if producer == creator
        || consumer == creator
        || contains(producer, consumer)
        || contains(consumer, producer)
    {
        return None;
    }
    if !runs_once(producer, cx) || !runs_once(consumer, cx) {
        return None;
    }
    // The producer: `await q.put(None)` is its last statement, and the only
    // `None` it puts.
    let sentinels: Vec<&&(MethodUse, String)> = puts
        .iter()
        .filter(|(u, _)| u.method == "put" && puts_none(u.call))
        .collect();
    let [(sentinel, send)] = sentinels.as_slice() else {
        return None;
    };
    if puts
        .iter()
        .any(|(u, _)| u.call != sentinel.call && puts_none(u.call))
    {
        return None;
    }
    let sentinel_stmt = sentinel
        .call
        .parent()
        .and_then(|a| a.parent())
        .filter(|s| s.kind() == "expression_statement" && s.named_child_count() == 1)?;
    let body = producer.child_by_field_name("body")?;
    let stmts: Vec<Node> = named_children(body)
        .into_iter()
        .filter(|n| n.kind() != "comment")
        .collect();
    let (last, before) = stmts.split_last()?;
    if *last != sentinel_stmt {
        return None;
    }
    let first = before.iter().copied().find(|s| !is_docstring(*s))?;
    if !cx.owns_its_lines(first) || !cx.owns_its_lines(sentinel_stmt) {
        return None;
    }
    let sentinel_line =
        line_start(cx.src, sentinel_stmt.start_byte())..line_end(cx.src, sentinel_stmt.end_byte());
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
    let has_comment = |r: &Range<usize>| {
        cx.nodes_of_kind("comment")
            .iter()
            .any(|c| r.start <= c.start_byte() && c.end_byte() <= r.end)
    };
    if has_comment(&sentinel_line) || has_comment(&head) {
        return None;
    }
    let colon = if head_end == loop_stmt.child_by_field_name("condition")?.end_byte() {
        ""
    } else {
        ":"
    };
    Some(Shutdown {
        body: line_start(cx.src, first.start_byte())..sentinel_line.start,
        opener: format!("async with {send}:"),
        body_indent: cx.indent_at(first.start_byte()).to_string(),
        sentinel_line,
        loop_head: Edit::replace(head, format!("async for {item} in {receive}{colon}")),
    })
}

/// The one function all `calls` are directly in, if there is one.
fn one_unit<'a>(calls: impl Iterator<Item = Node<'a>>) -> Option<Node<'a>> {
    let mut unit = None;
    for call in calls {
        let f = syntax::enclosing(call, &["function_definition"])?;
        if unit.is_some_and(|u| u != f) {
            return None;
        }
        unit = Some(f);
    }
    unit
}

fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// Whether the function named by `def` is referenced once in the file, and
/// not from inside a loop, a comprehension or a lambda (so it runs once).
fn runs_once(def: Node, cx: &FileContext) -> bool {
    let Some(name_node) = def.child_by_field_name("name") else {
        return false;
    };
    let name = cx.text(name_node);
    let refs: Vec<Node> = cx
        .nodes_of_kind("identifier")
        .iter()
        .copied()
        .filter(|n| *n != name_node && cx.text(*n) == name)
        .collect();
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
            let item = holder.child_by_field_name("left").filter(|l| {
                l.kind() == "identifier" && holder.child_by_field_name("type").is_none()
            })?;
            let stmt = holder
                .parent()
                .filter(|s| s.kind() == "expression_statement" && s.named_child_count() == 1)?;
            let block = stmt.parent().filter(|b| b.kind() == "block")?;
            let loop_stmt = block.parent().filter(|w| {
                w.kind() == "while_statement"
                    && w.child_by_field_name("condition")
                        .is_some_and(|c| cx.text(c) == "True")
            })?;
            let body: Vec<Node> = named_children(block);
            let [first, check, _rest, ..] = body.as_slice() else {
                return None;
            };
            let name = cx.text(item);
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
            (*first == stmt && breaks && cx.owns_its_lines(*check)).then_some((
                loop_stmt,
                name,
                check.end_byte(),
            ))
        }
        _ => None,
    }
}

fn is_docstring(stmt: Node) -> bool {
    stmt.kind() == "expression_statement"
        && stmt.named_child_count() == 1
        && stmt.named_child(0).is_some_and(|c| c.kind() == "string")
}

fn line_start(src: &str, offset: usize) -> usize {
    src[..offset].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(src: &str, offset: usize) -> usize {
    src[offset..]
        .find('\n')
        .map_or(src.len(), |i| offset + i + 1)
}
