//! What one Python file tells about its pytest suite: whether it uses
//! pytest-asyncio, the async fixtures it defines, and what would keep the
//! suite on pytest-asyncio. The run reads every file of a suite before it
//! decides whether the suite moves to anyio's plugin (all or nothing).

use super::custom_loop::LoopFacts;
use crate::FileContext;
use syntax::{Node, Style};

/// The pytest facts of one file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SuiteFacts {
    /// It uses pytest-asyncio (its markers, its fixture decorator, an import).
    pub uses_pytest_asyncio: bool,
    /// Async fixtures declared with `pytest_asyncio.fixture` (they work in
    /// both of its modes).
    pub async_fixtures: Vec<String>,
    /// Async fixtures declared with plain `pytest.fixture` (pytest-asyncio
    /// runs them in auto mode only).
    pub plain_async_fixtures: Vec<String>,
    /// Why the suite cannot move to anyio's plugin as it is (none: it can).
    pub blockers: Vec<String>,
    /// What it shows about custom event loops (weighed across the suite:
    /// [`LoopFacts::blockers`]).
    pub loops: LoopFacts,
}

/// asyncio calls that start servers: an error in a connection handler goes to
/// the loop's exception handler.
const SERVER_CALLS: &[&str] = &[
    "start_server(",
    "start_unix_server(",
    "create_server(",
    "create_unix_server(",
];

/// Reads the pytest facts of a Python file (one that does not parse yields
/// what its text shows: the words of pytest-asyncio). `test_code`: the file
/// is a test module or a `conftest.py`, not the code under test.
pub fn suite_facts(src: &str, test_code: bool) -> SuiteFacts {
    with_parsed_facts(suite_text_facts(src, test_code), src, test_code)
}

/// [`suite_text_facts`]' `facts` of `src`, completed with what a parse of
/// it shows (when its words ask for one): custom loops, fixtures, callbacks.
pub fn with_parsed_facts(mut facts: SuiteFacts, src: &str, test_code: bool) -> SuiteFacts {
    // Custom loops and what weighs on their translation: fixtures, the
    // hook, the loop calls, and the fixtures synchronous tests request.
    // (The words each reader needs, so that the files of a suite that need
    // no parse are not parsed twice: this pass and the migration.)
    let words = [
        "fixture",
        "pytest_asyncio_",
        "new_event_loop(",
        "get_event_loop_policy(",
        "loop_factories=",
        "add_done_callback",
    ];
    // Synchronous tests (`def test…`, not `async def test…`) and their loop
    // calls matter in test code only.
    let sync_test = src
        .match_indices("def test")
        .any(|(i, _)| !src[..i].ends_with("async "));
    let needs_parse = words.iter().any(|w| src.contains(w))
        || (test_code && (sync_test || src.contains("get_event_loop(")));
    if !facts.uses_pytest_asyncio && !needs_parse {
        return facts;
    }
    let tree = syntax::parse(src);
    let style = Style::detect(src);
    let cx = FileContext::new(src, &tree, &style);
    facts.loops = LoopFacts::read(&cx, test_code);
    if let Some(why) = raising_done_callback(&cx) {
        facts.blockers.push(why);
    }
    for &def in cx.nodes_of_kind(syntax::kinds().function_definition) {
        let Some(name) = def.child_by_field_name("name").map(|n| cx.text(n)) else {
            continue;
        };
        let Some((decorator, declared)) = fixture_decorator(def, &cx) else {
            continue;
        };
        if !syntax::is_async_def(def) {
            continue;
        }
        let name = declared.unwrap_or_else(|| name.to_string());
        if decorator == "pytest_asyncio.fixture" {
            facts.uses_pytest_asyncio = true;
            facts.async_fixtures.push(name);
        } else {
            facts.plain_async_fixtures.push(name);
        }
    }
    facts
}

/// What [`suite_facts`] reads from a file's text alone, without parsing
/// it: whether it uses pytest-asyncio, and the blockers its words show.
/// Enough for a suite that one of them keeps on pytest-asyncio anyway.
pub fn suite_text_facts(src: &str, test_code: bool) -> SuiteFacts {
    let mut facts = SuiteFacts {
        uses_pytest_asyncio: src.contains("pytest_asyncio") || src.contains("mark.asyncio"),
        ..SuiteFacts::default()
    };
    // anyio's test runner re-raises what reaches the loop's exception
    // handler, where pytest-asyncio let asyncio log it.
    for call in ["set_exception_handler", "call_exception_handler"] {
        if src.contains(call) {
            facts.blockers.push(format!(
                "it calls the event loop's `{call}`, and anyio's test runner re-raises what reaches that handler where pytest-asyncio only logged it"
            ));
        }
    }
    if test_code {
        if let Some(call) = SERVER_CALLS.iter().find(|c| src.contains(**c)) {
            facts.blockers.push(format!(
                "its tests start asyncio servers (`{}…)`): an error in a connection handler goes to the loop's exception handler, which asyncio only logs and anyio's test runner re-raises",
                call.trim_end_matches('(')
            ));
        }
    }
    if src.contains("caplog") && (src.contains("\"asyncio\"") || src.contains("'asyncio'")) {
        facts.blockers.push(
            "its tests read the `asyncio` logger through `caplog`, and anyio's test runner re-raises the task errors asyncio logs there".into(),
        );
    }
    if test_code && !has_wide_async_fixture(src) {
        if let Some(mark) = shared_loop_mark(src) {
            facts.blockers.push(format!(
                "its tests share an event loop (`{mark}`), and anyio's plugin gives each test a loop of its own unless an async fixture of that scope is alive: what the tests keep between them (a queue or a lock made on the first loop) would break"
            ));
        }
    }
    if let Some(plugin) = pytestcfg_plugin(src) {
        facts
            .blockers
            .push(format!("it loads `{}`, {}", plugin.module, plugin.why));
    }
    facts
}

