//! The fix loop for one file.

use crate::history::{to_original, Round};
use crate::suppress::{covers, is_suppressed, listed_codes};
use crate::{FileError, Outcome, Prefilter, Reported, Status};
use edit::{apply_edits, Applicability, Diagnostic, Edit, Fix};
use semantic::{ImportBinding, SemanticModel};
use std::collections::{BTreeSet, HashSet};
use syntax::{LineIndex, Position, Style, Tree};
use transforms::{FileContext, Targets, Transform, UNUSED_IGNORE};

/// How a file is migrated.
#[derive(Debug, Clone)]
pub struct Options {
    /// Apply unsafe fixes too.
    pub unsafe_fixes: bool,
    /// Rounds before giving up on a fixed point (ruff uses 100).
    pub max_rounds: usize,
    /// The anyio and Python versions the output must run on.
    pub targets: Targets,
    /// The project's line length: new lines longer than it are wrapped.
    pub line_length: usize,
    /// Codes the run ignores: a report that replaces one of theirs
    /// (`Diagnostic::superseding`) goes too.
    pub silenced: Vec<&'static str>,
    /// The names those codes look for: a report of what is left
    /// (`Diagnostic::fallback`) of such a name goes too.
    pub silenced_words: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            unsafe_fixes: false,
            max_rounds: 100,
            targets: Targets::default(),
            line_length: 88,
            silenced: Vec::new(),
            silenced_words: Vec::new(),
        }
    }
}

