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

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn a_star_import_from_asyncio_is_reported() {
        let src = "from asyncio import *\n";
        let found = run("AM906", src);
        assert_reports(
            &found,
            "`from asyncio import *`: names imported this way are not migrated",
        );
    }

    #[test]
    fn other_star_imports_are_left() {
        let src = "from os import *\nfrom asyncio_extras import *\n";
        assert!(run("AM906", src).is_empty());
    }
}
