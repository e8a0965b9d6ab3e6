//! The projects of a run, and the program facts each file's migration sees.
//!
//! A run may walk several projects at once (a folder of services, the
//! packages of a monorepo), each with its own `pyproject.toml`, `setup.py` or
//! `setup.cfg`. What one project's code shows (a test that patches
//! `asyncio.sleep`, code that counts cancellations) holds for the code it
//! runs: its own, and that of the projects it imports. It says nothing about
//! an unrelated project beside it, whose rewrites it must not block.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use transforms::ProjectFacts;

/// The files that mark a project's folder.
pub const PROJECT_FILES: [&str; 3] = ["pyproject.toml", "setup.py", "setup.cfg"];

/// What one walked file showed: its facts, and (in a run of several
/// projects) the top-level modules it imports.
#[derive(Default)]
pub struct FileFacts {
    pub facts: ProjectFacts,
    pub imports: BTreeSet<String>,
}

/// Each project's facts, by the project's folder.
#[derive(Debug, Default)]
pub struct Projects {
    /// Project folder (`None`: files under no project file) → its facts.
    by_root: HashMap<Option<PathBuf>, Arc<ProjectFacts>>,
}

/// The project folders of walked files: the nearest folder upward, among
/// those the path spells, holding a project file.
#[derive(Default)]
pub struct RootFinder {
    cache: HashMap<PathBuf, Option<PathBuf>>,
}

impl RootFinder {
    /// The project folder of the file `file` (normalized), if any.
    pub fn root_of(&mut self, file: &Path) -> Option<PathBuf> {
        let dir = crate::suites::norm(file.parent().unwrap_or(Path::new("")));
        if let Some(known) = self.cache.get(&dir) {
            return known.clone();
        }
        let on_disk = crate::suites::on_disk(&dir);
        let root = if PROJECT_FILES.iter().any(|n| on_disk.join(n).is_file()) {
            Some(dir.clone())
        } else if dir.parent().is_none() {
            None
        } else {
            // The parent's answer, through a file of it.
            self.root_of(&dir)
        };
        self.cache.insert(dir, root.clone());
        root
    }
}

impl Projects {
    /// Groups the walked files' facts by project. A project sees its own
    /// files' facts and those of every other walked project that imports
    /// one of its modules. `read[i]` is what `walked[i]` showed; `roots[i]`
    /// its project folder.
    pub fn group(walked: &[PathBuf], roots: &[Option<PathBuf>], read: Vec<FileFacts>) -> Self {
        /// One project's walked files and what they showed.
        struct Own {
            root: Option<PathBuf>,
            facts: ProjectFacts,
            imports: BTreeSet<String>,
            files: Vec<PathBuf>,
        }
        let mut own: Vec<Own> = Vec::new();
        let mut index: HashMap<Option<PathBuf>, usize> = HashMap::new();
        for ((file, root), read) in walked.iter().zip(roots).zip(read) {
            let i = *index.entry(root.clone()).or_insert_with(|| {
                own.push(Own {
                    root: root.clone(),
                    facts: ProjectFacts::default(),
                    imports: BTreeSet::new(),
                    files: Vec::new(),
                });
                own.len() - 1
            });
            own[i].facts.merge(read.facts);
            own[i].imports.extend(read.imports);
            own[i].files.push(file.clone());
        }
        // Each project's module names: its packages (isort's first party)
        // and its modules outside any package, which a sibling may import.
        let modules: Vec<(BTreeSet<String>, HashSet<String>)> = own
            .iter()
            .map(|p| {
                let packages = crate::suites::first_party(&p.files);
                let mut names: HashSet<String> = packages.iter().cloned().collect();
                names.extend(
                    p.files
                        .iter()
                        .filter(|f| f.extension().is_some_and(|e| e == "py" || e == "pyi"))
                        .filter(|f| {
                            let dir = crate::suites::on_disk(f.parent().unwrap_or(Path::new("")));
                            !dir.join("__init__.py").is_file()
                        })
                        .filter_map(|f| f.file_stem()?.to_str().map(str::to_string)),
                );
                (packages, names)
            })
            .collect();
        // Who sees whose facts: a project its own, and those of the
        // projects importing it.
        let importers: Vec<Vec<usize>> = (0..own.len())
            .map(|q| {
                (0..own.len())
                    .filter(|&p| p != q && own[p].imports.iter().any(|m| modules[q].1.contains(m)))
                    .collect()
            })
            .collect();
        // Facts are cloned only for a project whose facts another sees too.
        let mut uses = vec![1usize; own.len()];
        for p in importers.iter().flatten() {
            uses[*p] += 1;
        }
        let mut facts: Vec<Option<ProjectFacts>> = own
            .iter_mut()
            .map(|p| Some(std::mem::take(&mut p.facts)))
            .collect();
        let mut take = |p: usize| -> ProjectFacts {
            uses[p] -= 1;
            if uses[p] == 0 {
                facts[p].take().unwrap_or_default()
            } else {
                facts[p].clone().unwrap_or_default()
            }
        };
        let mut by_root = HashMap::new();
        for (q, project) in own.iter().enumerate() {
            let mut seen = take(q);
            for &p in &importers[q] {
                seen.merge(take(p));
            }
            seen.first_party = modules[q].0.clone();
            by_root.insert(project.root.clone(), Arc::new(seen));
        }
        Projects { by_root }
    }