/// Modules whose imports are removed once the migration leaves them unused
/// (only imports the original used: `contextlib` goes with the last
/// `suppress(asyncio.CancelledError)` a task's wait replaced).
const MIGRATED_MODULES: &[&str] = &[
    "asyncio",
    "async_timeout",
    "pytest_asyncio",
    "pytest",
    "contextlib",
];

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
    // Imports the original uses (from the first round's model), to know
    // which ones the migration empties; and the last round's imports and
    // their reference counts, for the final import edits.
    let mut used_before: HashSet<(String, String)> = HashSet::new();
    let mut final_imports: Vec<ImportBinding> = Vec::new();
    let mut final_counts: Vec<usize> = Vec::new();

    let mut current = text.to_string();
    let mut current_tree = tree;
    let mut needed: BTreeSet<String> = BTreeSet::new();
    let mut rounds: Vec<Round> = Vec::new();
    let original_index = LineIndex::new(text);
    let mut converged = false;
    for round in 0..opts.max_rounds {
        let cx =
            FileContext::new(&current, &current_tree, &style).with_targets(opts.targets.clone());
        if round == 0 {
            used_before = used_imports(&cx.model, &current_tree, &current);
        }
        let mut diags = Vec::new();
        for t in transforms {
            t.check(&cx, &mut diags);
        }
        diags.sort_by_key(|d| (d.range.start, d.range.end));
        keep_for_program(&cx, &mut diags);
        keep_old_timeout_handlers(&cx, &mut diags);
        keep_carriage_returns(&mut diags, &current);
        // `--ignore AM901` silences every report of a task without owner.
        diags.retain(|d| {
            d.fix.is_some()
                || d.supersedes
                    .is_none_or(|code| !opts.silenced.contains(&code))
        });
        // And a report of what is left of a name such a code looks for.
        if !opts.silenced_words.is_empty() {
            diags.retain(|d| {
                let last = current[d.range.clone()]
                    .rsplit('.')
                    .next()
                    .unwrap_or_default();
                !(d.fallback && opts.silenced_words.iter().any(|w| w == last))
            });
        }
        let mut suppressed = suppressions(&cx, &diags);
        drop_superseded(&mut diags, &mut suppressed);
        let runs_am301 = transforms.iter().any(|t| t.info().code == "AM301");
        keep_conditions_with_their_locks(&cx, &mut diags, &suppressed, runs_am301);
        let chosen = choose_fixes(&diags, &suppressed, opts);
        let (next, next_tree, applied, rejected) =
            apply_checked(&current, &current_tree, &diags, &chosen);
        // Positions in this round's text map back to the original.
        let locate = |offset: usize| original_index.position(to_original(&rounds, offset));
        for &i in &rejected {
            let d = &diags[i];
            let pos = locate(d.range.start);
            outcome.internal_errors.push(format!(
                "{}: the fix at {}:{} produced code that does not parse or edits that overlap; it was not applied (this is a bug in anyio-migrate: please report it)",
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
            if round > 0 {
                final_counts = cx.model.reference_counts(&current_tree, &current);
                final_imports = cx.model.imports.clone();
            }
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
            if transforms.iter().any(|t| t.info().code == UNUSED_IGNORE) {
                for d in unused_ignores(&cx, &diags, transforms) {
                    outcome
                        .diagnostics
                        .push(reported(&d, Status::Manual, &locate));
                }
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
            (&final_imports, &final_counts),
            &needed,
            &used_before,
            &opts.targets.project.first_party,
            &mut outcome.internal_errors,
        );
        current = crate::wrap::wrap_long_lines(text, &current, opts.line_length, &style);
    }
    outcome.migrated = current;
    outcome.imports_needed = needed;
    Ok(outcome)
}

/// Reports that a more specific diagnostic at the same site replaces
/// (`Diagnostic::supersedes`): one finding, said once, by the transform
/// that knows more about it. A suppressed general report stays (its
/// `ignore` comment is in use) and suppresses the specific one with it.
fn drop_superseded(diags: &mut Vec<Diagnostic>, suppressed: &mut Vec<bool>) {
    if diags.iter().all(|d| d.supersedes.is_none() && !d.fallback) {
        return;
    }
    let covers = |by: &std::ops::Range<usize>, d: &Diagnostic| {
        by.start <= d.range.start && d.range.end <= by.end
    };
    let general = |d: &Diagnostic, by: &Diagnostic| {
        d.fix.is_none()
            && (by.supersedes == Some(d.code) && covers(&by.range, d)
                || d.fallback
                    && !by.fallback
                    && (covers(&by.range, d)
                        || by
                            .fix
                            .as_ref()
                            .is_some_and(|f| f.edits.iter().any(|e| covers(&(e.start..e.end), d)))))
    };
    let mut keep = vec![true; diags.len()];
    for (i, by) in diags.iter().enumerate() {
        for (j, d) in diags.iter().enumerate() {
            if general(d, by) {
                // What is left is said only where nothing else is.
                if d.fallback {
                    keep[j] = false;
                } else if suppressed[j] {
                    suppressed[i] = true;
                } else {
                    keep[j] = false;
                }
            }
        }
    }
    let mut k = keep.iter();
    diags.retain(|_| *k.next().unwrap_or(&true));
    let mut k = keep.iter();
    suppressed.retain(|_| *k.next().unwrap_or(&true));
}

/// Fixes that are wrong for this program as a whole are reported instead,
/// saying why: those of transforms that a fact about the program rules out
/// (`ProjectFacts::blocks`), and those that rewrite a reference to an
/// asyncio name the program patches (`monkeypatch.setattr(asyncio, "sleep",
/// …)`), which would take the code away from under the mock.
fn keep_for_program(cx: &FileContext, diags: &mut [edit::Diagnostic]) {
    let project = &cx.targets.project;
    for d in diags.iter_mut().filter(|d| d.fix.is_some()) {
        let why = project
            .blocks(d.code)
            .or_else(|| project.primitive_blocked(d.code, assigned_attribute(cx, d.range.start)))
            .or_else(|| acquired_in_another_task(cx, d));
        if let Some(why) = why {
            d.fix = None;
            d.message = format!("{}; not here: {why}", d.message);
        }
    }
    if project.patched.is_empty() {
        return;
    }
    let mut sites: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
    for name in project.patched.keys() {
        let qualified = format!("asyncio.{name}");
        for node in cx.nodes_ending_in("name", name) {
            if cx.qualified(node).as_deref() == Some(qualified.as_str()) {
                sites.push((node.byte_range(), name));
            }
        }
    }
    for d in diags.iter_mut() {
        let Some(fix) = &d.fix else { continue };
        let hit = sites.iter().find(|(r, _)| {
            fix.edits
                .iter()
                .any(|e| e.start < r.end && r.start < e.end.max(e.start + 1))
        });
        if let Some((_, name)) = hit {
            if let Some(why) = project.patched_reason(name, &cx.targets.file) {
                d.fix = None;
                d.message = format!("{}; not here: {why}", d.message);
            }
        }
    }
}

/// Below Python 3.11 `asyncio.TimeoutError` is not the builtin
/// `TimeoutError` that anyio's `fail_after` raises: a new scope inside a
/// `try` whose handler catches only `asyncio.TimeoutError`, or inside a
/// `with pytest.raises(asyncio.TimeoutError)` (`assertRaises`, `suppress`),
/// would escape it. Such fixes are reported instead (both must be named).
fn keep_old_timeout_handlers(cx: &FileContext, diags: &mut [edit::Diagnostic]) {
    const NEW_SCOPES: [&str; 5] = ["AM101", "AM102", "AM103", "AM104", "AM106"];
    if cx.targets.python >= (3, 11) {
        return;
    }
    for d in diags
        .iter_mut()
        .filter(|d| d.fix.is_some() && NEW_SCOPES.contains(&d.code))
    {
        let Some(mut node) = cx
            .tree
            .root_node()
            .descendant_for_byte_range(d.range.start, d.range.start)
        else {
            continue;
        };
        // Whether the names in `part` (up to its block) catch asyncio's
        // `TimeoutError` and not the builtin one.
        let only_asyncio = |part: syntax::Node| {
            let mut asyncio_one = false;
            let mut builtin = false;
            for (n, _) in syntax::preorder(part) {
                if n.kind() == "block" {
                    break;
                }
                if !matches!(n.kind(), "attribute" | "identifier")
                    || !cx.text(n).ends_with("TimeoutError")
                {
                    continue;
                }
                if n.parent().is_some_and(|p| p.kind() == "attribute") && n.kind() == "identifier" {
                    continue; // a part of `asyncio.TimeoutError`
                }
                match cx.qualified(n).as_deref() {
                    Some("asyncio.TimeoutError" | "asyncio.exceptions.TimeoutError") => {
                        asyncio_one = true
                    }
                    _ if cx.text(n) == "TimeoutError" => builtin = true,
                    _ => {}
                }
            }
            asyncio_one && !builtin
        };
        let mut catches_only_asyncio = false;
        while let Some(parent) = node.parent() {
            let in_body = parent.child_by_field_name("body") == Some(node);
            if parent.kind() == "try_statement" && in_body {
                for clause in syntax::named_children(parent)
                    .into_iter()
                    .filter(|c| c.kind() == "except_clause")
                {
                    catches_only_asyncio |= only_asyncio(clause);
                }
            }
            // `pytest.raises(asyncio.TimeoutError)`, `self.assertRaises(...)`,
            // `contextlib.suppress(...)` expect or swallow the same class.
            if parent.kind() == "with_statement" && in_body {
                for item in syntax::preorder(parent)
                    .map(|(n, _)| n)
                    .take_while(|n| n.kind() != "block")
                    .filter(|n| n.kind() == "call")
                {
                    let expects = item.child_by_field_name("function").is_some_and(|f| {
                        let name = cx.text(f).rsplit('.').next().unwrap_or_default();
                        name == "suppress" || transforms::EXPECTS_ERROR.contains(&name)
                    });
                    if expects {
                        if let Some(args) = item.child_by_field_name("arguments") {
                            catches_only_asyncio |= only_asyncio(args);
                        }
                    }
                }
            }
            node = parent;
        }
        if catches_only_asyncio {
            d.fix = None;
            d.message = format!(
                "{}; not here: below Python 3.11 (the project's floor) `asyncio.TimeoutError` is not the builtin `TimeoutError` that anyio raises, and the enclosing `except`, `pytest.raises`, `assertRaises` or `suppress` names only asyncio's: name `(TimeoutError, asyncio.TimeoutError)` first",
                d.message
            );
        }
    }
}

/// The left side of the assignment whose value holds `offset` (not crossing
/// a statement), if any.
fn assignment_left<'a>(cx: &FileContext<'a>, offset: usize) -> Option<syntax::Node<'a>> {
    let mut node = cx
        .tree
        .root_node()
        .descendant_for_byte_range(offset, offset)?;
    while node.kind() != "assignment" {
        if node.kind().ends_with("statement") || node.kind() == "block" {
            return None;
        }
        node = node.parent()?;
    }
    node.child_by_field_name("left")
}

