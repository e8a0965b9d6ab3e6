//! `[tool.anyio-migrate]` in `pyproject.toml`: the run's defaults, which
//! command-line flags override.

use anyhow::{bail, Context, Result};
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The settings a project can keep in its pyproject.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    #[serde(rename = "unsafe")]
    pub unsafe_fixes: Option<bool>,
    pub exclude: Option<Vec<String>>,
    pub per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
    pub target_anyio: Option<String>,
    pub target_python: Option<String>,
    /// From `[project] requires-python`, the default for `target-python`.
    #[serde(skip)]
    pub requires_python: Option<String>,
}

/// The keys `[tool.anyio-migrate]` accepts, for error messages.
pub const KEYS: &str =
    "select, ignore, unsafe, exclude, per-file-ignores, target-anyio, target-python";

/// A loaded configuration and where it came from.
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Config,
    pub path: Option<PathBuf>,
}

/// The `[tool.anyio-migrate]` table of a pyproject.toml (with the project's
/// `requires-python`), if it has either.
pub fn read(path: &Path) -> Result<Option<Config>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let doc: toml::Table = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: not valid TOML: {}", path.display(), e.message()))?;
    let requires_python = doc
        .get("project")
        .and_then(|p| p.get("requires-python"))
        .and_then(|v| v.as_str())
        .and_then(lowest_python);
    let Some(table) = doc.get("tool").and_then(|t| t.get("anyio-migrate")) else {
        // No table: the project's requires-python alone still sets the target.
        return Ok(requires_python.map(|v| Config {
            requires_python: Some(v),
            ..Config::default()
        }));
    };
    let config: Config = table.clone().try_into().map_err(|e: toml::de::Error| {
        anyhow::anyhow!(
            "{}: [tool.anyio-migrate]: {} (allowed keys: {KEYS})",
            path.display(),
            e.message()
        )
    })?;
    for (key, value) in [
        ("target-anyio", &config.target_anyio),
        ("target-python", &config.target_python),
    ] {
        if let Some(v) = value {
            if let Err(e) = transforms::parse_version(v) {
                bail!("{}: [tool.anyio-migrate] {key}: {e}", path.display());
            }
        }
    }
    for glob in config
        .exclude
        .iter()
        .flatten()
        .chain(config.per_file_ignores.iter().flat_map(|m| m.keys()))
    {
        Glob::new(glob).map_err(|e| {
            anyhow::anyhow!(
                "{}: [tool.anyio-migrate]: invalid glob `{glob}`: {e}",
                path.display()
            )
        })?;
    }
    let mut config = config;
    config.requires_python = requires_python;
    Ok(Some(config))
}

/// The lowest Python a `requires-python` specifier allows (`>=3.9` → 3.9).
pub fn lowest_python(spec: &str) -> Option<String> {
    spec.split(',').find_map(|part| {
        let v = part
            .trim()
            .strip_prefix(">=")
            .or_else(|| part.trim().strip_prefix("~="))?;
        let mut nums = v.trim().split('.');
        Some(format!(
            "{}.{}",
            nums.next()?.trim(),
            nums.next().unwrap_or("0").trim()
        ))
    })
}

/// The configuration for a run over `start`: `explicit` (`--config`), or
/// the nearest pyproject.toml with a `[tool.anyio-migrate]` table upward of
/// `start`; none with `--isolated`.
pub fn load(start: &Path, explicit: Option<&Path>, isolated: bool) -> Result<Loaded> {
    if isolated {
        return Ok(Loaded::default());
    }
    if let Some(p) = explicit {
        let config =
            read(p)?.with_context(|| format!("{}: no [tool.anyio-migrate] table", p.display()))?;
        return Ok(Loaded {
            config,
            path: Some(p.to_path_buf()),
        });
    }
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join("pyproject.toml");
        if candidate.is_file() {
            if let Some(config) = read(&candidate)? {
                return Ok(Loaded {
                    config,
                    path: Some(candidate),
                });
            }
        }
        dir = d.parent();
    }
    Ok(Loaded::default())
}

/// `per-file-ignores`: which codes to drop for a path, relative to the
/// configuration's folder.
pub struct PerFileIgnores {
    root: PathBuf,
    rules: Vec<(GlobMatcher, Vec<String>)>,
}

impl PerFileIgnores {
    /// From the loaded configuration.
    pub fn new(loaded: &Loaded) -> PerFileIgnores {
        let root = loaded
            .path
            .as_ref()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let rules = loaded
            .config
            .per_file_ignores
            .iter()
            .flatten()
            .filter_map(|(glob, codes)| {
                Glob::new(glob)
                    .ok()
                    .map(|g| (g.compile_matcher(), codes.clone()))
            })
            .collect();
        PerFileIgnores { root, rules }
    }

    /// The code prefixes ignored for `path`.
    pub fn for_path(&self, path: &Path) -> Vec<String> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let rel = abs.strip_prefix(&self.root).unwrap_or(&abs);
        self.rules
            .iter()
            .filter(|(g, _)| g.is_match(rel) || g.is_match(path))
            .flat_map(|(_, codes)| codes.iter().cloned())
            .collect()
    }
}
