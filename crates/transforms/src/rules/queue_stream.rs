//! AM401: a queue local to one coroutine becomes a memory object stream pair.

use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use syntax::{named_children, preorder, Node};

/// `asyncio.Queue()` used only inside the coroutine that creates it.
pub struct QueueStream {
    info: TransformInfo,
}

impl QueueStream {
    /// The transform with its docs.
    pub fn new() -> Self {
        QueueStream {
            info: TransformInfo {
                code: "AM401",
                name: "queue",
                summary: "an `asyncio.Queue` local to one coroutine becomes a memory object stream pair; other queues are reported".into(),
                applicability: Some(Applicability::Unsafe),
                docs: Docs {
                    what: "Rewrites `q = asyncio.Queue(maxsize)` (optionally annotated `asyncio.Queue[T]`) inside an `async def` to `q_send, q_receive = anyio.create_memory_object_stream[T](size)` followed by `with q_send, q_receive:` around the rest of the block, when every use of `q` in that function (and in the closures it defines and runs itself) is `await q.put(x)`, `await q.get()`, `put_nowait`, `get_nowait`, `qsize()`, `empty()` or `full()`. Those become `send`, `receive`, `send_nowait`, `receive_nowait` and `statistics()` reads; `asyncio.QueueEmpty` / `QueueFull` in that function become `anyio.WouldBlock`. An absent or zero `maxsize` (unbounded in asyncio) becomes `math.inf` (zero means rendezvous in anyio). Every other queue is reported with the uses that block the rewrite (`task_done`/`join`, passed to another function, stored on an object, returned …), as are `LifoQueue` and `PriorityQueue`.".into(),
                    why: "Memory object streams give backpressure, a structured close (end of stream when every sender is closed) and `clone()` for several producers (seed gotcha 6). The `with` closes both ends when the function is done with them; an unclosed stream warns when it is collected.".into(),
                    fix_safety: "Unsafe: items arrive in order and a cancelled `receive` loses no item, as with the queue, but `send` and `receive` are checkpoints where `put` on an unbounded queue and a `get` with an item waiting are not: other tasks run in between (the interleaving of several producers changes), and a `send` under an expired deadline is cancelled where `put` would have queued the item. A closure that uses the queue and runs in a task that outlives the function would find the streams closed; the tool checks the closures the function defines, not what they call. Sentinel values are kept as they are (closing the send side is the idiomatic next step, done by hand). Consider a bounded buffer: the seed prefers backpressure.".into(),
                },
                examples: vec![Example {
                    before: "import asyncio\n\nasync def pipeline(items):\n    q = asyncio.Queue()\n    for x in items:\n        q.put_nowait(x)\n    return [await q.get() for _ in items]\n".into(),
                    after: "import anyio\nimport math\n\nasync def pipeline(items):\n    q_send, q_receive = anyio.create_memory_object_stream(math.inf)\n    with q_send, q_receive:\n        for x in items:\n            q_send.send_nowait(x)\n        return [await q_receive.receive() for _ in items]\n".into(),
                    unsafe_fixes: true,
                }],
            },
        }
    }
}

/// How one use of the queue is rewritten, or why it blocks the rewrite.
fn rewrite_use(ident: Node, send: &str, receive: &str, cx: &FileContext) -> Result<Edit, String> {
    let attr = ident
        .parent()
        .filter(|p| p.kind() == "attribute" && p.child_by_field_name("object") == Some(ident));
    let Some(attr) = attr else {
        return Err(format!(
            "`{}` (the queue itself is used)",
            line_of(ident, cx)
        ));
    };
    let method = attr
        .child_by_field_name("attribute")
        .map(|a| cx.text(a))
        .unwrap_or("");
    let call = attr
        .parent()
        .filter(|c| c.kind() == "call" && c.child_by_field_name("function") == Some(attr));
    let Some(call) = call else {
        return Err(format!("`{}`", cx.text(attr)));
    };
    let awaited = call.parent().is_some_and(|p| p.kind() == "await");
    let stats = |side: &str| format!("{side}.statistics()");
    Ok(match (method, awaited) {
        ("put", true) => Edit::replace(attr.byte_range(), format!("{send}.send")),
        ("get", true) => Edit::replace(attr.byte_range(), format!("{receive}.receive")),
        ("put_nowait", false) => Edit::replace(attr.byte_range(), format!("{send}.send_nowait")),
        ("get_nowait", false) => {
            Edit::replace(attr.byte_range(), format!("{receive}.receive_nowait"))
        }
        ("qsize", false) => Edit::replace(
            call.byte_range(),
            format!("{}.current_buffer_used", stats(receive)),
        ),
        ("empty", false) => Edit::replace(
            call.byte_range(),
            format!("({}.current_buffer_used == 0)", stats(receive)),
        ),
        ("full", false) => Edit::replace(
            call.byte_range(),
            format!(
                "({}.current_buffer_used >= {}.max_buffer_size)",
                stats(send),
                stats(send)
            ),
        ),
        _ => return Err(format!("`{}`", cx.text(call))),
    })
}