    /// The facts the migration of `path` sees: those of the nearest walked
    /// project folder above it.
    pub fn facts_for(&self, path: &Path) -> Arc<ProjectFacts> {
        let path = crate::suites::norm(path);
        path.ancestors()
            .skip(1)
            .find_map(|dir| self.by_root.get(&Some(dir.to_path_buf())))
            .or_else(|| self.by_root.get(&None))
            .map(Arc::clone)
            .unwrap_or_default()
    }
}

/// Adds the top-level modules `text` imports (`import a.b, c as d`,
/// `from e.f import g`; not relative imports) to `into`.
pub fn read_imports(text: &str, into: &mut BTreeSet<String>) {
    let first = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    // Only the lines holding `import` can import.
    for line in transforms::lines_holding(text, "import") {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("import ") {
            into.extend(rest.split(',').map(first).filter(|m| !m.is_empty()));
        } else if let Some(rest) = t.strip_prefix("from ") {
            let m = first(rest);
            if !m.is_empty() {
                into.insert(m);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts_patching(name: &str, file: &str) -> ProjectFacts {
        let mut f = ProjectFacts::default();
        f.read_patches(
            &format!("monkeypatch.setattr(asyncio, \"{name}\", fake)\n"),
            file,
        );
        f
    }

    #[test]
    fn imports_name_top_level_modules_only() {
        let mut m = BTreeSet::new();
        read_imports(
            "import a.b, c as d\nfrom e.f import g\nfrom . import h\n    import i\nx = 'import'\n",
            &mut m,
        );
        assert_eq!(m.into_iter().collect::<Vec<_>>(), ["a", "c", "e", "i"]);
    }

    #[test]
    fn a_project_sees_its_own_facts_and_its_importers_not_a_neighbours() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path();
        for p in ["one", "two", "three"] {
            std::fs::create_dir_all(base.join(p).join("tests")).unwrap();
            std::fs::write(base.join(p).join("pyproject.toml"), "").unwrap();
        }
        let walked: Vec<PathBuf> = [
            "one/tests/conftest.py",
            "one/lib.py",
            "two/app.py",
            "three/tests/test_app.py",
        ]
        .iter()
        .map(|f| base.join(f))
        .collect();
        let mut finder = RootFinder::default();
        let roots: Vec<_> = walked.iter().map(|f| finder.root_of(f)).collect();
        assert_eq!(roots[0], Some(base.join("one")));
        assert_eq!(roots[0], roots[1]);
        let read = vec![
            FileFacts {
                facts: facts_patching("sleep", "one/tests/conftest.py"),
                imports: BTreeSet::new(),
            },
            FileFacts::default(),
            FileFacts::default(),
            // `three`'s tests import `two`'s module and patch `wait_for`.
            FileFacts {
                facts: facts_patching("wait_for", "three/tests/test_app.py"),
                imports: ["app".to_string()].into(),
            },
        ];
        let projects = Projects::group(&walked, &roots, read);
        let patched = |f: &str| -> Vec<String> {
            projects
                .facts_for(&base.join(f))
                .patched
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(patched("one/lib.py"), ["sleep"]);
        assert_eq!(patched("two/app.py"), ["wait_for"]);
        assert_eq!(patched("three/tests/test_app.py"), ["wait_for"]);
        // A file created in a project (a conftest) sees that project's facts.
        assert_eq!(patched("one/conftest.py"), ["sleep"]);
    }
}
