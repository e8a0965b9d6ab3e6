//! Every transform anyio-migrate knows: the [`Transform`] trait, the
//! per-file [`FileContext`] transforms read, the declarative transforms
//! loaded from `transforms/*.toml`, and the [`Registry`] that holds them.

mod conditions;
mod context;
mod declarative;
mod info;
mod registry;
mod rules;

pub use context::{parse_version, FileContext, Targets};
pub use declarative::{load_declarative, Declarative};
pub use info::{Docs, Example, TransformInfo};
pub use registry::{Registry, Selection};

use edit::Diagnostic;

/// One rewrite or report: looks at a file and proposes diagnostics, most with a fix.
pub trait Transform: Send + Sync {
    /// Code, name, docs and examples.
    fn info(&self) -> &TransformInfo;
    /// Words a file must contain for this transform to find anything in it
    /// (module names its patterns resolve through). Files without any
    /// trigger word of the enabled transforms are never parsed.
    fn triggers(&self) -> Vec<String>;
    /// Adds this transform's findings in `cx` to `out`.
    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>);
}