/// The attribute that the value at `offset` is assigned to (`self._lock` in
/// `self._lock = asyncio.Lock()`), if any.
fn assigned_attribute<'a>(cx: &FileContext<'a>, offset: usize) -> Option<&'a str> {
    let left = assignment_left(cx, offset)?;
    let name = (left.kind() == "attribute")
        .then(|| left.child_by_field_name("attribute"))
        .flatten()?;
    Some(cx.text(name))
}

/// anyio's locks, semaphores and conditions belong to the task that acquired
/// them; asyncio's do not. Where the object (by the name it is assigned to)
/// is acquired inside a task that asyncio spawns — `create_task`,
/// `ensure_future`, `wait_for` or `shield` left around its `acquire()` or
/// `__aenter__()` — and released in the caller, anyio's raises.
fn acquired_in_another_task(cx: &FileContext, d: &edit::Diagnostic) -> Option<String> {
    const OWNED: [&str; 4] = ["AM301", "AM303", "AM304", "AM305"];
    const SPAWNERS: [&str; 4] = ["create_task", "ensure_future", "wait_for", "shield"];
    if !OWNED.contains(&d.code) {
        return None;
    }
    let name = assigned_name(cx, d.range.start)?;
    for spawner in SPAWNERS {
        for call in cx.calls_to(&format!("asyncio.{spawner}")) {
            let Some(first) = call
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
            else {
                continue;
            };
            let text = cx.text(first);
            let acquires = [".acquire()", ".__aenter__()"].iter().any(|m| {
                text.strip_suffix(m)
                    .is_some_and(|obj| obj == name || obj.rsplit('.').next() == Some(name))
            });
            if acquires {
                return Some(format!(
                    "`asyncio.{spawner}({text}, …)` acquires it in a task of its own, and anyio's belongs to the task that acquired it (releasing it elsewhere raises)"
                ));
            }
        }
    }
    None
}

