//! `--patches DIR`: one patch per transform code, each applying on top of
//! the ones before it (in code order) with `git apply`.

use crate::output::Totals;
use crate::printer::Out;
use crate::run::{display, FileResult};
use anyhow::{bail, Context, Result};
use engine::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use transforms::Registry;

/// `--patches DIR`: the patches gathered file by file, written at the end.
pub struct Printer<'r> {
    dir: PathBuf,
    registry: &'r Registry,
    quiet: bool,
    /// Code → the files' diffs, in path order.
    diffs: BTreeMap<&'static str, Vec<String>>,
    /// Code → the paths the patch touches.
    files: BTreeMap<&'static str, Vec<String>>,
    /// Code → the fix classes of the fixes it holds.
    classes: BTreeMap<&'static str, BTreeSet<&'static str>>,
}

/// Refuses a folder that holds patches already: a stale patch of an earlier
/// run would not apply in sequence with the new ones.
pub fn check_dir(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        if e.path().extension().is_some_and(|x| x == "patch") {
            bail!(
                "{} holds patches already ({}); remove them or name an empty folder",
                dir.display(),
                e.file_name().to_string_lossy()
            );
        }
    }
    Ok(())
}

impl<'r> Printer<'r> {
    /// Patches to write into `dir` at the end.
    pub fn new(dir: PathBuf, registry: &'r Registry, quiet: bool) -> Self {
        Printer {
            dir,
            registry,
            quiet,
            diffs: BTreeMap::new(),
            files: BTreeMap::new(),
            classes: BTreeMap::new(),
        }
    }
}

impl crate::printer::Printer for Printer<'_> {
    fn file(&mut self, r: &FileResult, _out: &mut Out) -> Result<()> {
        for (code, diff) in &r.steps {
            self.diffs.entry(code).or_default().push(diff.clone());
            self.files.entry(code).or_default().push(display(&r.path));
        }
        for d in r.diagnostics.iter().filter(|d| d.status == Status::Fixed) {
            if let Some(a) = d.applicability {
                self.classes.entry(d.code).or_default().insert(a.as_str());
            }
        }
        Ok(())
    }

    /// Writes `CODE-name.patch` files into the folder.
    fn finish(&mut self, _totals: &mut Totals, out: &mut Out) -> Result<()> {
        let (dir, registry) = (&self.dir, self.registry);
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for (code, diffs) in &self.diffs {
            let info = registry
                .get(code)
                .map(|t| t.info())
                .with_context(|| format!("no transform {code}"))?;
            let classes: Vec<&str> = self
                .classes
                .get(code)
                .map(|c| c.iter().copied().collect())
                .unwrap_or_else(|| vec![info.safety_label()]);
            // git apply skips the text before the first `---` line.
            let mut text = format!(
                "{} {}: {}\n\nFix safety: {} (see `anyio-migrate explain {}`)\nFiles:\n",
                info.code,
                info.name,
                info.summary,
                classes.join(", "),
                info.code
            );
            for f in &self.files[code] {
                text.push_str(&format!("  {f}\n"));
            }
            text.push_str("\nApply after the patches of lower codes: git apply PATCH\n\n");
            for d in diffs {
                text.push_str(d);
            }
            let path = dir.join(format!("{}-{}.patch", info.code, info.name));
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        if !self.quiet {
            writeln!(
                out.stderr,
                "anyio-migrate: {} patches written to {}",
                self.diffs.len(),
                dir.display()
            )?;
        }
        Ok(())
    }
}
