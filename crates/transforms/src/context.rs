//! Everything a transform may read about one file.

use rustc_hash::FxHashMap as HashMap;
use semantic::SemanticModel;
use std::ops::Range;
use syntax::{Node, Style, Tree};

/// The versions the migrated code must run on (`--target-anyio`, `--target-python`),
/// and what the run decided about the file's pytest suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// anyio (major, minor); default [`Targets::DEFAULT_ANYIO`].
    pub anyio: (u32, u32),
    /// Python (major, minor); default [`Targets::DEFAULT_PYTHON`].
    pub python: (u32, u32),
    /// Whether the file's pytest suite moves to anyio's plugin in this run.
    pub pytest: PytestSuite,
    /// This file is the `conftest.py` beside the project's pytest
    /// configuration (where the `anyio_backend` fixture belongs).
    pub root_conftest: bool,
    /// The file's path as the project facts name files (empty when unknown).
    pub file: String,
    /// What the run saw anywhere in the walked files that makes some
    /// rewrites wrong for the whole program (shared: every file's options
    /// hold the same facts).
    pub project: std::sync::Arc<ProjectFacts>,
}

/// Facts about the whole walked program, read before any file is migrated.
/// Each names a file that shows it (for the report).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFacts {
    /// A loop is run with `run_forever()`: no main task, so anyio's worker
    /// threads are never told to stop and the process does not exit.
    pub runs_loop_forever: Option<String>,
    /// Code reads or undoes asyncio's cancellation counts (`cancelling()`,
    /// `uncancel()`), which anyio's task groups and scopes change.
    pub counts_cancellations: Option<String>,
    /// Code makes context variables (`ContextVar(`): a task runs in a copy
    /// of its creator's context, and the program may rely on that.
    pub uses_context_vars: Option<String>,
    /// asyncio names that code patches (`monkeypatch.setattr(asyncio,
    /// "sleep", …)`, `mock.patch("asyncio.wait_for")`), with every file that
    /// does: a rewritten reference would no longer reach the mock.
    pub patched: std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
    /// Test modules (`test_*` / `*_test`) some file imports by name: their
    /// code may run during another module's tests.
    pub imported_tests: std::collections::BTreeSet<String>,
    /// The project's own top-level packages (the topmost folder with an
    /// `__init__.py` above each walked file): isort's first-party section.
    pub first_party: std::collections::BTreeSet<String>,
    /// `(attribute, member)` for every `.attribute.member` the code spells,
    /// with the files that do (in walk order): what other modules do with an
    /// object kept on an attribute (`pool._closed.clear()`,
    /// `reg._lock._locked = True`).
    pub members: std::collections::BTreeMap<(String, String), Vec<String>>,
    /// asyncio classes code checks objects against (`isinstance(x,
    /// asyncio.Lock)`, `assertIsInstance(x, Event)`), with a file that does.
    pub type_checked: std::collections::BTreeMap<String, String>,
    /// Calls made inside a `try` whose handler catches bare exceptions.
    pub caught: crate::CaughtCalls,
}

/// The lines of `text` that hold `word`, each once, found by searching for
/// the word rather than by looking at every line (the pre-pass runs this on
/// every walked file).
pub fn lines_holding<'a>(text: &'a str, word: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let mut done_to = 0;
    memchr::memmem::find_iter(text.as_bytes(), word.as_bytes()).filter_map(move |at| {
        if at < done_to {
            return None;
        }
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        done_to = end;
        Some(&text[start..end])
    })
}

/// Whether a module name is one pytest collects by default (`test_*`, `*_test`).
fn is_test_module_stem(stem: &str) -> bool {
    stem.len() > 5 && (stem.starts_with("test_") || stem.ends_with("_test"))
}

/// The members of `anyio.Semaphore`, which both `asyncio.Semaphore` and
/// `asyncio.BoundedSemaphore` become.
const SEMAPHORE: &[&str] = &[
    "acquire",
    "release",
    "acquire_nowait",
    "value",
    "max_value",
    "statistics",
];

/// The asyncio synchronisation classes that AM301–AM305 replace, with their
/// codes and the members the anyio replacement has.
const PRIMITIVES: [(&str, &str, &[&str]); 5] = [
    (
        "AM301",
        "Lock",
        &[
            "acquire",
            "release",
            "locked",
            "acquire_nowait",
            "statistics",
        ],
    ),
    ("AM302", "Event", &["set", "is_set", "wait", "statistics"]),
    ("AM303", "Semaphore", SEMAPHORE),
    ("AM304", "BoundedSemaphore", SEMAPHORE),
    (
        "AM305",
        "Condition",
        &[
            "acquire",
            "release",
            "locked",
            "acquire_nowait",
            "notify",
            "notify_all",
            "wait",
            "wait_for",
            "statistics",
        ],
    ),
];