/// anyio's condition fails on an asyncio lock (`notify` asks the lock for
/// its `statistics()`), so AM305's fix of `asyncio.Condition(lock)`, where
/// the module makes that lock with `asyncio.Lock()`, is made only when AM301
/// rewrites each of those locks in this run: its diagnostic there keeps a
/// fix (no fact about the program rules it out) and no comment ignores it.
/// Otherwise the condition stays asyncio's with its lock, and says why.
fn keep_conditions_with_their_locks(
    cx: &FileContext,
    diags: &mut [Diagnostic],
    suppressed: &[bool],
    runs_am301: bool,
) {
    let locks = cx.calls_to("asyncio.Lock");
    if locks.is_empty() {
        return;
    }
    // The last name each lock is assigned to, and why AM301 leaves it.
    let kept: Vec<(&str, String)> = locks
        .iter()
        .filter_map(|call| {
            let name = assigned_name(cx, call.start_byte())?;
            let at = diags
                .iter()
                .position(|d| d.code == "AM301" && d.range == call.byte_range());
            let why = match at {
                _ if !runs_am301 => Some("AM301 is not selected".to_string()),
                None => Some("AM301 does not rewrite it".to_string()),
                Some(i) if suppressed[i] => Some("a comment ignores AM301 on it".to_string()),
                Some(i) if diags[i].fix.is_none() => Some(
                    diags[i]
                        .message
                        .split_once("; not here: ")
                        .map_or("AM301 leaves it", |(_, why)| why)
                        .to_string(),
                ),
                Some(_) => None,
            }?;
            Some((name, why))
        })
        .collect();
    if kept.is_empty() {
        return;
    }
    for d in diags
        .iter_mut()
        .filter(|d| d.code == "AM305" && d.fix.is_some())
    {
        // The fix replaces the call, or its callee.
        let Some(node) = cx
            .tree
            .root_node()
            .descendant_for_byte_range(d.range.start, d.range.end)
        else {
            continue;
        };
        let call = match node.kind() {
            "call" => node,
            _ => match node.parent() {
                Some(p) if p.kind() == "call" => p,
                _ => continue,
            },
        };
        let Some(lock) = syntax::arguments(call).first().map(|a| match a.kind() {
            "keyword_argument" => a.child_by_field_name("value").unwrap_or(*a),
            _ => *a,
        }) else {
            continue;
        };
        let last = match lock.kind() {
            "identifier" => cx.text(lock),
            "attribute" => lock
                .child_by_field_name("attribute")
                .map_or("", |a| cx.text(a)),
            _ => continue,
        };
        if let Some((_, why)) = kept.iter().find(|(name, _)| *name == last) {
            d.fix = None;
            d.message = format!(
                "{}; not here: `{}` stays an `asyncio.Lock` ({why}), and anyio's condition fails on an asyncio lock",
                d.message,
                cx.text(lock)
            );
        }
    }
}

