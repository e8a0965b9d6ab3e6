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

use std::path::Path;

pub use plugins::{is_requirement_list, plugin_required, AsyncPlugin, PLUGINS_ON_PYTEST_ASYNCIO};

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
        _ if name.starts_with("requirements") && name.ends_with(".txt") => Kind::Requirements,
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

impl Default for Options {
    fn default() -> Self {
        Options {
            anyio_floor: "4.16".into(),
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

/// Whether the file sets anyio's auto mode already.
pub fn configures_anyio_auto_mode(kind: Kind, text: &str) -> bool {
    kind != Kind::Requirements
        && text.lines().any(|l| {
            let t = l.trim_start();
            t.starts_with("anyio_mode") && t.contains("auto")
        })
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

/// An `anyio` requirement raised to at least `floor`: a `>=` lower bound
/// below it (or none) becomes `anyio>=floor`; anything else is kept.
pub(crate) fn raise_anyio(req: &str, floor: &str) -> Option<String> {
    let rest = req.trim()[5..].trim();
    if rest.is_empty() {
        return Some(format!("anyio>={floor}"));
    }
    let bound = rest.strip_prefix(">=")?;
    if bound.contains([',', ';', '<', '=', '!', '~']) {
        return None;
    }
    (version_lt(bound.trim(), floor)).then(|| format!("anyio>={floor}"))
}

fn version_lt(a: &str, b: &str) -> bool {
    let parse = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parse(a) < parse(b)
}

/// The offset just after the newline ending the line at `offset`.
pub(crate) fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// The offset where the line holding `offset` starts.
pub(crate) fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The 1-based line number of `offset`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// Applies non-overlapping `(start, end, replacement)` edits.
pub(crate) fn apply(text: &str, mut edits: Vec<(usize, usize, String)>) -> String {
    edits.sort();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (s, e, r) in edits {
        if s < pos {
            continue; // overlapping: the earlier edit wins
        }
        out.push_str(&text[pos..s]);
        out.push_str(&r);
        pos = e;
    }
    out.push_str(&text[pos..]);
    out
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
        assert_eq!(
            raise_anyio("anyio>=3.0", "4.16").as_deref(),
            Some("anyio>=4.16")
        );
        assert_eq!(raise_anyio("anyio>=4.20", "4.16"), None);
        assert_eq!(raise_anyio("anyio", "4.16").as_deref(), Some("anyio>=4.16"));
        assert_eq!(raise_anyio("anyio==4.2", "4.16"), None);
        assert_eq!(
            kind_of(Path::new("a/requirements-dev.txt")),
            Some(Kind::Requirements)
        );
        assert_eq!(kind_of(Path::new("setup.py")), None);
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
                ..Options::default()
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
            ..Options::default()
        };
        assert_eq!(migrate(Kind::PytestIni, ini, &opts).unwrap().text, ini);
        let reqs = "pytest-asyncio\n";
        let opts = Options {
            dependencies: false,
            ..Options::default()
        };
        assert_eq!(migrate(Kind::Requirements, reqs, &opts).unwrap().text, reqs);
    }
}
