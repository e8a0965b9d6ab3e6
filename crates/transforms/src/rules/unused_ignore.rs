//! AM907: an `# anyio-migrate: ignore[...]` comment that silences nothing
//! (ruff's RUF100). Whether a comment silences anything is only known once
//! every other transform has looked at the file, so the engine does the
//! finding ([`CODE`] enabled) after the last round; this file holds the
//! transform's identity, docs and trigger.

use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::Diagnostic;

/// The code the engine reports unused ignore comments under.
pub const CODE: &str = "AM907";

/// Reports ignore comments (or codes in them) that silence nothing.
pub struct UnusedIgnore {
    info: TransformInfo,
}

impl UnusedIgnore {
    /// The transform with its docs.
    pub fn new() -> Self {
        UnusedIgnore {
            info: TransformInfo {
                code: CODE,
                name: "unused-ignore",
                summary: "an `# anyio-migrate: ignore` comment, or a code in one, that silences nothing".into(),
                applicability: None,
                docs: Docs {
                    what: "Reports an `# anyio-migrate: ignore[CODE]` comment whose code matches no finding on its lines, and a bare `# anyio-migrate: ignore` that silences nothing. Only codes of the transforms enabled in the run are checked, so `--select AM1` does not call an `ignore[AM002]` unused; a comment that lists AM907 itself is kept.".into(),
                    why: "An acknowledgement (`--add-ignore`) outlives the code it was for: once the line is migrated by hand or changed, the comment silences nothing and would hide a new finding there. Like ruff's RUF100.".into(),
                    fix_safety: "Report only: remove the comment, or the code from its list.".into(),
                },
                examples: vec![Example {
                    before: "import anyio\n\nasync def f():\n    await anyio.sleep(1)  # anyio-migrate: ignore[AM002]\n".into(),
                    after: "import anyio\n\nasync def f():\n    await anyio.sleep(1)  # anyio-migrate: ignore[AM002]\n".into(),
                    unsafe_fixes: false,
                }],
            },
        }
    }
}

impl Transform for UnusedIgnore {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        vec![Trigger::Word("anyio-migrate: ignore".into())]
    }

    fn check(&self, _cx: &FileContext, _out: &mut Vec<Diagnostic>) {
        // Found by the engine after every other transform ran (see the module docs).
    }
}
