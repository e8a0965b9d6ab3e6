//! AM906: `from asyncio import *` hides which names are asyncio's.

use crate::{FileContext, Trigger};
use edit::Diagnostic;

/// The code of this rule's transform file.
pub(super) const CODE: &str = "AM906";

pub(super) fn triggers() -> Vec<Trigger> {
    // `*` on an import line: only a star import has one there.
    vec![Trigger::All(vec![
        Trigger::Module("asyncio".into()),
        Trigger::Import("*".into()),
    ])]
}

pub(super) fn check(cx: &FileContext, out: &mut Vec<Diagnostic>) {
    for (module, range) in &cx.model.star_imports {
        if module == "asyncio" || module.starts_with("asyncio.") {
            out.push(
                Diagnostic::new(CODE, format!("`from {module} import *`: names imported this way are not migrated"), range.clone())
                    .with_hint("import the names explicitly (`from asyncio import sleep, Lock`) and run anyio-migrate again"),
            );
        }
    }
}
