//! pytest configuration and dependency files, from pytest-asyncio to anyio's
//! pytest plugin: `asyncio_mode` becomes `anyio_mode = auto`, the other
//! `asyncio_*` keys and `--asyncio-mode` go, and the `pytest-asyncio`
//! requirement becomes `anyio>=X`. Every edit is a line-preserving text edit:
//! comments, order and formatting outside the changed lines stay as they are.

mod ini;
mod plugins;
mod pyproject;
mod requirements;
mod runtime;

pub use plugins::{is_requirement_list, plugin_required, AsyncPlugin, PLUGINS_ON_PYTEST_ASYNCIO};
pub use runtime::declared_elsewhere;

use edit::Edit;
use std::path::Path;

/// The kinds of file this crate edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pyproject,
    PytestIni,
    SetupCfg,
    ToxIni,
    Requirements,
}

/// The kind of a file, by its name.
pub fn kind_of(path: &Path) -> Option<Kind> {
    let name = path.file_name()?.to_str()?;
    Some(match name {
        "pyproject.toml" => Kind::Pyproject,
        "pytest.ini" => Kind::PytestIni,
        "setup.cfg" => Kind::SetupCfg,
        "tox.ini" => Kind::ToxIni,
        // `requirements.txt`, `requirements-dev.txt`, `test-requirements.txt`,
        // `requirements/dev.in`.
        _ if plugins::is_requirement_list(path) => Kind::Requirements,
        _ => return None,
    })
}

/// Configuration diagnostics' codes.
pub const CONFIG_CODE: &str = "AM601";
/// Dependency diagnostics' code.
pub const DEPENDENCY_CODE: &str = "AM602";

/// One change (or item for a person) in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub code: &'static str,
    /// 1-based line in the original file.
    pub line: usize,
    pub message: String,
    /// Whether the tool made the change (false: left to a person).
    pub fixed: bool,
}

/// A dependency change the tool made, on 1-based `line`.
pub(crate) fn dependency_fixed(line: usize, message: String) -> Note {
    Note {
        code: DEPENDENCY_CODE,
        line,
        message,
        fixed: true,
    }
}

/// What became of the `pytest-asyncio` requirement on 1-based `line`:
/// dropped when anyio is already required, else replaced by `anyio>={floor}`.
pub(crate) fn pytest_asyncio_replaced(line: usize, anyio_required: bool, floor: &str) -> Note {
    dependency_fixed(
        line,
        if anyio_required {
            "`pytest-asyncio` is dropped: anyio is already required".into()
        } else {
            format!("`pytest-asyncio` becomes `anyio>={floor}`")
        },
    )
}

/// The result of migrating one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Migrated {
    pub text: String,
    pub notes: Vec<Note>,
}

/// Options for the rewrite.
#[derive(Debug, Clone)]
pub struct Options {
    /// The anyio floor written in place of pytest-asyncio (`4.16`).
    pub anyio_floor: String,
    /// Migrate the pytest settings ([`CONFIG_CODE`] is selected).
    pub configuration: bool,
    /// Migrate the dependency lists ([`DEPENDENCY_CODE`] is selected).
    pub dependencies: bool,
    /// The anyio the project's migrated code needs at run time, when it
    /// imports anyio: the runtime dependencies gain `anyio>=` it.
    pub runtime_anyio: Option<String>,
}

impl Options {
    /// Every rewrite on, with this anyio floor for the test suite's requirement.
    pub fn new(anyio_floor: impl Into<String>) -> Self {
        Options {
            anyio_floor: anyio_floor.into(),
            configuration: true,
            dependencies: true,
            runtime_anyio: None,
        }
    }
}

/// Migrates one file; `Err` names why it cannot be read as its kind (the
/// file is then left alone).
pub fn migrate(kind: Kind, text: &str, opts: &Options) -> Result<Migrated, String> {
    let mut migrated = migrate_test_side(kind, text, opts)?;
    if let Some(floor) = &opts.runtime_anyio {
        let runtime = runtime::require(kind, &migrated.text, floor)?;
        migrated.text = runtime.text;
        migrated.notes.extend(runtime.notes);
        migrated.notes.sort_by_key(|n| n.line);
    }
    Ok(migrated)
}

/// pytest-asyncio's settings and requirements.
fn migrate_test_side(kind: Kind, text: &str, opts: &Options) -> Result<Migrated, String> {
    match kind {
        Kind::Pyproject => pyproject::migrate(text, opts),
        Kind::PytestIni | Kind::ToxIni => {
            ini::migrate(text, &["pytest"], kind == Kind::ToxIni, opts)
        }
        Kind::SetupCfg => ini::migrate(text, &["tool:pytest"], false, opts),
        Kind::Requirements if opts.dependencies => Ok(requirements::migrate(text, opts)),
        Kind::Requirements => Ok(Migrated {
            text: text.to_string(),
            notes: Vec::new(),
        }),
    }
}

