//! Transforms written in Rust: those that need more than one pattern in view.

mod star_import;
mod unused_loop;

use crate::Transform;

/// Every Rust transform.
pub fn all() -> Vec<Box<dyn Transform>> {
    vec![
        Box::new(star_import::StarImport::new()),
        Box::new(unused_loop::UnusedLoop::new()),
    ]
}
