//! `[tool.anyio-migrate]` in `pyproject.toml`: the run's defaults, which
//! command-line flags override.

use crate::suggest;
use anyhow::{bail, Context, Result};
use globset::{Glob, GlobMatcher};
use pytestcfg::lowest_version;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
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
    /// The lowest anyio the project's runtime requirement allows, the
    /// default for `target-anyio`.
    #[serde(skip)]
    pub requires_anyio: Option<String>,
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
    let doc: toml::Table = toml::from_str(&text).map_err(|e| {
        let at = e
            .span()
            .map(|span| line_column(&text, span.start))
            .unwrap_or_default();
        anyhow::anyhow!("{}{at}: not valid TOML: {}", path.display(), e.message())
    })?;
    // The Python floor: `[project] requires-python`, Poetry's `python`
    // dependency, or `python_requires` in setup.cfg / setup.py beside it.
    let requires_python = doc
        .get("project")
        .and_then(|p| p.get("requires-python"))
        .or_else(|| {
            doc.get("tool")
                .and_then(|t| t.get("poetry"))
                .and_then(|p| p.get("dependencies"))
                .and_then(|d| d.get("python"))
        })
        .and_then(|v| v.as_str())
        .and_then(lowest_python)
        .or_else(|| path.parent().and_then(setup_python_floor));
    let requires_anyio =
        pyproject_anyio_floor(&doc).or_else(|| path.parent().and_then(setup_anyio_floor));
    let Some(table) = doc.get("tool").and_then(|t| t.get("anyio-migrate")) else {
        // No table: the project's requirements alone still set the targets.
        if requires_python.is_none() && requires_anyio.is_none() {
            return Ok(None);
        }
        return Ok(Some(Config {
            requires_python,
            requires_anyio,
            ..Config::default()
        }));
    };
    let config: Config = table.clone().try_into().map_err(|e: toml::de::Error| {
        // serde names the field: `unknown field `selectt`, expected one of …`.
        let unknown = e
            .message()
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next());
        match unknown {
            Some(key) => anyhow::anyhow!(
                "{}: [tool.anyio-migrate]: unknown key `{key}`{} (allowed keys: {KEYS})",
                path.display(),
                suggest::hint(suggest::closest(key, KEYS.split(", ")))
            ),
            None => anyhow::anyhow!(
                "{}: [tool.anyio-migrate]: {} (allowed keys: {KEYS})",
                path.display(),
                e.message()
            ),
        }
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
    config.requires_anyio = requires_anyio;
    Ok(Some(config))
}

/// The lowest anyio a pyproject's runtime dependencies allow: `[project]
/// dependencies` (`anyio>=4.5`, `anyio[trio]~=4.9`) or Poetry's `anyio`
/// entry (`"^4.5"`, `{ version = ">=4.5" }`).
fn pyproject_anyio_floor(doc: &toml::Table) -> Option<String> {
    let project = doc
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .find_map(anyio_requirement_floor);
    project.or_else(|| {
        let entry = doc
            .get("tool")?
            .get("poetry")?
            .get("dependencies")?
            .get("anyio")?;
        let spec = entry
            .as_str()
            .or_else(|| entry.get("version").and_then(|v| v.as_str()))?;
        lowest_version(spec)
    })
}

/// The lowest anyio of the `install_requires` in the setup.cfg in `dir`.
fn setup_anyio_floor(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("setup.cfg")).ok()?;
    text.lines()
        .map(|l| {
            l.trim()
                .trim_start_matches("install_requires")
                .trim_start_matches([' ', '='])
        })
        .find_map(anyio_requirement_floor)
}

/// The lower bound of a PEP 508 requirement on anyio (`anyio[trio]>=4.5,<5;
/// python_version>"3.9"` → 4.5); `None` for another package or no bound.
fn anyio_requirement_floor(req: &str) -> Option<String> {
    let req = req.trim().trim_matches(['"', '\'', ',']);
    let name_end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(req.len());
    if !req[..name_end].eq_ignore_ascii_case("anyio") {
        return None;
    }
    let rest = req[name_end..].trim_start();
    let rest = match rest.strip_prefix('[') {
        Some(extras) => extras.split_once(']')?.1,
        None => rest,
    };
    let spec = rest
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches(['(', ')']);
    lowest_version(spec)
}

/// `:LINE:COLUMN` (1-based) of a byte offset, for error messages.
fn line_column(text: &str, at: usize) -> String {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(":{line}:{column}")
}

/// The `python_requires` floor of the setup.cfg or setup.py in `dir`.
pub fn setup_python_floor(dir: &Path) -> Option<String> {
    ["setup.cfg", "setup.py"].iter().find_map(|name| {
        let text = std::fs::read_to_string(dir.join(name)).ok()?;
        text.lines().find_map(|line| {
            let rest = line.trim().strip_prefix("python_requires")?;
            let value = rest.trim_start().strip_prefix('=')?.trim();
            let value = value.trim_end_matches(',').trim().trim_matches(['"', '\'']);
            lowest_python(value)
        })
    })
}