impl ProjectFacts {
    /// The words that show each fact, searched in every walked Python file.
    pub const WORDS: [&'static str; 4] =
        ["run_forever(", ".cancelling(", ".uncancel(", "ContextVar("];

    /// Records the asyncio names `text` (the file `file`) patches: the
    /// `setattr(asyncio, "NAME"` / `patch.object(asyncio, "NAME"` forms and
    /// `"…asyncio.NAME"` strings on a line that patches.
    pub fn read_patches(&mut self, text: &str, file: &str) {
        let ident = |s: &str| -> String {
            s.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        };
        for line in text
            .lines()
            .filter(|l| l.contains("patch") || l.contains("setattr"))
        {
            for (at, _) in line.match_indices("asyncio") {
                let rest = &line[at + "asyncio".len()..];
                let before = line[..at].chars().next_back();
                let name = if let Some(r) = rest.strip_prefix('.') {
                    // A target string: `"asyncio.sleep"`, `"pkg.mod.asyncio.sleep"`.
                    matches!(before, Some('"' | '\'' | '.')).then(|| ident(r))
                } else {
                    // An object and an attribute name: `(asyncio, "sleep"`.
                    let r = rest.trim_start().strip_prefix(',').map(str::trim_start);
                    let quoted =
                        r.and_then(|r| r.strip_prefix('"').or_else(|| r.strip_prefix('\'')));
                    (matches!(before, Some('(' | ' ')) && quoted.is_some())
                        .then(|| ident(quoted.unwrap_or_default()))
                };
                if let Some(name) = name.filter(|n| !n.is_empty()) {
                    self.patched
                        .entry(name)
                        .or_default()
                        .insert(file.to_string());
                }
            }
        }
    }

    /// Records the test modules `text` imports by name (`from .test_base
    /// import Base`, `import tests.test_x`, `pytest_plugins = ["test_y"]`).
    pub fn read_imports(&mut self, text: &str) {
        // Only lines spelling `test` can name a test module.
        for line in lines_holding(text, "test") {
            let t = line.trim_start();
            if !(t.starts_with("import ")
                || t.starts_with("from ")
                || t.contains("pytest_plugins")
                || t.contains("import_module("))
            {
                continue;
            }
            for word in t.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if is_test_module_stem(word) {
                    self.imported_tests.insert(word.to_string());
                }
            }
        }
    }

