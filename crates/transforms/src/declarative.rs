//! Transforms written as data: patterns, rules and templates in a TOML
//! file (`transforms/*.toml`; the format is `schema.rs`, documented in
//! docs/writing-transforms.md). A site goes through four steps: locate
//! (where the context puts it and what the fix replaces), gate (a
//! `report-if` rule or the anyio target leaves it to a person), classify
//! (safe, or unsafe and why) and render (the template in the file's layout).

use crate::conditions::Condition;
use crate::rule::Captures;
use crate::schema::{self, Context, MatchSpec, RuleSpec, TransformFile};
use crate::{FileContext, Transform, TransformInfo, Trigger};
use edit::{Applicability, Diagnostic, Edit, Fix};
use pattern::{render, Bindings, Pattern, RenderEnv, Rendered};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use syntax::Node;

struct CompiledMatch {
    spec: MatchSpec,
    /// Each spelling of the pattern, tried in order, with where its
    /// candidates come from (worked out once rather than for every file
    /// and round).
    spellings: Vec<(Pattern, Candidates)>,
}

/// The nodes a match may start at.
enum Candidates {
    /// Nodes of this kind (`call`, `await`, `name`) ending in this name.
    Anchor(&'static str, String),
    /// Calls with an argument, or a keyword argument's value, that is a
    /// name ending in this one (`$F(default_factory=asyncio.Event)`, `$D(asyncio.Lock)`).
    ArgumentValue(String),
    /// Every node of these kinds.
    Kinds(Vec<&'static str>),
}

impl Candidates {
    fn of(pattern: &Pattern) -> Candidates {
        match (pattern.anchor(), pattern.argument_anchor()) {
            (Some((kind, last)), _) => Candidates::Anchor(kind, last),
            (None, Some(last)) => Candidates::ArgumentValue(last),
            (None, None) => Candidates::Kinds(pattern.candidate_kinds()),
        }
    }

    fn nodes<'a>(&self, cx: &FileContext<'a>) -> Vec<Node<'a>> {
        match self {
            Candidates::Anchor(kind, last) => cx.nodes_ending_in(kind, last),
            Candidates::ArgumentValue(last) => cx
                .nodes_ending_in("name", last)
                .into_iter()
                .filter_map(|n| {
                    let parent = n.parent()?;
                    let list = match parent.kind() {
                        "keyword_argument" => parent.parent()?,
                        _ => parent,
                    };
                    list.parent()
                        .filter(|c| list.kind() == "argument_list" && c.kind() == "call")
                })
                // A call holding the name twice is one candidate.
                .fold(Vec::new(), |mut calls: Vec<Node<'a>>, c| {
                    if !calls.contains(&c) {
                        calls.push(c);
                    }
                    calls
                }),
            Candidates::Kinds(kinds) => kinds
                .iter()
                .flat_map(|k| cx.nodes_of_kind(k).iter().copied())
                .collect(),
        }
    }
}

/// The ranges a transform's earlier matches claimed, sorted by start: a
/// range covering a node starts at most the longest claim's length before
/// the node ends, so only those are looked at (a file with thousands of
/// fixes made a linear scan per candidate quadratic).
#[derive(Default)]
struct Claims {
    ranges: Vec<Range<usize>>,
    longest: usize,
}

impl Claims {
    fn add(&mut self, r: Range<usize>) {
        self.longest = self.longest.max(r.len());
        let at = self.ranges.partition_point(|c| c.start <= r.start);
        self.ranges.insert(at, r);
    }

    /// Whether a claimed range holds all of `node`.
    fn covers(&self, node: Range<usize>) -> bool {
        let from = node.end.saturating_sub(self.longest);
        let first = self.ranges.partition_point(|c| c.start < from);
        let last = self.ranges.partition_point(|c| c.start <= node.start);
        self.ranges[first..last.max(first)]
            .iter()
            .any(|c| node.end <= c.end)
    }
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
    /// The general code whose reports inside this one's sites it replaces.
    supersedes: Option<&'static str>,
    /// Gates every match with a template takes, before its own.
    unsafe_if: Vec<RuleSpec>,
    report_if: Vec<RuleSpec>,
    matches: Vec<CompiledMatch>,
}

