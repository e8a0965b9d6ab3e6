//! A queue local to one `async def`: the stream pair, a `with` around the
//! rest of its block, the ends handed to the functions that use them, and a
//! sentinel shutdown turned into the end of the stream.

use super::handoff::{self, Handoff};
use super::uses::{self, first_line, MethodUse, Side};
use super::{buffer_size, join, sentinel, type_argument, would_block_edits};
use crate::FileContext;
use edit::{Applicability, Edit, Fix};
use std::collections::BTreeMap;
use syntax::{named_children, preorder, Node};

/// The rewrite of `q = asyncio.Queue(...)` (the call `call`) in an `async
/// def`, or why it cannot be done.
pub fn rewrite(call: Node, cx: &FileContext) -> Result<(std::ops::Range<usize>, Fix), String> {
    let assign = call
        .parent()
        .filter(|a| a.kind() == "assignment" && a.child_by_field_name("right") == Some(call))
        .ok_or("it is not assigned to a name")?;
    let Some(target) = assign
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")
    else {
        return super::on_self::rewrite(call, assign, cx);
    };
    let stmt = assign
        .parent()
        .filter(|s| s.kind() == "expression_statement" && cx.owns_its_lines(*s))
        .ok_or("its assignment does not stand on its own lines")?;
    let func = syntax::enclosing_scope(stmt)
        .filter(|f| syntax::is_async_def(*f))
        .ok_or("it is not created inside an `async def`")?;
    let block = stmt.parent().ok_or("no block")?;
    let size = buffer_size(call, cx)?;
    let name = cx.text(target);
    // The rest of the block, which the `with` will hold.
    let rest: Vec<Node> = named_children(block)
        .into_iter()
        .filter(|n| n.start_byte() > stmt.end_byte())
        .collect();
    let (Some(first), Some(last)) = (
        rest.iter().find(|n| n.kind() != "comment").copied(),
        rest.last().copied(),
    ) else {
        return Err("nothing uses it after it is created".into());
    };
    let span = first.start_byte()..last.end_byte();
    let queues_in_func = preorder(func)
        .filter(|(n, _)| n.kind() == "call")
        .filter(|(n, _)| {
            cx.callee(*n)
                .is_some_and(|q| q.starts_with("asyncio.") && q.ends_with("Queue"))
        })
        .count();
    if queues_in_func > 1 {
        return Err("the function creates more than one queue".into());
    }
    let send = cx.fresh_name(stmt, &format!("{name}_send"), &[]);
    let receive = cx.fresh_name(
        stmt,
        &format!("{name}_receive"),
        std::slice::from_ref(&send),
    );
    let end_name = |side: Side| if side == Side::Send { &send } else { &receive };
    let mut edits = Vec::new();
    let mut blockers = Vec::new();
    // Every use, with the name of the end it is rewritten to.
    let mut uses: Vec<(MethodUse, String)> = Vec::new();
    let mut handoffs: Vec<Handoff> = Vec::new();
    for (n, _) in preorder(func) {
        if n.kind() != "identifier"
            || cx.text(n) != name
            || n == target
            || shadowed(n, func, name, cx)
        {
            continue;
        }
        if !(span.start <= n.start_byte() && n.end_byte() <= span.end) {
            blockers.push(format!(
                "`{}` (used outside the block that creates it)",
                first_line(n, cx)
            ));
            continue;
        }
        match Handoff::of(n, cx) {
            Some(Ok(h)) => handoffs.push(h),
            Some(Err(why)) => blockers.push(why),
            None => match MethodUse::of(n, cx) {
                Ok(u) => {
                    edits.extend(u.edit(&send, &receive, cx));
                    uses.push((u, end_name(u.side).clone()));
                }
                Err(why) => blockers.push(why),
            },
        }
    }
    blockers.extend(closures_outliving(func, name, cx));
    blockers.extend(callees_used_elsewhere(&handoffs, cx));
    if !blockers.is_empty() {
        // A `join()` shape that would block too is named with the others.
        let mut all = uses.clone();
        for h in &handoffs {
            all.extend(h.uses.iter().map(|u| (*u, h.param.to_string())));
        }
        if let Err(why) = join::find(&all, func, &send, cx) {
            blockers.push(why);
        }
        blockers.sort();
        blockers.dedup();
        return Err(format!("it is used as {}", blockers.join(", ")));
    }
    let mut imports = vec!["anyio"];
    if size == "math.inf" {
        imports.push("math");
    }
    let mut scopes = Vec::new();
    scopes.push(stmt.start_byte()..span.end);
    for h in &handoffs {
        edits.extend(h.callee_edits(cx));
        if h.annotation.is_some() {
            imports.push(h.class_import());
        }
        uses.extend(h.uses.iter().map(|u| (*u, h.param.to_string())));
        scopes.push(h.callee.byte_range());
    }
    edits.extend(would_block_edits(func, cx));
    // A function handed an end raises `anyio.WouldBlock` from its
    // `*_nowait` calls now, so its handlers must catch that.
    for h in &handoffs {
        edits.extend(would_block_edits(h.callee, cx));
    }
    // The creation, and the rest of the block one level in, inside `with`.
    // A sentinel shutdown becomes the end of the stream: the `None` that
    // said so is no longer among the items.
    let shutdown = sentinel::find(&uses, func, cx);
    // A worker pool shut down by `join()`: the send end closes there.
    let joined =
        join::find(&uses, func, &send, cx).map_err(|why| format!("it is used as {why}"))?;
    if joined.is_some() && shutdown.is_some() {
        return Err("it is shut down both by a `None` sentinel and by `join()`".into());
    }
    let type_arg = type_argument(assign, cx);
    let type_arg = match &shutdown {
        Some(_) => super::without_none(&type_arg),
        None => type_arg,
    };
    let indent = cx.indent_at(stmt.start_byte());
    let nl = cx.style.newline.as_str();
    let unit = cx.style.indent.as_str();
    edits.push(Edit::replace(
        stmt.byte_range(),
        format!("{send}, {receive} = anyio.create_memory_object_stream{type_arg}({size}){nl}{indent}with {send}, {receive}:"),
    ));
    let mut layout = Layout::default();
    layout.indent_lines(stmt.end_byte()..span.end, unit, cx);
    let mut clones: Vec<ClonedProducer> = Vec::new();
    if let Some(shutdown) = shutdown {
        // The parameters' `Queue[int | None]` lose the `None` too.
        for h in &handoffs {
            let Some(base) = h.annotation else { continue };
            let Some(generic) = base.parent().filter(|p| p.end_byte() > base.end_byte()) else {
                continue;
            };
            let args = &cx.src[base.end_byte()..generic.end_byte()];
            let stripped = super::without_none(args);
            if stripped != args {
                edits.push(Edit::replace(base.end_byte()..generic.end_byte(), stripped));
            }
        }
        edits.retain(|e| !shutdown.replaces(e));
        if let Some(wrap) = &shutdown.wrap {
            layout.open_block(wrap.body.start, &wrap.indent, &wrap.opener, nl);
            layout.indent_lines(wrap.body.clone(), unit, cx);
        }
        // Lines the shutdown deletes or joins need no indentation.
        layout.forget(shutdown.sentinel.start..shutdown.sentinel.end);
        layout.forget(shutdown.loop_head.start..shutdown.loop_head.end);
        // Several producers, closed by the coordinator after them: each
        // also gets its own clone and closes it when done (the streams'
        // idiom; the end of the stream comes at the same point).
        if shutdown.wrap.is_none() {
            clones = cloned_producers(&uses, &handoffs, func, cx);
            for def in &clones {
                let (at, indent, header) = def.opener.clone();
                layout.open_block(at, &indent, &header, nl);
                layout.indent_lines(def.body.clone(), unit, cx);
            }
        }
        edits.push(shutdown.sentinel);
        edits.push(shutdown.loop_head);
    }
    if let Some(joined) = joined {
        for r in &joined.replaced {
            layout.forget(r.clone());
        }
        // The `get` in a loop head the shutdown rewrites goes with it.
        edits.retain(|e| {
            !joined
                .edits
                .iter()
                .any(|j| j.start <= e.start && e.end <= j.end && j.start < j.end)
        });
        edits.extend(joined.edits);
    }
    for h in &handoffs {
        let clone = clones.iter().any(|c| c.def == h.callee);
        let end = end_name(h.side);
        edits.push(Edit::replace(
            h.arg.byte_range(),
            if clone {
                format!("{end}.clone()")
            } else {
                end.clone()
            },
        ));
    }
    edits.extend(layout.into_edits());
    // A function handed the queue twice gets its edits once.
    edits.sort_by(|a, b| (a.start, a.end, &a.content).cmp(&(b.start, b.end, &b.content)));
    edits.dedup();
    imports.sort();
    imports.dedup();
    // The whole block moves: nothing else may edit it in the same round.
    let mut fix = Fix::new(edits, Applicability::Unsafe).with_imports(imports);
    for s in scopes {
        fix = fix.with_scope(s);
    }
    Ok((stmt.byte_range(), fix))
}

