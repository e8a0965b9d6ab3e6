//! Custom event loops set up through pytest-asyncio (an `event_loop_policy`
//! fixture, a `pytest_asyncio_loop_factories` hook, a synchronous
//! `event_loop` fixture) and the `anyio_backend` fixture that gives anyio's
//! plugin the same loops: `("asyncio", {"loop_factory": F})`.
//!
//! What one file shows is read here twice: by the run's plan, to decide
//! whether the suite can move ([`LoopFacts`], across every file of the suite),
//! and by AM605, to write the fixture in the file that sets the loop
//! ([`rewrites`]). Both read the same [`find`].

use super::pytest_support::decorator_target;
use crate::FileContext;
use edit::Edit;
use std::collections::{BTreeMap, BTreeSet};
use syntax::Node;

/// pytest's fixture scopes, narrowest first.
const SCOPES: [&str; 5] = ["function", "class", "module", "package", "session"];

/// The rank of a fixture scope written as a string literal (`None`: not one).
fn scope_rank(text: &str) -> Option<u8> {
    let name = text.trim_matches(['"', '\'']);
    (text.len() == name.len() + 2)
        .then(|| SCOPES.iter().position(|s| *s == name))
        .flatten()
        .map(|r| r as u8)
}

/// One custom event loop a file sets through pytest-asyncio.
struct Found<'t> {
    /// What sets it, for messages.
    what: &'static str,
    /// The definition (decorated or not) that sets it.
    node: Node<'t>,
    /// Its translation, or why there is none.
    plan: Result<Plan, String>,
}

/// How one custom loop becomes an `anyio_backend` fixture.
struct Plan {
    /// The text that replaces the definition, or follows it (`keep`).
    text: String,
    /// The definition stays and the text is added after it.
    keep: bool,
    /// The scope rank of the `anyio_backend` written (`None`: none is
    /// written, the root `conftest.py`'s applies).
    scope: Option<u8>,
    /// The written fixture is parametrised over several loops.
    parametrised: bool,
    /// It swaps the global event loop policy (the policy fixture): code that
    /// reads that policy sees another one under anyio.
    policy: bool,
    /// Modules the text needs.
    imports: &'static [&'static str],
}

/// The fixture decorator of a decorated definition (`pytest.fixture` or
/// `pytest_asyncio.fixture`, as it resolves) and its call's keyword
/// arguments (a positional one under `*`).
pub(super) fn fixture_keywords<'t>(
    decorated: Node<'t>,
    cx: &FileContext<'t>,
) -> Option<(String, BTreeMap<&'t str, Node<'t>>)> {
    syntax::named_children(decorated)
        .into_iter()
        .filter(|d| d.kind() == "decorator")
        .find_map(|d| {
            let (q, func) = decorator_target(d, cx)?;
            if q != "pytest.fixture" && q != "pytest_asyncio.fixture" {
                return None;
            }
            let mut keywords = BTreeMap::new();
            if let Some(args) = func
                .parent()
                .filter(|c| c.kind() == "call")
                .and_then(|c| c.child_by_field_name("arguments"))
            {
                for a in syntax::code_children(args) {
                    match a.kind() {
                        "keyword_argument" => {
                            if let (Some(n), Some(v)) = (
                                a.child_by_field_name("name"),
                                a.child_by_field_name("value"),
                            ) {
                                keywords.insert(cx.text(n), v);
                            }
                        }
                        // A positional argument (the fixture function
                        // itself, or an old-style scope): not read.
                        _ => {
                            keywords.insert("*", a);
                        }
                    }
                }
            }
            Some((q, keywords))
        })
}

/// The statements of a function's body, comments and a docstring left out.
fn body_statements<'t>(def: Node<'t>) -> Vec<Node<'t>> {
    let Some(body) = def.child_by_field_name("body") else {
        return Vec::new();
    };
    let mut stmts = syntax::code_children(body);
    if stmts.first().is_some_and(|s| syntax::is_docstring(*s)) {
        stmts.remove(0);
    }
    stmts
}

/// Whether a definition stands at module level (not in a class or function).
fn at_module_level(node: Node) -> bool {
    node.parent().is_some_and(|p| p.kind() == "module")
}

/// Writes a template (four-space indents, `\n`) in the file's style.
fn styled(cx: &FileContext, template: &str) -> String {
    template
        .replace("    ", &cx.style.indent)
        .replace('\n', cx.style.newline.as_str())
}

