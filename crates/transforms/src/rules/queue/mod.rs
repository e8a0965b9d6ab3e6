//! AM401: `asyncio.Queue` becomes a memory object stream pair: a queue
//! local to one coroutine (`local`), the ends handed to the functions that
//! use them (`handoff`), a sentinel shutdown (`sentinel`), a worker pool
//! shut down by `join()` (`join`), a queue kept on
//! `self` (`on_self`); what each use becomes is in `uses`.

mod handoff;
mod join;
mod local;
mod on_self;
mod sentinel;
mod uses;

use crate::{FileContext, Trigger};
use edit::{Diagnostic, Edit};
use syntax::{preorder, Node};

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM401";

/// The buffer size for `asyncio.Queue(args)`: `math.inf` for 0 or nothing.
fn buffer_size(call: Node, cx: &FileContext) -> Result<String, String> {
    let args = syntax::arguments(call);
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

pub(super) fn triggers() -> Vec<Trigger> {
    ["Queue", "LifoQueue", "PriorityQueue"]
        .map(|q| Trigger::name(&format!("asyncio.{q}")))
        .into()
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    let hint = "`send, receive = anyio.create_memory_object_stream[T](max_buffer_size)`; producers `async with send:` and `await send.send(x)`, consumers `async with receive:` and `async for x in receive:`; hand each side to the function that uses it";
    for name in ["LifoQueue", "PriorityQueue"] {
        for call in cx.calls_to(&format!("asyncio.{name}")) {
            out.push(
                Diagnostic::new(
                    CODE,
                    format!("`asyncio.{name}` has no memory-stream equivalent (streams are FIFO)"),
                    call.byte_range(),
                )
                .with_hint(hint),
            );
        }
    }
    for call in cx.calls_to("asyncio.Queue") {
        match local::rewrite(call, cx) {
            Ok((site, fix)) => out.push(
                Diagnostic::new(
                    CODE,
                    "`asyncio.Queue` becomes a memory object stream pair (`send` and `receive` are checkpoints where `put` and `get` need not be: other tasks may run in between)",
                    site,
                )
                .with_fix(fix),
            ),
            Err(why) => out.push(
                Diagnostic::new(
                    CODE,
                    format!(
                        "`asyncio.Queue` cannot become a memory object stream automatically: {why}"
                    ),
                    call.byte_range(),
                )
                .with_hint(hint),
            ),
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

/// A stream's type argument without `None` (`[str | None]` → `[str]`,
/// `[Optional[str]]` → `[str]`), for a stream whose `None` sentinel became
/// its end; unchanged when it is not such a union.
fn without_none(type_arg: &str) -> String {
    let Some(inner) = type_arg.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
        return type_arg.to_string();
    };
    if let Some(t) = inner
        .strip_prefix("Optional[")
        .or_else(|| inner.strip_prefix("typing.Optional["))
        .and_then(|t| t.strip_suffix(']'))
    {
        return format!("[{t}]");
    }
    let parts: Vec<&str> = inner.split('|').map(str::trim).collect();
    if parts.len() < 2 || parts.iter().any(|p| p.contains('[')) {
        return type_arg.to_string();
    }
    let kept: Vec<&str> = parts.into_iter().filter(|p| *p != "None").collect();
    format!("[{}]", kept.join(" | "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sentinel_none_leaves_the_stream_type() {
        use super::without_none;
        assert_eq!(without_none("[str | None]"), "[str]");
        assert_eq!(without_none("[None | int | str]"), "[int | str]");
        assert_eq!(without_none("[Optional[bytes]]"), "[bytes]");
        assert_eq!(without_none("[str]"), "[str]");
        assert_eq!(
            without_none("[dict[str, int] | None]"),
            "[dict[str, int] | None]"
        );
        assert_eq!(without_none(""), "");
    }

    use crate::rules::testing::*;

    #[test]
    fn a_local_queue_becomes_a_stream_pair() {
        let src = "import asyncio\n\nasync def main():\n    q = asyncio.Queue()\n    await q.put(1)\n    return await q.get()\n";
        let found = run("AM401", src);
        assert_fixes(
            &found,
            "`asyncio.Queue` becomes a memory object stream pair (`send` and `receive` are checkpoints where `put` and `get` need not be: other tasks may run in between)",
            "import asyncio\n\nasync def main():\n    q_send, q_receive = anyio.create_memory_object_stream(math.inf)\n    with q_send, q_receive:\n        await q_send.send(1)\n        return await q_receive.receive()\n",
            edit::Applicability::Unsafe,
        );
    }

    #[test]
    fn a_lifo_queue_is_reported() {
        let src = "import asyncio\n\nlifo = asyncio.LifoQueue()\n";
        let found = run("AM401", src);
        assert_reports(
            &found,
            "`asyncio.LifoQueue` has no memory-stream equivalent (streams are FIFO)",
        );
    }
}
