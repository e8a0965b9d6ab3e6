//! Finding the Python files under the given paths.

use crate::suggest;
use anyhow::{Context, Result};
use ignore::{overrides::OverrideBuilder, WalkBuilder};
use std::path::{Path, PathBuf};

/// Whether a path names a Python source or stub file.
pub fn is_python(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("py" | "pyi")
    )
}

/// Whether a path is one the tool migrates: Python, or a pytest
/// configuration or dependency file (`pyproject.toml`, `pytest.ini`,
/// `setup.cfg`, `tox.ini`, `requirements*.txt`).
fn is_migrated(path: &Path) -> bool {
    is_python(path) || pytestcfg::kind_of(path).is_some()
}

/// Every Python and pytest configuration file under `paths`, sorted and deduplicated. Directories are
/// walked with `.gitignore` respected; a file named explicitly is always
/// included. Problems (an unreadable directory) are returned beside the files.
pub fn collect(paths: &[PathBuf], exclude: &[String]) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        if root.is_file() {
            files.push(root.clone());
            continue;
        }
        match std::fs::metadata(root) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // A dangling symlink is there, but what it names is not.
                let what = if root.is_symlink() {
                    "a symbolic link to nothing"
                } else {
                    "no such file or directory"
                };
                let guess = suggest::command(&root.to_string_lossy());
                errors.push(format!(
                    "{}: {what}{}",
                    root.display(),
                    suggest::hint(guess.as_deref())
                ));
                continue;
            }
            // A symlink loop, a folder that cannot be searched: the reason
            // the system gives.
            Err(e) => {
                errors.push(format!("{}: {e}", root.display()));
                continue;
            }
        }
        let mut overrides = OverrideBuilder::new(root);
        for glob in exclude {
            overrides
                .add(&format!("!{glob}"))
                .with_context(|| format!("invalid --exclude glob `{glob}`"))?;
        }
        // In parallel (ignore's walker, as ripgrep's): on a big tree the
        // walk is the only part of a run that is not.
        let walker = WalkBuilder::new(root)
            .overrides(overrides.build()?)
            // Respect .gitignore even outside a git checkout (a copied tree).
            .require_git(false)
            .build_parallel();
        let found = std::sync::Mutex::new((Vec::new(), Vec::new()));
        walker.run(|| {
            let found = &found;
            Box::new(move |entry| {
                let lock = || found.lock().expect("no walker thread panics holding it");
                match entry {
                    Ok(e)
                        if e.file_type().is_some_and(|t| t.is_file()) && is_migrated(e.path()) =>
                    {
                        lock().0.push(e.into_path());
                    }
                    Ok(_) => {}
                    Err(err) => lock().1.push(err.to_string()),
                }
                ignore::WalkState::Continue
            })
        });
        let (walked, problems) = found.into_inner().expect("no walker thread panicked");
        files.extend(walked);
        errors.extend(problems);
    }
    files.sort();
    files.dedup();
    Ok((files, errors))
}
