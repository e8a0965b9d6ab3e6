//! AM907: an `# anyio-migrate: ignore[...]` comment that silences nothing
//! (ruff's RUF100). Whether a comment silences anything is only known once
//! every other transform has looked at the file, so the engine does the
//! finding ([`CODE`] enabled) after the last round; this file holds the
//! trigger.

use crate::{FileContext, Trigger};
use edit::Diagnostic;

/// The code the engine reports unused ignore comments under.
pub const CODE: &str = "AM907";

pub(super) fn triggers() -> Vec<Trigger> {
    vec![Trigger::Word("anyio-migrate: ignore".into())]
}

pub(super) fn check(_cx: &FileContext, _out: &mut Vec<Diagnostic>) {
    // Found by the engine after every other transform ran (see the module docs).
}