/// `event_loop_policy`: the fixture stays (tests and fixtures may request
/// it), and an autouse `anyio_backend` of its scope makes loops with its
/// `new_event_loop`. pytest-asyncio's own `event_loop_policy` is autouse, so
/// an override parametrises every test under it, synchronous ones too: the
/// autouse fixture keeps those tests and their ids.
fn policy_plan(
    def: Node,
    keywords: &BTreeMap<&str, Node>,
    cx: &FileContext,
) -> Result<Plan, String> {
    if syntax::is_async_def(def) {
        return Err("its `event_loop_policy` fixture is a coroutine function, which pytest-asyncio cannot use either".into());
    }
    let scope = keywords.get("scope").map(|s| cx.text(*s));
    let argument = scope.map_or(String::new(), |s| format!(", scope={s}"));
    Ok(Plan {
        text: styled(
            cx,
            &format!("@pytest.fixture(autouse=True{argument})\ndef anyio_backend(event_loop_policy):\n    return (\"asyncio\", {{\"loop_factory\": event_loop_policy.new_event_loop}})"),
        ),
        keep: true,
        // A scope written as anything but a literal is taken as the narrowest.
        scope: Some(scope.and_then(scope_rank).unwrap_or(0)),
        parametrised: false,
        policy: true,
        imports: &["pytest"],
    })
}

/// `pytest_asyncio_loop_factories(config, item)` returning a mapping of
/// names to loop factories, the same for every test: one factory becomes a
/// session-scoped `anyio_backend`; several, one parametrised over the names
/// (pytest-asyncio's test ids), each making loops with its factory. Imports
/// at the top of the hook's body move into the fixture.
fn hook_plan(def: Node, cx: &FileContext) -> Result<Plan, String> {
    let dynamic = || {
        "its `pytest_asyncio_loop_factories` hook does more than return the same mapping of names to loop factories for every test".to_string()
    };
    let decorated = def.parent().filter(|p| p.kind() == "decorated_definition");
    let other_decorator = decorated
        .map(syntax::named_children)
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.kind() == "decorator")
        .any(|d| decorator_target(d, cx).is_none_or(|(q, _)| q != "pytest.hookimpl"));
    if other_decorator {
        return Err(dynamic());
    }
    let params: BTreeSet<&str> = def
        .child_by_field_name("parameters")
        .map(syntax::code_children)
        .unwrap_or_default()
        .into_iter()
        .map(|p| cx.text(p))
        .collect();
    let stmts = body_statements(def);
    let (last, leading) = stmts.split_last().ok_or_else(dynamic)?;
    if !leading
        .iter()
        .all(|s| matches!(s.kind(), "import_statement" | "import_from_statement"))
    {
        return Err(dynamic());
    }
    let dict = Some(*last)
        .filter(|s| s.kind() == "return_statement")
        .and_then(|s| s.named_child(0))
        .filter(|d| d.kind() == "dictionary")
        .ok_or_else(dynamic)?;
    let mut names = Vec::new();
    let mut factories = Vec::new();
    for pair in syntax::code_children(dict) {
        if pair.kind() != "pair" {
            return Err(dynamic());
        }
        let key = pair
            .child_by_field_name("key")
            .filter(|k| syntax::is_plain_string(*k, cx.src))
            .ok_or_else(dynamic)?;
        names.push(cx.text(key));
        factories.extend(pair.child_by_field_name("value").map(|v| cx.text(v)));
    }
    let uses_arguments = syntax::preorder(dict)
        .any(|(n, _)| n.kind() == "identifier" && params.contains(cx.text(n)));
    if names.is_empty() || factories.len() != names.len() || uses_arguments {
        return Err(dynamic());
    }
    let nl = cx.style.newline.as_str();
    let indent = cx.indent_at(last.start_byte());
    let mut body: Vec<String> = leading
        .iter()
        .map(|s| format!("{indent}{}", cx.text(*s)))
        .collect();
    let (header, parametrised) = if let [factory] = factories.as_slice() {
        body.push(format!(
            "{indent}return (\"asyncio\", {{\"loop_factory\": {factory}}})"
        ));
        (
            styled(
                cx,
                "@pytest.fixture(scope=\"session\")\ndef anyio_backend():",
            ),
            false,
        )
    } else {
        let local = cx.fresh_name(*last, "factories", &[]);
        body.push(format!("{indent}{local} = {}", cx.text(dict)));
        body.push(format!(
            "{indent}return (\"asyncio\", {{\"loop_factory\": {local}[request.param]}})"
        ));
        let header = format!(
            "@pytest.fixture(params=[{}])\ndef anyio_backend(request):",
            names.join(", ")
        );
        (styled(cx, &header), true)
    };
    Ok(Plan {
        text: format!("{header}{nl}{}", body.join(nl)),
        keep: false,
        scope: Some(if parametrised { 0 } else { 4 }),
        parametrised,
        policy: false,
        imports: &["pytest"],
    })
}

