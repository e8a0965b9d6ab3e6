//! What names mean in one Python file: the import table, scopes and
//! shadowing (which `sleep` is asyncio's), and the edits that add or remove
//! imports.

mod imports;
mod model;
mod qualify;

pub use imports::{add_imports, remove_unused};
pub use model::{Binding, ImportBinding, SemanticModel};
pub use qualify::normalize;

#[cfg(test)]
mod tests;