    /// Records every `.attribute.member` that `text` (the file `file`) spells,
    /// and the asyncio classes it checks objects against.
    pub fn read_members(&mut self, text: &str, file: &str) {
        let b = text.as_bytes();
        let word = |at: usize| -> &str {
            let end = b[at..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                .map_or(b.len(), |e| at + e);
            &text[at..end]
        };
        // Each distinct pair once (the map's keys are owned strings).
        let mut seen: rustc_hash::FxHashSet<(&str, &str)> = Default::default();
        let mut at = 0;
        while let Some(dot) = memchr::memchr(b'.', &b[at..]).map(|i| at + i) {
            at = dot + 1;
            // Only private attributes: a primitive kept on a public one is
            // unsafe to replace already (code anywhere may use it).
            if b.get(at) != Some(&b'_') {
                continue;
            }
            let attr = word(at);
            at += attr.len();
            if b.get(at) != Some(&b'.') {
                continue;
            }
            let member = word(at + 1);
            if !member.is_empty() {
                seen.insert((attr, member));
            }
        }
        for (attr, member) in seen {
            let files = self
                .members
                .entry((attr.to_string(), member.to_string()))
                .or_default();
            if files.last().map(String::as_str) != Some(file) {
                files.push(file.to_string());
            }
        }
        if !text.contains("sInstance(") && !text.contains("isinstance(") {
            return;
        }
        let from_asyncio = text.contains("from asyncio");
        for line in text
            .lines()
            .filter(|l| l.contains("sInstance(") || l.contains("isinstance("))
        {
            for (_, name, _) in PRIMITIVES {
                let spelled = line.contains(&format!("asyncio.{name})"))
                    || line.contains(&format!("asyncio.{name},"))
                    || (from_asyncio
                        && (line.contains(&format!(", {name})"))
                            || line.contains(&format!(", ({name}"))));
                if spelled {
                    self.type_checked
                        .entry(name.to_string())
                        .or_insert_with(|| file.to_string());
                }
            }
        }
    }

    /// Why the replacement (by `code`, one of AM301–AM305) of the primitive
    /// kept on `attribute` is wrong for this program: code elsewhere checks
    /// its type, or uses a member anyio's class lacks.
    pub fn primitive_blocked(&self, code: &str, attribute: Option<&str>) -> Option<String> {
        self.primitive_blocked_outside(code, attribute, None)
    }

    /// [`Self::primitive_blocked`] by what files other than `file` do (a
    /// rewrite that handles the member in `file` itself, as AM307 handles
    /// `clear()`).
    pub fn primitive_blocked_outside(
        &self,
        code: &str,
        attribute: Option<&str>,
        file: Option<&str>,
    ) -> Option<String> {
        let (_, name, api) = PRIMITIVES.iter().find(|(c, _, _)| *c == code)?;
        if let Some(f) = self.type_checked.get(*name) {
            return Some(format!(
                "`{f}` checks objects against `asyncio.{name}`, which anyio's `{name}` is not"
            ));
        }
        let attribute = attribute?;
        self.members
            .range((attribute.to_string(), String::new())..)
            .take_while(|((a, _), _)| a == attribute)
            .filter(|((_, m), _)| !api.contains(&m.as_str()))
            .find_map(|((a, m), files)| {
                let f = files.iter().find(|f| Some(f.as_str()) != file)?;
                Some(format!(
                    "`{f}` uses `.{a}.{m}`, which anyio's `{name}` does not have"
                ))
            })
    }

    /// Adds what another file showed; what is known already stays (files are
    /// merged in walk order, so the first file that shows a fact is named).
    pub fn merge(&mut self, other: ProjectFacts) {
        if self.runs_loop_forever.is_none() {
            self.runs_loop_forever = other.runs_loop_forever;
        }
        if self.counts_cancellations.is_none() {
            self.counts_cancellations = other.counts_cancellations;
        }
        if self.uses_context_vars.is_none() {
            self.uses_context_vars = other.uses_context_vars;
        }
        for (k, v) in other.patched {
            self.patched.entry(k).or_default().extend(v);
        }
        self.imported_tests.extend(other.imported_tests);
        self.first_party.extend(other.first_party);
        // Files are merged in walk order, each once: a file already listed
        // is the last one.
        for (k, v) in other.members {
            let files = self.members.entry(k).or_default();
            for f in v {
                if files.last() != Some(&f) {
                    files.push(f);
                }
            }
        }
        for (k, v) in other.type_checked {
            self.type_checked.entry(k).or_insert(v);
        }
        self.caught.merge(other.caught);
    }

    /// Records that `file` holds `word` (one of [`Self::WORDS`]).
    pub fn saw(&mut self, word: &str, file: &str) {
        let slot = match word {
            "run_forever(" => &mut self.runs_loop_forever,
            "ContextVar(" => &mut self.uses_context_vars,
            _ => &mut self.counts_cancellations,
        };
        slot.get_or_insert_with(|| file.to_string());
    }

    /// Why a fix of transform `code` is not made in this program, if the
    /// walked files show a fact that makes it wrong here.
    pub fn blocks(&self, code: &str) -> Option<String> {
        // anyio's worker threads.
        const THREADS: [&str; 2] = ["AM501", "AM502"];
        // Rewrites that open anyio cancel scopes or task groups.
        const SCOPES: [&str; 11] = [
            "AM101", "AM102", "AM103", "AM104", "AM106", "AM110", "AM201", "AM202", "AM203",
            "AM204", "AM206",
        ];
        if THREADS.contains(&code) {
            if let Some(f) = &self.runs_loop_forever {
                return Some(format!("`{f}` runs an event loop with `run_forever()`, and anyio's worker threads outlive such a loop and keep the process from exiting"));
            }
        }
        // Awaiting a task where it is created runs the coroutine in a copy
        // of the context; the program's context variables may rely on it.
        if code == "AM207" {
            if let Some(f) = &self.uses_context_vars {
                return Some(format!("`{f}` makes context variables, and the task ran the coroutine in a copy of the caller's context, which keeps what it sets from the caller"));
            }
        }
        if SCOPES.contains(&code) {
            if let Some(f) = &self.counts_cancellations {
                return Some(format!("`{f}` reads asyncio's cancellation counts (`cancelling()` / `uncancel()`), which anyio's cancel scopes and task groups change (they cancel again until the scope exits, and uncancel what they caused)"));
            }
        }
        None
    }

    /// Whether `file` is a test module (`test_*.py`, `*_test.py`) that no
    /// walked file imports: its functions are called only from it.
    pub fn is_private_test_module(&self, file: &str) -> bool {
        std::path::Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str())
            .is_some_and(|s| is_test_module_stem(s) && !self.imported_tests.contains(s))
    }

