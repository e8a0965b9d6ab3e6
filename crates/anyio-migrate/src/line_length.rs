//! The project's line length, which new long lines are wrapped to: the
//! nearest folder upward of a file whose formatter or linter configuration
//! sets one, as ruff's `line-length` (`ruff.toml`, `.ruff.toml`,
//! `[tool.ruff]`), black's `[tool.black] line-length`, or flake8's
//! `max-line-length` (`.flake8`, `setup.cfg`, `tox.ini`), in that order
//! within a folder; else 88, black's and ruff's default.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Black's and ruff's default.
pub const DEFAULT: usize = 88;

/// Each folder's line length, found once.
#[derive(Default)]
pub struct LineLengths {
    by_dir: Mutex<HashMap<PathBuf, usize>>,
}

impl LineLengths {
    /// The line length for `file`.
    pub fn for_file(&self, file: &Path) -> usize {
        let dir = file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Some(&n) = self.lock().get(dir) {
            return n;
        }
        let start = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut visited = vec![dir.to_path_buf()];
        let mut found = DEFAULT;
        let mut current = Some(start.as_path());
        while let Some(d) = current {
            if let Some(&n) = self.lock().get(d) {
                found = n;
                break;
            }
            visited.push(d.to_path_buf());
            if let Some(n) = in_folder(d) {
                found = n;
                break;
            }
            current = d.parent();
        }
        let mut cache = self.lock();
        for d in visited {
            cache.insert(d, found);
        }
        found
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, usize>> {
        self.by_dir.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The line length the configuration files in `dir` set, if any.
fn in_folder(dir: &Path) -> Option<usize> {
    let toml = |name: &str| -> Option<toml::Table> {
        std::fs::read_to_string(dir.join(name))
            .ok()?
            .parse::<toml::Table>()
            .ok()
    };
    let number = |v: Option<&toml::Value>| {
        v.and_then(toml::Value::as_integer)
            .and_then(|n| usize::try_from(n).ok())
    };
    for name in ["ruff.toml", ".ruff.toml"] {
        if let Some(n) = toml(name).and_then(|t| number(t.get("line-length"))) {
            return Some(n);
        }
    }
    if let Some(doc) = toml("pyproject.toml") {
        let tool = doc.get("tool");
        for section in ["ruff", "black"] {
            if let Some(n) = number(tool.and_then(|t| t.get(section)?.get("line-length"))) {
                return Some(n);
            }
        }
    }
    [".flake8", "setup.cfg", "tox.ini"]
        .iter()
        .find_map(|name| flake8(&std::fs::read_to_string(dir.join(name)).ok()?))
}

/// `max-line-length` in an INI file's `[flake8]` section.
fn flake8(text: &str) -> Option<usize> {
    let mut in_section = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_section = t == "[flake8]";
            continue;
        }
        let Some((key, value)) = t.split_once(['=', ':']) else {
            continue;
        };
        if in_section && matches!(key.trim(), "max-line-length" | "max_line_length") {
            return value.trim().parse().ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_configuration_sets_it_ruff_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join("c")).unwrap();
        std::fs::write(
            root.join("pyproject.toml"),
            "[tool.black]\nline-length = 100\n\n[tool.ruff]\nline-length = 120\n",
        )
        .unwrap();
        std::fs::write(
            root.join("a/setup.cfg"),
            "[metadata]\nname = x\n\n[flake8]\nmax-line-length = 79\n",
        )
        .unwrap();
        std::fs::write(root.join("c/tox.ini"), "[tox]\nenvlist = py\n").unwrap();
        let lengths = LineLengths::default();
        assert_eq!(lengths.for_file(&root.join("x.py")), 120);
        assert_eq!(lengths.for_file(&root.join("a/b/x.py")), 79);
        // A tox.ini without a [flake8] line length says nothing.
        assert_eq!(lengths.for_file(&root.join("c/x.py")), 120);
        std::fs::write(root.join("c/.ruff.toml"), "line-length = 99\n").unwrap();
        assert_eq!(LineLengths::default().for_file(&root.join("c/x.py")), 99);
        assert_eq!(flake8("[flake8]\nmax_line_length: 100\n"), Some(100));
        assert_eq!(flake8("[pycodestyle]\nmax-line-length = 100\n"), None);
    }
}
