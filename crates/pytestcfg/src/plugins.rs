//! pytest plugins a suite cannot keep once it leaves pytest-asyncio, found in
//! the dependency and configuration files: a requirement on one (requirement
//! lists, `[project]` dependencies and optional dependencies, dependency
//! groups, Poetry's tables, `install_requires`, tox's `deps`) or `-p` loading
//! it. Comments and descriptions do not count.

use crate::{requirement_name, Kind};
use std::path::Path;
use toml_edit::{Document, Item, Value};

/// A pytest plugin that needs pytest-asyncio to be the suite's async runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsyncPlugin {
    /// Its requirement name, normalized (`pytest-aiohttp`), if it has one.
    pub requirement: Option<&'static str>,
    /// The module pytest loads (`-p …`, `pytest_plugins`).
    pub module: &'static str,
    /// Why the suite needs pytest-asyncio with it.
    pub why: &'static str,
}

const BUILT_ON: &str = "a plugin built on pytest-asyncio (it requires it and uses its fixtures)";
const OWN_RUNNER: &str =
    "a plugin that runs async tests itself, beside which anyio's plugin cannot take them over";

/// The plugins known to need pytest-asyncio (checked against their
/// packages' requirements and code).
pub const PLUGINS_ON_PYTEST_ASYNCIO: &[AsyncPlugin] = &[
    AsyncPlugin {
        requirement: Some("pytest-aiohttp"),
        module: "pytest_aiohttp",
        why: BUILT_ON,
    },
    AsyncPlugin {
        requirement: None,
        module: "aiohttp.pytest_plugin",
        why: OWN_RUNNER,
    },
    AsyncPlugin {
        requirement: Some("pytest-aiomoto"),
        module: "pytest_aiomoto",
        why: BUILT_ON,
    },
    AsyncPlugin {
        requirement: Some("pytest-asyncio-cooperative"),
        module: "pytest_asyncio_cooperative",
        why: OWN_RUNNER,
    },
    AsyncPlugin {
        requirement: Some("pytest-tornasync"),
        module: "pytest_tornasync",
        why: OWN_RUNNER,
    },
];

/// The plugin a requirement string names (`pytest-aiohttp>=1.0; extra == …`).
fn required(req: &str) -> Option<&'static AsyncPlugin> {
    let name = requirement_name(req);
    PLUGINS_ON_PYTEST_ASYNCIO
        .iter()
        .find(|p| p.requirement == Some(name.as_str()))
}

/// The plugin a `-p NAME` / `-pNAME` option in `text` loads.
fn loaded(text: &str) -> Option<&'static AsyncPlugin> {
    let mut tokens = text.split_whitespace();
    while let Some(t) = tokens.next() {
        let module = match t.strip_prefix("-p") {
            Some("") => tokens.next(),
            Some(m) => Some(m),
            None => None,
        };
        let module = module.map(|m| m.trim_matches(['"', '\'', ',']));
        if let Some(p) = PLUGINS_ON_PYTEST_ASYNCIO
            .iter()
            .find(|p| Some(p.module) == module)
        {
            return Some(p);
        }
    }
    None
}

/// Whether a file lists requirements one a line, by its name:
/// `requirements*.txt`, `*requirements*.txt` / `.in`, or any `.txt` / `.in`
/// in a `requirements` folder.
pub fn is_requirement_list(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let listed = name.ends_with(".txt") || name.ends_with(".in");
    let in_folder = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|d| d == "requirements");
    listed && (name.contains("requirements") || in_folder)
}

/// The first plugin of [`PLUGINS_ON_PYTEST_ASYNCIO`] that a dependency or
/// pytest configuration file requires or loads.
pub fn plugin_required(kind: Kind, text: &str) -> Option<&'static AsyncPlugin> {
    match kind {
        Kind::Requirements => text.lines().find_map(|l| {
            let l = l.split(" #").next().unwrap_or(l).trim();
            (!l.starts_with('#')).then(|| required(l)).flatten()
        }),
        Kind::Pyproject => in_toml(text),
        Kind::PytestIni | Kind::ToxIni | Kind::SetupCfg => text.lines().find_map(|l| {
            let t = l.trim_start();
            if t.is_empty() || t.starts_with(['#', ';', '[']) {
                return None;
            }
            // `key = value` at the start of a line; a continuation line is a value.
            let value = if l.starts_with(char::is_whitespace) {
                t
            } else {
                t.split_once(['=', ':']).map_or("", |(_, v)| v.trim())
            };
            let value = value.split(" #").next().unwrap_or(value);
            required(value).or_else(|| loaded(value))
        }),
    }
}