    /// Why a fix in `file` that rewrites a reference to `asyncio.NAME` is
    /// not made. A patch made in a test module is in force only while that
    /// module's tests run, so another test module that nothing imports (its
    /// code runs only in its own tests) is not affected.
    pub fn patched_reason(&self, name: &str, file: &str) -> Option<String> {
        let patchers = self.patched.get(name)?;
        let test_module = |f: &str| {
            std::path::Path::new(f)
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|s| is_test_module_stem(s))
                .map(str::to_string)
        };
        let unaffected = !file.is_empty()
            && !patchers.contains(file)
            && patchers.iter().all(|p| test_module(p).is_some())
            && test_module(file).is_some_and(|stem| !self.imported_tests.contains(&stem));
        if unaffected {
            return None;
        }
        // Name the patch that reaches this file: its own, one outside a
        // test module, or any.
        let f = patchers
            .get(file)
            .or_else(|| patchers.iter().find(|p| test_module(p).is_none()))
            .or_else(|| patchers.iter().next())
            .map_or("", String::as_str);
        Some(format!(
            "`{f}` patches `asyncio.{name}`, and the rewritten code would no longer call the mock"
        ))
    }
}

impl Targets {
    /// The anyio the output runs on unless the project or `--target-anyio`
    /// says otherwise (the version the tests pin).
    pub const DEFAULT_ANYIO: (u32, u32) = (4, 16);
    /// The Python the output runs on unless `--target-python` or the
    /// project's `requires-python` says otherwise.
    pub const DEFAULT_PYTHON: (u32, u32) = (3, 11);
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            anyio: Targets::DEFAULT_ANYIO,
            python: Targets::DEFAULT_PYTHON,
            pytest: PytestSuite::Stays,
            root_conftest: false,
            file: String::new(),
            project: Default::default(),
        }
    }
}

/// Whether a file's pytest suite moves from pytest-asyncio to anyio's plugin.
/// The move is all or nothing per suite (configuration, markers, fixtures,
/// the `anyio_backend` fixture, dependencies), decided before any file is
/// migrated: a marker rewritten without the rest breaks the suite.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PytestSuite {
    /// No suite that uses pytest-asyncio, or one that stays on it: the
    /// pytest-asyncio rewrites leave the file alone.
    #[default]
    Stays,
    /// The suite moves in this run.
    Moves {
        /// Its configuration set `asyncio_mode`, which becomes anyio's auto
        /// mode (markers go); otherwise markers become `pytest.mark.anyio`.
        auto: bool,
        /// The names of the suite's async fixtures (a sync test or fixture
        /// that requests one needs `anyio_backend`).
        async_fixtures: std::sync::Arc<std::collections::BTreeSet<String>>,
    },
}

impl PytestSuite {
    /// Whether the suite moves to anyio's plugin in this run.
    pub fn moves(&self) -> bool {
        matches!(self, PytestSuite::Moves { .. })
    }

    /// Whether it moves into anyio's auto mode.
    pub fn auto(&self) -> bool {
        matches!(self, PytestSuite::Moves { auto: true, .. })
    }
}

#[cfg(test)]
mod project_tests {
    use super::ProjectFacts;

    #[test]
    fn patched_asyncio_names() {
        let mut p = ProjectFacts::default();
        p.read_patches(
            "m.setattr(asyncio, \"sleep\", fake)\nwith mock.patch(\"asyncio.wait_for\"):\n    mocker.patch('pkg.mod.asyncio.Lock')\npatch.object(asyncio, 'shield', x)\nasyncio.sleep(1)\nprint(\"asyncio.gather\")\n",
            "t.py",
        );
        let names: Vec<&str> = p.patched.keys().map(String::as_str).collect();
        assert_eq!(names, ["Lock", "shield", "sleep", "wait_for"]);
    }

    #[test]
    fn a_patch_in_a_test_module_reaches_only_code_its_tests_run() {
        let mut p = ProjectFacts::default();
        p.read_patches("with patch(\"asyncio.sleep\"):\n", "tests/test_a.py");
        let blocked = |p: &ProjectFacts, f: &str| p.patched_reason("sleep", f).is_some();
        // The patcher itself, library code and conftest are affected.
        assert!(blocked(&p, "tests/test_a.py"));
        assert!(blocked(&p, "pkg/worker.py"));
        assert!(blocked(&p, "tests/conftest.py"));
        // Another test module is not, unless some file imports it.
        assert!(!blocked(&p, "tests/test_b.py"));
        assert!(!blocked(&p, "tests/b_test.py"));
        p.read_imports("from .test_b import Base\nimport os\n");
        assert!(blocked(&p, "tests/test_b.py"));
        assert!(!blocked(&p, "tests/test_c.py"));
        // A file of unknown path is affected; so is everything when the
        // patch is made outside a test module (a conftest fixture).
        assert!(blocked(&p, ""));
        p.read_patches(
            "monkeypatch.setattr(asyncio, \"sleep\", f)\n",
            "tests/conftest.py",
        );
        assert!(blocked(&p, "tests/test_c.py"));
        let why = p.patched_reason("sleep", "tests/test_c.py").unwrap();
        assert!(why.contains("tests/conftest.py"), "{why}");
        let why = p.patched_reason("sleep", "tests/test_a.py").unwrap();
        assert!(why.contains("tests/test_a.py"), "{why}");
    }

