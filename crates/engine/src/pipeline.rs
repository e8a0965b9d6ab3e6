//! The fix loop for one file.

use crate::history::{to_original, Round};
use crate::suppress::is_suppressed;
use crate::{FileError, Outcome, Prefilter, Reported, Status};
use edit::{apply_edits, Applicability, Diagnostic, Edit, Fix};
use semantic::SemanticModel;
use std::collections::{BTreeSet, HashSet};
use syntax::{LineIndex, Position, Style, Tree};
use transforms::{FileContext, Targets, Transform};

/// How a file is migrated.
#[derive(Debug, Clone)]
pub struct Options {
    /// Apply unsafe fixes too.
    pub unsafe_fixes: bool,
    /// Rounds before giving up on a fixed point (ruff uses 100).
    pub max_rounds: usize,
    /// The anyio and Python versions the output must run on.
    pub targets: Targets,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            unsafe_fixes: false,
            max_rounds: 100,
            targets: Targets::default(),
        }
    }
}

/// Modules whose imports are removed once the migration leaves them unused.
const MIGRATED_MODULES: &[&str] = &["asyncio", "async_timeout", "pytest_asyncio", "pytest"];

/// Imports that only rebind a builtin to the very same object (Python 3.11+):
/// once a file is migrated they are dropped, and the name means the builtin.
const BUILTIN_ALIASES: &[(&str, &str)] = &[("TimeoutError", "asyncio.TimeoutError")];

/// Migrates a file's bytes: decoding (BOM kept aside), then [`migrate_text`].
pub fn migrate_bytes(
    bytes: &[u8],
    transforms: &[&dyn Transform],
    prefilter: &Prefilter,
    opts: &Options,
) -> Result<Outcome, FileError> {
    let source = syntax::decode(bytes).map_err(FileError::Decode)?;
    let mut outcome = if prefilter.may_match(source.text.as_bytes()) {
        migrate_text(&source.text, transforms, opts)?
    } else {
        Outcome {
            original: source.text.clone(),
            migrated: source.text,
            ..Outcome::default()
        }
    };
    outcome.bom = source.bom;
    Ok(outcome)
}

