//! pytest suites: which ones move from pytest-asyncio to anyio's plugin in
//! this run, decided before any file is migrated.
//!
//! A suite is the folder pytest takes as its root (the nearest one upward
//! holding a pytest configuration, found on disk whether or not it was
//! given). Its move is all or nothing: the configuration, every marker and
//! fixture, the `anyio_backend` fixture and the dependency files change
//! together, or none of them does and the run says why. It stays when only
//! part of it was given (pre-commit passes the staged files), or when it needs
//! pytest-asyncio itself: a custom event loop, a synchronous `event_loop`
//! fixture, a plugin built on pytest-asyncio, tests that rely on asyncio only
//! logging errors (anyio's runner re-raises them).

use ignore::WalkBuilder;
use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use transforms::PytestSuite;

/// One suite that uses pytest-asyncio.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Its root folder, spelled as the walk spells its files (empty: `.`).
    pub root: PathBuf,
    /// What the files of the suite are told.
    pub pytest: PytestSuite,
    /// Why it stays on pytest-asyncio (`None`: it moves).
    pub stays_because: Option<String>,
    /// The walked file that carries the "stays" diagnostic.
    pub report_at: Option<PathBuf>,
    /// Configuration and dependency files of a moving suite that were not
    /// given but must change with it.
    pub extra: Vec<PathBuf>,
}

/// The suites of a run, and which suite each file belongs to.
#[derive(Debug, Default)]
pub struct Suites {
    pub list: Vec<Suite>,
    /// What the walked Python files show about each program.
    pub projects: crate::projects::Projects,
    /// File (normalized) → index into `list`.
    by_file: HashMap<PathBuf, usize>,
}

/// `a/./b` and `./a/b` alike: the path without `.` components.
pub fn norm(p: &Path) -> PathBuf {
    p.components().filter(|c| *c != Component::CurDir).collect()
}

/// The names of pytest's configuration files, in pytest's order of preference.
const CONFIG_NAMES: [&str; 4] = ["pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"];

/// Finds suite roots, remembering each folder's answer.
#[derive(Default)]
struct Roots {
    /// Folder → its suite root.
    cache: HashMap<PathBuf, PathBuf>,
    /// Folder → whether it holds a pytest configuration.
    configured: HashMap<PathBuf, bool>,
    /// The configured folder above the current one, once looked for.
    above: Option<Option<PathBuf>>,
}

impl Roots {
    /// The pytest configuration file in `dir`, if it holds one.
    fn config_in(dir: &Path) -> Option<PathBuf> {
        CONFIG_NAMES.iter().find_map(|name| {
            let p = dir.join(name);
            let kind = pytestcfg::kind_of(&p)?;
            let text = std::fs::read_to_string(&p).ok()?;
            pytestcfg::configures_pytest(kind, &text).then_some(p)
        })
    }

    /// Whether `dir` (normalized; empty: `.`) holds a pytest configuration.
    fn is_configured(&mut self, dir: &Path) -> bool {
        *self
            .configured
            .entry(dir.to_path_buf())
            .or_insert_with(|| Self::config_in(on_disk(dir)).is_some())
    }

    /// The root of the suite holding files of `dir` (normalized): the nearest
    /// folder upward with a pytest configuration, else the nearest with a
    /// project file (`pyproject.toml`, `setup.py`, `setup.cfg`), else `dir`.
    fn root_of(&mut self, dir: &Path) -> PathBuf {
        let dir = norm(dir);
        if let Some(r) = self.cache.get(&dir) {
            return r.clone();
        }
        let chain: Vec<PathBuf> = dir.ancestors().map(Path::to_path_buf).collect();
        let configured = chain.iter().position(|d| self.is_configured(d));
        if let Some(at) = configured {
            // Every folder on the way shares the answer.
            for d in &chain[..=at] {
                self.cache.insert(d.clone(), chain[at].clone());
            }
            return chain[at].clone();
        }
        // Beyond the folders the paths spell (above the current folder).
        if dir.is_relative() {
            let above = self.above.get_or_insert_with(|| {
                let here = std::fs::canonicalize(".").ok()?;
                here.ancestors()
                    .skip(1)
                    .find(|d| Self::config_in(d).is_some())
                    .map(Path::to_path_buf)
            });
            if let Some(r) = above.clone() {
                self.cache.insert(dir, r.clone());
                return r;
            }
        }
        // No configuration: the nearest project folder, else the topmost
        // folder with a `conftest.py` (one suite, the fixtures of which
        // every test below sees), else this folder (its own conftest.py
        // serves its tests); this folder's answer only (an ancestor's may
        // differ).
        let root = chain
            .iter()
            .find(|d| {
                crate::projects::PROJECT_FILES
                    .iter()
                    .any(|n| on_disk(d).join(n).is_file())
            })
            .or_else(|| {
                chain
                    .iter()
                    .rev()
                    .find(|d| on_disk(d).join("conftest.py").is_file())
            })
            .cloned()
            .unwrap_or_else(|| dir.clone());
        self.cache.insert(dir, root.clone());
        root
    }
}