/// Whether the file configures pytest-asyncio (`asyncio_mode`,
/// `--asyncio-mode`): after migration it runs anyio's plugin in auto mode.
pub fn configures_pytest_asyncio(kind: Kind, text: &str) -> bool {
    kind != Kind::Requirements
        && text.lines().any(|l| {
            let t = l.trim_start();
            t.starts_with("asyncio_mode") || t.contains("--asyncio-mode")
        })
}

/// Whether pytest takes the file as its configuration: a `pytest.ini` (even
/// empty), or a `[tool.pytest.ini_options]` / `[tool.pytest]`, `[pytest]`
/// (tox.ini) or `[tool:pytest]` (setup.cfg) section.
pub fn configures_pytest(kind: Kind, text: &str) -> bool {
    let header = |names: &[&str]| {
        text.lines()
            .map(str::trim)
            .any(|l| names.iter().any(|n| l.starts_with(n)))
    };
    match kind {
        Kind::PytestIni => true,
        Kind::Pyproject => header(&["[tool.pytest.ini_options]", "[tool.pytest]"]),
        Kind::ToxIni => header(&["[pytest]"]),
        Kind::SetupCfg => header(&["[tool:pytest]"]),
        Kind::Requirements => false,
    }
}

/// Whether the file names pytest-asyncio: its settings, or a requirement on it.
pub fn mentions_pytest_asyncio(kind: Kind, text: &str) -> bool {
    configures_pytest_asyncio(kind, text) || {
        let lower = text.to_ascii_lowercase();
        lower.contains("pytest-asyncio") || lower.contains("pytest_asyncio")
    }
}

/// `pytest-asyncio` (any spelling) at the start of a requirement string.
pub(crate) fn is_pytest_asyncio(req: &str) -> bool {
    let name: String = req
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    name.to_ascii_lowercase().replace(['_', '.'], "-") == "pytest-asyncio"
}

/// The name of a requirement, normalized (`anyio`).
pub(crate) fn requirement_name(req: &str) -> String {
    req.trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect::<String>()
        .to_ascii_lowercase()
        .replace(['_', '.'], "-")
}

/// What an existing `anyio` requirement becomes for code that needs anyio `floor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Anyio {
    /// It keeps out every release below `floor` and admits one above: kept.
    Holds,
    /// A plain edit makes it hold: the new requirement.
    Raised(String),
    /// It cannot hold without a decision (a pin, a cap that is not a major
    /// boundary): reported.
    Cannot,
}

/// An `anyio` requirement (name and specifiers, no marker) for code that
/// needs anyio `floor`. A lower bound below it is raised (`>=3.6` →
/// `>=4.16`, `~=3.7` → `~=4.16`, Poetry's `^3.7` → `^4.16`), a cap at a major
/// release below it moves to the next major (`<4` → `<5`), and a
/// requirement left without a lower bound gets `>=floor`; a pin (`==3.7.1`)
/// or any other cap cannot hold.
pub(crate) fn raise_anyio(req: &str, floor: &str) -> Anyio {
    let specs = req.trim()[5..].trim();
    let specs = specs
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(specs);
    let f = version(floor);
    let mut out: Vec<String> = Vec::new();
    let (mut changed, mut lower) = (false, false);
    for spec in specs
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "*")
    {
        let Some((op, bound)) = specifier(spec) else {
            return Anyio::Cannot;
        };
        let b = version(bound);
        let kept = match op {
            "!=" => true,
            "<" | "<=" if b > f || (op == "<=" && b == f) => true,
            "<" | "<=" => {
                // A cap at a major release (`<4`, `<4.0`) moves to the next one.
                if op == "<" && b.iter().skip(1).all(|p| *p == 0) && !bound.contains('*') {
                    out.push(format!("<{}", f[0] + 1));
                    changed = true;
                    continue;
                }
                return Anyio::Cannot;
            }
            "==" | "===" => {
                if b < f || bound.contains('*') {
                    return Anyio::Cannot;
                }
                lower = true;
                true
            }
            // Lower bounds: `>=`, `>`, `~=`, `^`, `~`.
            _ => {
                lower = true;
                b >= f
            }
        };
        if kept {
            out.push(spec.to_string());
            continue;
        }
        // Raised in the same form; `~=` keeps its number of parts (its cap).
        let raised = match op {
            "~=" | "~" | "^" => {
                let parts = bound.split('.').count().max(2);
                let mut v: Vec<String> = floor.split('.').map(str::to_string).collect();
                v.resize(parts, "0".to_string());
                format!("{op}{}", v.join("."))
            }
            _ => format!(">={floor}"),
        };
        out.push(raised);
        changed = true;
    }
    if !lower {
        out.insert(0, format!(">={floor}"));
        changed = true;
    }
    if changed {
        Anyio::Raised(format!("anyio{}", out.join(",")))
    } else {
        Anyio::Holds
    }
}