/// A TOML file: every array element and table key read as a requirement
/// (`dependencies = ["pytest-aiohttp"]`, Poetry's `pytest-aiohttp = "^1"`),
/// every string for `-p` (`addopts`).
fn in_toml(text: &str) -> Option<&'static AsyncPlugin> {
    fn value(v: &Value) -> Option<&'static AsyncPlugin> {
        match v {
            Value::String(s) => loaded(s.value()),
            Value::Array(a) => a.iter().find_map(|e| match e {
                Value::String(s) => required(s.value()).or_else(|| loaded(s.value())),
                other => value(other),
            }),
            Value::InlineTable(t) => t.iter().find_map(|(k, v)| required(k).or_else(|| value(v))),
            _ => None,
        }
    }
    fn item(i: &Item) -> Option<&'static AsyncPlugin> {
        match i {
            Item::Value(v) => value(v),
            Item::Table(t) => t.iter().find_map(|(k, v)| required(k).or_else(|| item(v))),
            Item::ArrayOfTables(a) => a
                .iter()
                .find_map(|t| t.iter().find_map(|(k, v)| required(k).or_else(|| item(v)))),
            Item::None => None,
        }
    }
    let doc = Document::parse(text).ok()?;
    item(doc.as_item())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(kind: Kind, text: &str) -> Option<&'static str> {
        plugin_required(kind, text).map(|p| p.module)
    }

    #[test]
    fn requirements_in_every_dependency_file() {
        let aiohttp = Some("pytest_aiohttp");
        assert_eq!(
            found(Kind::Requirements, "pytest\npytest-aiohttp>=1.0  # http\n"),
            aiohttp
        );
        assert_eq!(found(Kind::Requirements, "Pytest_AioHTTP==1.1\n"), aiohttp);
        // A comment, or another package whose name starts alike, is not one.
        assert_eq!(
            found(Kind::Requirements, "# pytest-aiohttp later\npytest\n"),
            None
        );
        assert_eq!(found(Kind::Requirements, "pytest-aiohttp-client\n"), None);
        let pyproject = "[project]\nname = \"x\"\ndescription = \"pytest-aiohttp friendly\"\ndependencies = []\n\n[project.optional-dependencies]\ntest = [\"pytest\", \"pytest-aiohttp>=1; python_version>'3.8'\"]\n";
        assert_eq!(found(Kind::Pyproject, pyproject), aiohttp);
        let groups = "[dependency-groups]\ndev = [\"pytest-aiomoto\", {include-group = \"x\"}]\n";
        assert_eq!(found(Kind::Pyproject, groups), Some("pytest_aiomoto"));
        let poetry = "[tool.poetry.group.dev.dependencies]\npytest = \"^8\"\npytest-aiohttp = { version = \"^1\" }\n";
        assert_eq!(found(Kind::Pyproject, poetry), aiohttp);
        let described = "[project]\ndescription = \"pytest-aiohttp friendly\"\n";
        assert_eq!(found(Kind::Pyproject, described), None);
        let addopts = "[tool.pytest.ini_options]\naddopts = \"-ra -p pytest_tornasync\"\n";
        assert_eq!(found(Kind::Pyproject, addopts), Some("pytest_tornasync"));
        let setup = "[metadata]\nname = x\n\n[options.extras_require]\ntest =\n    pytest\n    pytest-aiohttp\n";
        assert_eq!(found(Kind::SetupCfg, setup), aiohttp);
        let tox =
            "[testenv]\ndeps =\n    pytest\n    pytest-asyncio-cooperative\n# pytest-aiohttp\n";
        assert_eq!(found(Kind::ToxIni, tox), Some("pytest_asyncio_cooperative"));
        let ini = "[pytest]\naddopts = -p aiohttp.pytest_plugin\n";
        assert_eq!(found(Kind::PytestIni, ini), Some("aiohttp.pytest_plugin"));
        assert_eq!(found(Kind::PytestIni, "[pytest]\naddopts = -ra\n"), None);
    }

    #[test]
    fn requirement_lists_by_name() {
        for yes in [
            "requirements.txt",
            "requirements-dev.txt",
            "test-requirements.txt",
            "dev_requirements.in",
            "requirements/test.txt",
        ] {
            assert!(is_requirement_list(Path::new(yes)), "{yes}");
        }
        for no in ["notes.txt", "requirements.py", "docs/test.txt"] {
            assert!(!is_requirement_list(Path::new(no)), "{no}");
        }
    }
}