    #[test]
    fn members_used_elsewhere_block_a_primitive() {
        let mut p = ProjectFacts::default();
        p.read_members(
            "pool._closed.set()\nassert not pool._closed.is_set()\n",
            "a.py",
        );
        assert_eq!(p.primitive_blocked("AM302", Some("_closed")), None);
        p.read_members("pool._closed.clear()\n", "b.py");
        let why = p.primitive_blocked("AM302", Some("_closed")).unwrap();
        assert!(why.contains("b.py") && why.contains(".clear"), "{why}");
        assert_eq!(p.primitive_blocked("AM301", Some("_other")), None);
        // What `b.py` does itself does not block a rewrite of `b.py` that
        // handles it; another file's use still does.
        assert_eq!(
            p.primitive_blocked_outside("AM302", Some("_closed"), Some("b.py")),
            None
        );
        p.read_members("other._closed.clear()\n", "c.py");
        let why = p
            .primitive_blocked_outside("AM302", Some("_closed"), Some("b.py"))
            .unwrap();
        assert!(why.contains("c.py"), "{why}");
        p.read_members(
            "from asyncio.locks import Lock\nself.assertIsInstance(reg._lock, Lock)\n",
            "t.py",
        );
        assert!(p.primitive_blocked("AM301", None).unwrap().contains("t.py"));
    }
}

/// Parses `4.16` or `3.11` into (major, minor).
pub fn parse_version(s: &str) -> Result<(u32, u32), String> {
    let mut parts = s.trim().split('.');
    let major = parts.next().and_then(|p| p.parse().ok());
    let minor = parts.next().map_or(Some(0), |p| p.parse().ok());
    match (major, minor, parts.next()) {
        (Some(a), Some(b), None) => Ok((a, b)),
        _ => Err(format!(
            "`{s}` is not a version (MAJOR.MINOR, such as 4.16 or 3.12)"
        )),
    }
}

/// One parsed file with its semantic model, shared by every transform.
pub struct FileContext<'a> {
    pub src: &'a str,
    pub tree: &'a Tree,
    pub model: SemanticModel,
    pub style: &'a Style,
    /// String-literal ranges, sorted (text inside them is never re-indented).
    pub strings: Vec<Range<usize>>,
    /// The versions the output must run on.
    pub targets: Targets,
    /// Named nodes by kind id, in source order.
    by_kind: Vec<Vec<Node<'a>>>,
    /// Calls, awaited calls and names by the last name they end in
    /// (`("call", "sleep")`, `("await", "wait_for")`, `("name", "TimeoutError")`).
    by_last_name: HashMap<&'a str, [Vec<Node<'a>>; 3]>,
    /// The same for names imported under an alias, by the name they alias.
    by_alias: HashMap<String, [Vec<Node<'a>>; 3]>,
}

/// A context manager an enclosing `with` opens by calling a function.
pub struct WithItem<'a> {
    /// What the called function resolves to, if it resolves.
    pub qualified: Option<String>,
    /// How the called function is spelled (`anyio.fail_after`): a call an
    /// earlier round wrote is spelled `anyio.…` before `import anyio` exists.
    pub spelling: &'a str,
    /// The `as` name, if any.
    pub alias: Option<&'a str>,
    /// The `with` statement (its block is where the context is open).
    pub statement: Node<'a>,
}

/// Slots of `FileContext::by_last_name`.
///
/// # Panics
/// For anything but `call`, `await` and `name`: a misspelt slot is a bug.
fn slot(kind: &str) -> usize {
    match kind {
        "call" => 0,
        "await" => 1,
        "name" => 2,
        _ => panic!("`{kind}` is not call, await or name"),
    }
}