fn line_of(node: Node, cx: &FileContext) -> String {
    let t = cx.text(node.parent().unwrap_or(node));
    t.lines().next().unwrap_or(t).trim().to_string()
}

/// The buffer size for `asyncio.Queue(args)`: `math.inf` for 0 or nothing.
fn buffer_size(call: Node, cx: &FileContext) -> Result<String, String> {
    let args: Vec<Node> = call
        .child_by_field_name("arguments")
        .map(|a| {
            named_children(a)
                .into_iter()
                .filter(|c| c.kind() != "comment")
                .collect()
        })
        .unwrap_or_default();
    let value = match args.as_slice() {
        [] => return Ok("math.inf".into()),
        [a] if a.kind() == "keyword_argument"
            && a.child_by_field_name("name")
                .is_some_and(|n| cx.text(n) == "maxsize") =>
        {
            a.child_by_field_name("value").ok_or("malformed maxsize")?
        }
        [a] if a.kind() != "keyword_argument" => *a,
        _ => return Err("arguments other than `maxsize`".into()),
    };
    match (value.kind(), cx.text(value).replace('_', "").parse::<u64>()) {
        ("integer", Ok(0)) => Ok("math.inf".into()),
        ("integer", Ok(_)) => Ok(cx.text(value).to_string()),
        _ => Err(format!(
            "a computed maxsize `{}` (0 is unbounded in asyncio but a rendezvous in anyio)",
            cx.text(value)
        )),
    }
}

impl Transform for QueueStream {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        ["Queue", "LifoQueue", "PriorityQueue"]
            .map(|q| Trigger::name(&format!("asyncio.{q}")))
            .into()
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        let hint = "`send, receive = anyio.create_memory_object_stream[T](max_buffer_size)`; producers `async with send:` and `await send.send(x)`, consumers `async with receive:` and `async for x in receive:`; hand each side to the function that uses it";
        for name in ["LifoQueue", "PriorityQueue"] {
            for call in cx.calls_to(&format!("asyncio.{name}")) {
                out.push(
                    Diagnostic::new(
                        self.info.code,
                        format!(
                            "`asyncio.{name}` has no memory-stream equivalent (streams are FIFO)"
                        ),
                        call.byte_range(),
                    )
                    .with_hint(hint),
                );
            }
        }
        for call in cx.calls_to("asyncio.Queue") {
            match self.rewrite(call, cx) {
                Ok((site, fix)) => out.push(
                    Diagnostic::new(self.info.code, "`asyncio.Queue` becomes a memory object stream pair", site).with_fix(fix),
                ),
                Err(why) => out.push(
                    Diagnostic::new(self.info.code, format!("`asyncio.Queue` cannot become a memory object stream automatically: {why}"), call.byte_range())
                        .with_hint(hint),
                ),
            }
        }
    }
}