/// A normalized folder as the file system takes it (`.` for the empty path).
pub fn on_disk(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

/// `f(item)` for every item, on as many threads as the machine has, in order.
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("no reader thread panics"))
            .collect()
    })
}

/// Reads one walked file: whether it uses pytest-asyncio, and what it shows
/// about the whole program (into `read`, with its imports when `imports`).
fn read_file_facts(f: &Path, read: &mut crate::projects::FileFacts, imports: bool) -> bool {
    let facts = &mut read.facts;
    match pytestcfg::kind_of(f) {
        Some(kind) => {
            std::fs::read_to_string(f).is_ok_and(|t| pytestcfg::mentions_pytest_asyncio(kind, &t))
        }
        None => std::fs::read(f).is_ok_and(|b| {
            let shown = norm(f).display().to_string();
            for word in transforms::ProjectFacts::WORDS {
                if contains(&b, word.as_bytes()) {
                    facts.saw(word, &shown);
                }
            }
            let text = String::from_utf8_lossy(&b);
            if contains(&b, b"asyncio") && (contains(&b, b"patch") || contains(&b, b"setattr")) {
                facts.read_patches(&text, &shown);
            }
            facts.read_members(&text, &shown);
            if contains(&b, b"try:") || contains(&b, b"aises(") {
                facts.caught.read(&text, &shown);
            }
            if contains(&b, b"test") {
                facts.read_imports(&text);
            }
            if imports {
                crate::projects::read_imports(&text, &mut read.imports);
            }
            mentions_pytest_asyncio(&b)
        }),
    }
}

/// The project's own packages, as isort finds them: the topmost folder with
/// an `__init__.py` above each walked Python file.
pub fn first_party(walked: &[PathBuf]) -> BTreeSet<String> {
    let mut top_of: HashMap<PathBuf, Option<String>> = HashMap::new();
    let mut is_package: HashMap<PathBuf, bool> = HashMap::new();
    for f in walked {
        if !f.extension().is_some_and(|e| e == "py" || e == "pyi") {
            continue;
        }
        let dir = f
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if top_of.contains_key(dir) {
            continue;
        }
        let mut top = None;
        let mut cur = Some(dir.to_path_buf());
        while let Some(d) = cur {
            let package = *is_package
                .entry(d.clone())
                .or_insert_with(|| d.join("__init__.py").is_file());
            if !package {
                break;
            }
            // The walk goes up the path as given; only where it runs out
            // (`.`, `..`, a bare name) does the file system name the folder.
            let real = match d.file_name() {
                Some(_) => d,
                None => match std::fs::canonicalize(&d) {
                    Ok(r) => r,
                    Err(_) => break,
                },
            };
            top = real
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string);
            cur = match real.parent().filter(|p| !p.as_os_str().is_empty()) {
                Some(p) => Some(p.to_path_buf()),
                None => std::fs::canonicalize(&real)
                    .ok()
                    .and_then(|r| r.parent().map(Path::to_path_buf)),
            };
        }
        top_of.insert(dir.to_path_buf(), top);
    }
    top_of.into_values().flatten().collect()
}

fn contains(bytes: &[u8], word: &[u8]) -> bool {
    memchr::memmem::find(bytes, word).is_some()
}

fn mentions_pytest_asyncio(bytes: &[u8]) -> bool {
    contains(bytes, b"pytest_asyncio") || contains(bytes, b"mark.asyncio")
}