/// Whether the file defines an async fixture scoped wider than a test
/// (`@pytest_asyncio.fixture(scope="module")` on an `async def`): while it
/// is alive, anyio's plugin runs the tests that use it on its loop, so tests
/// sharing a loop with it keep doing so.
pub fn has_wide_async_fixture(src: &str) -> bool {
    src.match_indices("fixture(").any(|(at, m)| {
        let args_start = at + m.len();
        let Some(close) = src[args_start..].find(')') else {
            return false;
        };
        let args = &src[args_start..args_start + close];
        let wide = args.contains("scope=")
            && [
                "\"class\"",
                "\"module\"",
                "\"package\"",
                "\"session\"",
                "'module'",
                "'session'",
                "'class'",
                "'package'",
            ]
            .iter()
            .any(|v| args.contains(v));
        let next_def = src[args_start + close..]
            .find("def ")
            .map(|d| &src[args_start + close..args_start + close + d]);
        wide && next_def.is_some_and(|between| between.trim_end().ends_with("async"))
    })
}

/// A `pytest.mark.asyncio(loop_scope="module")` (or `scope=`, pytest-asyncio
/// before 0.24) whose scope is wider than a test: the text of its arguments.
fn shared_loop_mark(src: &str) -> Option<&str> {
    src.match_indices("mark.asyncio(").find_map(|(at, m)| {
        let args_start = at + m.len();
        let args = &src[args_start..args_start + src[args_start..].find(')')?];
        let wide = ["loop_scope=", "scope="].iter().any(|key| {
            args.split(',').any(|a| {
                a.trim()
                    .strip_prefix(key)
                    .map(|v| v.trim().trim_matches(['"', '\'']))
                    .is_some_and(|v| matches!(v, "class" | "module" | "package" | "session"))
            })
        });
        wide.then(|| &src[at..args_start + args.len() + 1])
    })
}

/// A done callback that can raise (a `raise`, or `.result()` of a task that
/// may have failed): what a callback raises goes to the loop's exception
/// handler, which asyncio only logs and anyio's test runner re-raises in
/// the test. The callback is a lambda, or a function or method of the file
/// named by the argument's last name.
fn raising_done_callback(cx: &FileContext) -> Option<String> {
    let raises = |body: Node| {
        syntax::preorder(body).any(|(n, _)| {
            n.kind() == "raise_statement"
                || (n.kind() == "call"
                    && n.child_by_field_name("function").is_some_and(|f| {
                        f.kind() == "attribute" && cx.text(f).ends_with(".result")
                    }))
        })
    };
    for call in cx.nodes_ending_in("call", "add_done_callback") {
        let Some(&arg) = syntax::arguments(call).first() else {
            continue;
        };
        let raising = match arg.kind() {
            "lambda" => arg.child_by_field_name("body").is_some_and(raises),
            "identifier" | "attribute" => {
                let name = cx.text(arg).rsplit('.').next().unwrap_or_default();
                cx.nodes_of_kind(syntax::kinds().function_definition)
                    .iter()
                    .any(|d| {
                        d.child_by_field_name("name")
                            .is_some_and(|n| cx.text(n) == name)
                            && d.child_by_field_name("body").is_some_and(raises)
                    })
            }
            _ => false,
        };
        if raising {
            return Some(format!(
                "its done callback `{}` can raise, and anyio's test runner re-raises what a callback raises where pytest-asyncio only logged it",
                cx.text(arg)
            ));
        }
    }
    None
}

/// `pytest_plugins` naming a plugin that needs pytest-asyncio.
fn pytestcfg_plugin(src: &str) -> Option<&'static pytestcfg::AsyncPlugin> {
    let at = src.find("pytest_plugins")?;
    // The assignment: up to its closing bracket, or its line.
    let line_end = src[at..].find('\n').map_or(src.len(), |e| at + e);
    let end = if src[at..line_end].contains(['[', '(']) {
        src[at..].find([']', ')']).map_or(src.len(), |e| at + e)
    } else {
        line_end
    };
    let names = &src[at..end];
    pytestcfg::PLUGINS_ON_PYTEST_ASYNCIO.iter().find(|p| {
        names.match_indices(p.module).any(|(i, _)| {
            matches!(names[..i].chars().next_back(), Some('"' | '\''))
                && matches!(names[i + p.module.len()..].chars().next(), Some('"' | '\''))
        })
    })
}

