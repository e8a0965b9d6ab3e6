//! Transforms written as data: patterns, conditions and templates in a TOML
//! file (see `transforms/*.toml` and docs/writing-transforms.md).

use crate::conditions::Condition;
use crate::{Docs, Example, FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use pattern::{render, Bindings, Pattern, PatternKind, RenderEnv, Rendered};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use syntax::Node;

/// Where a match sits and what its template replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
enum Context {
    /// The pattern is an expression; the template replaces it.
    #[default]
    Expression,
    /// The pattern is a statement-level expression; the template replaces the
    /// whole statement, and `$STATEMENT` in it is that statement with the
    /// matched expression replaced by `expression`.
    Statement,
    /// The pattern is an `await` in an `if` condition that evaluates it
    /// first and alone (`syntax::hoistable_if_condition`); the template
    /// replaces the whole `if` statement, `$VALUE` in it is a fresh local
    /// for the awaited value and `$STATEMENT` the `if` with the match
    /// replaced by that local.
    Condition,
    /// The pattern is a whole statement; the template replaces it.
    Node,
    /// The pattern is a compound statement; the template replaces only its
    /// header, up to and including the first `:`.
    Header,
    /// The pattern is an expression naming an exception type in an `except`
    /// clause (alone or in a tuple).
    ExceptType,
    /// The pattern is an expression naming an exception class used as a
    /// value to test against: the class argument of `isinstance` /
    /// `issubclass` (alone or in a tuple), of `pytest.raises`, of
    /// `contextlib.suppress`, or an operand of `is` / `==`.
    ExceptionClass,
    /// The pattern is a call; the template replaces only the called
    /// function (`asyncio.sleep` → `anyio.sleep`), so the arguments keep
    /// their layout and comments.
    Callee,
}

/// The file format (documented in docs/writing-transforms.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TransformFile {
    code: String,
    name: String,
    summary: String,
    /// "safe", "unsafe" or "manual".
    applicability: String,
    message: String,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    imports: Vec<String>,
    /// Only files that import this module are looked at (for patterns on
    /// methods of objects, like `$LOOP.call_later`, that mean asyncio only there).
    #[serde(default)]
    requires_import: Option<String>,
    /// The oldest Python the rewrite is right for (`3.11`); for an older
    /// `--target-python` the transform does nothing.
    #[serde(default)]
    min_python: Option<String>,
    /// For an `unsafe` transform: why, in one clause (every unsafe
    /// diagnostic says it).
    #[serde(default)]
    unsafe_because: Option<String>,
    #[serde(rename = "match")]
    matches: Vec<MatchSpec>,
    docs: Docs,
    #[serde(default, rename = "example")]
    examples: Vec<Example>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct MatchSpec {
    pattern: String,
    #[serde(default)]
    context: Context,
    /// The new code; absent for report-only matches.
    template: Option<String>,
    /// Statement context: what the matched expression becomes in `$STATEMENT`.
    expression: Option<String>,
    /// Conditions that must hold for the match to count at all.
    #[serde(default)]
    require: BTreeMap<String, Vec<Condition>>,
    /// Conditions that make the fix safe; when one fails it is unsafe.
    #[serde(default)]
    safe_if: BTreeMap<String, Vec<Condition>>,
    /// This match's fix is unsafe whatever the conditions.
    #[serde(default, rename = "unsafe")]
    always_unsafe: bool,
    /// Why, when `unsafe` is set (required then).
    #[serde(default)]
    unsafe_because: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    imports: Vec<String>,
    /// When the matched value is assigned to a name or attribute and the file
    /// touches one of these attributes on it, the site is left to a person.
    #[serde(default)]
    manual_if_target_uses: Vec<String>,
    #[serde(default)]
    manual_if_target_message: Option<String>,
    /// When the file uses the result of one of these methods called on the
    /// assignment target, the fix is unsafe.
    #[serde(default)]
    unsafe_if_target_value_used: Vec<String>,
    /// When the module passes the assignment target to a call of one of
    /// these (qualified names), the fix is unsafe.
    #[serde(default)]
    unsafe_if_target_passed_to: Vec<String>,
    /// The fix is safe only when the metavariable names a variable or
    /// attribute the module assigns from a call of this (qualified) function.
    #[serde(default)]
    safe_if_assigned_from: BTreeMap<String, String>,
    /// Except-type context: the fix is safe only when the handler re-raises.
    #[serde(default)]
    safe_if_handler_reraises: bool,
    /// The fix is safe only inside a `finally:` block or an `except` handler
    /// (a cleanup path), unsafe elsewhere.
    #[serde(default)]
    safe_only_in_cleanup: bool,
    /// Report instead of fixing when the site is inside a `with` that opens
    /// one of these (qualified names of context manager functions).
    #[serde(default)]
    manual_inside_with: Vec<String>,
    /// Only inside an `async def` (the rewrite needs a running event loop);
    /// elsewhere the site is reported.
    #[serde(default)]
    only_in_async_def: bool,
    /// Safe only when the value is assigned to a plain name or a private
    /// attribute (`self._x`): a public attribute or an argument lets it
    /// reach code in other modules the tool cannot see.
    #[serde(default)]
    safe_if_kept_private: bool,
    #[serde(default)]
    manual_inside_with_message: Option<String>,
    /// The anyio release that introduced what the template writes
    /// (`"4.15"`): below that `--target-anyio` the site is reported.
    #[serde(default)]
    min_anyio: Option<String>,
}

struct CompiledMatch {
    spec: MatchSpec,
    pattern: Pattern,
    /// Where its candidates come from, worked out once from the pattern
    /// rather than for every file and round.
    candidates: Candidates,
}

/// The nodes a match may start at.
enum Candidates {
    /// Nodes of this kind (`call`, `await`, `name`) ending in this name.
    Anchor(&'static str, String),
    /// Every node of these kinds.
    Kinds(Vec<&'static str>),
}

/// A transform loaded from a TOML file.
pub struct Declarative {
    info: TransformInfo,
    message: String,
    hint: Option<String>,
    imports: Vec<String>,
    requires_import: Option<String>,
    min_python: Option<(u32, u32)>,
    unsafe_because: Option<String>,
    matches: Vec<CompiledMatch>,
}

fn leak(s: String) -> &'static str {
    // Transform metadata lives for the whole run; codes are `&'static str`
    // so diagnostics can carry them cheaply.
    Box::leak(s.into_boxed_str())
}

/// Parses and compiles one transform file.
pub fn load_declarative(file_name: &str, text: &str) -> Result<Declarative, String> {
    let file: TransformFile = toml::from_str(text).map_err(|e| format!("{file_name}: {e}"))?;
    let applicability = match file.applicability.as_str() {
        "safe" => Some(Applicability::Safe),
        "unsafe" => Some(Applicability::Unsafe),
        "manual" => None,
        other => {
            return Err(format!(
                "{file_name}: applicability `{other}` is not safe, unsafe or manual"
            ))
        }
    };
    let mut matches = Vec::new();
    for spec in file.matches {
        let kind = match spec.context {
            Context::Node | Context::Header => PatternKind::Statement,
            _ => PatternKind::Expression,
        };
        let pattern =
            Pattern::compile(&spec.pattern, kind).map_err(|e| format!("{file_name}: {e}"))?;
        if spec.context == Context::Statement
            && spec.template.is_some()
            && spec.expression.is_none()
        {
            return Err(format!(
                "{file_name}: a statement-context match with a template needs `expression`"
            ));
        }
        if let Some(Err(e)) = spec.min_anyio.as_deref().map(crate::parse_version) {
            return Err(format!("{file_name}: min-anyio: {e}"));
        }
        if spec.always_unsafe && spec.unsafe_because.is_none() {
            return Err(format!(
                "{file_name}: a match with `unsafe = true` needs `unsafe-because` (every unsafe diagnostic says why)"
            ));
        }
        if applicability.is_none() && spec.template.is_some() {
            return Err(format!(
                "{file_name}: a manual transform cannot have a template"
            ));
        }
        let candidates = match pattern.anchor() {
            Some((kind, last)) => Candidates::Anchor(kind, last),
            None => Candidates::Kinds(pattern.candidate_kinds()),
        };
        matches.push(CompiledMatch {
            spec,
            pattern,
            candidates,
        });
    }
    Ok(Declarative {
        info: TransformInfo {
            code: leak(file.code),
            name: leak(file.name),
            summary: file.summary,
            applicability,
            docs: file.docs,
            examples: file.examples,
            valid: Vec::new(),
        },
        message: file.message,
        hint: file.hint,
        imports: file.imports,
        requires_import: file.requires_import,
        min_python: match file.min_python.as_deref().map(crate::parse_version) {
            Some(Ok(v)) => Some(v),
            Some(Err(e)) => return Err(format!("{file_name}: min-python: {e}")),
            None => None,
        },
        unsafe_because: match (applicability, file.unsafe_because) {
            (Some(Applicability::Unsafe), None) => {
                return Err(format!(
                    "{file_name}: an unsafe transform needs `unsafe-because` (every unsafe diagnostic says why)"
                ))
            }
            (_, why) => why,
        },
        matches,
    })
}

impl Transform for Declarative {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        let mut triggers: Vec<Trigger> = self
            .matches
            .iter()
            .map(|m| {
                let qualified = m.pattern.qualified_names();
                let base = match (&self.requires_import, m.pattern.required_word()) {
                    // `check` looks at nothing unless the module is imported.
                    (Some(module), _) => Trigger::Module(module.clone()),
                    // Names resolve through imports: the module must be imported.
                    (None, Some(w))
                        if qualified
                            .iter()
                            .any(|q| q.contains('.') && q.starts_with(&format!("{w}."))) =>
                    {
                        Trigger::Module(w)
                    }
                    (None, Some(w)) => Trigger::Word(w),
                    (None, None) => Trigger::Always,
                };
                // Candidates are only nodes spelled like the anchor, and
                // each name matched by meaning must be spelled in the file.
                let mut all: Vec<Trigger> = m
                    .pattern
                    .required_names()
                    .into_iter()
                    .map(Trigger::Word)
                    .collect();
                if base != Trigger::Always {
                    all.insert(0, base);
                }
                match all.len() {
                    0 => Trigger::Always,
                    1 => all.remove(0),
                    _ => Trigger::All(all),
                }
            })
            .collect();
        triggers.sort();
        triggers.dedup();
        triggers
    }

    fn check(&self, cx: &FileContext, out: &mut Vec<Diagnostic>) {
        if self.min_python.is_some_and(|v| cx.targets.python < v) {
            return;
        }
        if let Some(m) = &self.requires_import {
            let imported = cx
                .model
                .imports
                .iter()
                .any(|i| i.qualified == *m || i.qualified.starts_with(&format!("{m}.")));
            if !imported {
                return;
            }
        }
        // A site claimed by an earlier match of this transform is not matched
        // again by a later (more general) one.
        let mut claimed: Vec<Range<usize>> = Vec::new();
        for m in &self.matches {
            // Only nodes spelled like the pattern's anchor name can match.
            let candidates: Vec<Node> = match &m.candidates {
                Candidates::Anchor(kind, last) => cx.nodes_ending_in(kind, last),
                Candidates::Kinds(kinds) => kinds
                    .iter()
                    .flat_map(|k| cx.nodes_of_kind(k).iter().copied())
                    .collect(),
            };
            {
                for node in candidates {
                    if claimed
                        .iter()
                        .any(|r| r.start <= node.start_byte() && node.end_byte() <= r.end)
                    {
                        continue;
                    }
                    let Some(bindings) = m.pattern.matches(node, cx.src, cx) else {
                        continue;
                    };
                    if !conditions_hold(&m.spec.require, &bindings, cx.src) {
                        continue;
                    }
                    if let Some(d) = self.site(m, node, &bindings, cx) {
                        // The matched node and the replaced range both count
                        // (a callee fix replaces less than it matched).
                        let start = d.range.start.min(node.start_byte());
                        claimed.push(start..d.range.end.max(node.end_byte()));
                        out.push(d);
                    }
                }
            }
        }
    }
}

fn conditions_hold(conds: &BTreeMap<String, Vec<Condition>>, b: &Bindings, src: &str) -> bool {
    conds.iter().all(|(var, allowed)| {
        let nodes: Vec<Node> = match (b.get(var), b.get_many(var)) {
            (Some(n), _) => vec![n],
            (None, Some(ns)) => ns.to_vec(),
            (None, None) => return false,
        };
        // Any one of the listed conditions suffices.
        allowed.iter().any(|c| c.holds(&nodes, src))
    })
}

/// Why `conds` do not all hold, in one clause: "`-1` is not a non-negative
/// number literal".
fn failed_condition(
    conds: &BTreeMap<String, Vec<Condition>>,
    b: &Bindings,
    src: &str,
) -> Option<String> {
    conds.iter().find_map(|(var, allowed)| {
        let nodes: Vec<Node> = match (b.get(var), b.get_many(var)) {
            (Some(n), _) => vec![n],
            (None, Some(ns)) => ns.to_vec(),
            (None, None) => return Some(format!("`${var}` is missing")),
        };
        if allowed.iter().any(|c| c.holds(&nodes, src)) {
            return None;
        }
        if allowed == &[Condition::NoCleanupAwaits] {
            return Some("the body awaits in an `except` or `finally` cleanup, which level-triggered cancellation cancels again".into());
        }
        let shown = match nodes.as_slice() {
            [n] => {
                let t = syntax::text(*n, src);
                let t = t.lines().next().unwrap_or(t);
                format!("`{}`", if t.len() > 40 { &t[..t.floor_char_boundary(40)] } else { t })
            }
            _ => {
                let wanted: Vec<&str> = allowed.iter().map(|c| c.describe()).collect();
                return Some(format!("the arguments are not {}", wanted.join(" or ")));
            }
        };
        let wanted: Vec<&str> = allowed.iter().map(|c| c.describe()).collect();
        Some(format!("{shown} is not {}", wanted.join(" or ")))
    })
}

impl Declarative {
    /// The diagnostic for one matched site, or `None` when the context rules it out.
    fn site(
        &self,
        m: &CompiledMatch,
        node: Node,
        b: &Bindings,
        cx: &FileContext,
    ) -> Option<Diagnostic> {
        let spec = &m.spec;
        // How an exception class is used (`exception-class` context).
        let mut class_use = None;
        let (range, stmt) = match spec.context {
            Context::Statement => {
                // The statement the value stands for, or a simple statement
                // in which it is the only await (`total += await ...`).
                let stmt = syntax::statement_anchor(node)
                    .or_else(|| syntax::sole_await_statement(node))?;
                if !cx.owns_its_lines(stmt) {
                    return None;
                }
                (stmt.byte_range(), Some(stmt))
            }
            Context::Condition => {
                let stmt = syntax::hoistable_if_condition(node)?;
                if !cx.owns_its_lines(stmt) {
                    return None;
                }
                (stmt.byte_range(), Some(stmt))
            }
            Context::Node => (node.byte_range(), None),
            Context::Header => {
                let colon = syntax::children(node)
                    .into_iter()
                    .find(|c| c.kind() == ":")?;
                (node.start_byte()..colon.end_byte(), None)
            }
            Context::ExceptType => {
                except_handler(node)?;
                (node.byte_range(), None)
            }
            Context::ExceptionClass => {
                class_use = Some(exception_class_use(node, cx)?);
                (node.byte_range(), None)
            }
            Context::Expression => (node.byte_range(), None),
            Context::Callee => (node.child_by_field_name("function")?.byte_range(), None),
        };
        // `{match}` in a message names the matched code (its first line, shortened).
        let snippet: String = cx
            .text(node)
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(60)
            .collect();
        let message = spec
            .message
            .clone()
            .unwrap_or_else(|| self.message.clone())
            .replace("{match}", &snippet);
        let hint = spec.hint.clone().or_else(|| self.hint.clone());
        let mut diag = Diagnostic::new(self.info.code, message, range.clone());
        diag.hint = hint;

        if let Some(reason) = target_uses(node, &spec.manual_if_target_uses, cx) {
            let msg = spec
                .manual_if_target_message
                .clone()
                .unwrap_or_else(|| format!("{}; left for review", diag.message));
            diag.message = format!("{msg} (`{reason}`)");
            return Some(diag);
        }
        if spec.only_in_async_def && !in_async_def(node) {
            diag.message = format!("{} is not in an `async def`: `anyio.get_cancelled_exc_class()` needs a running event loop", cx.text(node));
            diag.hint = Some("keep the asyncio exception here (this code runs outside the event loop), or move the handling into the coroutine".into());
            return Some(diag);
        }
        if let Some(scope) = inside_with(node, &spec.manual_inside_with, cx) {
            let msg = spec
                .manual_inside_with_message
                .clone()
                .unwrap_or_else(|| format!("{}; left for review", diag.message));
            diag.message = format!("{msg} (inside `{scope}`)");
            return Some(diag);
        }
        let (Some(template), Some(mut applicability)) = (&spec.template, self.info.applicability)
        else {
            return Some(diag);
        };
        if let Some(v) = spec.min_anyio.as_deref() {
            if crate::parse_version(v).is_ok_and(|need| cx.targets.anyio < need) {
                diag.message = format!(
                    "{}: the rewrite needs anyio {v} (--target-anyio)",
                    diag.message
                );
                return Some(diag);
            }
        }
        let mut notes = Vec::new();
        if applicability == Applicability::Unsafe {
            notes.extend(self.unsafe_because.clone());
        }
        if spec.always_unsafe {
            applicability = Applicability::Unsafe;
            notes.extend(spec.unsafe_because.clone());
        }
        if let Some(why) = failed_condition(&spec.safe_if, b, cx.src) {
            applicability = Applicability::Unsafe;
            notes.push(why);
        }
        if let Some(used) = target_value_used(node, &spec.unsafe_if_target_value_used, cx) {
            applicability = Applicability::Unsafe;
            notes.push(format!("the result of `{used}` is used"));
        }
        if let Some(callee) = target_passed_to(node, &spec.unsafe_if_target_passed_to, cx) {
            applicability = Applicability::Unsafe;
            notes.push(format!("it is passed to `{callee}`"));
        }
        for (var, func) in &spec.safe_if_assigned_from {
            if !b.get(var).is_some_and(|n| assigned_from(n, func, cx)) {
                applicability = Applicability::Unsafe;
                notes.push(format!(
                    "`{}` is not known to come from `{func}()`",
                    b.get(var).map_or("", |n| cx.text(n))
                ));
            }
        }
        if spec.safe_if_kept_private && !kept_private(node, cx) {
            applicability = Applicability::Unsafe;
            notes.push("it is not kept in a local variable or a private attribute, so code elsewhere may use a method anyio's lacks".to_string());
        }
        if spec.safe_only_in_cleanup && !in_cleanup_path(node) {
            applicability = Applicability::Unsafe;
            notes.push("outside a `finally` or `except` block".to_string());
        }
        if spec.safe_if_handler_reraises {
            let swallowed = match spec.context {
                Context::ExceptionClass => class_use == Some(ClassUse::Suppress),
                _ => !except_handler(node).is_some_and(|h| reraises(h, cx)),
            };
            if swallowed {
                applicability = Applicability::Unsafe;
                notes.push("the handler does not re-raise the cancellation".to_string());
            }
        }

        let env = RenderEnv {
            src: cx.src,
            strings: &cx.strings,
            indent_unit: &cx.style.indent,
            newline: cx.style.newline.as_str(),
            vars: HashMap::new(),
        };
        let indent = cx.indent_at(range.start);
        // Where a hoisted await ended: the rest of the `if` is not edited.
        let mut condition_end = None;
        let mut new_text = match (spec.context, stmt) {
            (Context::Statement, Some(stmt)) => {
                let expr = render(spec.expression.as_deref().unwrap_or("$X"), b, &env, indent);
                let mut whole = Rendered::from_source(
                    cx.src,
                    stmt.start_byte()..node.start_byte(),
                    &cx.strings,
                );
                whole.push(&expr);
                whole.push(&Rendered::from_source(
                    cx.src,
                    node.end_byte()..stmt.end_byte(),
                    &cx.strings,
                ));
                let env = RenderEnv {
                    vars: HashMap::from([("STATEMENT", whole)]),
                    ..env
                };
                render(template, b, &env, indent).text
            }
            (Context::Condition, Some(stmt)) => {
                let value = cx.fresh_name(stmt, "value", &[]);
                // `(await x).ok` becomes `value.ok`, not `(value).ok`.
                let mut hoisted = node;
                while let Some(p) = hoisted
                    .parent()
                    .filter(|p| p.kind() == "parenthesized_expression")
                {
                    hoisted = p;
                }
                condition_end = Some(hoisted.end_byte());
                let mut whole = Rendered::from_source(
                    cx.src,
                    stmt.start_byte()..hoisted.start_byte(),
                    &cx.strings,
                );
                whole.push_str(&value);
                whole.push(&Rendered::from_source(
                    cx.src,
                    hoisted.end_byte()..stmt.end_byte(),
                    &cx.strings,
                ));
                let env = RenderEnv {
                    vars: HashMap::from([
                        ("STATEMENT", whole),
                        ("VALUE", Rendered::literal(value, indent)),
                    ]),
                    ..env
                };
                render(template, b, &env, indent).text
            }
            _ => render(template, b, &env, indent).text,
        };
        // The `if` after the hoisted await stays as it is (its positions,
        // and the findings inside it, are kept).
        let mut range = range;
        if let Some(end) = condition_end {
            let rest = &cx.src[end..range.end];
            if let Some(head) = new_text.strip_suffix(rest) {
                new_text = head.to_string();
                range.end = end;
            }
        }
        if new_text == cx.src[range.clone()] {
            return None;
        }
        if let Some(lost) = cx.dropped_comment(range.clone(), &new_text) {
            applicability = Applicability::Unsafe;
            notes.push(format!("the fix would drop the comment `{lost}`"));
        }
        if !notes.is_empty() {
            diag.message = format!("{} ({})", diag.message, notes.join("; "));
        }
        let mut imports = self.imports.clone();
        imports.extend(spec.imports.iter().cloned());
        let fix =
            Fix::new(vec![Edit::replace(range, new_text)], applicability).with_imports(imports);
        Some(diag.with_fix(fix))
    }
}

/// The except clause whose exception type `node` is (alone or in a tuple).
fn except_handler(node: Node) -> Option<Node> {
    let mut cur = node.parent()?;
    if matches!(cur.kind(), "tuple" | "parenthesized_expression") {
        cur = cur.parent()?;
    }
    if cur.kind() == "as_pattern" {
        cur = cur.parent()?;
    }
    (cur.kind() == "except_clause").then_some(cur)
}

/// How an exception class is used as a value (`Context::ExceptionClass`).
#[derive(Debug, PartialEq, Eq)]
enum ClassUse {
    /// Tested against: `isinstance`, `issubclass`, `pytest.raises`, `is`, `==`.
    Test,
    /// Swallowed: `contextlib.suppress(...)`.
    Suppress,
}

/// Where `node` is an exception class used as a value, how it is used.
fn exception_class_use(node: Node, cx: &FileContext) -> Option<ClassUse> {
    let mut cur = node;
    let mut parent = node.parent()?;
    while parent.kind() == "parenthesized_expression" {
        (cur, parent) = (parent, parent.parent()?);
    }
    if parent.kind() == "comparison_operator" {
        let ops: Vec<&str> = syntax::children(parent)
            .into_iter()
            .filter(|c| !c.is_named())
            .map(|c| c.kind())
            .collect();
        // One operator (`a is b`, not a chain); `is not` may be two tokens.
        let op = ops.join(" ");
        return matches!(op.as_str(), "is" | "is not" | "==" | "!=").then_some(ClassUse::Test);
    }
    // `isinstance(x, (A, B))`: the tuple is the argument.
    let in_tuple = parent.kind() == "tuple";
    if in_tuple {
        (cur, parent) = (parent, parent.parent()?);
    }
    if parent.kind() != "argument_list" {
        return None;
    }
    let call = parent.parent().filter(|c| c.kind() == "call")?;
    let callee = cx.qualified(call.child_by_field_name("function")?)?;
    let args = syntax::named_children(parent);
    if args.iter().any(|a| {
        matches!(
            a.kind(),
            "list_splat" | "dictionary_splat" | "keyword_argument"
        ) && a.start_byte() < cur.start_byte()
    }) {
        return None;
    }
    let index = args
        .iter()
        .filter(|a| a.kind() != "comment")
        .position(|a| a.id() == cur.id())?;
    match callee.as_str() {
        "isinstance" | "issubclass" if index == 1 => Some(ClassUse::Test),
        "pytest.raises" if index == 0 => Some(ClassUse::Test),
        "contextlib.suppress" if !in_tuple => Some(ClassUse::Suppress),
        _ => None,
    }
}

/// Whether a node is inside a `finally:` block or an `except` handler of its own function.
fn in_cleanup_path(node: Node) -> bool {
    syntax::enclosing(
        node,
        &[
            "finally_clause",
            "except_clause",
            "function_definition",
            "lambda",
            "class_definition",
        ],
    )
    .is_some_and(|n| matches!(n.kind(), "finally_clause" | "except_clause"))
}

/// Whether a node is inside an `async def` (its nearest function).
fn in_async_def(node: Node) -> bool {
    syntax::enclosing(node, &["function_definition", "lambda"]).is_some_and(syntax::is_async_def)
}

/// Whether the value is assigned to a plain name or a `_private` attribute.
fn kept_private(node: Node, cx: &FileContext) -> bool {
    assignment_target(node, cx)
        .is_some_and(|t| !t.contains('.') || last_component(t).starts_with('_'))
}

/// Whether an except clause's body ends by re-raising the exception it caught
/// (a bare `raise`, or `raise e` for `except … as e`).
fn reraises(handler: Node, cx: &FileContext) -> bool {
    let Some(block) = syntax::named_children(handler)
        .into_iter()
        .rev()
        .find(|c| c.kind() == "block")
    else {
        return false;
    };
    let Some(last) = syntax::named_children(block)
        .into_iter()
        .rev()
        .find(|c| c.kind() != "comment")
    else {
        return false;
    };
    if last.kind() != "raise_statement" {
        return false;
    }
    let raised: Vec<Node> = syntax::named_children(last)
        .into_iter()
        .filter(|c| c.kind() != "comment")
        .collect();
    match raised.as_slice() {
        [] => true,
        [name] if name.kind() == "identifier" => syntax::preorder(handler)
            .find(|(n, _)| n.kind() == "as_pattern_target")
            .is_some_and(|(t, _)| cx.text(t) == cx.text(*name)),
        _ => false,
    }
}

/// The qualified name of a context manager call an enclosing `with` (in the
/// same function) opens, if it is one of `names`.
fn inside_with(node: Node, names: &[String], cx: &FileContext) -> Option<String> {
    cx.enclosing_with_items(node)
        .into_iter()
        .map(|w| w.qualified.unwrap_or_else(|| w.spelling.to_string()))
        .find(|q| names.contains(q))
}

/// The name or attribute a statement-level value is assigned to.
fn assignment_target<'a>(node: Node, cx: &FileContext<'a>) -> Option<&'a str> {
    let parent = node.parent()?;
    if parent.kind() != "assignment" || parent.child_by_field_name("right") != Some(node) {
        return None;
    }
    let left = parent.child_by_field_name("left")?;
    matches!(left.kind(), "identifier" | "attribute").then(|| &cx.src[left.byte_range()])
}

