//! AM601 and AM602: pytest configuration and dependency files. Their fixes
//! are made by the `pytestcfg` crate, on files that are not Python; these
//! entries give the codes their docs and let `--select` / `--ignore` name them.

use crate::{Docs, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic};

/// A transform of configuration files: nothing to find in Python code.
pub struct ConfigFileTransform {
    info: TransformInfo,
}

impl ConfigFileTransform {
    /// AM601: `asyncio_mode` and the other pytest-asyncio settings.
    pub fn settings() -> Self {
        ConfigFileTransform {
            info: TransformInfo {
                code: "AM601",
                name: "asyncio-mode",
                summary: "pytest's `asyncio_mode` becomes `anyio_mode = auto`; other `asyncio_*` keys and `--asyncio-mode` go".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "In `pyproject.toml` (`[tool.pytest.ini_options]`), `pytest.ini`, `setup.cfg` (`[tool:pytest]`) and `tox.ini` (`[pytest]`): `asyncio_mode = ...` becomes `anyio_mode = \"auto\"` (unquoted in INI files), the other `asyncio_*` keys are removed, and `--asyncio-mode=...` / `--asyncio-debug` leave `addopts`. Only the changed lines change; comments and order stay.".into(),
                    why: "anyio's pytest plugin runs the suite once pytest-asyncio is gone; in auto mode it picks up every `async def` test as pytest-asyncio's auto mode did, so the markers can go too (AM603).".into(),
                    fix_safety: "Safe: the suite runs the same tests, on asyncio (AM605 pins the backend).".into(),
                },
                examples: vec![],
            },
        }
    }

    /// AM602: the `pytest-asyncio` requirement.
    pub fn dependency() -> Self {
        ConfigFileTransform {
            info: TransformInfo {
                code: "AM602",
                name: "pytest-asyncio-dependency",
                summary: "`pytest-asyncio` becomes `anyio>=X` (the `--target-anyio` version) in dependency files".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "In `requirements*.txt`, `pyproject.toml` (`[project]` dependencies and extras, `[dependency-groups]`, Poetry's dependency tables), `setup.cfg` and `tox.ini` `deps`: the `pytest-asyncio` requirement becomes `anyio>=X`, or goes when anyio is listed already (whose requirement is raised to `X` if lower).".into(),
                    why: "The suite now needs anyio's plugin, which ships with anyio, and must not load pytest-asyncio beside it (it warns about the settings it no longer finds).".into(),
                    fix_safety: "Safe: the requirement names the anyio the migrated code targets.".into(),
                },
                examples: vec![],
            },
        }
    }
}

impl Transform for ConfigFileTransform {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        // Nothing in a Python file: no reason to parse one.
        Vec::new()
    }

    fn check(&self, _cx: &FileContext, _out: &mut Vec<Diagnostic>) {}
}