impl<'a> FileContext<'a> {
    /// Builds the semantic model and the node indexes in one walk each.
    pub fn new(src: &'a str, tree: &'a Tree, style: &'a Style) -> Self {
        let (k, f) = (syntax::kinds(), syntax::fields());
        let mut by_kind: Vec<Vec<Node<'a>>> = vec![Vec::new(); syntax::kind_count()];
        // Calls, awaits, names and attributes are about 30 % of the nodes.
        let mut named: Vec<Node<'a>> =
            Vec::with_capacity(tree.root_node().descendant_count() * 3 / 10);
        let mut strings: Vec<std::ops::Range<usize>> = Vec::new();
        // One walk: the semantic model, the by-kind index, the string ranges.
        let model = SemanticModel::build_with(tree, src, |v| {
            let node = v.node;
            let kind = v.kind;
            // (An ERROR node's id is past the grammar's kinds; only trees
            // without errors get here, but a missing index is no reason to panic.)
            if let Some(nodes) = by_kind.get_mut(usize::from(kind)) {
                nodes.push(node);
            }
            if kind == k.string && strings.last().is_none_or(|r| r.end <= node.start_byte()) {
                strings.push(node.byte_range());
            }
            if kind == k.call || kind == k.await_ || kind == k.identifier || kind == k.attribute {
                named.push(node);
            }
        });
        // `from asyncio import sleep as s`: a call of `s` is indexed as `sleep` too.
        let aliases: HashMap<String, String> = model
            .imports
            .iter()
            .filter_map(|i| {
                let last = i.qualified.rsplit('.').next()?;
                (last != i.local).then(|| (i.local.clone(), last.to_string()))
            })
            .collect();
        let last_name = |n: Node<'a>| -> Option<&'a str> {
            if n.kind_id() == k.identifier {
                Some(syntax::text(n, src))
            } else if n.kind_id() == k.attribute {
                // The name is the last child (a field lookup searches them).
                n.child(n.child_count().saturating_sub(1))
                    .filter(|a| a.kind_id() == k.identifier)
                    .or_else(|| n.child_by_field_id(f.attribute))
                    .map(|a| syntax::text(a, src))
            } else {
                None
            }
        };
        let mut by_last_name: HashMap<&'a str, [Vec<Node<'a>>; 3]> = HashMap::default();
        let mut by_alias: HashMap<String, [Vec<Node<'a>>; 3]> = HashMap::default();
        for node in named {
            let kind = node.kind_id();
            let key = if kind == k.call {
                node.child_by_field_id(f.function)
                    .and_then(last_name)
                    .map(|n| ("call", n))
            } else if kind == k.await_ {
                node.named_child(0)
                    .filter(|c| c.kind_id() == k.call)
                    .and_then(|c| c.child_by_field_id(f.function))
                    .and_then(last_name)
                    .map(|n| ("await", n))
            } else {
                last_name(node).map(|n| ("name", n))
            };
            if let Some((k, name)) = key {
                let i = slot(k);
                by_last_name.entry(name).or_default()[i].push(node);
                if let Some(target) = aliases.get(name) {
                    by_alias.entry(target.clone()).or_default()[i].push(node);
                }
            }
        }
        FileContext {
            src,
            tree,
            model,
            style,
            strings,
            targets: Targets::default(),
            by_kind,
            by_last_name,
            by_alias,
        }
    }