/// Migrates Python source text with the given transforms.
pub fn migrate_text(
    text: &str,
    transforms: &[&dyn Transform],
    opts: &Options,
) -> Result<Outcome, FileError> {
    let style = Style::detect(text);
    let tree = syntax::parse(text);
    if let Err(e) = syntax::check(&tree, text) {
        return Err(FileError::Parse {
            position: LineIndex::new(text).position(e.offset),
            detail: e.detail,
        });
    }
    let mut outcome = Outcome {
        original: text.to_string(),
        migrated: text.to_string(),
        parsed: true,
        ..Outcome::default()
    };
    // Imports the original uses, to know which ones the migration empties.
    let used_before: HashSet<(String, String)> = {
        let model = SemanticModel::build(&tree, text);
        let counts = model.reference_counts(&tree, text);
        model
            .imports
            .iter()
            .zip(counts)
            .filter(|(i, n)| *n > 0 && i.module_level)
            .map(|(i, _)| (i.local.clone(), i.qualified.clone()))
            .collect()
    };

    let mut current = text.to_string();
    let mut current_tree = tree;
    let mut needed: BTreeSet<String> = BTreeSet::new();
    let mut rounds: Vec<Round> = Vec::new();
    let original_index = LineIndex::new(text);
    let mut converged = false;
    for _ in 0..opts.max_rounds {
        let cx = FileContext::new(&current, &current_tree, &style).with_targets(opts.targets);
        let mut diags = Vec::new();
        for t in transforms {
            t.check(&cx, &mut diags);
        }
        diags.sort_by_key(|d| (d.range.start, d.range.end));
        let suppressed = suppressions(&cx, &diags);
        let chosen = choose_fixes(&diags, &suppressed, opts);
        let (next, next_tree, applied, rejected) = apply_checked(&current, &diags, &chosen);
        // Positions in this round's text map back to the original.
        let locate = |offset: usize| original_index.position(to_original(&rounds, offset));
        for &i in &rejected {
            let d = &diags[i];
            let pos = locate(d.range.start);
            outcome.internal_errors.push(format!(
                "{}: the fix at {}:{} produced code that does not parse; it was not applied (this is a bug in anyio-migrate: please report it)",
                d.code, pos.line, pos.column
            ));
        }
        for &i in &applied {
            outcome
                .diagnostics
                .push(reported(&diags[i], Status::Fixed, &locate));
            *outcome.fixed.entry(diags[i].code).or_default() += 1;
            if let Some(fix) = &diags[i].fix {
                needed.extend(fix.imports.iter().cloned());
            }
        }
        if applied.is_empty() {
            // What is left now is what a person has to look at.
            for (i, d) in diags.iter().enumerate() {
                let status = if suppressed[i] {
                    Status::Suppressed
                } else if rejected.contains(&i) {
                    Status::Rejected
                } else if d.fix.is_some() {
                    Status::UnsafeFix
                } else {
                    Status::Manual
                };
                outcome.diagnostics.push(reported(d, status, &locate));
            }
            converged = true;
            break;
        }
        let edits = applied
            .iter()
            .flat_map(|&i| {
                diags[i]
                    .fix
                    .as_ref()
                    .map(|f| f.edits.clone())
                    .unwrap_or_default()
            })
            .collect();
        rounds.push(Round::new(edits));
        drop(cx);
        current = next;
        current_tree = next_tree.expect("a round that applied fixes has a parsed result");
    }
    outcome
        .diagnostics
        .sort_by(|a, b| (a.start, a.end, a.code).cmp(&(b.start, b.end, b.code)));
    if !converged {
        outcome.internal_errors.push(format!(
            "fixes did not reach a fixed point after {} rounds (this is a bug in anyio-migrate: please report it)",
            opts.max_rounds
        ));
    }
    if current != text {
        current = finish_imports(
            &current,
            &current_tree,
            &style,
            &needed,
            &used_before,
            &mut outcome.internal_errors,
        );
    }
    outcome.migrated = current;
    Ok(outcome)
}

/// The fixes to apply this round: enabled by their class, not suppressed,
/// and not overlapping an earlier one (that one waits for the next round).
fn choose_fixes(diags: &[Diagnostic], suppressed: &[bool], opts: &Options) -> Vec<usize> {
    let mut chosen: Vec<usize> = Vec::new();
    for (i, d) in diags.iter().enumerate() {
        let Some(fix) = &d.fix else { continue };
        if suppressed[i] || (fix.applicability == Applicability::Unsafe && !opts.unsafe_fixes) {
            continue;
        }
        let conflicts = chosen
            .iter()
            .any(|&j| diags[j].fix.as_ref().is_some_and(|f| f.conflicts_with(fix)));
        if !conflicts {
            chosen.push(i);
        }
    }
    chosen
}

/// Applies the chosen fixes; if the result does not parse, finds the fixes
/// that break it (each tried alone) and applies only the others.
fn apply_checked(
    text: &str,
    diags: &[Diagnostic],
    chosen: &[usize],
) -> (String, Option<Tree>, Vec<usize>, Vec<usize>) {
    let edits = |ids: &[usize]| -> Vec<Edit> {
        ids.iter()
            .flat_map(|&i| {
                diags[i]
                    .fix
                    .as_ref()
                    .map(|f: &Fix| f.edits.clone())
                    .unwrap_or_default()
            })
            .collect()
    };
    if chosen.is_empty() {
        return (text.to_string(), None, Vec::new(), Vec::new());
    }
    let all = apply_edits(text, &edits(chosen));
    if let Ok(tree) = syntax::parse_clean(&all) {
        return (all, Some(tree), chosen.to_vec(), Vec::new());
    }
    let (good, bad): (Vec<usize>, Vec<usize>) = chosen
        .iter()
        .partition(|&&i| syntax::parse_clean(&apply_edits(text, &edits(&[i]))).is_ok());
    let combined = apply_edits(text, &edits(&good));
    if let Ok(tree) = syntax::parse_clean(&combined) {
        return (combined, Some(tree), good, bad);
    }
    // Good alone but not together: apply the first; the rest come next round.
    match good.first() {
        Some(&first) => {
            let one = apply_edits(text, &edits(&[first]));
            let tree = syntax::parse_clean(&one).ok();
            (one, tree, vec![first], bad)
        }
        None => (text.to_string(), None, Vec::new(), bad),
    }
}