/// Parses, checks and compiles one declarative transform file.
pub fn load_declarative(file_name: &str, text: &str) -> Result<Declarative, String> {
    compile(file_name, schema::parse(file_name, text)?)
}

/// Compiles a parsed declarative transform file.
pub(crate) fn compile(file_name: &str, file: TransformFile) -> Result<Declarative, String> {
    let err = |e: String| format!("{file_name}: {e}");
    if !file.is_declarative() {
        return Err(err(
            "a declarative transform needs at least one `[[match]]`".to_string(),
        ));
    }
    let info = TransformInfo::from_file(&file);
    let version = |v: &Option<String>, key: &str| {
        v.as_deref()
            .map(crate::parse_version)
            .transpose()
            .map_err(|e| err(format!("{key}: {e}")))
    };
    let min_python = version(&file.min_python, "min-python")?;
    let mut matches = Vec::new();
    for (i, spec) in file.matches.into_iter().enumerate() {
        let at = |e: String| err(format!("match {}: {e}", i + 1));
        version(&spec.min_anyio, "min-anyio").map_err(at)?;
        let spellings = spec
            .pattern
            .0
            .iter()
            .map(|text| {
                let p = Pattern::compile(text, spec.context.pattern_kind())
                    .map_err(|e| at(e.to_string()))?;
                let candidates = Candidates::of(&p);
                Ok((p, candidates))
            })
            .collect::<Result<Vec<_>, String>>()?;
        check_metavariables(&spec, &spellings, [&file.unsafe_if, &file.report_if]).map_err(at)?;
        matches.push(CompiledMatch { spec, spellings });
    }
    Ok(Declarative {
        info,
        message: file.message.unwrap_or_default(),
        hint: file.hint,
        imports: file.imports,
        requires_import: file.requires_import,
        min_python,
        unsafe_because: file.unsafe_because,
        // Lives for the run, like the transform's own code.
        supersedes: file.supersedes.map(|c| &*Box::leak(c.into_boxed_str())),
        unsafe_if: file.unsafe_if,
        report_if: file.report_if,
        matches,
    })
}

/// Every `$NAME` a match's keys name is one its pattern binds (each spelling
/// the same), or one its context provides (`$STATEMENT`, `$VALUE`), or, in a
/// gate's texts, one the gate's rule binds; and a rule binds no name the
/// pattern does (a gate's captures would be ambiguous).
fn check_metavariables(
    spec: &MatchSpec,
    spellings: &[(Pattern, Candidates)],
    file_gates: [&[RuleSpec]; 2],
) -> Result<(), String> {
    let bound: Vec<(&str, bool)> = {
        let mut names = spellings[0].0.metavariables();
        names.sort_unstable();
        names
    };
    for (p, _) in &spellings[1..] {
        let mut names = p.metavariables();
        names.sort_unstable();
        if names != bound {
            return Err(format!(
                "the spellings `{}` and `{}` bind different metavariables",
                spellings[0].0.text(),
                p.text()
            ));
        }
    }
    let single = |name: &str| bound.contains(&(name, false));
    let provided: &[&str] = match spec.context {
        Context::Statement => &["STATEMENT"],
        Context::Condition => &["STATEMENT", "VALUE"],
        _ => &[],
    };
    let none: &[&str] = &[];
    for (key, text, provided) in [
        ("template", &spec.template, provided),
        ("expression", &spec.expression, none),
    ] {
        let text = text.as_deref().unwrap_or("");
        let unknown = pattern::metavariables_in(text).into_iter().find(|m| {
            !(bound.contains(&(m.name, m.multi)) || (!m.multi && provided.contains(&m.name)))
        });
        if let Some(m) = unknown {
            return Err(format!("{key}: the pattern binds no `{}`", &text[m.range]));
        }
    }
    for (key, conds) in [("require", &spec.require), ("safe-if", &spec.safe_if)] {
        if let Some(var) = conds.keys().find(|v| !bound.iter().any(|(n, _)| n == v)) {
            return Err(format!("{key}: the pattern binds no `${var}`"));
        }
    }
    let plain = |text: &Option<String>, also: &[String], key: &str| -> Result<(), String> {
        for m in pattern::metavariables_in(text.as_deref().unwrap_or("")) {
            if m.multi || !(single(m.name) || also.iter().any(|a| a == m.name)) {
                return Err(format!("{key}: no `{}` to name here (only `$NAME`s the pattern or the gate's rule binds)", &text.as_deref().unwrap_or("")[m.range]));
            }
        }
        Ok(())
    };
    plain(&spec.message, &[], "message")?;
    plain(&spec.hint, &[], "hint")?;
    let gates = file_gates
        .into_iter()
        .flatten()
        .chain(&spec.unsafe_if)
        .chain(&spec.report_if);
    for gate in gates {
        let mut captured = Vec::new();
        captures_of(gate, &mut captured);
        if let Some(clash) = captured.iter().find(|c| bound.iter().any(|(n, _)| n == *c)) {
            return Err(format!(
                "a gate's rule binds `${clash}`, which the pattern binds too"
            ));
        }
        if let Some(var) = gate.var.as_deref().filter(|v| !single(v)) {
            return Err(format!("var: the pattern binds no `${var}`"));
        }
        plain(&gate.because, &captured, "because")?;
        plain(&gate.message, &captured, "message")?;
        plain(&gate.hint, &captured, "hint")?;
    }
    Ok(())
}