/// A producer function handed its own clone of the send end, which its body
/// closes (`async with out:`).
struct ClonedProducer<'a> {
    def: Node<'a>,
    /// Where the `async with` line goes, its indentation and the header.
    opener: (usize, String, String),
    /// The body's lines, moved into it.
    body: std::ops::Range<usize>,
}

/// The producers to hand clones to, when every function that puts (other
/// than `func`) is one the queue is handed to, and each body can move into
/// an `async with`; otherwise none.
fn cloned_producers<'a>(
    uses: &[(MethodUse<'a>, String)],
    handoffs: &[Handoff<'a>],
    func: Node<'a>,
    cx: &FileContext<'a>,
) -> Vec<ClonedProducer<'a>> {
    let mut out: Vec<ClonedProducer> = Vec::new();
    for (u, _) in uses.iter().filter(|(u, _)| u.side == Side::Send) {
        let Some(unit) = syntax::enclosing(u.call, &["function_definition"]) else {
            return Vec::new();
        };
        if unit == func || out.iter().any(|c| c.def == unit) {
            continue;
        }
        let Some(h) = handoffs
            .iter()
            .find(|h| h.callee == unit && h.side == Side::Send)
        else {
            return Vec::new();
        };
        let Some(body) = unit.child_by_field_name("body") else {
            return Vec::new();
        };
        let first = named_children(body)
            .into_iter()
            .find(|s| s.kind() != "comment" && !syntax::is_docstring(*s));
        let Some(first) = first.filter(|f| cx.owns_its_lines(*f)) else {
            return Vec::new();
        };
        let at = syntax::line_start(cx.src, first.start_byte());
        out.push(ClonedProducer {
            def: unit,
            opener: (
                at,
                cx.indent_at(first.start_byte()).to_string(),
                format!("async with {}:", h.param),
            ),
            body: at..body.end_byte(),
        });
    }
    out
}

/// Whether `ident` (spelled like the queue) is inside a function nested in
/// `func` that has a parameter of that name: another variable.
fn shadowed(ident: Node, func: Node, name: &str, cx: &FileContext) -> bool {
    let mut cur = ident.parent();
    while let Some(n) = cur {
        if n == func {
            return false;
        }
        if n.kind() == "function_definition"
            && n.child_by_field_name("parameters").is_some_and(|ps| {
                preorder(ps).any(|(p, _)| p.kind() == "identifier" && cx.text(p) == name)
            })
        {
            return true;
        }
        cur = n.parent();
    }
    false
}

/// Closures of `func` that use the queue and may outlive it (not called or
/// started in a task group, or run fire-and-forget): the streams are closed
/// when `func` is done with them.
fn closures_outliving(func: Node, name: &str, cx: &FileContext) -> Vec<String> {
    let mut blockers = Vec::new();
    // A lambda is a value: where it goes (a callback, an attribute) is not followed.
    for lambda in preorder(func)
        .map(|(n, _)| n)
        .filter(|n| n.kind() == "lambda")
    {
        if preorder(lambda).any(|(n, _)| n.kind() == "identifier" && cx.text(n) == name) {
            blockers.push(format!(
                "`{}` (a lambda using the queue may outlive the function)",
                uses::snippet(lambda, cx)
            ));
        }
    }
    for def in preorder(func)
        .map(|(n, _)| n)
        .filter(|n| n.kind() == "function_definition" && *n != func)
    {
        let uses_queue = preorder(def).any(|(n, _)| n.kind() == "identifier" && cx.text(n) == name);
        let Some(fname) = def.child_by_field_name("name").map(|n| cx.text(n)) else {
            continue;
        };
        if !uses_queue {
            continue;
        }
        for (n, _) in preorder(func) {
            if n.kind() != "identifier"
                || cx.text(n) != fname
                || def.child_by_field_name("name") == Some(n)
            {
                continue;
            }
            let parent = n.parent();
            let called = parent.is_some_and(|p| {
                p.kind() == "call" && p.child_by_field_name("function") == Some(n)
            });
            let started = parent.is_some_and(|p| p.kind() == "argument_list")
                && parent
                    .and_then(|p| p.parent())
                    .and_then(|c| c.child_by_field_name("function"))
                    .is_some_and(|f| cx.text(f).ends_with("start_soon"));
            let fire_and_forget = parent
                .and_then(|p| p.parent())
                .and_then(|c| c.parent())
                .and_then(|c| cx.callee(c))
                .is_some_and(|q| q == "asyncio.create_task" || q == "asyncio.ensure_future");
            if !(called || started) || fire_and_forget {
                blockers.push(format!(
                    "`{}` (a closure using the queue may outlive the function)",
                    first_line(n, cx)
                ));
            }
        }
    }
    blockers
}

/// Functions handed the queue that the file also uses elsewhere (with
/// another queue, or as a value): their parameter cannot change type.
fn callees_used_elsewhere(handoffs: &[Handoff], cx: &FileContext) -> Vec<String> {
    let mut blockers = Vec::new();
    for h in handoffs {
        let fname = h
            .callee
            .child_by_field_name("name")
            .map_or("", |n| cx.text(n));
        let elsewhere = handoff::references_to(h.callee, cx)
            .iter()
            .any(|n| !handoffs.iter().any(|o| o.reference == *n));
        if elsewhere {
            let site = uses::snippet(h.call, cx);
            blockers.push(format!(
                "`{site}` (`{fname}` is also used elsewhere, so its parameter cannot change type)"
            ));
        }
    }
    blockers
}

/// Lines moved into new blocks: what each line start gets inserted, so that
/// nested moves (a producer inside the `with` block) add up.
#[derive(Default)]
struct Layout {
    inserts: BTreeMap<usize, String>,
}

impl Layout {
    /// One more indentation level for every line that starts in `range`
    /// (blank lines and lines inside strings are left alone).
    fn indent_lines(&mut self, range: std::ops::Range<usize>, unit: &str, cx: &FileContext) {
        let mut line_start = range.start;
        if line_start > 0 && cx.src.as_bytes()[line_start - 1] != b'\n' {
            line_start = cx.src[line_start..]
                .find('\n')
                .map_or(cx.src.len(), |i| line_start + i + 1);
        }
        while line_start < range.end {
            let line = cx.src[line_start..].split('\n').next().unwrap_or("");
            if !line.trim().is_empty() && !syntax::is_inside_string(&cx.strings, line_start) {
                self.inserts.entry(line_start).or_default().push_str(unit);
            }
            line_start += line.len() + 1;
        }
    }

    /// A block header (`async with send:`) on its own line before the line
    /// starting at `line_start`, at `indent` plus what that line already gets.
    fn open_block(&mut self, line_start: usize, indent: &str, header: &str, nl: &str) {
        let outer = self.inserts.get(&line_start).cloned().unwrap_or_default();
        self.inserts
            .insert(line_start, format!("{outer}{indent}{header}{nl}{outer}"));
    }

    /// Drops what lines starting inside `range` get (text another edit removes).
    fn forget(&mut self, range: std::ops::Range<usize>) {
        self.inserts.retain(|at, _| !range.contains(at));
    }

    fn into_edits(self) -> Vec<Edit> {
        self.inserts
            .into_iter()
            .map(|(at, content)| Edit::insert(at, content))
            .collect()
    }
}