/// A diagnostic located in the original text.
/// Its range covers every edit of its fix (an `except*` added to a handler
/// below a rewritten `gather` belongs to the same diagnostic).
fn reported(d: &Diagnostic, status: Status, locate: &dyn Fn(usize) -> Position) -> Reported {
    let span = d.fix.as_ref().map_or(d.range.clone(), |f| f.span());
    Reported {
        code: d.code,
        message: d.message.clone(),
        hint: d.hint.clone(),
        start: locate(d.range.start.min(span.start)),
        end: locate(d.range.end.max(span.end)),
        status,
        applicability: d.fix.as_ref().map(|f| f.applicability),
    }
}

/// Which diagnostics an `# anyio-migrate: ignore` comment on one of their
/// lines silences (only real comments count, not text in strings).
fn suppressions(cx: &FileContext, diags: &[Diagnostic]) -> Vec<bool> {
    let markers: Vec<(usize, &str)> = cx
        .nodes_of_kind("comment")
        .iter()
        .filter(|c| cx.text(**c).contains("anyio-migrate:"))
        .map(|c| (c.start_position().row, cx.text(*c)))
        .collect();
    if markers.is_empty() {
        return vec![false; diags.len()];
    }
    let index = LineIndex::new(cx.src);
    diags
        .iter()
        .map(|d| {
            let first = index.position(d.range.start).line - 1;
            let last = index.position(d.range.end).line - 1;
            markers
                .iter()
                .any(|(row, text)| first <= *row && *row <= last && is_suppressed(text, d.code))
        })
        .collect()
}

/// Adds the imports the fixes need and removes the migrated modules'
/// imports that nothing references any more (only those the original used).
fn finish_imports(
    text: &str,
    tree: &Tree,
    style: &Style,
    needed: &BTreeSet<String>,
    used_before: &HashSet<(String, String)>,
    errors: &mut Vec<String>,
) -> String {
    let model = SemanticModel::build(tree, text);
    // Additions first, beside the imports they join (`import anyio` before
    // `import asyncio`); then removals, so a removed line never takes a
    // neighbouring blank line with it when something took its place.
    let additions = semantic::add_imports(tree, text, style, &model, needed);
    let added = apply_edits(text, &additions);
    let (out, tree) = match syntax::parse_clean(&added) {
        Ok(t) => (added, t),
        Err(_) => {
            errors.push("adding imports produced code that does not parse; they were not added (this is a bug in anyio-migrate: please report it)".into());
            (text.to_string(), tree.clone())
        }
    };
    let model = SemanticModel::build(&tree, &out);
    let counts = model.reference_counts(&tree, &out);
    let unused: BTreeSet<usize> = model
        .imports
        .iter()
        .enumerate()
        .filter(|(i, imp)| {
            let builtin_alias =
                BUILTIN_ALIASES.contains(&(imp.local.as_str(), imp.qualified.as_str()));
            (counts[*i] == 0 || builtin_alias)
                && imp.module_level
                && used_before.contains(&(imp.local.clone(), imp.qualified.clone()))
                && MIGRATED_MODULES.contains(&imp.qualified.split('.').next().unwrap_or(""))
        })
        .map(|(i, _)| i)
        .collect();
    let removals = semantic::remove_unused(&tree, &out, &model, &unused);
    let removed = apply_edits(&out, &removals);
    if !removals.is_empty() && syntax::parse_clean(&removed).is_err() {
        errors.push("removing an unused import produced code that does not parse; the import was kept (this is a bug in anyio-migrate: please report it)".into());
        return out;
    }
    // Removing the first lines must not leave the file starting with blank lines.
    if !text.starts_with(['\n', '\r']) {
        let trimmed = removed.trim_start_matches(['\n', '\r']);
        if trimmed.len() != removed.len() {
            return trimmed.to_string();
        }
    }
    removed
}