/// The lowest Python a `requires-python` specifier allows (`>=3.9` → 3.9;
/// Poetry's `^3.8` and `~3.8` too).
pub fn lowest_python(spec: &str) -> Option<String> {
    lowest_version(spec)
}

/// The configurations of a run and which one applies to each folder: the
/// nearest pyproject.toml upward that has a `[tool.anyio-migrate]` table (or
/// a `requires-python`), as ruff resolves its configuration per file;
/// `--config` names one for every file, `--isolated` uses none.
pub struct Configs {
    /// The distinct configurations; the first is the empty one (no file).
    pub loaded: Vec<Loaded>,
    /// Set by `--config` or `--isolated`: the one configuration for all.
    fixed: Option<usize>,
    /// Folder (canonical) → index into `loaded`, filled as folders are asked for.
    by_dir: HashMap<PathBuf, usize>,
    /// Folder as asked for → index into `loaded`: the files of one folder
    /// make one `canonicalize` (a system call per path component), not one each.
    by_given_dir: HashMap<PathBuf, usize>,
    /// Configuration file → index into `loaded`.
    by_file: HashMap<PathBuf, usize>,
}

impl Configs {
    /// The configurations for a run with these flags; reads `explicit` now.
    pub fn new(explicit: Option<&Path>, isolated: bool) -> Result<Configs> {
        let mut configs = Configs {
            loaded: vec![Loaded::default()],
            fixed: None,
            by_dir: HashMap::new(),
            by_given_dir: HashMap::new(),
            by_file: HashMap::new(),
        };
        if isolated {
            configs.fixed = Some(0);
        } else if let Some(p) = explicit {
            let config = read(p)?
                .with_context(|| format!("{}: no [tool.anyio-migrate] table", p.display()))?;
            configs.loaded.push(Loaded {
                config,
                path: Some(p.to_path_buf()),
            });
            configs.fixed = Some(1);
        }
        Ok(configs)
    }

    /// The index (into `loaded`) of the configuration for a file: its folder's.
    pub fn for_file(&mut self, file: &Path) -> Result<usize> {
        let dir = file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        self.for_dir(dir)
    }

    /// The index (into `loaded`) of the configuration for a folder; a
    /// configuration file that is not valid is an error.
    pub fn for_dir(&mut self, dir: &Path) -> Result<usize> {
        if let Some(i) = self.fixed {
            return Ok(i);
        }
        if let Some(&i) = self.by_given_dir.get(dir) {
            return Ok(i);
        }
        let found = self.for_canonical_dir(dir)?;
        self.by_given_dir.insert(dir.to_path_buf(), found);
        Ok(found)
    }

    fn for_canonical_dir(&mut self, dir: &Path) -> Result<usize> {
        let start = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut visited = Vec::new();
        let mut found = 0;
        let mut current = Some(start.as_path());
        while let Some(d) = current {
            if let Some(&i) = self.by_dir.get(d) {
                found = i;
                break;
            }
            visited.push(d.to_path_buf());
            let candidate = d.join("pyproject.toml");
            if let Some(&i) = self.by_file.get(&candidate) {
                found = i;
                break;
            }
            if candidate.is_file() {
                if let Some(config) = read(&candidate)? {
                    self.loaded.push(Loaded {
                        config,
                        path: Some(candidate.clone()),
                    });
                    found = self.loaded.len() - 1;
                    self.by_file.insert(candidate, found);
                    break;
                }
            } else if let Some(floor) = setup_python_floor(d) {
                // A setup.cfg / setup.py project without a pyproject.toml.
                self.loaded.push(Loaded {
                    config: Config {
                        requires_python: Some(floor),
                        requires_anyio: setup_anyio_floor(d),
                        ..Config::default()
                    },
                    path: Some(candidate.clone()),
                });
                found = self.loaded.len() - 1;
                self.by_file.insert(candidate, found);
                break;
            }
            current = d.parent();
        }
        for d in visited {
            self.by_dir.insert(d, found);
        }
        Ok(found)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_anyio_floor_of_a_requirement() {
        let floor = |r: &str| anyio_requirement_floor(r);
        assert_eq!(floor("anyio>=4.5,<5").as_deref(), Some("4.5"));
        assert_eq!(floor("anyio[trio] ~= 4.9.1").as_deref(), Some("4.9"));
        assert_eq!(
            floor("AnyIO==4.11.0; python_version>'3.9'").as_deref(),
            Some("4.11")
        );
        assert_eq!(floor("anyio<5"), None);
        assert_eq!(floor("anyio"), None);
        assert_eq!(floor("anyio-extras>=1.0"), None);
        assert_eq!(floor("httpx>=0.27"), None);
        let doc: toml::Table =
            toml::from_str("[tool.poetry.dependencies]\npython = \"^3.11\"\nanyio = { version = \"^4.6\", extras = [\"trio\"] }\n").unwrap();
        assert_eq!(pyproject_anyio_floor(&doc).as_deref(), Some("4.6"));
    }
}