/// The last component of a dotted target: `_event` for `self._event`.
fn last_component(target: &str) -> &str {
    target.rsplit('.').next().unwrap_or(target)
}

/// `target.attr` for the first listed attribute the file touches on the
/// assignment target (matched by its last component, so `self._evt` in one
/// method and `self._evt` in another agree).
fn target_uses(node: Node, attrs: &[String], cx: &FileContext) -> Option<String> {
    if attrs.is_empty() {
        return None;
    }
    let target = assignment_target(node, cx)?;
    let last = last_component(target);
    for attr in cx.nodes_of_kind("attribute") {
        let name = attr.child_by_field_name("attribute").map(|n| cx.text(n));
        let Some(name) = name.filter(|n| attrs.iter().any(|a| a == n)) else {
            continue;
        };
        let Some(obj) = attr.child_by_field_name("object") else {
            continue;
        };
        if last_component(cx.text(obj)) == last {
            return Some(format!("{}.{name}", cx.text(obj)));
        }
    }
    None
}

/// `target.method()` for the first listed method whose result the file uses.
fn target_value_used(node: Node, methods: &[String], cx: &FileContext) -> Option<String> {
    if methods.is_empty() {
        return None;
    }
    let target = assignment_target(node, cx)?;
    let last = last_component(target);
    for call in cx.nodes_of_kind("call") {
        let Some(func) = call
            .child_by_field_name("function")
            .filter(|f| f.kind() == "attribute")
        else {
            continue;
        };
        let (Some(obj), Some(name)) = (
            func.child_by_field_name("object"),
            func.child_by_field_name("attribute"),
        ) else {
            continue;
        };
        if !methods.iter().any(|m| m == cx.text(name)) || last_component(cx.text(obj)) != last {
            continue;
        }
        let mut used = call.parent();
        if used.is_some_and(|p| p.kind() == "await") {
            used = used.and_then(|p| p.parent());
        }
        if used.is_none_or(|p| p.kind() != "expression_statement") {
            return Some(format!("{}()", cx.text(func)));
        }
    }
    None
}