impl QueueStream {
    fn rewrite(
        &self,
        call: Node,
        cx: &FileContext,
    ) -> Result<(std::ops::Range<usize>, Fix), String> {
        let assign = call
            .parent()
            .filter(|a| a.kind() == "assignment" && a.child_by_field_name("right") == Some(call))
            .ok_or("it is not assigned to a name")?;
        let target = assign.child_by_field_name("left").filter(|l| l.kind() == "identifier").ok_or("it is not assigned to a plain name (a queue on an object is shared beyond one function)")?;
        let stmt = assign
            .parent()
            .filter(|s| s.kind() == "expression_statement" && cx.owns_its_lines(*s))
            .ok_or("its assignment does not stand on its own lines")?;
        let func = syntax::enclosing(stmt, &["function_definition", "lambda", "class_definition"])
            .filter(|f| {
                f.kind() == "function_definition"
                    && syntax::children(*f)
                        .first()
                        .is_some_and(|k| k.kind() == "async")
            })
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
                n.child_by_field_name("function")
                    .and_then(|f| cx.qualified(f))
                    .is_some_and(|q| q.starts_with("asyncio.") && q.ends_with("Queue"))
            })
            .count();
        if queues_in_func > 1 {
            return Err("the function creates more than one queue".into());
        }
        let send = cx.fresh_name(&format!("{name}_send"), &[]);
        let receive = cx.fresh_name(&format!("{name}_receive"), std::slice::from_ref(&send));
        let mut edits = Vec::new();
        let mut blockers = Vec::new();
        for (n, _) in preorder(func) {
            if n.kind() != "identifier" || cx.text(n) != name || n == target {
                continue;
            }
            if !(span.start <= n.start_byte() && n.end_byte() <= span.end) {
                blockers.push(format!(
                    "`{}` (used outside the block that creates it)",
                    line_of(n, cx)
                ));
                continue;
            }
            match rewrite_use(n, &send, &receive, cx) {
                Ok(e) => edits.push(e),
                Err(b) => blockers.push(b),
            }
        }
        // Closures that use the queue must run and finish inside the function.
        for def in preorder(func)
            .map(|(n, _)| n)
            .filter(|n| n.kind() == "function_definition" && *n != func)
        {
            let uses_queue =
                preorder(def).any(|(n, _)| n.kind() == "identifier" && cx.text(n) == name);
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
                    .and_then(|c| c.child_by_field_name("function"))
                    .and_then(|f| cx.qualified(f))
                    .is_some_and(|q| q == "asyncio.create_task" || q == "asyncio.ensure_future");
                if !(called || started) || fire_and_forget {
                    blockers.push(format!(
                        "`{}` (a closure using the queue may outlive the function)",
                        line_of(n, cx)
                    ));
                }
            }
        }
        if !blockers.is_empty() {
            blockers.sort();
            blockers.dedup();
            return Err(format!("it is used as {}", blockers.join(", ")));
        }
        // asyncio.QueueEmpty / QueueFull in this function become anyio.WouldBlock.
        for (n, _) in preorder(func) {
            if matches!(n.kind(), "identifier" | "attribute")
                && cx
                    .qualified(n)
                    .is_some_and(|q| q == "asyncio.QueueEmpty" || q == "asyncio.QueueFull")
                && n.parent().is_none_or(|p| {
                    !(p.kind() == "attribute" && p.child_by_field_name("object") == Some(n))
                })
            {
                edits.push(Edit::replace(n.byte_range(), "anyio.WouldBlock"));
            }
        }
        // The creation, and the rest of the block one level in, inside `with`.
        let type_arg = assign
            .child_by_field_name("type")
            .map(|t| cx.text(t))
            .and_then(|t| {
                t.split_once('[')
                    .map(|(_, inner)| inner.trim_end().trim_end_matches(']').to_string())
            })
            .map(|t| format!("[{t}]"))
            .unwrap_or_default();
        let indent = cx.indent_at(stmt.start_byte());
        let nl = cx.style.newline.as_str();
        let unit = cx.style.indent.as_str();
        edits.push(Edit::replace(
            stmt.byte_range(),
            format!("{send}, {receive} = anyio.create_memory_object_stream{type_arg}({size}){nl}{indent}with {send}, {receive}:"),
        ));
        let mut pos = stmt.end_byte();
        while let Some(i) = cx.src[pos..span.end].find('\n') {
            let line_start = pos + i + 1;
            pos = line_start;
            let line = cx.src[line_start..].split('\n').next().unwrap_or("");
            if line.trim().is_empty() || syntax::is_inside_string(&cx.strings, line_start) {
                continue;
            }
            edits.push(Edit::insert(line_start, unit));
        }
        let mut imports = vec!["anyio"];
        if size == "math.inf" {
            imports.push("math");
        }
        // The whole block moves: nothing else may edit it in the same round.
        let fix = Fix::new(edits, Applicability::Unsafe)
            .with_imports(imports)
            .with_scope(stmt.start_byte()..span.end);
        Ok((stmt.byte_range(), fix))
    }
}