/// What the scan of one suite's folder found.
#[derive(Default)]
struct Scan {
    users: Vec<PathBuf>,
    async_fixtures: BTreeSet<String>,
    plain_async_fixtures: BTreeSet<String>,
    /// The configuration's wide test loop scope, a blocker unless a wide
    /// async fixture keeps one loop alive.
    shared_loop: Option<String>,
    blockers: Vec<String>,
    /// Configuration and dependency files naming pytest-asyncio.
    configs: Vec<PathBuf>,
    /// The suite's configuration sets `asyncio_mode`.
    auto: bool,
}

impl Suites {
    /// Decides, for the suites of the walked files, whether each moves.
    pub fn plan(walked: &[PathBuf]) -> Suites {
        let mut roots = Roots::default();
        let walked_set: BTreeSet<PathBuf> = walked.iter().map(|p| norm(p)).collect();
        // Each walked file's root; a root is looked at closely only when a
        // walked file of it uses pytest-asyncio, or its configuration does.
        let mut files_of: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
        let mut gated: BTreeSet<PathBuf> = BTreeSet::new();
        // Reading and searching the files is the costly part: in parallel,
        // each thread with its own facts, merged in file order.
        let mut finder = crate::projects::RootFinder::default();
        let project_roots: Vec<Option<PathBuf>> =
            walked.iter().map(|f| finder.root_of(f)).collect();
        // Which modules a file imports matters only between projects.
        let imports = project_roots.iter().collect::<BTreeSet<_>>().len() > 1;
        let read = in_parallel(walked, |f| {
            let mut read = crate::projects::FileFacts::default();
            let uses = read_file_facts(f, &mut read, imports);
            (uses, read)
        });
        let mut facts = Vec::with_capacity(read.len());
        for (f, (uses, read)) in walked.iter().zip(read) {
            let dir = f.parent().unwrap_or(Path::new(""));
            let root = roots.root_of(dir);
            facts.push(read);
            if uses {
                gated.insert(root.clone());
            }
            files_of.entry(root).or_default().push(norm(f));
        }
        let mut suites = Suites {
            projects: crate::projects::Projects::group(walked, &project_roots, facts),
            ..Suites::default()
        };
        for root in gated {
            let scan = scan(&root, &mut roots);
            if scan.users.is_empty() && !scan.auto {
                continue; // pytest-asyncio is only named, not used
            }
            let shown = if root.as_os_str().is_empty() {
                ".".to_string()
            } else {
                root.display().to_string()
            };
            let mut stays_because = scan
                .blockers
                .first()
                .map(|b| format!("the pytest suite in `{shown}` stays on pytest-asyncio: {b}"));
            if stays_because.is_none() {
                // Every file the move edits must be writable, or none is edited.
                let conftest = root.join("conftest.py");
                let read_only = scan
                    .users
                    .iter()
                    .chain(scan.configs.iter())
                    .chain(std::iter::once(&conftest))
                    .find(|f| std::fs::metadata(f).is_ok_and(|m| m.permissions().readonly()));
                if let Some(f) = read_only {
                    stays_because = Some(format!(
                        "the pytest suite in `{shown}` stays on pytest-asyncio: `{}` is read-only, and the move changes its files together or not at all",
                        f.display()
                    ));
                }
            }
            if stays_because.is_none() {
                if let Some(missing) = scan.users.iter().find(|u| !walked_set.contains(*u)) {
                    stays_because = Some(format!(
                        "the pytest suite in `{shown}` stays on pytest-asyncio: only part of it was given (`{}` uses pytest-asyncio too); its move to anyio's plugin changes every test file and the configuration at once, so run anyio-migrate on `{shown}`",
                        missing.display()
                    ));
                }
            }
            let mut fixtures = scan.async_fixtures.clone();
            if scan.auto {
                fixtures.extend(scan.plain_async_fixtures.iter().cloned());
            }
            let pytest = if stays_because.is_some() {
                PytestSuite::Stays
            } else {
                PytestSuite::Moves {
                    auto: scan.auto,
                    async_fixtures: Arc::new(fixtures),
                }
            };
            let walked_here = files_of.get(&root).cloned().unwrap_or_default();
            let report_at = scan
                .configs
                .iter()
                .chain(scan.users.iter())
                .find(|f| walked_set.contains(*f))
                .cloned();
            let extra = if stays_because.is_none() {
                scan.configs
                    .iter()
                    .filter(|c| !walked_set.contains(*c))
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            let index = suites.list.len();
            for f in walked_here.iter().chain(extra.iter()) {
                suites.by_file.insert(f.clone(), index);
            }
            suites.list.push(Suite {
                root,
                pytest,
                stays_because,
                report_at,
                extra,
            });
        }
        suites
    }

    /// The suite a file belongs to, if it uses pytest-asyncio.
    pub fn of(&self, path: &Path) -> Option<&Suite> {
        self.by_file.get(&norm(path)).map(|&i| &self.list[i])
    }

    /// What a file's transforms are told about its suite.
    pub fn pytest_for(&self, path: &Path) -> PytestSuite {
        self.of(path)
            .map_or(PytestSuite::Stays, |s| s.pytest.clone())
    }

    /// The roots of the suites that move.
    pub fn moving_roots(&self) -> Vec<PathBuf> {
        self.list
            .iter()
            .filter(|s| s.pytest.moves())
            .map(|s| s.root.clone())
            .collect()
    }

    /// The "stays" diagnostic a file carries, if any.
    pub fn note_for(&self, path: &Path) -> Option<&str> {
        let path = norm(path);
        self.list
            .iter()
            .find(|s| s.report_at.as_deref() == Some(path.as_path()))
            .and_then(|s| s.stays_because.as_deref())
    }
}

/// Whether a file is test code (a test module, a `conftest.py`, a file under
/// a `tests`/`test` folder) rather than the code under test.
fn is_test_code(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "conftest.py"
        || name.starts_with("test_")
        || name.ends_with("_test.py")
        || path
            .components()
            .any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "test" | "testing")))
}

