//! AM401: `asyncio.Queue` becomes a memory object stream pair: a queue
//! local to one coroutine (`local`), the ends handed to the functions that
//! use them (`handoff`), a sentinel shutdown (`sentinel`), a queue kept on
//! `self` (`on_self`); what each use becomes is in `uses`.

mod handoff;
mod local;
mod on_self;
mod sentinel;
mod uses;

use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit};
use syntax::{named_children, preorder, Node};

/// The queue transform (AM401).
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
                summary: "an `asyncio.Queue` local to one coroutine (and the functions it hands it to) or kept on `self._name` by one class becomes a memory object stream pair; other queues are reported".into(),
                applicability: Some(Applicability::Unsafe),
                docs: Docs {
                    what: "Rewrites `q = asyncio.Queue(maxsize)` (optionally annotated `asyncio.Queue[T]`) inside an `async def` to `q_send, q_receive = anyio.create_memory_object_stream[T](size)` followed by `with q_send, q_receive:` around the rest of the block, when every use of `q` in that function (and in the closures it defines and runs itself) is `await q.put(x)`, `await q.get()`, `put_nowait`, `get_nowait`, `qsize()`, `empty()` or `full()`, or passes `q` to a function of the same module. Those become `send`, `receive`, `send_nowait`, `receive_nowait` and `statistics()` reads; `asyncio.QueueEmpty` / `QueueFull` in that function become `anyio.WouldBlock`. An absent or zero `maxsize` (unbounded in asyncio) becomes `math.inf` (zero means rendezvous in anyio).\n\n**Handing the queue over.** A function of the module that is given the queue (`producer(q)`, `tg.start_soon(consumer, q)`, `consumer(inbox=q)`) and only puts gets the send end, one that only gets the receive end; its parameter's annotation `asyncio.Queue[T]` becomes `MemoryObjectSendStream[T]` / `MemoryObjectReceiveStream[T]` (imported from `anyio.streams.memory`). The function must be defined once in the file, undecorated, called nowhere else, and take the queue in a plain parameter without a default.\n\n**Sentinel shutdown.** When exactly one producer (a closure or a handed-to function, run once) ends with `await q.put(None)` and exactly one consumer (run once) loops `while (item := await q.get()) is not None:` or `while True:` / `item = await q.get()` / `if item is None: break`, the producer's body moves into `async with send:` (its end closes when it is done, or fails) without the sentinel, and the consumer's loop becomes `async for item in receive:`. Several producers work the same way when the creating function itself puts the one `None` after they are done (each producer awaited, gathered, or started in a task group whose `async with` ends before the sentinel): each producer that is handed the queue gets its own `send.clone()` and closes it (`async with out:`), and the sentinel becomes `await send.aclose()`: the stream ends when every end is closed. Any other shape keeps its sentinels (several workers each stopped by their own `None`, a sentinel line with a comment, an item read after the loop).\n\n**A queue on `self`.** `self._q = asyncio.Queue()` in a method becomes `self._q_send, self._q_receive = anyio.create_memory_object_stream(...)` when every use of `_q` in the file is `self._q.<method>` inside that class's methods.\n\nEvery other queue is reported with the uses that block the rewrite (`task_done`/`join`, passed to code outside the module, a function that both puts and gets, a public attribute, returned …), as are `LifoQueue` and `PriorityQueue`.".into(),
                    why: "Memory object streams give backpressure, a structured close (end of stream when every sender is closed, so no sentinel is needed) and `clone()` for several producers. The `with` closes both ends when the function is done with them; an unclosed stream warns when it is collected.".into(),
                    fix_safety: "Unsafe: items arrive in order and a cancelled `receive` loses no item, as with the queue, but `send` and `receive` are checkpoints where `put` on an unbounded queue and a `get` with an item waiting are not: other tasks run in between (the interleaving of several producers changes), and a `send` under an expired deadline is cancelled where `put` would have queued the item. A closure that uses the queue and runs in a task that outlives the function would find the streams closed; the tool checks the closures the function defines, not what they call. A handed-to function's new parameter type assumes no other module calls it with an `asyncio.Queue`. The sentinel shutdown assumes the producer puts no other `None` at run time, and it ends the consumer's loop also when the producer fails or returns early (asyncio's consumer would wait forever). A queue on `self` is never closed by the rewrite: close both ends where the object shuts down (an unclosed stream warns when collected). Several producers without a coordinator that waits for them (each putting its own sentinel, a consumer counting them) are left to a person. Consider a bounded buffer: backpressure is usually what a producer/consumer wants.".into(),
                },
                examples: vec![Example {
                    before: "import asyncio\n\nasync def pipeline(items):\n    q = asyncio.Queue()\n    for x in items:\n        q.put_nowait(x)\n    return [await q.get() for _ in items]\n".into(),
                    after: "import math\n\nimport anyio\n\nasync def pipeline(items):\n    q_send, q_receive = anyio.create_memory_object_stream(math.inf)\n    with q_send, q_receive:\n        for x in items:\n            q_send.send_nowait(x)\n        return [await q_receive.receive() for _ in items]\n".into(),
                    unsafe_fixes: true,
                }, Example {
                    before: "import anyio\nimport asyncio\n\nasync def produce(out: asyncio.Queue[int | None]) -> None:\n    for i in range(3):\n        await out.put(i)\n    await out.put(None)\n\nasync def consume(inbox: asyncio.Queue[int | None]) -> None:\n    while (item := await inbox.get()) is not None:\n        print(item)\n\nasync def main() -> None:\n    q: asyncio.Queue[int | None] = asyncio.Queue(maxsize=1)\n    async with anyio.create_task_group() as tg:\n        tg.start_soon(produce, q)\n        tg.start_soon(consume, q)\n".into(),
                    after: "import anyio\nfrom anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream\n\nasync def produce(out: MemoryObjectSendStream[int | None]) -> None:\n    async with out:\n        for i in range(3):\n            await out.send(i)\n\nasync def consume(inbox: MemoryObjectReceiveStream[int | None]) -> None:\n    async for item in inbox:\n        print(item)\n\nasync def main() -> None:\n    q_send, q_receive = anyio.create_memory_object_stream[int | None](1)\n    with q_send, q_receive:\n        async with anyio.create_task_group() as tg:\n            tg.start_soon(produce, q_send)\n            tg.start_soon(consume, q_receive)\n".into(),
                    unsafe_fixes: true,
                }],
            },
        }
    }
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
            match local::rewrite(call, cx) {
                Ok((site, fix)) => out.push(
                    Diagnostic::new(self.info.code, "`asyncio.Queue` becomes a memory object stream pair (`send` and `receive` are checkpoints where `put` with room and `get` with an item waiting were not: other tasks run in between)", site).with_fix(fix),
                ),
                Err(why) => out.push(
                    Diagnostic::new(self.info.code, format!("`asyncio.Queue` cannot become a memory object stream automatically: {why}"), call.byte_range())
                        .with_hint(hint),
                ),
            }
        }
    }
}

/// `asyncio.QueueEmpty` / `QueueFull` inside `scope` become `anyio.WouldBlock`.
fn would_block_edits(scope: Node, cx: &FileContext) -> Vec<Edit> {
    preorder(scope)
        .map(|(n, _)| n)
        .filter(|n| {
            matches!(n.kind(), "identifier" | "attribute")
                && cx
                    .qualified(*n)
                    .is_some_and(|q| q == "asyncio.QueueEmpty" || q == "asyncio.QueueFull")
                && n.parent().is_none_or(|p| {
                    !(p.kind() == "attribute" && p.child_by_field_name("object") == Some(*n))
                })
        })
        .map(|n| Edit::replace(n.byte_range(), "anyio.WouldBlock"))
        .collect()
}

/// `[T]` from an annotation `asyncio.Queue[T]` on the assignment, or nothing.
fn type_argument(assign: Node, cx: &FileContext) -> String {
    assign
        .child_by_field_name("type")
        .map(|t| cx.text(t))
        .and_then(|t| {
            t.split_once('[')
                .map(|(_, inner)| inner.trim_end().trim_end_matches(']').to_string())
        })
        .map(|t| format!("[{t}]"))
        .unwrap_or_default()
}