/// The last name of the target the value at `offset` is assigned to
/// (`_lock` in `self._lock = …`, `lock` in `lock = …`).
fn assigned_name<'a>(cx: &FileContext<'a>, offset: usize) -> Option<&'a str> {
    assigned_attribute(cx, offset).or_else(|| {
        let left = assignment_left(cx, offset)?;
        (left.kind() == "identifier").then(|| cx.text(left))
    })
}

/// The module-level imports a text uses: `(local name, qualified name)`.
fn used_imports(model: &SemanticModel, tree: &Tree, text: &str) -> HashSet<(String, String)> {
    let counts = model.reference_counts(tree, text);
    model
        .imports
        .iter()
        .zip(counts)
        .filter(|(i, n)| *n > 0 && i.module_level)
        .map(|(i, _)| (i.local.clone(), i.qualified.clone()))
        .collect()
}

/// The imports of `edited` (`original` with only some of its fixes applied,
/// its import lines as they were) set right: of `candidates` (the imports
/// the whole migration needed, `Outcome::imports_needed`) those whose name
/// `edited` uses without binding it are added, and the original's imports
/// of migrated modules that `edited` no longer uses are removed; an import
/// of the original that `edited` lost but still uses comes back. Without
/// this, keeping one `asyncio.Lock()` while taking the import edits would
/// leave a name that is not defined.
pub fn reconcile_imports(
    original: &str,
    edited: &str,
    candidates: &BTreeSet<String>,
    first_party: &BTreeSet<String>,
) -> String {
    if edited == original {
        return edited.to_string();
    }
    let before = syntax::parse(original);
    let before_model = SemanticModel::build(&before, original);
    let used_before = used_imports(&before_model, &before, original);
    let tree = syntax::parse(edited);
    let model = SemanticModel::build(&tree, edited);
    let counts = model.reference_counts(&tree, edited);
    let unbound = |name: &str| {
        syntax::preorder(tree.root_node()).any(|(n, _)| {
            n.kind() == "identifier"
                && syntax::text(n, edited) == name
                && model.is_reference(n)
                && model.lookup(name, n).is_none()
                // not a builtin either
                && model.resolve(n, edited).is_none()
        })
    };
    // The original's own imports come back when a kept line still needs
    // them (an accepted hunk may have removed `import asyncio`).
    let restorable = before_model
        .imports
        .into_iter()
        .filter(|i| i.module_level)
        .filter_map(|i| {
            if i.local == i.qualified {
                Some(i.qualified)
            } else {
                let (module, name) = i.qualified.rsplit_once('.')?;
                (name == i.local).then(|| format!("{module}:{name}"))
            }
        });
    let candidates: BTreeSet<String> = candidates.iter().cloned().chain(restorable).collect();
    let needed: BTreeSet<String> = candidates
        .iter()
        .filter(|c| {
            let local = match c.split_once(':') {
                Some((_, name)) => name,
                None => c.split('.').next().unwrap_or(c),
            };
            unbound(local)
        })
        .cloned()
        .collect();
    let mut errors = Vec::new();
    finish_imports(
        edited,
        &tree,
        &Style::detect(edited),
        (&model.imports, &counts),
        &needed,
        &used_before,
        first_party,
        &mut errors,
    )
}

/// Whether a module has an import statement at its top level.
fn has_imports(root: &syntax::Node) -> bool {
    syntax::named_children(*root)
        .iter()
        .any(|n| matches!(n.kind(), "import_statement" | "import_from_statement"))
}

/// tree-sitter-python's comment token takes the `\r` of a CRLF line end;
/// an edit that ends just after it would leave a bare `\n` behind.
fn keep_carriage_returns(diags: &mut [Diagnostic], text: &str) {
    let bytes = text.as_bytes();
    for fix in diags.iter_mut().filter_map(|d| d.fix.as_mut()) {
        for e in &mut fix.edits {
            if e.end > e.start
                && bytes[e.end - 1] == b'\r'
                && bytes.get(e.end) == Some(&b'\n')
                && !e.content.ends_with('\r')
            {
                e.end -= 1;
            }
        }
    }
}