    /// Nodes of a kind (`call`, `await`, `name` for identifiers and
    /// attributes) whose name ends in `last` (see `Pattern::anchor`).
    pub fn nodes_ending_in(&self, kind: &str, last: &str) -> Vec<Node<'a>> {
        let i = slot(kind);
        let direct = self.by_last_name.get(last).map_or(&[][..], |s| &s[i]);
        let aliased = self.by_alias.get(last).map_or(&[][..], |s| &s[i]);
        let mut nodes: Vec<Node<'a>> = direct.iter().chain(aliased).copied().collect();
        if !aliased.is_empty() {
            nodes.sort_by_key(|n| n.start_byte());
        }
        nodes
    }

    /// Calls whose function resolves to `qualified` (`asyncio.gather`), in
    /// source order, found through the last-name index (aliases included).
    pub fn calls_to(&self, qualified: &str) -> Vec<Node<'a>> {
        let last = qualified.rsplit('.').next().unwrap_or(qualified);
        self.nodes_ending_in("call", last)
            .into_iter()
            .filter(|c| self.callee(*c).as_deref() == Some(qualified))
            .collect()
    }

    /// The context managers opened by calls in the `with` statements around
    /// `node`, innermost first, up to its function.
    pub fn enclosing_with_items(&self, node: Node<'a>) -> Vec<WithItem<'a>> {
        // Ancestors found by their ranges in the kind index: `Node::parent`
        // searches down from the root at every step.
        let around = |n: &&Node<'a>| {
            n.start_byte() <= node.start_byte()
                && node.end_byte() <= n.end_byte()
                && n.id() != node.id()
        };
        let scope_start = syntax::SCOPE_KINDS
            .iter()
            .flat_map(|k| self.nodes_of_kind(k).iter().filter(around))
            .map(|n| n.start_byte())
            .max();
        let mut withs: Vec<Node<'a>> = self
            .nodes_of_kind(syntax::kinds().with_statement)
            .iter()
            .filter(around)
            .filter(|w| scope_start.is_none_or(|s| w.start_byte() > s))
            .copied()
            .collect();
        withs.sort_by_key(|w| std::cmp::Reverse(w.start_byte()));
        let mut out = Vec::new();
        for n in withs {
            let clause = syntax::named_children(n)
                .into_iter()
                .find(|c| c.kind() == "with_clause");
            for item in clause.map(syntax::named_children).unwrap_or_default() {
                let Some(value) = item
                    .child_by_field_name("value")
                    .filter(|_| item.kind() == "with_item")
                else {
                    continue;
                };
                let (call, alias) = if value.kind() == "as_pattern" {
                    (
                        value.named_child(0),
                        value.child_by_field_name("alias").map(|a| self.text(a)),
                    )
                } else {
                    (Some(value), None)
                };
                let Some(func) = call
                    .filter(|c| c.kind() == "call")
                    .and_then(|c| c.child_by_field_name("function"))
                else {
                    continue;
                };
                out.push(WithItem {
                    qualified: self.qualified(func),
                    spelling: self.text(func),
                    alias,
                    statement: n,
                });
            }
        }
        out
    }

    /// The same context for other target versions.
    pub fn with_targets(mut self, targets: Targets) -> Self {
        self.targets = targets;
        self
    }

    /// The method around `node` (through any functions nested in it): its
    /// `def`, its class, and the name of its first parameter (`self`).
    pub fn method_of(&self, node: Node<'a>) -> Option<(Node<'a>, Node<'a>, &'a str)> {
        let mut cur = node.parent();
        while let Some(n) = cur {
            if n.kind() == "function_definition" {
                let holder = n
                    .parent()
                    .filter(|p| p.kind() == "decorated_definition")
                    .unwrap_or(n);
                let class = holder
                    .parent()
                    .filter(|b| b.kind() == "block")
                    .and_then(|b| b.parent())
                    .filter(|c| c.kind() == "class_definition");
                if let Some(class) = class {
                    let first = n
                        .child_by_field_name("parameters")
                        .and_then(|ps| syntax::named_children(ps).into_iter().next())
                        .filter(|p| p.kind() == "identifier")?;
                    return Some((n, class, self.text(first)));
                }
            }
            if n.kind() == "class_definition" {
                return None;
            }
            cur = n.parent();
        }
        None
    }

    /// Whether one of `edits` drops a comment of the text it replaces (its
    /// fix is then unsafe, saying [`crate::DROPS_COMMENT`]).
    pub fn edits_drop_comment(&self, edits: &[edit::Edit]) -> bool {
        edits
            .iter()
            .any(|e| self.dropped_comment(e.range(), &e.content).is_some())
    }

    /// A comment inside `range` that `new_text` (its replacement) no longer contains.
    pub fn dropped_comment(&self, range: Range<usize>, new_text: &str) -> Option<String> {
        self.nodes_of_kind(syntax::kinds().comment)
            .iter()
            .filter(|c| range.start <= c.start_byte() && c.end_byte() <= range.end)
            .map(|c| self.text(*c))
            .find(|t| !new_text.contains(t))
            .map(str::to_string)
    }

    /// A name based on `base` for a new local at `at`: one that no identifier
    /// of the function holding `at` uses yet (of the whole file at module
    /// level), nor any in `taken`. A name the function does not mention
    /// cannot clash with anything it reads or binds, so two task groups in
    /// different functions are both `tg`.
    pub fn fresh_name(&self, at: Node, base: &str, taken: &[String]) -> String {
        self.fresh_name_over(at, at.byte_range(), base, taken)
    }

    /// [`Self::fresh_name`] for new code that spans `span` (statements from
    /// `at` on that the new code wraps).
    pub fn fresh_name_over(
        &self,
        at: Node,
        span: Range<usize>,
        base: &str,
        taken: &[String],
    ) -> String {
        let scope = syntax::enclosing(at, &["function_definition"])
            .map_or(0..self.src.len(), |f| f.byte_range());
        let identifiers = self.nodes_of_kind("identifier");
        let first = identifiers.partition_point(|i| i.start_byte() < scope.start);
        let last = identifiers.partition_point(|i| i.start_byte() < scope.end);
        let in_scope = &identifiers[first..last];
        // Attribute and keyword names (`x.items`, `f(items=…)`) never clash with a variable.
        let is_name = |i: &Node| {
            i.parent().is_none_or(|p| {
                !(matches!(p.kind(), "attribute" | "keyword_argument")
                    && (p.child_by_field_name("attribute") == Some(*i)
                        || p.child_by_field_name("name") == Some(*i)))
            })
        };
        // `async with … as n:` blocks before or after the new code: a name
        // they alone use is free outside them (a later group reuses `tg`).
        let earlier_groups = |n: &str| -> Vec<Range<usize>> {
            self.nodes_of_kind("with_statement")
                .iter()
                .filter(|w| {
                    scope.start <= w.start_byte()
                        && w.end_byte() <= scope.end
                        && (w.end_byte() <= span.start || span.end <= w.start_byte())
                })
                .filter(|w| {
                    w.child_by_field_name("body").is_some_and(|body| {
                        self.enclosing_with_items(body)
                            .iter()
                            .any(|item| item.statement.id() == w.id() && item.alias == Some(n))
                    })
                })
                .map(|w| w.byte_range())
                .collect()
        };
        let used = |n: &str| {
            if taken.iter().any(|t| t == n) {
                return true;
            }
            let mut uses = in_scope
                .iter()
                .filter(|i| self.text(**i) == n && is_name(i))
                .peekable();
            if uses.peek().is_none() {
                return false;
            }
            let groups = earlier_groups(n);
            !uses.all(|i| groups.iter().any(|g| g.contains(&i.start_byte())))
        };
        if !used(base) {
            return base.to_string();
        }
        (2..)
            .map(|k| format!("{base}_{k}"))
            .find(|n| !used(n))
            .expect("an unused name exists")
    }

    /// Every named node of `kind` (`syntax::kinds().call`), in source order.
    ///
    /// # Panics
    /// When `kind` is a name the grammar does not have.
    pub fn nodes_of_kind(&self, kind: impl syntax::NodeKind) -> &[Node<'a>] {
        self.by_kind
            .get(usize::from(kind.id()))
            .map_or(&[], Vec::as_slice)
    }

    /// The canonical qualified name a name or attribute refers to.
    pub fn qualified(&self, node: Node) -> Option<String> {
        self.model.resolve(node, self.src)
    }

    /// The qualified name of the function `call` calls (`asyncio.Event`
    /// for `asyncio.Event()`), when it resolves.
    pub fn callee(&self, call: Node) -> Option<String> {
        call.child_by_field_name("function")
            .and_then(|f| self.qualified(f))
    }

    /// The source text of a node.
    pub fn text(&self, node: Node) -> &'a str {
        syntax::text(node, self.src)
    }

    /// The indentation of the line holding `offset`.
    pub fn indent_at(&self, offset: usize) -> &'a str {
        let line = &self.src[syntax::line_start(self.src, offset)..];
        &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
    }

    /// Whether a statement has its lines to itself: only indentation before
    /// it, and nothing but a comment after it on its last line.
    pub fn owns_its_lines(&self, stmt: Node) -> bool {
        let start = syntax::line_start(self.src, stmt.start_byte());
        let before_ok = self.src[start..stmt.start_byte()].trim().is_empty();
        let rest = &self.src[stmt.end_byte()..];
        let line_rest = rest.split('\n').next().unwrap_or("").trim();
        before_ok && (line_rest.is_empty() || line_rest.starts_with('#'))
    }
}

