//! What a transform says about itself.

use crate::schema::{FileApplicability, TransformFile};
use crate::{Docs, Example, Valid};
use edit::Applicability;

/// Code, name, summary, safety, docs, examples and valid cases of one
/// transform: what its file (`transforms/CODE-name.toml`) says, for a
/// declarative transform and a Rust rule alike.
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
    /// Code the transform must leave unchanged (each runs as a test).
    pub valid: Vec<Valid>,
}

impl TransformInfo {
    /// What a transform file says about its transform.
    pub(crate) fn from_file(file: &TransformFile) -> TransformInfo {
        TransformInfo {
            // Transform metadata lives for the whole run; codes are
            // `&'static str` so diagnostics can carry them cheaply.
            code: Box::leak(file.code.clone().into_boxed_str()),
            name: Box::leak(file.name.clone().into_boxed_str()),
            summary: file.summary.clone(),
            applicability: match file.applicability {
                FileApplicability::Safe => Some(Applicability::Safe),
                FileApplicability::Unsafe => Some(Applicability::Unsafe),
                FileApplicability::Manual => None,
            },
            docs: file.docs.clone(),
            examples: file.examples.clone(),
            valid: file.valid.clone(),
        }
    }

    /// "safe", "unsafe" or "manual".
    pub fn safety_label(&self) -> &'static str {
        self.applicability.map_or("manual", Applicability::as_str)
    }
}
