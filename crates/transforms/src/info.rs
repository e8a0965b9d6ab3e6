//! What a transform says about itself.

use edit::Applicability;
use serde::Deserialize;

/// The documentation every transform carries (shown by `explain`).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Docs {
    /// What it rewrites or reports.
    pub what: String,
    /// Why the anyio form is better.
    pub why: String,
    /// When the fix is safe, when unsafe, and what is left to a person.
    pub fix_safety: String,
}

/// A before/after pair that runs as a test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Example {
    pub before: String,
    /// The migrated text; equal to `before` for report-only examples.
    pub after: String,
    /// Whether the example needs `--unsafe`.
    #[serde(default)]
    pub unsafe_fixes: bool,
}

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