/// Calls that make asyncio's default loop.
const DEFAULT_LOOPS: [&str; 2] = ["asyncio.new_event_loop", "asyncio.get_event_loop"];

/// A synchronous `event_loop` fixture that makes asyncio's default loop with
/// one call and hands it out: `loop = F()`, optionally
/// `asyncio.set_event_loop(loop)`, `yield loop` or `return loop`, optionally
/// `loop.close()`; or `return F()`. Before pytest-asyncio 1.0 the tests ran
/// on that loop; 1.0 ignores the fixture and runs them on its own default
/// loop. On the default loop both agree, and so does anyio's plugin with the
/// root `conftest.py`'s `anyio_backend`: the fixture becomes an async one
/// that hands tests the running loop. Any other loop is reported (which of
/// the two the suite relies on cannot be told from its code).
fn event_loop_plan<'t>(
    def: Node<'t>,
    keywords: &BTreeMap<&str, Node>,
    cx: &FileContext<'t>,
) -> Result<Plan, String> {
    let other = || {
        "its synchronous `event_loop` fixture does more than make one loop and hand it out (move that loop to an `anyio_backend` fixture returning (\"asyncio\", {\"loop_factory\": ...}) by hand)".to_string()
    };
    if let Some(scope) = keywords.get("scope") {
        if scope_rank(cx.text(*scope)) != Some(0) {
            return Err(format!(
                "its synchronous `event_loop` fixture has scope={}: every test under it shares one event loop, which anyio's plugin does only while an async fixture of that scope is alive",
                cx.text(*scope)
            ));
        }
    }
    if keywords.keys().any(|k| *k != "scope") {
        return Err(other());
    }
    let stmts = body_statements(def);
    let call_of = |n: Node<'t>| -> Option<Node<'t>> {
        Some(n)
            .filter(|c| syntax::is_call_without_arguments(*c))
            .and_then(|c| c.child_by_field_name("function"))
    };
    let factory = match stmts.as_slice() {
        [ret] if ret.kind() == "return_statement" => ret.named_child(0).and_then(call_of),
        [first, rest @ ..] => {
            let assign = Some(*first)
                .filter(|s| s.kind() == "expression_statement")
                .and_then(|s| s.named_child(0))
                .filter(|a| a.kind() == "assignment");
            let local = assign
                .and_then(|a| a.child_by_field_name("left"))
                .filter(|l| l.kind() == "identifier")
                .map(|l| cx.text(l));
            let value = assign.and_then(|a| a.child_by_field_name("right"));
            let is = |s: &Node, text: String| cx.text(*s) == text;
            let fits = local.is_some_and(|l| {
                let mut it = rest.iter().peekable();
                if it.peek().is_some_and(|s| {
                    s.named_child(0).and_then(|c| cx.callee(c)).as_deref()
                        == Some("asyncio.set_event_loop")
                        && s.named_child(0)
                            .and_then(|c| c.child_by_field_name("arguments"))
                            .is_some_and(|a| cx.text(a) == format!("({l})"))
                }) {
                    it.next();
                }
                let hands_out = it
                    .next()
                    .is_some_and(|s| is(s, format!("yield {l}")) || is(s, format!("return {l}")));
                if it.peek().is_some_and(|s| is(s, format!("{l}.close()"))) {
                    it.next();
                }
                hands_out && it.next().is_none()
            });
            fits.then_some(value).flatten().and_then(call_of)
        }
        _ => None,
    }
    .ok_or_else(other)?;
    let default = cx
        .qualified(factory)
        .is_some_and(|q| DEFAULT_LOOPS.contains(&q.as_str()))
        || cx.text(factory) == "asyncio.get_event_loop_policy().new_event_loop";
    if !default {
        return Err(format!("its synchronous `event_loop` fixture makes its loop with `{}`: pytest-asyncio before 1.0 ran the tests on that loop, 1.0 and later ignore the fixture and run them on asyncio's default loop (to keep that loop, return (\"asyncio\", {{\"loop_factory\": {}}}) from an `anyio_backend` fixture by hand; otherwise delete the fixture)", cx.text(factory), cx.text(factory)));
    }
    Ok(Plan {
        text: styled(
            cx,
            "@pytest.fixture\nasync def event_loop():\n    return asyncio.get_running_loop()",
        ),
        keep: false,
        scope: None,
        parametrised: false,
        policy: false,
        imports: &["pytest", "asyncio"],
    })
}