/// The fixes to apply this round: enabled by their class, not suppressed,
/// and not overlapping an earlier one (that one waits for the next round).
fn choose_fixes(diags: &[Diagnostic], suppressed: &[bool], opts: &Options) -> Vec<usize> {
    // The chosen fixes by the start of their extent (every edit and scope
    // of the fix): only those whose extent can reach a fix's are compared
    // with it, which keeps a file of thousands of fixes from a quadratic
    // number of comparisons.
    let extent = |f: &Fix| -> std::ops::Range<usize> {
        let ranges = f.edits.iter().map(|e| e.start..e.end.max(e.start + 1));
        let all: Vec<_> = ranges.chain(f.scope.iter().cloned()).collect();
        let start = all.iter().map(|r| r.start).min().unwrap_or(0);
        let end = all.iter().map(|r| r.end).max().unwrap_or(0);
        start..end
    };
    let mut by_start: Vec<(std::ops::Range<usize>, usize)> = Vec::new();
    let mut longest = 0;
    let mut chosen: Vec<usize> = Vec::new();
    for (i, d) in diags.iter().enumerate() {
        let Some(fix) = &d.fix else { continue };
        if suppressed[i] || (fix.applicability == Applicability::Unsafe && !opts.unsafe_fixes) {
            continue;
        }
        let r = extent(fix);
        let from = r.start.saturating_sub(longest);
        let first = by_start.partition_point(|(c, _)| c.start < from);
        let last = by_start.partition_point(|(c, _)| c.start < r.end.max(r.start + 1));
        let conflicts = by_start[first..last.max(first)].iter().any(|(_, j)| {
            diags[*j]
                .fix
                .as_ref()
                .is_some_and(|f| f.conflicts_with(fix))
        });
        if !conflicts {
            chosen.push(i);
            longest = longest.max(r.len());
            let at = by_start.partition_point(|(c, _)| c.start <= r.start);
            by_start.insert(at, (r, i));
        }
    }
    chosen
}

/// Applies the chosen fixes; if the result does not parse, finds the fixes
/// that break it (each tried alone) and applies only the others.
fn apply_checked(
    text: &str,
    tree: &Tree,
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
    // A fix whose own edits overlap cannot be applied (a bug in its rule):
    // it is rejected, and the others go on.
    let (chosen, malformed): (Vec<usize>, Vec<usize>) = chosen
        .iter()
        .partition(|&&i| diags[i].fix.as_ref().is_none_or(Fix::is_well_formed));
    if chosen.is_empty() {
        return (text.to_string(), None, Vec::new(), malformed);
    }
    let chosen = &chosen[..];
    let chosen_edits = edits(chosen);
    let all = apply_edits(text, &chosen_edits);
    let new_tree = reparse(tree, text, &all, &chosen_edits);
    if syntax::check(&new_tree, &all).is_ok() {
        return (all, Some(new_tree), chosen.to_vec(), malformed);
    }
    let (good, mut bad): (Vec<usize>, Vec<usize>) = chosen
        .iter()
        .partition(|&&i| syntax::parse_clean(&apply_edits(text, &edits(&[i]))).is_ok());
    bad.extend(malformed);
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

/// The tree of `new`, reparsed incrementally from `old`'s.
fn reparse(tree: &Tree, old: &str, new: &str, edits: &[Edit]) -> Tree {
    let spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| (e.start, e.end, e.content.as_str()))
        .collect();
    syntax::reparse(tree, old, new, &spans)
}

/// A diagnostic located in the original text.
/// Its range covers every edit of its fix (an `except*` added to a handler
/// below a rewritten `gather` belongs to the same diagnostic).
fn reported(d: &Diagnostic, status: Status, locate: &dyn Fn(usize) -> Position) -> Reported {
    // A diagnostic is located at its finding, even when its fix also edits
    // code before it (a function a queue is handed to).
    let span = d.fix.as_ref().map_or(d.range.clone(), |f| f.span());
    let fix_lines = d.fix.as_ref().map_or(Vec::new(), |fix| {
        fix.edits
            .iter()
            .map(|e| (locate(e.start).line, locate(e.end).line))
            .collect()
    });
    Reported {
        code: d.code,
        message: d.message.clone(),
        hint: d.hint.clone(),
        start: locate(d.range.start),
        end: locate(d.range.end.max(span.end)),
        status,
        applicability: d.fix.as_ref().map(|f| f.applicability),
        fix_lines,
        supersedes: d.supersedes,
    }
}