/// The lowest `major.minor` a version specifier allows (`>=4.5,<5` → 4.5,
/// `~=4.9`, Poetry's `^4.5` / `~4.5`, a pin `==4.5.2`).
pub fn lowest_version(spec: &str) -> Option<String> {
    spec.split(',').find_map(|part| {
        let part = part.trim();
        let v = part
            .strip_prefix(">=")
            .or_else(|| part.strip_prefix("=="))
            .or_else(|| part.strip_prefix("~="))
            .or_else(|| part.strip_prefix('^'))
            .or_else(|| part.strip_prefix('~'))?;
        let mut nums = v.trim().split('.');
        Some(format!(
            "{}.{}",
            nums.next()?.trim(),
            nums.next().unwrap_or("0").trim()
        ))
    })
}

/// A `major.minor` version.
type Version = (u32, u32);

/// The Python each anyio 4 release needs, from each release's
/// `Requires-Python` on PyPI: 4.0–4.5 need 3.8, 4.6–4.12 need 3.9, 4.13 and
/// later 3.10. Newest first.
const ANYIO_PYTHON: &[(Version, Version)] =
    &[((4, 13), (3, 10)), ((4, 6), (3, 9)), ((4, 0), (3, 8))];

/// The lowest Python anyio `anyio` (4.0 or later) runs on.
pub fn python_for_anyio(anyio: (u32, u32)) -> (u32, u32) {
    ANYIO_PYTHON
        .iter()
        .find(|(from, _)| anyio >= *from)
        .map_or((3, 8), |(_, python)| *python)
}

/// The newest anyio 4 minor release that runs on `python`: `None` when
/// every release known here does (3.10 and later), or none does (below 3.8).
pub fn newest_anyio_for(python: (u32, u32)) -> Option<(u32, u32)> {
    let newer = ANYIO_PYTHON.iter().position(|(_, p)| python >= *p)?;
    let (next, _) = ANYIO_PYTHON[newer.checked_sub(1)?];
    Some((next.0, next.1 - 1))
}

/// Well-known packages whose older releases require anyio < 4, with the
/// first release that allows anyio 4 (read from the releases' metadata on
/// PyPI: `Requires-Dist: anyio<4.0.0,>=3.7.1` up to fastapi 0.107.0,
/// `anyio>=3.4.0,<4.0.0` in asyncer 0.0.2, `anyio==3.*` in httpcore 0.15.0).
pub const NEED_ANYIO_3: &[(&str, &str)] = &[
    ("asyncer", "0.0.3"),
    ("fastapi", "0.108.0"),
    ("httpcore", "0.16.0"),
];

/// For a requirement on a package of [`NEED_ANYIO_3`] that allows only its
/// releases below `first` (`fastapi==0.100.0`, `fastapi<0.100`,
/// `fastapi~=0.100.0`): the package and `first`.
pub(crate) fn needs_anyio_3(req: &str) -> Option<(&'static str, &'static str)> {
    let name = requirement_name(req);
    let &(package, first) = NEED_ANYIO_3.iter().find(|(p, _)| *p == name)?;
    let req = req.split(';').next().unwrap_or(req).trim();
    let name_end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(req.len());
    let rest = req[name_end..].trim_start();
    let rest = match rest.strip_prefix('[') {
        Some(extras) => extras.split_once(']').map_or("", |(_, r)| r),
        None => rest,
    };
    let specs = rest.trim_matches(['(', ')', ' ']);
    let first_v = version(first);
    let below = specs.split(',').map(str::trim).any(|spec| {
        let Some((op, bound)) = specifier(spec) else {
            return false;
        };
        let b = version(bound);
        match op {
            ">=" | ">" | "!=" => false,
            "==" | "===" => !bound.contains('*') && b < first_v,
            "<" => b <= first_v,
            "<=" => b < first_v,
            // Compatible releases stay below the next release of the part
            // before the last (`~=0.100.0` < 0.101); Poetry's caret below the
            // next release of the first non-zero part, its tilde of the minor.
            _ => {
                let mut cap = b.clone();
                let at = match op {
                    "~=" => cap.len().saturating_sub(2),
                    "^" => cap.iter().position(|p| *p != 0).unwrap_or(cap.len() - 1),
                    _ => 1.min(cap.len() - 1),
                };
                cap.truncate(at + 1);
                cap[at] += 1;
                cap <= first_v
            }
        }
    });
    below.then_some((package, first))
}

