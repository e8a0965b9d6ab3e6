//! AM601 and AM602: pytest configuration and dependency files. Their fixes
//! are made by the `pytestcfg` crate, on files that are not Python; these
//! rules let `--select` / `--ignore` name the codes (their docs are in
//! their transform files).

use super::Rule;
use crate::{FileContext, Kind, Trigger};
use edit::Diagnostic;

/// A transform of configuration files (`kind` says which part it edits):
/// nothing to find in Python code, so no trigger (no reason to parse a
/// Python file for it) and no findings.
pub(super) const fn config_file(code: &'static str, kind: Kind) -> Rule {
    Rule {
        code,
        triggers: Vec::<Trigger>::new,
        check: nothing,
        kind,
    }
}

fn nothing(_cx: &FileContext, _out: &mut Vec<Diagnostic>) {}
