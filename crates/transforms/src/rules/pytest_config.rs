//! AM601 and AM602: pytest configuration and dependency files. Their fixes
//! are made by the `pytestcfg` crate, on files that are not Python; these
//! entries give the codes their docs and let `--select` / `--ignore` name them.

use crate::{Docs, FileContext, Kind, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic};

/// A transform of configuration files: nothing to find in Python code.
pub struct ConfigFileTransform {
    info: TransformInfo,
    kind: Kind,
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
            kind: Kind::PytestSettings,
        }
    }

    /// AM602: the anyio requirement, in place of `pytest-asyncio` and for
    /// code that now imports anyio.
    pub fn dependency() -> Self {
        ConfigFileTransform {
            info: TransformInfo {
                code: "AM602",
                name: "anyio-dependency",
                summary: "dependency files follow the code: `pytest-asyncio` becomes `anyio>=X`, and a package whose code now imports anyio requires `anyio>=X`".into(),
                applicability: Some(Applicability::Safe),
                docs: Docs {
                    what: "Two edits of dependency files. For a test suite that moves to anyio's plugin: in `requirements*.txt`, `pyproject.toml` (`[project]` dependencies and extras, `[dependency-groups]`, Poetry's dependency tables), `setup.cfg` and `tox.ini` `deps`, the `pytest-asyncio` requirement becomes `anyio>=X` (the `--target-anyio` version), or goes when anyio is listed already (whose requirement is raised to `X` if lower). For the package's own code: when the run leaves `import anyio` in a module of the folder a `pyproject.toml` or `setup.cfg` describes (tests, conftests, examples, docs and benchmarks aside), its runtime dependencies (`[project] dependencies`, Poetry's `[tool.poetry.dependencies]`, `[options] install_requires`) gain `anyio>=X`, where `X` is the lowest anyio the migrated code calls for (4.0, or the release of the newest API it uses: 4.14 for task handles, 4.15 for `anyio.gather`, `amap`, `Future`, `fail_at`). The entry goes where it sorts in a sorted list (else at its end), in the list's own layout; an existing anyio requirement is raised when it is a plain lower bound.".into(),
                    why: "The suite now needs anyio's plugin, which ships with anyio, and must not load pytest-asyncio beside it (it warns about the settings it no longer finds). A package whose code imports anyio without requiring it installs fine and fails at import.".into(),
                    fix_safety: "Safe: the requirement names the anyio the migrated code needs. An anyio requirement that cannot hold the migrated code is raised in its own form where that is a plain edit (`>=3.6` → `>=X`, `~=3.7` → `~=X`, Poetry's `^3.7` → `^X`, a cap at a major release `<4` → `<5`), and reported where it is a decision (a pin `==3.7.1`, another cap); two anyio requirements never end up side by side. Also reported: a dependency whose allowed releases all require anyio < 4 (fastapi before 0.108.0, asyncer before 0.0.3, httpcore before 0.16.0: a table of well-known packages, read from their releases' metadata; others are not known offline), and a declared Python floor (`requires-python`, Poetry's `python`, `python_requires`) below what that anyio runs on (anyio 4.0–4.5 need Python 3.8, 4.6–4.12 need 3.9, 4.13 and later 3.10). Without `--target-anyio` or an anyio requirement, the target is the newest anyio the project's Python floor runs on. Dynamic dependencies (`dynamic = [\"dependencies\"]`), a `setup.py` with `install_requires` and a `requirements.txt` that is a folder's only declaration are not edited for the package's own code: each is reported with the requirement to add or raise.".into(),
                },
                examples: vec![],
            },
            kind: Kind::Dependencies,
        }
    }
}

impl Transform for ConfigFileTransform {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn kind(&self) -> Kind {
        self.kind
    }

    fn triggers(&self) -> Vec<Trigger> {
        // Nothing in a Python file: no reason to parse one.
        Vec::new()
    }

    fn check(&self, _cx: &FileContext, _out: &mut Vec<Diagnostic>) {}
}
