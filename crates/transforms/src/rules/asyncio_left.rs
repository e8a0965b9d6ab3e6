//! AM908: an `asyncio` name no other transform says anything about. A file
//! that still uses asyncio cannot run on trio, so every use is reported
//! (where no other diagnostic covers it), with the anyio form where there
//! is one.

use crate::{FileContext, Trigger};
use edit::Diagnostic;
use syntax::Node;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM908";

/// asyncio's submodules, which name the same things (`asyncio.events.AbstractEventLoop`).
const SUBMODULES: &[&str] = &[
    "base_events",
    "coroutines",
    "events",
    "exceptions",
    "futures",
    "locks",
    "protocols",
    "queues",
    "runners",
    "streams",
    "subprocess",
    "tasks",
    "timeouts",
    "transports",
];

/// The anyio form of what asyncio names, by name (the first that lists it).
const FORMS: &[(&[&str], &str)] = &[
    (
        &[
            "AbstractEventLoop",
            "BaseEventLoop",
            "AbstractEventLoopPolicy",
            "DefaultEventLoopPolicy",
            "get_event_loop",
            "get_running_loop",
            "new_event_loop",
            "set_event_loop",
            "get_event_loop_policy",
            "set_event_loop_policy",
            "_get_running_loop",
            "SelectorEventLoop",
            "ProactorEventLoop",
            "unix_events",
            "events",
            "eager_task_factory",
        ],
        "anyio has no event loop object: call anyio's functions from async code (`anyio.current_time()`, `anyio.to_thread.run_sync`), pass a task group where work is started, and choose the backend and its options at `anyio.run(main, backend=..., backend_options=...)`",
    ),
    (
        &["Future", "wrap_future", "isfuture", "InvalidStateError"],
        "where the code makes and awaits its own futures, `anyio.Future` (anyio 4.15+); to hand one result from a task to another, an `anyio.Event` with the value beside it, or a memory object stream",
    ),
    (
        &["Task", "all_tasks", "current_task"],
        "a task started in a task group with `tg.create_task(...)` has a handle, `anyio.TaskHandle` (anyio 4.14+); anyio does not list running tasks: keep the handles, or `anyio.get_current_task()` for the running one's `TaskInfo`",
    ),
    (
        &["Handle", "TimerHandle"],
        "a timer is a task that sleeps and then calls: start it in a task group and cancel its scope to stop it",
    ),
    (
        &[
            "StreamReader",
            "StreamWriter",
            "StreamReaderProtocol",
            "Protocol",
            "BaseProtocol",
            "DatagramProtocol",
            "SubprocessProtocol",
            "Transport",
            "BaseTransport",
            "Server",
            "AbstractServer",
            "start_server",
            "start_unix_server",
            "open_connection",
            "open_unix_connection",
            "streams",
            "LimitOverrunError",
            "IncompleteReadError",
        ],
        "anyio's byte streams: `anyio.connect_tcp`, `anyio.create_tcp_listener` (`anyio.abc.ByteStream`, `anyio.abc.SocketStream`), reading with `receive()` and writing with `send()`",
    ),
    (
        &["create_subprocess_exec", "create_subprocess_shell", "subprocess"],
        "`anyio.run_process` for a command run to its end, `anyio.open_process` for one to talk to",
    ),
    (
        &["Queue", "LifoQueue", "PriorityQueue", "QueueEmpty", "QueueFull", "QueueShutDown", "queues"],
        "a memory object stream: `send, receive = anyio.create_memory_object_stream[T](max_buffer_size)`; `anyio.WouldBlock` is what `send_nowait` / `receive_nowait` raise",
    ),
    (
        &["Lock", "Event", "Semaphore", "BoundedSemaphore", "Condition", "locks"],
        "anyio's class of the same name (`anyio.Lock`, `anyio.Event`, ...), once every object this code receives is anyio's",
    ),
    (
        &[
            "TaskGroup",
            "gather",
            "wait",
            "as_completed",
            "FIRST_COMPLETED",
            "FIRST_EXCEPTION",
            "ALL_COMPLETED",
            "create_task",
            "ensure_future",
        ],
        "run the tasks in `async with anyio.create_task_group() as tg:`; to stop at the first to finish, its task cancels `tg.cancel_scope`; `anyio.as_completed` / `anyio.gather` (anyio 4.15+) where results are read",
    ),
    (
        &["Barrier", "BrokenBarrierError"],
        "anyio has no barrier: count the arrivals under an `anyio.Lock` and let the last one set an `anyio.Event` the others wait for",
    ),
    (
        &[
            "capture_call_graph",
            "print_call_graph",
            "future_add_to_awaited_by",
            "future_discard_from_awaited_by",
        ],
        "asyncio's introspection of awaiting tasks has no anyio form; keep it behind a check that the backend is asyncio (`sniffio.current_async_library()`)",
    ),
    (
        &["CancelledError"],
        "`anyio.get_cancelled_exc_class()` in async code; to cancel, cancel a scope",
    ),
    (
        &["TimeoutError"],
        "the builtin `TimeoutError` (the same class from Python 3.11)",
    ),
    (
        &["iscoroutine", "iscoroutinefunction"],
        "`inspect.iscoroutine` / `inspect.iscoroutinefunction`",
    ),
    (
        &["asyncio"],
        "once the code it stands for calls anyio, patch or pass `anyio` instead (`monkeypatch.setattr(anyio, \"sleep\", fake)`)",
    ),
    (
        &["run", "Runner", "run_coroutine_threadsafe"],
        "`anyio.run(main, *args)` to run async code from sync code; from a thread anyio started, `anyio.from_thread.run`; from another thread, a `BlockingPortal`",
    ),
];

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::Module("asyncio".into())]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    let root = cx.tree.root_node();
    let asyncio = |q: &str| q == "asyncio" || q.starts_with("asyncio.");
    let mut locals: Vec<&str> = cx
        .model
        .imports
        .iter()
        .filter(|i| asyncio(&i.qualified))
        .map(|i| i.local.as_str())
        .collect();
    locals.sort_unstable();
    locals.dedup();
    if locals.is_empty() {
        return;
    }
    for (range, i) in cx.model.import_references(cx.src, &locals) {
        let import = &cx.model.imports[i];
        if !asyncio(&import.qualified) {
            continue;
        }
        let Some(mut node) = root.named_descendant_for_byte_range(range.start, range.end) else {
            continue;
        };
        // `asyncio.X`, `asyncio.events.X`, `events.X` (`from asyncio import
        // events`): the whole name.
        let mut name = import.qualified.clone();
        let is_module = |q: &str| {
            q == "asyncio"
                || q.strip_prefix("asyncio.")
                    .is_some_and(|m| SUBMODULES.contains(&m))
        };
        while is_module(&name) {
            match node.parent() {
                Some(p)
                    if p.kind() == "attribute" && p.child_by_field_name("object") == Some(node) =>
                {
                    let attr = p
                        .child_by_field_name("attribute")
                        .map_or("", |a| cx.text(a));
                    name = format!("{name}.{attr}");
                    node = p;
                }
                _ => break,
            }
        }
        // The submodule is a detail: `asyncio.streams.StreamWriter` is `asyncio.StreamWriter`.
        let parts: Vec<&str> = name.split('.').collect();
        if let [_, sub, rest @ ..] = parts.as_slice() {
            if !rest.is_empty() && SUBMODULES.contains(sub) {
                name = format!("asyncio.{}", rest.join("."));
            }
        }
        out.push(report(&name, place(node), node.byte_range()));
    }
    // Names in string annotations (`fut: "asyncio.Future[int]"`).
    for strings in cx.model.annotation_strings() {
        for range in syntax::dotted_names_in_text(cx.src, strings.clone()) {
            let text = &cx.src[range.clone()];
            let (head, rest) = text.split_once('.').unwrap_or((text, ""));
            let Some(import) = cx
                .model
                .imports
                .iter()
                .find(|i| i.module_level && i.local == head)
            else {
                continue;
            };
            if !(import.qualified == "asyncio" || import.qualified.starts_with("asyncio.")) {
                continue;
            }
            let name = if rest.is_empty() {
                import.qualified.clone()
            } else {
                format!("{}.{rest}", import.qualified)
            };
            out.push(report(&name, " (an annotation)", range));
        }
    }
}