/// Why a dependency or configuration file keeps its suite on pytest-asyncio:
/// it requires or loads a plugin that needs it.
fn plugin_blocker(path: &Path, kind: pytestcfg::Kind, text: &str) -> Option<String> {
    let plugin = pytestcfg::plugin_required(kind, text)?;
    Some(format!(
        "`{}` requires `{}`, {}",
        path.display(),
        plugin.requirement.unwrap_or(plugin.module),
        plugin.why
    ))
}

/// The dependency files in the folders above a suite's root, up to the
/// project's own folder (the first with a `pyproject.toml`, `setup.cfg` or
/// `setup.py`), which its tests install too.
fn dependency_files_above(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dir = root.parent();
    while let Some(d) = dir {
        let shown = on_disk(d);
        let mut files: Vec<PathBuf> = std::fs::read_dir(shown)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .chain(
                std::fs::read_dir(shown.join("requirements"))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path()),
            )
            .filter(|p| p.is_file() && pytestcfg::kind_of(p).is_some())
            .map(|p| norm(&p))
            .collect();
        files.sort();
        out.extend(files);
        if ["pyproject.toml", "setup.cfg", "setup.py"]
            .iter()
            .any(|n| shown.join(n).is_file())
        {
            break;
        }
        dir = d.parent();
    }
    out
}

/// Whether a file defines an `anyio_backend` fixture scoped to each test
/// (no `scope=`, or `scope="function"`).
fn narrow_backend(text: &str) -> bool {
    text.match_indices("def anyio_backend(").any(|(at, _)| {
        let before = &text[..at];
        let Some(decorator) = before.rfind("fixture") else {
            return false;
        };
        let head = &before[decorator..];
        // The decorator right above this definition.
        head.lines().count() <= 3
            && (!head.contains("scope=")
                || head.contains("\"function\"")
                || head.contains("'function'"))
    })
}

