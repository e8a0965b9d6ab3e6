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
    /// Code the transform must leave unchanged (each runs as a test).
    pub valid: Vec<String>,
}

/// The transform file of a rule written in Rust: what the rule says about
/// itself (its logic is in `crates/transforms/src/rules/`, paired by code).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RuleFile {
    code: String,
    name: String,
    summary: String,
    applicability: Safety,
    docs: Docs,
    #[serde(default, rename = "example")]
    examples: Vec<Example>,
    #[serde(default)]
    valid: Vec<String>,
}

/// The best class a transform's fixes get.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Safety {
    Safe,
    Unsafe,
    Manual,
}

impl TransformInfo {
    /// Reads the transform file of a rule written in Rust.
    pub fn from_rule_file(file_name: &str, text: &str) -> Result<TransformInfo, String> {
        let file: RuleFile = toml::from_str(text).map_err(|e| format!("{file_name}: {e}"))?;
        Ok(TransformInfo {
            // Transform metadata lives for the whole run; codes are
            // `&'static str` so diagnostics can carry them cheaply.
            code: Box::leak(file.code.into_boxed_str()),
            name: Box::leak(file.name.into_boxed_str()),
            summary: file.summary,
            applicability: match file.applicability {
                Safety::Safe => Some(Applicability::Safe),
                Safety::Unsafe => Some(Applicability::Unsafe),
                Safety::Manual => None,
            },
            docs: file.docs,
            examples: file.examples,
            valid: file.valid,
        })
    }

    /// "safe", "unsafe" or "manual".
    pub fn safety_label(&self) -> &'static str {
        self.applicability.map_or("manual", Applicability::as_str)
    }
}