/// The function (from `names`) the module passes the assignment target to.
fn target_passed_to(node: Node, names: &[String], cx: &FileContext) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let last = last_component(assignment_target(node, cx)?);
    cx.nodes_of_kind("call").iter().find_map(|call| {
        let q = cx.qualified(call.child_by_field_name("function")?)?;
        if !names.contains(&q) {
            return None;
        }
        let args = call.child_by_field_name("arguments")?;
        syntax::preorder(args)
            .any(|(a, _)| {
                matches!(a.kind(), "identifier" | "attribute") && last_component(cx.text(a)) == last
            })
            .then_some(q)
    })
}

/// Whether the module assigns `var` (by its last component) from a call of `func`.
fn assigned_from(var: Node, func: &str, cx: &FileContext) -> bool {
    if !matches!(var.kind(), "identifier" | "attribute") {
        return false;
    }
    let last = last_component(cx.text(var));
    cx.nodes_of_kind("assignment").iter().any(|a| {
        let left = a.child_by_field_name("left");
        let right = a.child_by_field_name("right");
        left.is_some_and(|l| {
            matches!(l.kind(), "identifier" | "attribute") && last_component(cx.text(l)) == last
        }) && right.is_some_and(|r| {
            r.kind() == "call"
                && r.child_by_field_name("function")
                    .and_then(|f| cx.qualified(f))
                    .as_deref()
                    == Some(func)
        })
    })
}