/// Which diagnostics an `# anyio-migrate: ignore` comment on one of their
/// lines silences (only real comments count, not text in strings).
fn suppressions(cx: &FileContext, diags: &[Diagnostic]) -> Vec<bool> {
    let markers: Vec<(usize, &str)> = cx
        .nodes_of_kind(syntax::kinds().comment)
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

/// The ignore comments of the last round that silence nothing (AM907): a
/// listed code enabled in this run that no finding on the comment's lines
/// has, or a bare comment with no finding there at all. A comment listing
/// AM907 itself is kept as it is.
fn unused_ignores(
    cx: &FileContext,
    diags: &[Diagnostic],
    transforms: &[&dyn Transform],
) -> Vec<Diagnostic> {
    let index = LineIndex::new(cx.src);
    let rows: Vec<(usize, usize, &str)> = diags
        .iter()
        .map(|d| {
            let first = index.position(d.range.start).line - 1;
            let last = index.position(d.range.end).line - 1;
            (first, last, d.code)
        })
        .collect();
    let enabled = |listed: &str| transforms.iter().any(|t| covers(listed, t.info().code));
    let mut out = Vec::new();
    for &comment in cx.nodes_of_kind(syntax::kinds().comment) {
        let text = cx.text(comment);
        let Some(listed) = listed_codes(text) else {
            continue;
        };
        let row = comment.start_position().row;
        let here: Vec<&str> = rows
            .iter()
            .filter(|(first, last, _)| *first <= row && row <= *last)
            .map(|r| r.2)
            .collect();
        let message = match listed {
            None if here.is_empty() => {
                "this `# anyio-migrate: ignore` comment silences nothing".to_string()
            }
            None => continue,
            Some(list) => {
                if list.iter().any(|p| covers(p, UNUSED_IGNORE)) {
                    continue;
                }
                let unused: Vec<&str> = list
                    .iter()
                    .copied()
                    .filter(|p| enabled(p) && !here.iter().any(|code| covers(p, code)))
                    .collect();
                match unused.len() {
                    0 => continue,
                    1 => format!("`{}` in this ignore comment silences nothing", unused[0]),
                    _ => format!(
                        "{} in this ignore comment silence nothing",
                        unused
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            }
        };
        out.push(
            Diagnostic::new(
                UNUSED_IGNORE,
                message,
                comment.start_byte()..comment.end_byte(),
            )
            .with_hint(
                "remove it (or the code from its list): nothing on this line needs it any more",
            ),
        );
    }
    out
}

/// Adds the imports the fixes need and removes the migrated modules'
/// imports that nothing references any more (only those the original used).
/// Removals come first, so that an added import is placed among the
/// imports that stay (`import anyio` joins the third-party section, not the
/// spot `import asyncio` leaves).
#[allow(clippy::too_many_arguments)]
fn finish_imports(
    text: &str,
    tree: &Tree,
    style: &Style,
    (imports, counts): (&[ImportBinding], &[usize]),
    needed: &BTreeSet<String>,
    used_before: &HashSet<(String, String)>,
    first_party: &BTreeSet<String>,
    errors: &mut Vec<String>,
) -> String {
    let unused: BTreeSet<usize> = imports
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
    let mut removals = semantic::remove_unused(tree, text, imports, &unused);
    let mut removed = apply_edits(text, &removals);
    let mut removed_tree = (!removals.is_empty()).then(|| reparse(tree, text, &removed, &removals));
    // When every import goes and new ones come, each removal keeps the blank
    // line after it: the new block takes the old one's place and spacing
    // (where the first removed import stood: below comments that were
    // between the docstring and it, not above them).
    let mut anchor = None;
    if !needed.is_empty()
        && has_imports(&tree.root_node())
        && removed_tree
            .as_ref()
            .is_some_and(|t| !has_imports(&t.root_node()))
    {
        for r in removals.iter_mut() {
            r.end = r.end.min(
                text[r.start..]
                    .find('\n')
                    .map_or(text.len(), |i| r.start + i + 1),
            );
        }
        removed = apply_edits(text, &removals);
        removed_tree = Some(reparse(tree, text, &removed, &removals));
        anchor = removals
            .iter()
            .map(|r| r.start)
            .min()
            .filter(|&at| at == 0 || text[..at].ends_with('\n'));
    }
    let model;
    let (after_tree, after_imports): (&Tree, &[ImportBinding]) = match &removed_tree {
        None => (tree, imports),
        Some(t) if syntax::check(t, &removed).is_err() => {
            errors.push("removing an unused import produced code that does not parse; imports were kept (this is a bug in anyio-migrate: please report it)".into());
            let additions =
                semantic::add_imports(tree, text, style, imports, needed, first_party, None);
            let added = apply_edits(text, &additions);
            return if syntax::check(&reparse(tree, text, &added, &additions), &added).is_ok() {
                added
            } else {
                text.to_string()
            };
        }
        Some(t) => {
            model = SemanticModel::build(t, &removed);
            (t, &model.imports)
        }
    };
    let additions = semantic::add_imports(
        after_tree,
        &removed,
        style,
        after_imports,
        needed,
        first_party,
        anchor,
    );
    let out = apply_edits(&removed, &additions);
    if !additions.is_empty()
        && syntax::check(&reparse(after_tree, &removed, &out, &additions), &out).is_err()
    {
        errors.push("adding imports produced code that does not parse; imports were not changed (this is a bug in anyio-migrate: please report it)".into());
        return text.to_string();
    }
    // Removing the first lines must not leave the file starting with blank lines.
    if !text.starts_with(['\n', '\r']) {
        let trimmed = out.trim_start_matches(['\n', '\r']);
        if trimmed.len() != out.len() {
            return trimmed.to_string();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{apply_checked, choose_fixes, drop_superseded, Options};
    use edit::{Applicability, Diagnostic, Edit, Fix};

    #[test]
    fn a_fix_overlapping_a_chosen_one_waits_however_far_it_started() {
        let fix = |range: std::ops::Range<usize>| {
            Diagnostic::new("AM002", "x", range.clone()).with_fix(Fix::new(
                vec![Edit::replace(range, "y")],
                Applicability::Safe,
            ))
        };
        // A long fix first, short ones after it: inside it, touching it,
        // beyond it, and inserts at one point.
        let mut diags = vec![fix(0..100), fix(50..60), fix(100..110), fix(200..210)];
        diags.push(
            Diagnostic::new("AM002", "x", 300..300)
                .with_fix(Fix::new(vec![Edit::insert(300, "a")], Applicability::Safe)),
        );
        diags.push(
            Diagnostic::new("AM002", "x", 300..300)
                .with_fix(Fix::new(vec![Edit::insert(300, "b")], Applicability::Safe)),
        );
        let chosen = choose_fixes(&diags, &[false; 6], &Options::default());
        assert_eq!(chosen, [0, 2, 3, 4]);
    }

    #[test]
    fn a_specific_report_replaces_the_general_one_inside_it() {
        let general = Diagnostic::new("AM901", "general", 4..20);
        let elsewhere = Diagnostic::new("AM901", "elsewhere", 30..40);
        let other_code = Diagnostic::new("AM902", "other", 4..20);
        let fixed = Diagnostic::new("AM901", "fixed", 4..20)
            .with_fix(Fix::new(vec![], Applicability::Safe));
        let specific = Diagnostic::new("AM210", "specific", 0..20).superseding("AM901");
        let mut diags = vec![general, elsewhere, other_code, fixed, specific];
        let mut suppressed = vec![false; 5];
        drop_superseded(&mut diags, &mut suppressed);
        let left: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(left, ["elsewhere", "other", "fixed", "specific"]);
        assert_eq!(suppressed, [false; 4]);
    }

    #[test]
    fn an_ignored_general_report_ignores_the_specific_one() {
        let general = Diagnostic::new("AM901", "general", 4..20);
        let specific = Diagnostic::new("AM210", "specific", 0..20).superseding("AM901");
        let mut diags = vec![general, specific];
        let mut suppressed = vec![true, false];
        drop_superseded(&mut diags, &mut suppressed);
        assert_eq!(diags.len(), 2);
        assert_eq!(suppressed, [true, true]);
    }

    #[test]
    fn a_fix_whose_edits_overlap_is_rejected_and_the_others_apply() {
        let text = "a = 1\nb = 2\n";
        let tree = syntax::parse_clean(text).unwrap();
        let broken = Diagnostic::new("AM206", "broken", 0..5).with_fix(Fix::new(
            vec![Edit::replace(0..5, "x = 1"), Edit::insert(2, "  ")],
            Applicability::Safe,
        ));
        let good = Diagnostic::new("AM002", "good", 6..11).with_fix(Fix::new(
            vec![Edit::replace(6..7, "c")],
            Applicability::Safe,
        ));
        let diags = vec![broken, good];
        let (out, _, applied, rejected) = apply_checked(text, &tree, &diags, &[0, 1]);
        assert_eq!(out, "a = 1\nc = 2\n");
        assert_eq!((applied, rejected), (vec![1], vec![0]));
    }
}