/// The report of `name` (`asyncio.Future`) left at `range`.
fn report(name: &str, place: &str, range: std::ops::Range<usize>) -> Diagnostic {
    let last = name.rsplit('.').next().unwrap_or(name);
    let form = FORMS
        .iter()
        .find(|(names, _)| names.contains(&last))
        .map_or(
            "look up its anyio form in anyio's documentation, or keep this module on asyncio",
            |(_, f)| f,
        );
    let what = if name == "asyncio" {
        "is used as a value".to_string()
    } else {
        format!("is left as it is{place}")
    };
    Diagnostic::new(
        CODE,
        format!("`{name}` {what}: the module keeps asyncio, so it cannot run on trio"),
        range,
    )
    .with_hint(form.to_string())
    .fallback()
}

/// Where the name stands, when that says more: a base class or an annotation.
fn place(node: Node) -> &'static str {
    let mut cur = node;
    while let Some(p) = cur.parent() {
        match p.kind() {
            "argument_list" if p.parent().is_some_and(|c| c.kind() == "class_definition") => {
                return " (a base class)";
            }
            "type" => return " (an annotation)",
            "attribute" | "subscript" | "binary_operator" | "generic_type" | "type_parameter" => {
                cur = p
            }
            _ => return "",
        }
    }
    ""
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn every_use_of_asyncio_is_said() {
        let src = "import asyncio\nfrom asyncio import Protocol\n\nclass P(Protocol):\n    pass\n\nasync def f(r: asyncio.StreamReader):\n    return asyncio.all_tasks(), asyncio.events.AbstractEventLoop\n";
        let found = run("AM908", src);
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`asyncio.Protocol` is left as it is (a base class): the module keeps asyncio, so it cannot run on trio",
                "`asyncio.StreamReader` is left as it is (an annotation): the module keeps asyncio, so it cannot run on trio",
                "`asyncio.all_tasks` is left as it is: the module keeps asyncio, so it cannot run on trio",
                "`asyncio.AbstractEventLoop` is left as it is: the module keeps asyncio, so it cannot run on trio",
            ]
        );
        assert!(found[3]
            .hint
            .as_deref()
            .unwrap_or_default()
            .starts_with("anyio has no event loop object"));
    }

    #[test]
    fn a_submodule_is_a_detail_of_the_name() {
        let src = "from asyncio import tasks\nfrom asyncio.streams import StreamWriter\n\ndef f(t: tasks.Task, w: StreamWriter):\n    pass\n";
        let found = run("AM908", src);
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`asyncio.Task` is left as it is (an annotation): the module keeps asyncio, so it cannot run on trio",
                "`asyncio.StreamWriter` is left as it is (an annotation): the module keeps asyncio, so it cannot run on trio",
            ]
        );
    }

    #[test]
    fn the_module_as_a_value_is_said_so() {
        let src = "import asyncio\n\ndef test_x(monkeypatch):\n    monkeypatch.setattr(asyncio, \"sleep\", None)\n";
        assert_reports(
            &run("AM908", src),
            "`asyncio` is used as a value: the module keeps asyncio, so it cannot run on trio",
        );
    }

    #[test]
    fn other_modules_are_not_asyncio() {
        let src = "import trio\nfrom redis import asyncio\n\nasync def f():\n    await trio.sleep(1)\n    return asyncio.Redis\n";
        assert!(run("AM908", src).is_empty());
    }

    #[test]
    fn a_name_with_no_anyio_class_gets_the_idiom_to_use() {
        let src = "import asyncio\n\nasync def f(b: asyncio.Barrier):\n    return asyncio.FIRST_COMPLETED, asyncio.print_call_graph\n";
        let hints: Vec<String> = run("AM908", src)
            .iter()
            .map(|f| f.hint.clone().unwrap_or_default())
            .collect();
        assert_eq!(hints.len(), 3);
        assert!(hints[0].starts_with("anyio has no barrier"), "{}", hints[0]);
        assert!(hints[1].contains("tg.cancel_scope"), "{}", hints[1]);
        assert!(hints[2].contains("sniffio"), "{}", hints[2]);
    }
}
