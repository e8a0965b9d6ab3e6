//! Code patterns written as Python with metavariables, in the style of
//! ast-grep: `$X` matches one node, `$$$ARGS` zero or more arguments or
//! statements. A matched pattern binds its metavariables to nodes, which a
//! template then renders into new code with the file's indentation.
//!
//! Dotted names in a pattern (`asyncio.sleep`, `TimeoutError`) match by
//! meaning, not spelling: the caller's [`Resolver`] says what a node in the
//! target refers to, so `aio.sleep` and a `sleep` imported from asyncio both
//! match `asyncio.sleep`, while a local `sleep` does not. The matcher itself
//! knows nothing of asyncio.

mod compile;
mod matcher;
mod template;

pub use compile::{metavariables_in, Metavariable, Pattern, PatternError, PatternKind};
pub use matcher::{Bindings, Resolver};
pub use template::{render, RenderEnv, Rendered};

/// The identifier a `$NAME` metavariable becomes before parsing.
pub(crate) const SINGLE: &str = "__mv_";
/// The identifier a `$$$NAME` metavariable becomes before parsing.
pub(crate) const MULTI: &str = "__mvs_";

/// Whether an identifier of a compiled pattern stands for a metavariable.
pub(crate) fn is_metavariable(text: &str) -> bool {
    text.starts_with(SINGLE) || text.starts_with(MULTI)
}