/// The `$NAME`s a rule's patterns bind where they can hold (not under `not`
/// or in `stop-by`).
fn captures_of(rule: &RuleSpec, out: &mut Vec<String>) {
    for p in rule.pattern.iter().flat_map(|ps| &ps.0) {
        out.extend(
            p.0.metavariables()
                .into_iter()
                .filter(|(_, multi)| !multi)
                .map(|(n, _)| n.to_string()),
        );
    }
    let nested = [&rule.inside, &rule.has, &rule.references];
    for sub in nested.into_iter().flatten() {
        captures_of(sub, out);
    }
    for sub in rule.any.iter().chain(&rule.all).flatten() {
        captures_of(sub, out);
    }
}

impl Transform for Declarative {
    fn info(&self) -> &TransformInfo {
        &self.info
    }

    fn triggers(&self) -> Vec<Trigger> {
        let mut triggers: Vec<Trigger> = self
            .matches
            .iter()
            .flat_map(|m| &m.spellings)
            .map(|(pattern, _)| {
                let qualified = pattern.qualified_names();
                let base = match (&self.requires_import, pattern.required_word()) {
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
                let mut all: Vec<Trigger> = pattern
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
        // A site claimed by an earlier match (or spelling) of this transform
        // is not matched again by a later, more general one.
        let mut claimed = Claims::default();
        for m in &self.matches {
            for (pattern, candidates) in &m.spellings {
                for node in candidates.nodes(cx) {
                    if claimed.covers(node.byte_range()) {
                        continue;
                    }
                    let Some(bindings) = pattern.matches(node, cx.src, cx) else {
                        continue;
                    };
                    if !conditions_hold(&m.spec.require, &bindings, cx) {
                        continue;
                    }
                    if let Some(d) = self.site(&m.spec, node, &bindings, cx) {
                        // The matched node and the replaced range both count
                        // (a callee fix replaces less than it matched).
                        let start = d.range.start.min(node.start_byte());
                        claimed.add(start..d.range.end.max(node.end_byte()));
                        out.push(d);
                    }
                }
            }
        }
    }
}

/// Whether condition `c` holds for `nodes` in this file.
fn holds(c: Condition, nodes: &[Node], cx: &FileContext) -> bool {
    match c {
        Condition::NonNegative => nodes.iter().all(|n| crate::non_negative::holds(*n, cx)),
        _ => c.holds(nodes, cx.src),
    }
}

fn conditions_hold(
    conds: &BTreeMap<String, Vec<Condition>>,
    b: &Bindings,
    cx: &FileContext,
) -> bool {
    conds.iter().all(|(var, allowed)| {
        let nodes: Vec<Node> = match (b.get(var), b.get_many(var)) {
            (Some(n), _) => vec![n],
            (None, Some(ns)) => ns.to_vec(),
            (None, None) => return false,
        };
        // Any one of the listed conditions suffices.
        allowed.iter().any(|c| holds(*c, &nodes, cx))
    })
}

/// Why `conds` do not all hold, in one clause: "`-1` is not a non-negative
/// number literal".
fn failed_condition(
    conds: &BTreeMap<String, Vec<Condition>>,
    b: &Bindings,
    cx: &FileContext,
) -> Option<String> {
    let src = cx.src;
    conds.iter().find_map(|(var, allowed)| {
        let nodes: Vec<Node> = match (b.get(var), b.get_many(var)) {
            (Some(n), _) => vec![n],
            (None, Some(ns)) => ns.to_vec(),
            (None, None) => return Some(format!("`${var}` is missing")),
        };
        if allowed.iter().any(|c| holds(*c, &nodes, cx)) {
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

/// Where a matched site is: the range its fix replaces, and for the
/// statement and condition contexts the statement it stands in.
struct Located<'t> {
    range: Range<usize>,
    statement: Option<Node<'t>>,
}

/// Where the context puts a matched node, or `None` when it rules it out.
fn locate<'t>(context: Context, node: Node<'t>, cx: &FileContext<'t>) -> Option<Located<'t>> {
    let (range, statement) = match context {
        Context::Statement => {
            // The statement the value stands for, or a simple statement
            // in which it is the only await (`total += await ...`).
            let stmt =
                syntax::statement_anchor(node).or_else(|| syntax::sole_await_statement(node))?;
            (stmt.byte_range(), Some(stmt))
        }
        Context::Condition => {
            let stmt = syntax::hoistable_if_condition(node)?;
            (stmt.byte_range(), Some(stmt))
        }
        Context::Node | Context::Expression => (node.byte_range(), None),
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
            is_exception_class(node, cx).then_some(())?;
            (node.byte_range(), None)
        }
        Context::Callee => (node.child_by_field_name("function")?.byte_range(), None),
        Context::Reference => {
            let called = node.parent().is_some_and(|p| {
                p.kind() == "call" && p.child_by_field_name("function") == Some(node)
            });
            // (Its text in an f-string is what is shown, not a call.)
            let imported = syntax::enclosing(
                node,
                &["import_statement", "import_from_statement", "interpolation"],
            )
            .is_some();
            (!called && !imported).then_some(())?;
            (node.byte_range(), None)
        }
    };
    if statement.is_some_and(|s| !cx.owns_its_lines(s)) {
        return None;
    }
    Some(Located { range, statement })
}

/// The first line of a node's text, at most 60 characters, with `…` where
/// it was cut: what `{match}` and `$NAME` stand for in a message.
fn snippet(node: Node, cx: &FileContext) -> String {
    let text = cx.text(node);
    let line = text.lines().next().unwrap_or("");
    let mut out: String = line.chars().take(60).collect();
    if out.len() < text.trim_end().len() {
        out.push('…');
    }
    out
}

/// A message, hint or reason with `{match}` replaced by the matched code
/// and each `$NAME` by the code the pattern (or the gate's rule) bound to it.
fn fill(text: &str, node: Node, b: &Bindings, captures: &Captures, cx: &FileContext) -> String {
    let text = text.replace("{match}", &snippet(node, cx));
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for m in pattern::metavariables_in(&text) {
        let bound = b.get(m.name).or_else(|| {
            captures
                .iter()
                .find(|(n, _)| n == m.name)
                .map(|(_, node)| *node)
        });
        if let Some(n) = bound.filter(|_| !m.multi) {
            out.push_str(&text[done..m.range.start]);
            out.push_str(&snippet(n, cx));
            done = m.range.end;
        }
    }
    out.push_str(&text[done..]);
    out
}

/// Whether a gate's rule holds for the site (or the node its `var` names);
/// what its patterns bound goes to `captures`.
fn gate_holds<'t>(
    gate: &RuleSpec,
    node: Node<'t>,
    b: &Bindings<'t>,
    cx: &FileContext<'t>,
    captures: &mut Captures<'t>,
) -> bool {
    let target = match gate.var.as_deref() {
        Some(var) => b.get(var),
        None => Some(node),
    };
    target.is_some_and(|t| gate.holds(t, cx, captures))
}

impl Declarative {
    /// The diagnostic for one matched site, or `None` when its context rules
    /// it out or the fix would change nothing.
    fn site(
        &self,
        spec: &MatchSpec,
        node: Node,
        b: &Bindings,
        cx: &FileContext,
    ) -> Option<Diagnostic> {
        let at = locate(spec.context, node, cx)?;
        let message = spec.message.as_ref().unwrap_or(&self.message);
        let mut diag = Diagnostic::new(
            self.info.code,
            fill(message, node, b, &Vec::new(), cx),
            at.range.clone(),
        );
        diag.supersedes = self.supersedes;
        diag.hint = spec
            .hint
            .as_ref()
            .or(self.hint.as_ref())
            .map(|h| fill(h, node, b, &Vec::new(), cx));
        let (Some(template), Some(best)) = (&spec.template, self.info.applicability) else {
            return Some(diag);
        };
        if self.reported(spec, node, b, cx, &mut diag) {
            return Some(diag);
        }
        let (mut applicability, mut notes) = self.classify(spec, best, node, b, cx);
        let (range, new_text) = render_fix(spec, template, node, b, &at, cx);
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

    /// Whether the site is left to a person: a `report-if` gate holds (its
    /// message and hint replace the diagnostic's), or the template needs a
    /// newer anyio than the target.
    fn reported(
        &self,
        spec: &MatchSpec,
        node: Node,
        b: &Bindings,
        cx: &FileContext,
        diag: &mut Diagnostic,
    ) -> bool {
        for gate in self.report_if.iter().chain(&spec.report_if) {
            let mut captures = Vec::new();
            if gate_holds(gate, node, b, cx, &mut captures) {
                let message = gate.message.as_deref().unwrap_or_default();
                diag.message = fill(message, node, b, &captures, cx);
                if let Some(hint) = &gate.hint {
                    diag.hint = Some(fill(hint, node, b, &captures, cx));
                }
                return true;
            }
        }
        let need = spec
            .min_anyio
            .as_deref()
            .filter(|v| crate::parse_version(v).is_ok_and(|need| cx.targets.anyio < need));
        if let Some(v) = need {
            diag.message = format!(
                "{}: the rewrite needs anyio {v} (--target-anyio)",
                diag.message
            );
            return true;
        }
        false
    }

    /// The fix's class, and why it is unsafe when it is: the transform's
    /// own reason, a failed `safe-if` condition, each `unsafe-if` gate that holds.
    fn classify(
        &self,
        spec: &MatchSpec,
        best: Applicability,
        node: Node,
        b: &Bindings,
        cx: &FileContext,
    ) -> (Applicability, Vec<String>) {
        let mut applicability = best;
        let mut notes = Vec::new();
        if best == Applicability::Unsafe {
            notes.extend(self.unsafe_because.clone());
        }
        if let Some(why) = failed_condition(&spec.safe_if, b, cx) {
            applicability = Applicability::Unsafe;
            notes.push(why);
        }
        for gate in self.unsafe_if.iter().chain(&spec.unsafe_if) {
            let mut captures = Vec::new();
            if gate_holds(gate, node, b, cx, &mut captures) {
                applicability = Applicability::Unsafe;
                let because = gate.because.as_deref().unwrap_or_default();
                notes.push(fill(because, node, b, &captures, cx));
            }
        }
        (applicability, notes)
    }
}

/// The range a site's fix replaces and its new text: the template rendered
/// in the file's layout, with `$STATEMENT` / `$VALUE` for their contexts.
fn render_fix(
    spec: &MatchSpec,
    template: &str,
    node: Node,
    b: &Bindings,
    at: &Located,
    cx: &FileContext,
) -> (Range<usize>, String) {
    let env = RenderEnv {
        src: cx.src,
        strings: &cx.strings,
        indent_unit: &cx.style.indent,
        newline: cx.style.newline.as_str(),
        vars: HashMap::new(),
    };
    let mut range = at.range.clone();
    let indent = cx.indent_at(range.start);
    let Some(stmt) = at.statement else {
        return (range, render(template, b, &env, indent).text);
    };
    // `$STATEMENT`: the statement with the matched part replaced.
    let (replaced, by) = match spec.context {
        Context::Condition => {
            // `(await x).ok` becomes `value.ok`, not `(value).ok`.
            let mut hoisted = node;
            while let Some(p) = hoisted
                .parent()
                .filter(|p| p.kind() == "parenthesized_expression")
            {
                hoisted = p;
            }
            let value = cx.fresh_name(stmt, "value", &[]);
            (hoisted, Rendered::literal(value, indent))
        }
        _ => {
            let expression = spec.expression.as_deref().unwrap_or("$X");
            (node, render(expression, b, &env, indent))
        }
    };
    let mut whole = Rendered::from_source(
        cx.src,
        stmt.start_byte()..replaced.start_byte(),
        &cx.strings,
    );
    whole.push(&by);
    whole.push(&Rendered::from_source(
        cx.src,
        replaced.end_byte()..stmt.end_byte(),
        &cx.strings,
    ));
    let mut vars = HashMap::from([("STATEMENT", whole)]);
    if spec.context == Context::Condition {
        vars.insert("VALUE", by);
    }
    let mut new_text = render(template, b, &RenderEnv { vars, ..env }, indent).text;
    // The `if` after a hoisted await stays as it is (its positions, and the
    // findings inside it, are kept).
    if spec.context == Context::Condition {
        let rest = &cx.src[replaced.end_byte()..range.end];
        if let Some(head) = new_text.strip_suffix(rest) {
            new_text = head.to_string();
            range.end = replaced.end_byte();
        }
    }
    (range, new_text)
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

/// Whether `node` is an exception class used as a value to test against or
/// to swallow: the class argument of `isinstance` / `issubclass` (alone or
/// in a tuple) or `pytest.raises`, an argument of `contextlib.suppress`, an
/// operand of `is` / `is not` / `==` / `!=`.
fn is_exception_class(node: Node, cx: &FileContext) -> bool {
    let mut cur = node;
    let Some(mut parent) = node.parent() else {
        return false;
    };
    while parent.kind() == "parenthesized_expression" {
        let Some(up) = parent.parent() else {
            return false;
        };
        (cur, parent) = (parent, up);
    }
    if parent.kind() == "comparison_operator" {
        let ops: Vec<&str> = syntax::children(parent)
            .into_iter()
            .filter(|c| !c.is_named())
            .map(|c| c.kind())
            .collect();
        // One operator (`a is b`, not a chain); `is not` may be two tokens.
        return matches!(ops.join(" ").as_str(), "is" | "is not" | "==" | "!=");
    }
    // `isinstance(x, (A, B))`: the tuple is the argument.
    let in_tuple = parent.kind() == "tuple";
    if in_tuple {
        let Some(up) = parent.parent() else {
            return false;
        };
        (cur, parent) = (parent, up);
    }
    if parent.kind() != "argument_list" {
        return false;
    }
    let Some(callee) = parent
        .parent()
        .filter(|c| c.kind() == "call")
        .and_then(|c| c.child_by_field_name("function"))
        .and_then(|f| cx.qualified(f))
    else {
        return false;
    };
    let args = syntax::named_children(parent);
    if args.iter().any(|a| {
        matches!(
            a.kind(),
            "list_splat" | "dictionary_splat" | "keyword_argument"
        ) && a.start_byte() < cur.start_byte()
    }) {
        return false;
    }
    let Some(index) = args
        .iter()
        .filter(|a| a.kind() != "comment")
        .position(|a| a.id() == cur.id())
    else {
        return false;
    };
    match callee.as_str() {
        "isinstance" | "issubclass" => index == 1,
        "pytest.raises" => index == 0,
        "contextlib.suppress" => !in_tuple,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transform(head: &str, rest: &str) -> Result<Declarative, String> {
        load_declarative(
            "t.toml",
            &format!(
                "code = \"AM999\"\nname = \"t\"\nsummary = \"s\"\napplicability = \"safe\"\nmessage = \"m\"\n{head}\n{rest}\n[docs]\nwhat = \"w\"\nwhy = \"y\"\nfix-safety = \"f\"\n"
            ),
        )
    }

    /// What the transform says about `src`: each diagnostic's message, its
    /// hint and its fix's class (`None`: reported).
    fn run(t: &Declarative, src: &str) -> Vec<(String, Option<String>, Option<Applicability>)> {
        let tree = syntax::parse(src);
        let style = syntax::Style::detect(src);
        let cx = FileContext::new(src, &tree, &style);
        let mut out = Vec::new();
        t.check(&cx, &mut out);
        out.into_iter()
            .map(|d| (d.message, d.hint, d.fix.map(|f| f.applicability)))
            .collect()
    }

    const EVENT: &str = r#"[[match]]
pattern = "asyncio.Event()"
template = "anyio.Event()"

[[match.report-if]]
inside = { kind = "assignment", field = "right", has = { field = "left", references.inside = { field = "object", pattern = "$EV.clear" } } }
message = "{match} is cleared (`$EV.clear`)"
hint = "use a fresh event"

[[match.unsafe-if]]
not.inside = { kind = "assignment", field = "right", has = { field = "left", kind = "identifier" } }
because = "kept in `{match}`'s caller"
"#;

    #[test]
    fn claims_cover_what_one_claimed_range_holds() {
        let mut c = super::Claims::default();
        c.add(10..20);
        c.add(0..100);
        c.add(30..35);
        assert!(c.covers(12..18) && c.covers(40..60) && c.covers(30..35));
        assert!(!c.covers(90..110) && !c.covers(150..160));
        let mut small = super::Claims::default();
        small.add(10..20);
        small.add(30..35);
        // Inside the span of both, inside neither.
        assert!(!small.covers(15..32));
        assert!(small.covers(31..34) && !small.covers(5..12));
    }

    #[test]
    fn gates_report_or_make_unsafe_and_say_why_with_what_they_matched() {
        let t = transform("", EVENT).unwrap();
        let src = "import asyncio\nready = asyncio.Event()\nready.clear()\n";
        assert_eq!(
            run(&t, src),
            vec![(
                "asyncio.Event() is cleared (`ready.clear`)".to_string(),
                Some("use a fresh event".to_string()),
                None
            )]
        );
        let src = "import asyncio\nready = asyncio.Event()\nf(asyncio.Event())\n";
        assert_eq!(
            run(&t, src),
            vec![
                ("m".to_string(), None, Some(Applicability::Safe)),
                (
                    "m (kept in `asyncio.Event()`'s caller)".to_string(),
                    None,
                    Some(Applicability::Unsafe)
                ),
            ]
        );
    }

    #[test]
    fn file_gates_take_every_match_with_a_template() {
        let head = "[[unsafe-if]]\nnot.inside = { kind = \"function_definition\", stop-by = \"end\" }\nbecause = \"at module level\"\n";
        let matches = "[[match]]\npattern = \"asyncio.Lock()\"\ntemplate = \"anyio.Lock()\"\n\n[[match]]\npattern = \"asyncio.Lock($$$ARGS)\"\nmessage = \"r\"\n";
        let t = transform(head, matches).unwrap();
        let src = "import asyncio\na = asyncio.Lock()\nb = asyncio.Lock(loop)\n";
        assert_eq!(
            run(&t, src),
            vec![
                (
                    "m (at module level)".to_string(),
                    None,
                    Some(Applicability::Unsafe)
                ),
                ("r".to_string(), None, None),
            ]
        );
    }

    #[test]
    fn a_gate_on_a_metavariable_tests_the_node_it_matched() {
        let matches = r#"[[match]]
context = "callee"
pattern = "asyncio.Condition($L)"
template = "anyio.Condition"

[[match.unsafe-if]]
var = "L"
not.references.inside = { kind = "assignment", field = "left", has = { field = "right", pattern = "asyncio.Lock()" } }
because = "`$L` is not known to be a lock"
"#;
        let t = transform("", matches).unwrap();
        let src = "import asyncio\nlk = asyncio.Lock()\nc = asyncio.Condition(lk)\nd = asyncio.Condition(other)\n";
        assert_eq!(
            run(&t, src),
            vec![
                ("m".to_string(), None, Some(Applicability::Safe)),
                (
                    "m (`other` is not known to be a lock)".to_string(),
                    None,
                    Some(Applicability::Unsafe)
                ),
            ]
        );
    }

    #[test]
    fn spellings_are_tried_in_turn_as_separate_matches() {
        // A site inside one the first spelling claimed is still matched by
        // the second (as two `[[match]]` tables would do): `print(2)` and
        // `len(print(2))` are both reported, `len(1)` inside `print(len(1))` is not.
        let t = transform(
            "",
            "[[match]]\npattern = [\"print($$$A)\", \"len($$$A)\"]\n",
        )
        .unwrap();
        let found: Vec<String> = run(&t, "print(len(1))\nlen(print(2))\n")
            .into_iter()
            .map(|(m, _, _)| m)
            .collect();
        assert_eq!(found.len(), 3, "{found:?}");
    }

    #[test]
    fn the_metavariables_a_match_names_must_be_bound() {
        let bad = |matches: &str| transform("", matches).err().unwrap();
        assert!(bad("[[match]]\npattern = [\"f($X)\", \"f(x=$Y)\"]\n")
            .contains("bind different metavariables"));
        assert!(
            bad("[[match]]\npattern = \"f($X)\"\ntemplate = \"g($Y)\"\n")
                .contains("template: the pattern binds no `$Y`")
        );
        assert!(
            bad("[[match]]\npattern = \"f($X)\"\nrequire = { Y = [\"call\"] }\n")
                .contains("require: the pattern binds no `$Y`")
        );
        assert!(bad("[[match]]\npattern = \"f($X)\"\nmessage = \"`$Y`\"\n")
            .contains("message: no `$Y`"));
        let gate = |body: &str| {
            bad(&format!(
                "[[match]]\npattern = \"f($X)\"\ntemplate = \"g($X)\"\n[[match.unsafe-if]]\n{body}\n"
            ))
        };
        assert!(gate("var = \"Y\"\nkind = \"call\"\nbecause = \"b\"")
            .contains("var: the pattern binds no `$Y`"));
        assert!(gate("inside.pattern = \"h($X)\"\nbecause = \"b\"")
            .contains("binds `$X`, which the pattern binds too"));
        assert!(
            gate("not.inside.pattern = \"h($Z)\"\nbecause = \"`$Z`\"").contains("because: no `$Z`")
        );
        // What the gate's rule binds may be named; `$STATEMENT` in a statement template.
        assert!(transform(
            "",
            "[[match]]\ncontext = \"statement\"\npattern = \"await f($X)\"\nexpression = \"$X\"\ntemplate = \"$STATEMENT\"\n[[match.unsafe-if]]\ninside.pattern = \"h($Z)\"\nbecause = \"`$Z`\"\n"
        )
        .is_ok());
    }

    #[test]
    fn every_declarative_file_loads_and_lists_code_it_must_leave_alone() {
        let mut n = 0;
        for (name, text) in crate::registry::EMBEDDED {
            // The files of the Rust rules are loaded by the registry.
            if crate::rules::RULES.iter().any(|r| name.starts_with(r.code)) {
                continue;
            }
            let t = load_declarative(name, text).unwrap_or_else(|e| panic!("{e}"));
            assert!(!t.info.valid.is_empty(), "{name} has no [[valid]] case");
            n += 1;
        }
        assert!(n >= 20, "only {n} declarative files");
    }

    #[test]
    fn a_declarative_file_has_a_match() {
        let err = transform("", "").err().unwrap();
        // A file that forgot its `[[match]]` is told what it looks like.
        assert!(
            err.contains("`message` belongs to a declarative transform, which needs at least one `[[match]]`"),
            "{err}"
        );
        let err = load_declarative(
            "t.toml",
            "code = \"AM999\"\nname = \"t\"\nsummary = \"s\"\napplicability = \"safe\"\n[docs]\nwhat = \"w\"\nwhy = \"y\"\nfix-safety = \"f\"\n",
        )
        .err()
        .unwrap();
        assert!(err.contains("needs at least one `[[match]]`"), "{err}");
    }
}