/// The item for a person when an anyio requirement cannot hold the
/// migrated code.
pub(crate) fn cannot_hold(req: &str, floor: &str, line: usize) -> Note {
    Note {
        code: DEPENDENCY_CODE,
        line,
        message: format!(
            "`{req}` cannot hold the migrated code, which needs `anyio>={floor}`: raise it by hand"
        ),
        fixed: false,
    }
}

/// A version specifier's operator and version (`~=3.7` → `~=`, `3.7`);
/// Poetry's caret and tilde, and its bare version, a pin.
fn specifier(spec: &str) -> Option<(&'static str, &str)> {
    ["===", "==", "~=", ">=", "<=", "!=", ">", "<", "^", "~"]
        .iter()
        .find_map(|op| spec.strip_prefix(op).map(|b| (*op, b.trim())))
        .or_else(|| {
            spec.starts_with(|c: char| c.is_ascii_digit())
                .then_some(("==", spec))
        })
}

/// A version's numeric parts (`4.16.0` → [4, 16, 0]; `4.*` → [4]).
fn version(v: &str) -> Vec<u64> {
    v.trim()
        .trim_end_matches(".*")
        .split('.')
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

/// The 1-based line number of `offset`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// The newline `text` ends with (`\r\n` or `\n`), or `""` when it ends
/// without one: what a replaced line keeps at its end.
pub(crate) fn line_ending(text: &str) -> &'static str {
    if text.ends_with("\r\n") {
        "\r\n"
    } else if text.ends_with('\n') {
        "\n"
    } else {
        ""
    }
}