/// Every custom event loop the file sets through pytest-asyncio.
fn find<'t>(cx: &FileContext<'t>) -> Vec<Found<'t>> {
    let mut out = Vec::new();
    for &def in cx.nodes_of_kind(syntax::kinds().function_definition) {
        let Some(name) = def.child_by_field_name("name").map(|n| cx.text(n)) else {
            continue;
        };
        let decorated = def.parent().filter(|p| p.kind() == "decorated_definition");
        let node = decorated.unwrap_or(def);
        let keywords = decorated.and_then(|d| fixture_keywords(d, cx).map(|(_, k)| k));
        let declared = keywords
            .as_ref()
            .and_then(|k| k.get("name"))
            .map(|v| cx.text(*v).trim_matches(['"', '\'']));
        let fixture = keywords.as_ref().map(|_| declared.unwrap_or(name));
        let (what, plan) = match (fixture, &keywords) {
            (Some("event_loop_policy"), Some(k)) => {
                ("`event_loop_policy` fixture", policy_plan(def, k, cx))
            }
            (Some("event_loop"), Some(k)) if !syntax::is_async_def(def) => (
                "synchronous `event_loop` fixture",
                event_loop_plan(def, k, cx),
            ),
            (None, _) if name == "pytest_asyncio_loop_factories" => {
                ("`pytest_asyncio_loop_factories` hook", hook_plan(def, cx))
            }
            _ => continue,
        };
        let plan = plan.and_then(|p| {
            if !at_module_level(node) {
                Err(format!("its {what} is not defined at module level"))
            } else if p.scope.is_some() && defines_anyio_backend(cx) {
                Err(format!(
                    "its {what} sits beside an `anyio_backend` fixture of its own"
                ))
            } else {
                Ok(p)
            }
        });
        out.push(Found { what, node, plan });
    }
    out
}

/// Whether the file defines a function named `anyio_backend`.
fn defines_anyio_backend(cx: &FileContext) -> bool {
    cx.nodes_of_kind(syntax::kinds().function_definition)
        .iter()
        .any(|f| {
            f.child_by_field_name("name")
                .is_some_and(|n| cx.text(n) == "anyio_backend")
        })
}

/// The end of the last line of `node`, before its newline.
fn end_of_last_line(src: &str, node: Node) -> usize {
    let end = syntax::line_end(src, node.end_byte());
    let line = &src[..end];
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line).len()
}

/// One custom loop's move to anyio's plugin, in one file.
pub struct Rewrite<'t> {
    /// What sets the loop (the definition).
    pub node: Node<'t>,
    /// What the diagnostic says.
    pub message: String,
    pub edit: Edit,
    /// Modules the new code needs.
    pub imports: &'static [&'static str],
}

/// The edits that move one file's custom loops to `anyio_backend` fixtures
/// (in a suite that moves, where every loop has a translation), and whether
/// one of them writes an `anyio_backend` (the root `conftest.py` then needs
/// no other). Comments of a replaced definition that its replacement does
/// not carry go above it.
pub fn rewrites<'t>(cx: &FileContext<'t>) -> (Vec<Rewrite<'t>>, bool) {
    let mut out = Vec::new();
    let mut writes_backend = false;
    let nl = cx.style.newline.as_str();
    for found in find(cx) {
        let Ok(plan) = found.plan else {
            continue;
        };
        writes_backend |= plan.scope.is_some();
        let stop = end_of_last_line(cx.src, found.node);
        let edit = if plan.keep {
            Edit::insert(stop, format!("{nl}{nl}{nl}{}", plan.text))
        } else {
            let start = syntax::line_start(cx.src, found.node.start_byte());
            let carried: String = cx
                .nodes_of_kind(syntax::kinds().comment)
                .iter()
                .filter(|c| start <= c.start_byte() && c.end_byte() <= stop)
                .map(|c| cx.text(*c))
                .filter(|c| !plan.text.contains(c))
                .map(|c| format!("{c}{nl}"))
                .collect();
            Edit::replace(start..stop, format!("{carried}{}", plan.text))
        };
        let message = if plan.keep {
            format!("the {} gets an autouse `anyio_backend` fixture that makes anyio's event loops with the policy's `new_event_loop`", found.what)
        } else if plan.scope.is_some() {
            format!(
                "the {} becomes an `anyio_backend` fixture with its loop factory",
                found.what
            )
        } else {
            format!("the {} becomes an async fixture returning the running loop (anyio's plugin runs the tests on asyncio's default loop, as it made)", found.what)
        };
        out.push(Rewrite {
            node: found.node,
            message,
            edit,
            imports: plan.imports,
        });
    }
    (out, writes_backend)
}

