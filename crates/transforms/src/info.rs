//! What a transform says about itself.

use crate::{Docs, Example};
use edit::Applicability;

/// Code, name, summary, safety and docs of one transform.
#[derive(Debug, Clone)]
pub struct TransformInfo {
    /// Stable code, e.g. `AM101`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `wait-for`.
    pub name: &'static str,
    /// One line.
    pub summary: String,
    /// The best class its fixes get; `None` for report-only transforms.
    pub applicability: Option<Applicability>,
    pub docs: Docs,
    pub examples: Vec<Example>,
}

impl TransformInfo {
    /// "safe", "unsafe" or "manual".
    pub fn safety_label(&self) -> &'static str {
        self.applicability.map_or("manual", Applicability::as_str)
    }
}
