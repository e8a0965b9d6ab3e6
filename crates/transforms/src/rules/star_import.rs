//! AM906: `from asyncio import *` hides which names are asyncio's.

use crate::{Docs, FileContext, Transform, TransformInfo, Trigger};
use edit::Diagnostic;

/// Reports star imports from asyncio: names cannot be resolved through them.
pub struct StarImport {
    info: TransformInfo,
}

impl StarImport {
    /// The transform with its docs.
    pub fn new() -> Self {
        StarImport {
            info: TransformInfo {
                code: "AM906",
                name: "star-import",
                summary: "`from asyncio import *` is reported: names imported through it cannot be resolved".into(),
                applicability: None,
                docs: Docs {
                    what: "Reports `from asyncio import *` (and from asyncio's submodules).".into(),
                    why: "A star import makes every bare name possibly asyncio's. The tool only rewrites names it can resolve, so a bare `sleep(1)` or `Lock()` imported this way is left alone.".into(),
                    fix_safety: "Report only. Replace the star import with the names the module uses (`from asyncio import sleep, Lock`), then run anyio-migrate again.".into(),
                },
                examples: vec![],
            },
        }
    }
}

impl Transform for StarImport {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        // `*` on an import line: only a star import has one there.
        vec![Trigger::All(vec![
            Trigger::Module("asyncio".into()),
            Trigger::Import("*".into()),
        ])]
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        for (module, range) in &cx.model.star_imports {
            if module == "asyncio" || module.starts_with("asyncio.") {
                out.push(
                    Diagnostic::new(self.info.code, format!("`from {module} import *`: names imported this way are not migrated"), range.clone())
                        .with_hint("import the names explicitly (`from asyncio import sleep, Lock`) and run anyio-migrate again"),
                );
            }
        }
    }
}