/// What the files of one suite show about custom event loops, gathered
/// before the run decides whether the suite moves.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoopFacts {
    /// `(file, what)` of every custom loop set through pytest-asyncio, with
    /// its translation's facts or why there is none.
    loops: Vec<(String, &'static str, Result<LoopShape, String>)>,
    /// `(file, call)`: code that reads the global event loop policy.
    policy_readers: Vec<(String, String)>,
    /// `(file, function)`: test code asking for the thread's current loop
    /// outside a coroutine.
    current_loop_readers: Vec<(String, String)>,
    /// `(scope rank, file, fixture)` of the widest async fixture.
    widest_async_fixture: Option<(u8, String, String)>,
    /// The fixtures synchronous tests and fixtures request, with a file.
    sync_requests: BTreeMap<String, String>,
    /// A file whose `asyncio` markers pick loop factories by name.
    picks_factories: Option<String>,
}

/// The facts of one translation the plan weighs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LoopShape {
    scope: Option<u8>,
    parametrised: bool,
    policy: bool,
}

impl LoopFacts {
    /// Reads one file of the suite (`test_code`: a test module or conftest).
    pub(crate) fn read(cx: &FileContext, test_code: bool) -> LoopFacts {
        let mut facts = LoopFacts::default();
        let found = find(cx);
        let inside = |n: Node, of: &[Found]| {
            of.iter()
                .any(|f| f.node.start_byte() <= n.start_byte() && n.end_byte() <= f.node.end_byte())
        };
        for f in &found {
            let shape = f.plan.as_ref().map(|p| LoopShape {
                scope: p.scope,
                parametrised: p.parametrised,
                policy: p.policy,
            });
            facts
                .loops
                .push((String::new(), f.what, shape.map_err(Clone::clone)));
        }
        for reader in ["asyncio.get_event_loop_policy", "asyncio.new_event_loop"] {
            if let Some(call) = cx
                .calls_to(reader)
                .into_iter()
                .find(|c| !inside(*c, &found))
            {
                facts
                    .policy_readers
                    .push((String::new(), cx.text(call).to_string()));
            }
        }
        if cx.src.contains("loop_factories=") {
            facts.picks_factories = Some(String::new());
        }
        let current_loop_calls = if test_code {
            cx.calls_to("asyncio.get_event_loop")
        } else {
            Vec::new()
        };
        for &def in cx.nodes_of_kind(syntax::kinds().function_definition) {
            let Some(name) = def.child_by_field_name("name").map(|n| cx.text(n)) else {
                continue;
            };
            let decorated = def.parent().filter(|p| p.kind() == "decorated_definition");
            let keywords = decorated.and_then(|d| fixture_keywords(d, cx).map(|(_, k)| k));
            if syntax::is_async_def(def) {
                if let Some(k) = &keywords {
                    let scope = k
                        .get("scope")
                        .map_or(Some(0), |s| scope_rank(cx.text(*s)))
                        .unwrap_or(4);
                    if facts
                        .widest_async_fixture
                        .as_ref()
                        .is_none_or(|w| w.0 < scope)
                    {
                        facts.widest_async_fixture = Some((scope, String::new(), name.to_string()));
                    }
                }
                continue;
            }
            if current_loop_calls.iter().any(|c| {
                syntax::enclosing(*c, &["function_definition"]) == Some(def) && !inside(*c, &found)
            }) {
                facts
                    .current_loop_readers
                    .push((String::new(), name.to_string()));
            }
            if keywords.is_none() && !name.starts_with("test") {
                continue;
            }
            for p in def
                .child_by_field_name("parameters")
                .map(syntax::code_children)
                .unwrap_or_default()
            {
                let param = match p.kind() {
                    "identifier" => Some(p),
                    _ => p
                        .child_by_field_name("name")
                        .or_else(|| p.named_child(0))
                        .filter(|n| n.kind() == "identifier"),
                };
                if let Some(param) = param {
                    facts
                        .sync_requests
                        .entry(cx.text(param).to_string())
                        .or_default();
                }
            }
        }
        facts
    }