impl pattern::Resolver for FileContext<'_> {
    fn qualified(&self, node: Node, src: &str) -> Option<String> {
        self.model.resolve(node, src)
    }

    fn is_reference(&self, node: Node) -> bool {
        self.model.is_reference(node)
    }
}

#[cfg(test)]
mod tests {
    use super::FileContext;

    #[test]
    fn with_items_are_the_enclosing_ones_up_to_the_function() {
        let src = "import anyio\nwith open('log'):\n    async def f():\n        with anyio.fail_after(1) as s:\n            async with anyio.create_task_group() as tg:\n                def g():\n                    with open('x'):\n                        pass\n                await x()\n        with other():\n            pass\n";
        let tree = syntax::parse(src);
        let style = syntax::Style::detect(src);
        let cx = FileContext::new(src, &tree, &style);
        let items = |call: &str| -> Vec<(String, Option<String>)> {
            let node = *cx
                .nodes_of_kind("call")
                .iter()
                .find(|c| cx.text(**c) == call)
                .unwrap();
            cx.enclosing_with_items(node)
                .into_iter()
                .map(|w| (w.spelling.to_string(), w.alias.map(str::to_string)))
                .collect()
        };
        assert_eq!(
            items("x()"),
            [
                (
                    "anyio.create_task_group".to_string(),
                    Some("tg".to_string())
                ),
                ("anyio.fail_after".to_string(), Some("s".to_string())),
            ]
        );
        // A with statement's own call counts (it is in the statement); a
        // nested function starts afresh; the module-level `with open('log')`
        // is outside `f`.
        assert_eq!(
            items("anyio.fail_after(1)"),
            [("anyio.fail_after".to_string(), Some("s".to_string()))]
        );
        assert_eq!(items("other()"), [("other".to_string(), None)]);
        assert_eq!(items("open('x')"), [("open".to_string(), None)]);
        assert_eq!(items("open('log')"), [("open".to_string(), None)]);
    }
}