/// Applies the edits of one pass over a file. Two edits never overlap in
/// the cases the tests cover; if some did, the first in text order would be
/// kept (a file left partly migrated rather than a panic).
pub(crate) fn apply(text: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by(|a, b| (a.start, a.end, &a.content).cmp(&(b.start, b.end, &b.content)));
    let mut pos = 0;
    edits.retain(|e| {
        let keep = e.start >= pos;
        if keep {
            pos = e.end;
        }
        keep
    });
    edit::apply_edits(text, &edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_names_and_floors() {
        assert!(is_pytest_asyncio("pytest-asyncio>=0.23"));
        assert!(is_pytest_asyncio("pytest_asyncio==1.5.0"));
        assert!(is_pytest_asyncio("Pytest-Asyncio"));
        assert!(!is_pytest_asyncio("pytest-asyncio-cooperative"));
        let raised = |to: &str| Anyio::Raised(to.to_string());
        for (req, want) in [
            ("anyio>=3.0", raised("anyio>=4.16")),
            ("anyio", raised("anyio>=4.16")),
            ("anyio>=4.20", Anyio::Holds),
            ("anyio>=4.16,<5", Anyio::Holds),
            ("anyio~=4.16", Anyio::Holds),
            ("anyio==4.16.0", Anyio::Holds),
            ("anyio>=3.6,<5", raised("anyio>=4.16,<5")),
            ("anyio~=3.7", raised("anyio~=4.16")),
            ("anyio~=3.7.1", raised("anyio~=4.16.0")),
            ("anyio^3.7", raised("anyio^4.16")),
            ("anyio<4", raised("anyio>=4.16,<5")),
            ("anyio>=3,<4", raised("anyio>=4.16,<5")),
            ("anyio>=3.1,<4.0,!=3.2", raised("anyio>=4.16,<5,!=3.2")),
            ("anyio (>=3.0,<4.0)", raised("anyio>=4.16,<5")),
            ("anyio*", raised("anyio>=4.16")),
            ("anyio==4.2", Anyio::Cannot),
            ("anyio==3.7.1", Anyio::Cannot),
            ("anyio3.7.1", Anyio::Cannot),
            ("anyio==3.*", Anyio::Cannot),
            ("anyio<4.15", Anyio::Cannot),
            ("anyio>=4.16,<4.15", Anyio::Cannot),
        ] {
            assert_eq!(raise_anyio(req, "4.16"), want, "{req}");
        }
        assert_eq!(python_for_anyio((4, 0)), (3, 8));
        assert_eq!(python_for_anyio((4, 12)), (3, 9));
        assert_eq!(python_for_anyio((4, 16)), (3, 10));
        assert_eq!(newest_anyio_for((3, 8)), Some((4, 5)));
        assert_eq!(newest_anyio_for((3, 9)), Some((4, 12)));
        assert_eq!(newest_anyio_for((3, 10)), None);
        assert_eq!(newest_anyio_for((3, 7)), None);
        for old in [
            "fastapi==0.100.0",
            "fastapi<0.108",
            "fastapi<=0.107.0",
            "fastapi~=0.100.0",
            "fastapi>=0.95,<0.100",
            "FastAPI (==0.99.1)",
            "fastapi[all]==0.100.0",
            "httpcore^0.15",
            "asyncer 0.0.2",
        ] {
            assert!(needs_anyio_3(old).is_some(), "{old}");
        }
        for fine in [
            "fastapi",
            "fastapi>=0.95",
            "fastapi==0.110.0",
            "fastapi~=0.100",
            "fastapi<1",
            "httpcore==1.*",
            "starlette==0.27.0",
        ] {
            assert!(needs_anyio_3(fine).is_none(), "{fine}");
        }
        assert_eq!(
            kind_of(Path::new("a/requirements-dev.txt")),
            Some(Kind::Requirements)
        );
        for listed in [
            "test-requirements.txt",
            "requirements/dev.txt",
            "dev-requirements.in",
        ] {
            assert_eq!(
                kind_of(Path::new(listed)),
                Some(Kind::Requirements),
                "{listed}"
            );
        }
        assert_eq!(kind_of(Path::new("setup.py")), None);
    }

    #[test]
    fn a_test_side_anyio_pin_is_reported_and_never_doubled() {
        let m = migrate(
            Kind::Requirements,
            "pytest-asyncio==0.21\nanyio==3.7.1\n",
            &Options::new("4.16"),
        )
        .unwrap();
        assert_eq!(m.text, "anyio==3.7.1\n");
        assert!(
            m.notes
                .iter()
                .any(|n| !n.fixed && n.message.starts_with("`anyio==3.7.1` cannot hold")),
            "{:?}",
            m.notes
        );
        let m = migrate(
            Kind::Requirements,
            "pytest-asyncio\nanyio~=3.7\n",
            &Options::new("4.16"),
        )
        .unwrap();
        assert_eq!(m.text, "anyio~=4.16\n");
    }

    #[test]
    fn which_files_configure_pytest() {
        assert!(configures_pytest(Kind::PytestIni, ""));
        assert!(configures_pytest(
            Kind::Pyproject,
            "[tool.pytest.ini_options]\n"
        ));
        assert!(!configures_pytest(
            Kind::Pyproject,
            "[project]\nname = \"x\"\n"
        ));
        assert!(configures_pytest(
            Kind::ToxIni,
            "[tox]\n[pytest]\naddopts = -ra\n"
        ));
        assert!(!configures_pytest(Kind::SetupCfg, "[metadata]\nname = x\n"));
        assert!(mentions_pytest_asyncio(
            Kind::Requirements,
            "Pytest-Asyncio==1.0\n"
        ));
        assert!(!mentions_pytest_asyncio(Kind::Requirements, "pytest\n"));
    }

    #[test]
    fn a_code_left_out_leaves_its_part_alone() {
        let src = "[project]\ndependencies = [\"pytest-asyncio\"]\n\n[tool.pytest.ini_options]\nasyncio_mode = \"auto\"\n";
        let only = |configuration, dependencies| {
            let opts = Options {
                configuration,
                dependencies,
                ..Options::new("4.16")
            };
            let m = migrate(Kind::Pyproject, src, &opts).unwrap();
            let codes: Vec<&str> = m.notes.iter().map(|n| n.code).collect();
            (m.text, codes)
        };
        let (text, codes) = only(true, false);
        assert!(
            text.contains("anyio_mode") && text.contains("pytest-asyncio"),
            "{text}"
        );
        assert_eq!(codes, [CONFIG_CODE]);
        let (text, codes) = only(false, true);
        assert!(
            text.contains("asyncio_mode") && text.contains("anyio>=4.16"),
            "{text}"
        );
        assert_eq!(codes, [DEPENDENCY_CODE]);
        let ini = "[pytest]\nasyncio_mode = auto\n";
        let opts = Options {
            configuration: false,
            ..Options::new("4.16")
        };
        assert_eq!(migrate(Kind::PytestIni, ini, &opts).unwrap().text, ini);
        let reqs = "pytest-asyncio\n";
        let opts = Options {
            dependencies: false,
            ..Options::new("4.16")
        };
        assert_eq!(migrate(Kind::Requirements, reqs, &opts).unwrap().text, reqs);
    }
}