    /// Adds the facts of another file, naming it in the facts it shows.
    pub fn merge(&mut self, mut other: LoopFacts, file: &str) {
        for l in &mut other.loops {
            l.0 = file.to_string();
        }
        self.loops.extend(other.loops);
        self.policy_readers.extend(
            other
                .policy_readers
                .into_iter()
                .map(|(_, c)| (file.to_string(), c)),
        );
        self.current_loop_readers.extend(
            other
                .current_loop_readers
                .into_iter()
                .map(|(_, c)| (file.to_string(), c)),
        );
        if let Some((rank, _, name)) = other.widest_async_fixture {
            if self
                .widest_async_fixture
                .as_ref()
                .is_none_or(|w| w.0 < rank)
            {
                self.widest_async_fixture = Some((rank, file.to_string(), name));
            }
        }
        for (name, _) in other.sync_requests {
            self.sync_requests
                .entry(name)
                .or_insert_with(|| file.to_string());
        }
        if other.picks_factories.is_some() && self.picks_factories.is_none() {
            self.picks_factories = Some(file.to_string());
        }
    }

    /// Why the suite's custom loops keep it on pytest-asyncio (empty: it has
    /// none, or each has a faithful `anyio_backend`). `async_fixtures`: the
    /// suite's async fixtures.
    pub fn blockers(&self, async_fixtures: &BTreeSet<String>) -> Vec<String> {
        let mut out = Vec::new();
        for (file, _, shape) in &self.loops {
            if let Err(why) = shape {
                out.push(format!("`{file}`: {why}"));
            }
        }
        if !out.is_empty() {
            return out;
        }
        let shapes: Vec<(&String, &str, &LoopShape)> = self
            .loops
            .iter()
            .filter_map(|(f, w, s)| s.as_ref().ok().map(|s| (f, *w, s)))
            .collect();
        if shapes.is_empty() {
            return out;
        }
        if shapes.len() > 1 {
            out.push(format!(
                "it sets custom event loops in more than one place ({})",
                shapes
                    .iter()
                    .map(|(f, w, _)| format!("the {w} in `{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return out;
        }
        let (file, what, shape) = shapes[0];
        let loop_name = format!("the {what} in `{file}`");
        if shape.policy {
            if let Some((f, call)) = self.policy_readers.first() {
                out.push(format!("`{f}` calls `{call}`, which reads the global event loop policy that pytest-asyncio set from {loop_name} during async tests and anyio's plugin leaves as it is"));
            }
        }
        if let (Some(_), Some((f, function))) = (shape.scope, self.current_loop_readers.first()) {
            out.push(format!("`{f}`: `{function}` asks for the current event loop outside a coroutine, and anyio's plugin does not make the loop from {loop_name} the thread's current loop as pytest-asyncio did"));
        }
        if let (Some(scope), Some((wide, f, fixture))) = (shape.scope, &self.widest_async_fixture) {
            if *wide > scope {
                out.push(format!("the async fixture `{fixture}` in `{f}` has a wider scope ({}) than the `anyio_backend` fixture {loop_name} becomes ({})", SCOPES[*wide as usize], SCOPES[scope as usize]));
            }
        }
        if shape.parametrised {
            if let Some(f) = &self.picks_factories {
                out.push(format!("`{f}` picks loop factories by name in its `asyncio` markers (`loop_factories=`), which anyio's plugin has no counterpart for"));
            }
            if let Some((name, f)) = self
                .sync_requests
                .iter()
                .find(|(n, _)| async_fixtures.contains(*n))
            {
                out.push(format!("a synchronous test or fixture in `{f}` requests the async fixture `{name}`, which pytest-asyncio ran on the default loop and anyio's plugin would run once per loop of {loop_name}"));
            }
        }
        if what.contains("event_loop`") {
            if let Some(f) = self.sync_requests.get("event_loop") {
                out.push(format!("a synchronous test or fixture in `{f}` requests `event_loop`, the loop {loop_name} makes, which is not running (anyio's plugin hands tests only the running loop)"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cx<R>(src: &str, f: impl FnOnce(&FileContext) -> R) -> R {
        let tree = syntax::parse(src);
        let style = syntax::Style::detect(src);
        let cx = FileContext::new(src, &tree, &style);
        f(&cx)
    }

    fn rewritten(src: &str) -> String {
        with_cx(src, |cx| {
            let (found, _) = rewrites(cx);
            let edits: Vec<Edit> = found.into_iter().map(|r| r.edit).collect();
            edit::apply_edits(src, &edits)
        })
    }

    fn blockers(files: &[(&str, &str)], async_fixtures: &[&str]) -> Vec<String> {
        let mut all = LoopFacts::default();
        for (name, src) in files {
            let facts = with_cx(src, |cx| LoopFacts::read(cx, true));
            all.merge(facts, name);
        }
        all.blockers(&async_fixtures.iter().map(|s| s.to_string()).collect())
    }

    const POLICY: &str = "import asyncio\nimport pytest\n\n\n@pytest.fixture(params=[\"default\", \"custom\"])\ndef event_loop_policy(request):\n    if request.param == \"custom\":\n        return CustomPolicy()\n    return asyncio.DefaultEventLoopPolicy()\n\n\n@pytest.fixture\ndef is_custom(event_loop_policy):\n    return isinstance(event_loop_policy, CustomPolicy)\n";

    #[test]
    fn a_policy_fixture_stays_and_gets_an_autouse_backend_of_its_scope() {
        let out = rewritten(POLICY);
        assert!(out.contains("def event_loop_policy(request):"), "{out}");
        assert!(out.contains("        return CustomPolicy()\n    return asyncio.DefaultEventLoopPolicy()\n\n\n@pytest.fixture(autouse=True)\ndef anyio_backend(event_loop_policy):\n    return (\"asyncio\", {\"loop_factory\": event_loop_policy.new_event_loop})\n\n\n@pytest.fixture\ndef is_custom"), "{out}");
        let scoped = "import pytest\n\n@pytest.fixture(scope=\"session\")\ndef event_loop_policy():\n    return CustomPolicy()";
        let out = rewritten(scoped);
        assert!(out.ends_with("    return CustomPolicy()\n\n\n@pytest.fixture(autouse=True, scope=\"session\")\ndef anyio_backend(event_loop_policy):\n    return (\"asyncio\", {\"loop_factory\": event_loop_policy.new_event_loop})"), "{out}");
        assert!(blockers(&[("conftest.py", POLICY)], &[]).is_empty());
    }

    #[test]
    fn what_a_policy_fixture_cannot_keep() {
        // Code that reads the global policy sees another one.
        let reader = "import asyncio\n\ndef make():\n    return asyncio.new_event_loop()\n";
        let why = blockers(&[("conftest.py", POLICY), ("pkg/loops.py", reader)], &[]);
        assert!(
            why[0].contains("pkg/loops.py") && why[0].contains("global event loop policy"),
            "{why:?}"
        );
        // A module-scoped async fixture under a function-scoped backend.
        let wide = "import pytest_asyncio\n\n@pytest_asyncio.fixture(scope=\"module\")\nasync def db():\n    yield 1\n";
        let why = blockers(
            &[("conftest.py", POLICY), ("tests/test_db.py", wide)],
            &["db"],
        );
        assert!(
            why[0].contains("`db`") && why[0].contains("module"),
            "{why:?}"
        );
        // A sync test asking for the current loop.
        let current = "import asyncio\n\ndef test_x():\n    asyncio.get_event_loop().run_until_complete(f())\n";
        let why = blockers(
            &[("conftest.py", POLICY), ("tests/test_x.py", current)],
            &[],
        );
        assert!(why[0].contains("`test_x`"), "{why:?}");
        // In a class, or async: no translation.
        let in_class = "import pytest\n\nclass TestX:\n    @pytest.fixture\n    def event_loop_policy(self):\n        return P()\n";
        assert!(blockers(&[("tests/test_x.py", in_class)], &[])[0].contains("module level"));
        let beside =
            format!("{POLICY}\n\n@pytest.fixture\ndef anyio_backend():\n    return \"asyncio\"\n");
        assert!(blockers(&[("conftest.py", &beside)], &[])[0].contains("of its own"));
    }

    #[test]
    fn a_static_hook_becomes_a_backend_fixture() {
        let one = "import pytest\nimport uvloop\n\n\ndef pytest_asyncio_loop_factories(config, item):\n    return {\"uvloop\": uvloop.new_event_loop}\n";
        let out = rewritten(one);
        assert!(out.ends_with("import uvloop\n\n\n@pytest.fixture(scope=\"session\")\ndef anyio_backend():\n    return (\"asyncio\", {\"loop_factory\": uvloop.new_event_loop})\n"), "{out}");
        let two = "import asyncio\n\n\ndef pytest_asyncio_loop_factories(config, item):\n    \"\"\"The loops.\"\"\"\n    import uvloop\n    return {\n        \"default\": asyncio.new_event_loop,\n        \"uvloop\": uvloop.new_event_loop,\n    }\n";
        let out = rewritten(two);
        assert!(out.ends_with("@pytest.fixture(params=[\"default\", \"uvloop\"])\ndef anyio_backend(request):\n    import uvloop\n    factories = {\n        \"default\": asyncio.new_event_loop,\n        \"uvloop\": uvloop.new_event_loop,\n    }\n    return (\"asyncio\", {\"loop_factory\": factories[request.param]})\n"), "{out}");
        assert!(blockers(&[("conftest.py", two)], &[]).is_empty());
        // Several loops: a sync user of an async fixture would run once per loop.
        let sync_user = "def test_x(db):\n    assert db\n";
        let why = blockers(
            &[("conftest.py", two), ("tests/test_x.py", sync_user)],
            &["db"],
        );
        assert!(why[0].contains("`db`"), "{why:?}");
        let picks = "import pytest\n\n@pytest.mark.asyncio(loop_factories=[\"uvloop\"])\nasync def test_x():\n    pass\n";
        let why = blockers(&[("conftest.py", two), ("tests/test_x.py", picks)], &[]);
        assert!(why[0].contains("loop_factories"), "{why:?}");
        // A hook that looks at the test cannot be one fixture.
        let dynamic = "def pytest_asyncio_loop_factories(config, item):\n    if item.get_closest_marker(\"slow\"):\n        return {\"a\": f}\n    return {\"b\": g}\n";
        assert!(blockers(&[("conftest.py", dynamic)], &[])[0].contains("same mapping"));
        let uses_item =
            "def pytest_asyncio_loop_factories(config, item):\n    return {item.name: f}\n";
        assert!(!blockers(&[("conftest.py", uses_item)], &[]).is_empty());
    }

    #[test]
    fn a_sync_event_loop_fixture_becomes_the_running_loop() {
        let default = "import asyncio\nimport pytest\n\n\n@pytest.fixture\ndef event_loop():\n    loop = asyncio.get_event_loop_policy().new_event_loop()\n    yield loop\n    loop.close()\n\n\nasync def test_x(event_loop):\n    pass\n";
        let out = rewritten(default);
        assert!(out.contains("@pytest.fixture\nasync def event_loop():\n    return asyncio.get_running_loop()\n\n\nasync def test_x"), "{out}");
        assert!(!out.contains("anyio_backend"), "{out}");
        let custom = "import asyncio\nimport pytest\n\n@pytest.fixture(scope=\"function\")\ndef event_loop():\n    loop = asyncio.new_event_loop()\n    asyncio.set_event_loop(loop)\n    yield loop\n    loop.close()\n";
        let out = rewritten(custom);
        assert!(out.ends_with("\n\n@pytest.fixture\nasync def event_loop():\n    return asyncio.get_running_loop()\n"), "{out}");
        assert!(blockers(&[("conftest.py", custom)], &[]).is_empty());
        // A synchronous user gets a loop that is not running under anyio.
        let why = blockers(
            &[
                ("conftest.py", custom),
                ("tests/test_x.py", "def test_x(event_loop):\n    pass\n"),
            ],
            &[],
        );
        assert!(why[0].contains("requests `event_loop`"), "{why:?}");
        // Another loop: the suite's pytest-asyncio decides whether it applies.
        let other_loop = custom.replace("asyncio.new_event_loop()", "uvloop.new_event_loop()");
        let why = blockers(&[("conftest.py", &other_loop)], &[]);
        assert!(
            why[0].contains("`uvloop.new_event_loop`") && why[0].contains("1.0"),
            "{why:?}"
        );
        // A wider scope shares one loop between tests.
        let session = custom.replace("scope=\"function\"", "scope=\"session\"");
        assert!(blockers(&[("conftest.py", &session)], &[])[0].contains("shares one event loop"));
        let other = "import pytest\n\n@pytest.fixture\ndef event_loop():\n    loop = make(debug=True)\n    yield loop\n";
        assert!(blockers(&[("conftest.py", other)], &[])[0].contains("by hand"));
        // Two places set a loop.
        let why = blockers(
            &[("conftest.py", custom), ("tests/conftest.py", POLICY)],
            &[],
        );
        assert!(why[0].contains("more than one place"), "{why:?}");
    }
}