/// Reads every file of the suite rooted at `root` (its `.gitignore`
/// respected), leaving out those of suites nested inside it.
fn scan(root: &Path, roots: &mut Roots) -> Scan {
    let mut out = Scan::default();
    let start = on_disk(root);
    if let Some(config) = Roots::config_in(start) {
        if let (Some(kind), Ok(text)) = (
            pytestcfg::kind_of(&config),
            std::fs::read_to_string(&config),
        ) {
            out.auto = pytestcfg::configures_pytest_asyncio(kind, &text);
            // Tests sharing one loop: anyio's plugin gives each its own
            // (unless a wide async fixture keeps one alive: checked below).
            if let Some(line) = text.lines().find(|l| {
                let l = l.trim();
                l.starts_with("asyncio_default_test_loop_scope")
                    && ["class", "module", "package", "session"]
                        .iter()
                        .any(|s| l.contains(s))
            }) {
                out.shared_loop = Some(format!(
                    "`{}` sets `{}`: its tests share an event loop, and anyio's plugin gives each test a loop of its own unless an async fixture of that scope is alive",
                    config.display(),
                    line.trim()
                ));
            }
        }
    }
    // The project's dependency files may sit above the suite's root.
    for path in dependency_files_above(root) {
        if let (Some(kind), Ok(text)) = (pytestcfg::kind_of(&path), std::fs::read_to_string(&path))
        {
            out.blockers.extend(plugin_blocker(&path, kind, &text));
        }
    }
    let mut python = Vec::new();
    let walker = WalkBuilder::new(start).require_git(false).build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = norm(entry.path());
        let dir = path.parent().unwrap_or(Path::new(""));
        if roots.root_of(dir) != norm(root) {
            continue;
        }
        if let Some(kind) = pytestcfg::kind_of(&path) {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            out.blockers.extend(plugin_blocker(&path, kind, &text));
            if pytestcfg::mentions_pytest_asyncio(kind, &text) {
                out.configs.push(path);
            }
            continue;
        }
        if crate::walk::is_python(&path) {
            python.push(path);
        }
    }
    // The Python files are read once to see whether any uses pytest-asyncio
    // (most suites a walk meets do not), then parsed, in parallel, only then.
    let texts: Vec<Option<String>> = in_parallel(&python, |p| {
        std::fs::read(p)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
    });
    let any_user = texts
        .iter()
        .flatten()
        .any(|t| mentions_pytest_asyncio(t.as_bytes()));
    if !any_user && !out.auto {
        return out;
    }
    let items: Vec<(&PathBuf, &String)> = python
        .iter()
        .zip(&texts)
        .filter_map(|(p, t)| t.as_ref().map(|t| (p, t)))
        .collect();
    let wide_async = items
        .iter()
        .any(|(_, t)| transforms::has_wide_async_fixture(t));
    if let Some(shared) = out.shared_loop.take() {
        if !wide_async {
            out.blockers.push(shared);
        }
    }
    // The suite's own `anyio_backend`, per test, is narrower than an async
    // fixture of a wider scope that would need it (pytest: ScopeMismatch).
    if wide_async {
        if let Some((path, _)) = items.iter().find(|(_, t)| narrow_backend(t)) {
            out.blockers.push(format!(
                "`{}` defines `anyio_backend` for each test, and an async fixture of the suite has a wider scope, which anyio's plugin would run with it (give `anyio_backend` that scope, then run anyio-migrate again)",
                path.display()
            ));
        }
    }
    // A suite that a word of its files keeps on pytest-asyncio needs no
    // parse: whatever else the parse would find, it stays.
    let quick = in_parallel(&items, |(p, t)| {
        transforms::suite_text_facts(t, is_test_code(p))
    });
    let stays = !out.blockers.is_empty() || quick.iter().any(|f| !f.blockers.is_empty());
    let facts = if stays {
        quick
    } else {
        let pending: Vec<_> = quick.into_iter().zip(&items).collect();
        in_parallel(&pending, |(f, (p, t))| {
            transforms::with_parsed_facts(f.clone(), t, is_test_code(p))
        })
    };
    let mut loops = transforms::LoopFacts::default();
    for ((path, _), facts) in items.iter().zip(facts) {
        if facts.uses_pytest_asyncio {
            out.users.push((*path).clone());
        }
        loops.merge(facts.loops, &path.display().to_string());
        out.async_fixtures.extend(facts.async_fixtures);
        out.plain_async_fixtures.extend(facts.plain_async_fixtures);
        out.blockers.extend(
            facts
                .blockers
                .into_iter()
                .map(|b| format!("`{}`: {b}", path.display())),
        );
    }
    let mut fixtures = out.async_fixtures.clone();
    if out.auto {
        fixtures.extend(out.plain_async_fixtures.iter().cloned());
    }
    out.blockers.extend(loops.blockers(&fixtures));
    out.users.sort();
    out.configs.sort();
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_backend_for_each_test_is_narrow() {
        assert!(super::narrow_backend(
            "@pytest.fixture\ndef anyio_backend():\n    return \"asyncio\"\n"
        ));
        assert!(super::narrow_backend(
            "@pytest.fixture(scope=\"function\")\ndef anyio_backend():\n    return \"asyncio\"\n"
        ));
        assert!(!super::narrow_backend(
            "@pytest.fixture(scope=\"session\")\ndef anyio_backend():\n    return \"asyncio\"\n"
        ));
    }
}
