//! A worker pool shut down with `join()` → the end of the stream: workers
//! that loop `while True: item = await q.get()` and call `q.task_done()`
//! for each item, started in a task group whose body puts every item,
//! `await q.join()`s and then cancels the group, become workers that
//! iterate the receive end (`async for item in receive:`) and a group body
//! that closes the send end: the workers end once they have taken every
//! item, and the group waits for them, as `join()` did.

use super::sentinel::{contains, while_true_get};
use super::uses::{MethodUse, Side};
use crate::FileContext;
use edit::Edit;
use std::ops::Range;
use syntax::{line_end, line_start, named_children, Node};

/// The edits of a `join()` shutdown.
pub struct JoinShutdown {
    pub edits: Vec<Edit>,
    /// Lines of the creating function these edits delete (the moved
    /// block's indentation must skip them).
    pub replaced: Vec<Range<usize>>,
}

/// The shutdown of a queue whose uses include `join()` or `task_done()`:
/// `Ok(None)` when there are none, `Err` with the reason when the shape is
/// not the one above. `uses` pairs each use with the name of its end.
pub fn find<'a>(
    uses: &[(MethodUse<'a>, String)],
    creator: Node<'a>,
    send: &str,
    cx: &FileContext<'a>,
) -> Result<Option<JoinShutdown>, String> {
    let of = |side: Side| -> Vec<&(MethodUse<'a>, String)> {
        uses.iter().filter(|(u, _)| u.side == side).collect()
    };
    let (joins, dones) = (of(Side::Join), of(Side::TaskDone));
    if joins.is_empty() && dones.is_empty() {
        return Ok(None);
    }
    let site = joins
        .first()
        .or(dones.first())
        .map(|(u, _)| cx.text(u.call))
        .unwrap_or_default();
    let shape = |why: &str| format!("`{site}` in a worker pool the rewrite does not take ({why})");
    let [(join, _)] = joins.as_slice() else {
        return Err(shape("one `await q.join()` is needed"));
    };
    // `await q.join()` then `tg.cancel_scope.cancel()`, in the group's body.
    let join_stmt = join
        .call
        .parent()
        .filter(|a| a.kind() == "await")
        .and_then(|a| a.parent())
        .filter(|s| s.kind() == "expression_statement" && cx.owns_its_lines(*s))
        .ok_or_else(|| shape("`await q.join()` is not a statement of its own"))?;
    if syntax::enclosing(join_stmt, &["function_definition"]) != Some(creator) {
        return Err(shape(
            "`join()` is not in the function that creates the queue",
        ));
    }
    let cancel = join_stmt
        .next_named_sibling()
        .filter(|s| s.kind() == "expression_statement" && cx.owns_its_lines(*s))
        .ok_or_else(|| shape("the workers are not cancelled right after `join()`"))?;
    let group = cx
        .enclosing_with_items(join_stmt)
        .into_iter()
        .find(|w| {
            w.alias
                .is_some_and(|tg| cx.text(cancel) == format!("{tg}.cancel_scope.cancel()"))
                && w.spelling.ends_with("create_task_group")
        })
        .ok_or_else(|| shape("the workers are not cancelled right after `join()`"))?;
    let body = group.statement.child_by_field_name("body");
    if join_stmt.parent() != body {
        return Err(shape("`join()` is not directly in the task group's block"));
    }
    // Every item is put before `join()`, by the function that joins.
    for (u, _) in of(Side::Send) {
        if syntax::enclosing(u.call, &["function_definition"]) != Some(creator)
            || u.call.end_byte() > join_stmt.start_byte()
        {
            return Err(shape("an item is put by a worker or after `join()`"));
        }
    }
    let mut edits = Vec::new();
    // The workers: each gets in the head of a `while True:` loop and marks
    // each item done in that loop.
    let gets = of(Side::Receive);
    if gets.is_empty() {
        return Err(shape("no worker gets from the queue"));
    }
    let mut workers: Vec<Node> = Vec::new();
    for (get, receive) in &gets {
        let worker = syntax::enclosing(get.call, &["function_definition"])
            .filter(|w| *w != creator && !contains(creator, *w) && !contains(*w, creator))
            .ok_or_else(|| shape("the function that creates the queue gets from it"))?;
        if workers.contains(&worker) {
            return Err(shape("a worker gets in more than one place"));
        }
        workers.push(worker);
        let (loop_stmt, item, first) = loop_head(get.call, cx)
            .ok_or_else(|| shape("a worker does not get in the head of a `while True:` loop"))?;
        if syntax::enclosing(loop_stmt, &["function_definition"]) != Some(worker) {
            return Err(shape("a worker's loop is in a nested function"));
        }
        edits.push(Edit::replace(
            loop_stmt.start_byte()..first.end_byte(),
            format!("async for {item} in {receive}:"),
        ));
        let loop_body = first.parent().ok_or_else(|| shape("no loop body"))?;
        let here: Vec<&&(MethodUse, String)> = dones
            .iter()
            .filter(|(u, _)| syntax::enclosing(u.call, &["function_definition"]) == Some(worker))
            .collect();
        let [(done, _)] = here.as_slice() else {
            return Err(shape("a worker does not call `task_done()` once"));
        };
        edits.extend(drop_task_done(done.call, loop_body, cx).ok_or_else(|| {
            shape("`task_done()` does not end the loop's body, alone or alone in its `finally:`")
        })?);
    }
    if dones.iter().any(|(u, _)| {
        !workers.contains(&syntax::enclosing(u.call, &["function_definition"]).unwrap_or(creator))
    }) {
        return Err(shape("`task_done()` outside the workers"));
    }
    // The group's body closes the send end where it joined: the workers
    // take what is left and end.
    let join_line =
        line_start(cx.src, join_stmt.start_byte())..line_end(cx.src, join_stmt.end_byte());
    let cancel_line = line_start(cx.src, cancel.start_byte())..line_end(cx.src, cancel.end_byte());
    for r in [&join_line, &cancel_line] {
        if cx.dropped_comment(r.clone(), "").is_some() {
            return Err(shape("a comment on the `join()` or cancel line"));
        }
    }
    edits.push(Edit::replace(
        join_stmt.byte_range(),
        format!("{send}.close()"),
    ));
    edits.push(Edit::delete(cancel_line.clone()));
    Ok(Some(JoinShutdown {
        edits,
        replaced: vec![cancel_line],
    }))
}

/// The worker loop around `get`: `while True:` (with no `else`) whose
/// first statement, on lines of its own and with no comment in the head,
/// is `item = await q.get()`; the loop, the item's name and that statement.
fn loop_head<'a>(get: Node<'a>, cx: &FileContext<'a>) -> Option<(Node<'a>, &'a str, Node<'a>)> {
    let (loop_stmt, item, stmt) = while_true_get(get, cx)?;
    (loop_stmt.child_by_field_name("alternative").is_none()
        && cx.owns_its_lines(stmt)
        && cx
            .dropped_comment(loop_stmt.start_byte()..stmt.end_byte(), "")
            .is_none())
    .then_some((loop_stmt, item, stmt))
}