/// The fixture decorator of a function (`pytest.fixture` or
/// `pytest_asyncio.fixture`) and the `name=` it declares.
fn fixture_decorator(def: Node, cx: &FileContext) -> Option<(String, Option<String>)> {
    let decorated = def
        .parent()
        .filter(|p| p.kind() == "decorated_definition")?;
    let (q, keywords) = super::custom_loop::fixture_keywords(decorated, cx)?;
    let name = keywords
        .get("name")
        .filter(|v| v.kind() == "string")
        .map(|v| cx.text(*v).trim_matches(['"', '\'']).to_string());
    Some((q, name))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tests_sharing_a_loop_keep_the_suite() {
        let shared = "import pytest\n\npytestmark = pytest.mark.asyncio(loop_scope=\"module\")\n\nasync def test_a():\n    pass\n";
        assert!(super::suite_facts(shared, true).blockers[0].contains("share an event loop"));
        let own = "import pytest\n\n@pytest.mark.asyncio(loop_scope=\"function\")\nasync def test_a():\n    pass\n";
        assert!(super::suite_facts(own, true).blockers.is_empty());
        // A module-scoped async fixture keeps one loop alive for them.
        let kept = format!("{shared}\n@pytest_asyncio.fixture(scope=\"module\", loop_scope=\"module\")\nasync def shared():\n    yield 1\n");
        assert!(super::suite_facts(&kept, true).blockers.is_empty());
    }

    use super::*;

    #[test]
    fn async_fixtures_by_decorator() {
        let src = "import pytest\nimport pytest_asyncio\n\n@pytest_asyncio.fixture(scope=\"module\")\nasync def db():\n    yield 1\n\n@pytest.fixture(name=\"client\")\nasync def make_client():\n    return 2\n\n@pytest.fixture\ndef sync_one():\n    return 3\n";
        let f = suite_facts(src, false);
        assert!(f.uses_pytest_asyncio);
        assert_eq!(f.async_fixtures, ["db"]);
        assert_eq!(f.plain_async_fixtures, ["client"]);
        assert!(f.blockers.is_empty(), "{:?}", f.blockers);
    }

    #[test]
    fn logged_errors_block_the_move() {
        let async_loop = "import asyncio, pytest_asyncio\n\n@pytest_asyncio.fixture\nasync def event_loop():\n    return asyncio.get_running_loop()\n";
        let f = suite_facts(async_loop, true);
        assert!(f.blockers.is_empty());
        assert_eq!(f.async_fixtures, ["event_loop"]);
        let caplog = "def test_x(caplog):\n    assert caplog.records[0].name == \"asyncio\"\n";
        assert_eq!(suite_facts(caplog, true).blockers.len(), 1);
        let server = "import asyncio\n\nasync def test_x():\n    s = await asyncio.start_server(h, port=0)\n";
        assert_eq!(suite_facts(server, true).blockers.len(), 1);
        assert!(suite_facts(server, false).blockers.is_empty());
        let plugin = "pytest_plugins = [\"aiohttp.pytest_plugin\"]\n";
        assert_eq!(suite_facts(plugin, true).blockers.len(), 1);
        let callback = "def check(t):\n    t.result()\n\nasync def run():\n    t = start()\n    t.add_done_callback(check)\n";
        assert!(suite_facts(callback, false).blockers[0].contains("`check` can raise"));
        let lambda = "async def run(t):\n    t.add_done_callback(lambda t: t.result())\n";
        // A comment before the argument is not the callback.
        let commented = "def check(t):\n    t.result()\n\nasync def run(t):\n    t.add_done_callback(  # on failure\n        check\n    )\n";
        assert_eq!(suite_facts(commented, false).blockers.len(), 1);
        assert_eq!(suite_facts(lambda, false).blockers.len(), 1);
        let quiet = "def forget(t):\n    tasks.discard(t)\n\nasync def run(t):\n    t.add_done_callback(forget)\n";
        assert!(suite_facts(quiet, false).blockers.is_empty());
        // Code that hands errors to the loop's exception handler.
        for call in ["set_exception_handler", "call_exception_handler"] {
            let code = format!("def f(loop):\n    loop.{call}(h)\n");
            let blockers = suite_facts(&code, false).blockers;
            assert!(
                blockers.len() == 1 && blockers[0].contains(call),
                "{blockers:?}"
            );
        }
        // A local variable of that name is not the fixture.
        let local = "async def test_x():\n    event_loop = 1\n";
        assert!(suite_facts(local, true).blockers.is_empty());
    }
}
