//! What names mean in one Python file: the import table, scopes and
//! shadowing (which `sleep` is asyncio's), and the edits that add or remove
//! imports.

mod imports;
mod model;
mod qualify;
mod sections;

pub use imports::{add_imports, delete_statement, remove_unused};
pub use model::{Binding, ImportBinding, SemanticModel};
pub use qualify::normalize;
pub use sections::{section_of, Section};

#[cfg(test)]
mod tests;