/// The edits that remove `q.task_done()` (the call `call`) from the loop
/// body `body`: its line when it is the body's last statement; the `finally:`
/// clause it is alone in, when that `try` is the body's last statement (and
/// the `try` itself when nothing else is left of it, its block one level out).
fn drop_task_done(call: Node, body: Node, cx: &FileContext) -> Option<Vec<Edit>> {
    let stmt = call
        .parent()
        .filter(|s| s.kind() == "expression_statement" && s.named_child_count() == 1)?;
    let whole_lines = |n: Node| line_start(cx.src, n.start_byte())..line_end(cx.src, n.end_byte());
    if !cx.owns_its_lines(stmt) {
        return None;
    }
    // It must end the loop's body: `join()` returned there, and what came
    // after it was cancelled with the workers.
    let last = named_children(body)
        .into_iter()
        .rev()
        .find(|n| n.kind() != "comment")?;
    let block = stmt.parent()?;
    if block == body {
        return (named_children(body).len() > 1 && last == stmt)
            .then(|| vec![Edit::delete(whole_lines(stmt))]);
    }
    let finally = block
        .parent()
        .filter(|f| f.kind() == "finally_clause" && named_children(block).len() == 1)?;
    let try_stmt = finally
        .parent()
        .filter(|t| t.kind() == "try_statement" && *t == last)?;
    let clauses = named_children(try_stmt);
    let lines = whole_lines(finally);
    if cx.dropped_comment(lines.clone(), "").is_some() {
        return None;
    }
    if clauses.len() > 2 {
        // `except` / `else` stay: only the `finally:` goes.
        return Some(vec![Edit::delete(lines)]);
    }
    // `try:` + block + `finally: q.task_done()`: the block, one level out.
    let try_block = try_stmt.child_by_field_name("body")?;
    let header =
        line_start(cx.src, try_stmt.start_byte())..line_start(cx.src, try_block.start_byte());
    if cx.dropped_comment(header.clone(), "").is_some() || !cx.owns_its_lines(try_stmt) {
        return None;
    }
    let unit = cx.style.indent.as_str();
    let mut edits = vec![Edit::delete(header), Edit::delete(lines)];
    let mut at = line_start(cx.src, try_block.start_byte());
    let end = try_block.end_byte();
    while at < end {
        let line = cx.src[at..].split('\n').next().unwrap_or("");
        if !line.trim().is_empty() && !syntax::is_inside_string(&cx.strings, at) {
            if !line.starts_with(unit) {
                return None;
            }
            edits.push(Edit::delete(at..at + unit.len()));
        }
        at += line.len() + 1;
    }
    Some(edits)
}
