//! The transform file format (`transforms/*.toml`, documented in
//! docs/writing-transforms.md): every key a file may hold. Parsing rejects
//! unknown keys, node kinds and field names the grammar lacks, regular
//! expressions and rule patterns that do not compile, and keys in places
//! they do not belong; `build.rs` parses every file it embeds, so such a
//! mistake fails the build. What needs more than the file (the match
//! patterns in their context, versions, the Rust rule a file without
//! `[[match]]` documents) is checked when it is loaded.

use crate::conditions::Condition;
use pattern::{Pattern, PatternKind};
use serde::de::{self, value::MapAccessDeserializer, value::SeqAccessDeserializer};
use serde::de::{IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// One transform file: a declarative transform (its `[[match]]` tables say
/// what it does), or the file of a rule written in Rust (no `[[match]]`: the
/// rule in `crates/transforms/src/rules/` with its code does the work, the
/// file holds what the rule says about itself).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TransformFile {
    pub code: String,
    pub name: String,
    pub summary: String,
    pub applicability: FileApplicability,
    /// What a diagnostic says (declarative transforms: required).
    pub message: Option<String>,
    pub hint: Option<String>,
    #[serde(default)]
    pub imports: Vec<String>,
    /// Only files that import this module are looked at (for patterns on
    /// methods of objects, like `$LOOP.call_later`, that mean asyncio only there).
    pub requires_import: Option<String>,
    /// The oldest Python the rewrite is right for (`3.11`); for an older
    /// `--target-python` the transform does nothing.
    pub min_python: Option<String>,
    /// For an `unsafe` transform: why, in one clause (every unsafe
    /// diagnostic says it).
    pub unsafe_because: Option<String>,
    /// The code of a more general transform whose reports inside this
    /// one's sites this one replaces (it says more about them).
    pub supersedes: Option<String>,
    /// Gates every match with a template takes, before its own.
    #[serde(default)]
    pub unsafe_if: Vec<RuleSpec>,
    #[serde(default)]
    pub report_if: Vec<RuleSpec>,
    /// What a declarative transform finds; none in a Rust rule's file.
    #[serde(default, rename = "match")]
    pub matches: Vec<MatchSpec>,
    pub docs: Docs,
    #[serde(default, rename = "example")]
    pub examples: Vec<Example>,
    /// Code the transform must leave unchanged.
    #[serde(default)]
    pub valid: Vec<Valid>,
}

impl TransformFile {
    /// Whether the file is a declarative transform (it has `[[match]]`
    /// tables) rather than the file of a Rust rule.
    pub fn is_declarative(&self) -> bool {
        !self.matches.is_empty()
    }
}

/// The best class a transform's fixes get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileApplicability {
    Safe,
    Unsafe,
    /// Report-only: no match has a template.
    Manual,
}

/// One `[[match]]`: where to look, what must hold, what to write.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MatchSpec {
    /// One spelling, or several tried in order as if each were its own
    /// `[[match]]` with the other keys repeated.
    pub pattern: OneOrMany<String>,
    #[serde(default)]
    pub context: Context,
    /// The new code; absent for report-only matches.
    pub template: Option<String>,
    /// Statement context: what the matched expression becomes in `$STATEMENT`.
    pub expression: Option<String>,
    /// Conditions on metavariables that must hold for the match to count at all.
    #[serde(default)]
    pub require: BTreeMap<String, Vec<Condition>>,
    /// Conditions on metavariables that make the fix safe; when one fails it
    /// is unsafe, and the diagnostic says which.
    #[serde(default)]
    pub safe_if: BTreeMap<String, Vec<Condition>>,
    /// Rules that, when they hold, make the fix unsafe (`because` says why).
    #[serde(default)]
    pub unsafe_if: Vec<RuleSpec>,
    /// Rules that, when they hold, leave the site to a person (`message` says why).
    #[serde(default)]
    pub report_if: Vec<RuleSpec>,
    pub message: Option<String>,
    pub hint: Option<String>,
    #[serde(default)]
    pub imports: Vec<String>,
    /// The anyio release that introduced what the template writes
    /// (`"4.15"`): below that `--target-anyio` the site is reported.
    pub min_anyio: Option<String>,
}

/// Where a match sits and what its template replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Context {
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
    /// The pattern is a dotted name used as a value, not called
    /// (`sleep: Callable = asyncio.sleep`, `run(asyncio.sleep)`); the
    /// template replaces it.
    Reference,
}

impl Context {
    /// Whether the pattern is a statement rather than an expression.
    pub fn pattern_kind(self) -> PatternKind {
        match self {
            Context::Node | Context::Header => PatternKind::Statement,
            _ => PatternKind::Expression,
        }
    }
}

/// A rule on a node, in the manner of ast-grep's: every key given must hold.
/// The same table is an `unsafe-if` / `report-if` entry (with `because`,
/// `message`, `hint`, `var`) and the argument of `inside` / `has` (with
/// `stop-by`, `field`); [`parse`] checks each key stands where it belongs.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleSpec {
    /// The node matches one of these patterns (by meaning, as a match's
    /// pattern; the `$NAME`s it binds can be named in a gate's texts).
    pub pattern: Option<OneOrMany<RulePattern>>,
    /// The node is of one of these kinds.
    pub kind: Option<OneOrMany<Kind>>,
    /// The node's text matches.
    pub regex: Option<Regex>,
    /// One of these conditions holds for the node.
    pub is: Option<OneOrMany<Condition>>,
    /// An ancestor satisfies the rule.
    pub inside: Option<Box<RuleSpec>>,
    /// A descendant satisfies the rule.
    pub has: Option<Box<RuleSpec>>,
    /// The node is a name or attribute, and a name or attribute anywhere in
    /// the module with the same last name (`self._lock`, `other._lock`)
    /// satisfies the rule.
    pub references: Option<Box<RuleSpec>>,
    /// The rule does not hold.
    pub not: Option<Box<RuleSpec>>,
    /// One of the rules holds.
    pub any: Option<Vec<RuleSpec>>,
    /// Every rule holds.
    pub all: Option<Vec<RuleSpec>>,
    /// `inside` / `has`: how far to look (default: the parent / the children).
    pub stop_by: Option<StopBy>,
    /// `inside` / `has`: the node is in (reached through) this field.
    pub field: Option<Field>,
    /// A gate on the node a metavariable matched rather than the matched node.
    pub var: Option<String>,
    /// `unsafe-if`: why the fix is unsafe, in one clause.
    pub because: Option<String>,
    /// `report-if`: what the diagnostic says instead.
    pub message: Option<String>,
    /// `report-if`: what a person should do, instead of the match's hint.
    pub hint: Option<String>,
}

/// How far `inside` / `has` look.
#[derive(Default)]
pub enum StopBy {
    /// Only the parent (`inside`) or the children (`has`).
    #[default]
    Neighbor,
    /// Every ancestor / every descendant.
    End,
    /// Up to the first ancestor satisfying the rule (it is tested too) /
    /// not below a descendant satisfying it.
    Rule(Box<RuleSpec>),
}

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

/// Code a transform must leave unchanged, with and without `--unsafe`
/// (`[[valid]]`): a shape it deliberately refuses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Valid {
    pub code: String,
    /// Whether the transform reports it (left to a person) rather than
    /// saying nothing at all.
    #[serde(default)]
    pub reported: bool,
}

/// A string or a list of them.
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(SeqAccessDeserializer::new(seq)).map(OneOrMany)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<'de> Deserialize<'de> for StopBy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StopBy;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"neighbor\", \"end\" or a rule")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StopBy, E> {
                match v {
                    "neighbor" => Ok(StopBy::Neighbor),
                    "end" => Ok(StopBy::End),
                    _ => Err(E::custom(format!(
                        "stop-by `{v}` is not \"neighbor\", \"end\" or a rule"
                    ))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<StopBy, A::Error> {
                RuleSpec::deserialize(MapAccessDeserializer::new(map))
                    .map(|r| StopBy::Rule(Box::new(r)))
            }
        }
        d.deserialize_any(V)
    }
}

/// A named node kind of the Python grammar, checked when the file is read.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub id: u16,
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        let id = syntax::kind_id(&name).ok_or_else(|| {
            de::Error::custom(format!(
                "`{name}` is not a node kind of the Python grammar (`cargo run -p syntax --example sexp FILE.py` prints a file's tree)"
            ))
        })?;
        Ok(Kind { id })
    }
}

/// A field name of the Python grammar (`object`, `right`), checked when the file is read.
#[derive(Debug, Clone)]
pub struct Field(pub String);

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if syntax::language().field_id_for_name(&name).is_none() {
            return Err(de::Error::custom(format!(
                "`{name}` is not a field name of the Python grammar"
            )));
        }
        Ok(Field(name))
    }
}

/// A regular expression, compiled when the file is read.
pub struct Regex(pub regex::Regex);

impl<'de> Deserialize<'de> for Regex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        regex::Regex::new(&text)
            .map(Regex)
            .map_err(|e| de::Error::custom(format!("regex `{text}`: {e}")))
    }
}

/// A pattern in a rule: an expression, or else a statement; compiled when
/// the file is read.
pub struct RulePattern(pub Pattern);

impl<'de> Deserialize<'de> for RulePattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Pattern::compile(&text, PatternKind::Expression)
            .or_else(|_| Pattern::compile(&text, PatternKind::Statement))
            .map(RulePattern)
            .map_err(de::Error::custom)
    }
}

/// Parses one transform file and checks where its rules' keys stand.
pub fn parse(file_name: &str, text: &str) -> Result<TransformFile, String> {
    let file: TransformFile = toml::from_str(text).map_err(|e| format!("{file_name}: {e}"))?;
    check(&file).map_err(|e| format!("{file_name}: {e}"))?;
    Ok(file)
}

/// What a rule stands for, for the keys only some places take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// An `unsafe-if` entry.
    UnsafeIf,
    /// A `report-if` entry.
    ReportIf,
    /// The argument of `inside` or `has`.
    Relation,
    /// The argument of `not`, `any`, `all`, `references`, `stop-by`.
    Nested,
}

fn check(file: &TransformFile) -> Result<(), String> {
    if !file.is_declarative() {
        return check_rule_file(file);
    }
    if file.message.is_none() {
        return Err("a declarative transform needs `message` (what its diagnostics say)".into());
    }
    if file.applicability == FileApplicability::Unsafe && file.unsafe_because.is_none() {
        return Err(
            "an unsafe transform needs `unsafe-because` (every unsafe diagnostic says why)".into(),
        );
    }
    check_gates(&file.unsafe_if, &file.report_if, "")?;
    for (i, m) in file.matches.iter().enumerate() {
        let at = format!("match {}: ", i + 1);
        if m.pattern.0.is_empty() {
            return Err(format!("{at}`pattern` lists no pattern"));
        }
        if m.context == Context::Statement && m.template.is_some() && m.expression.is_none() {
            return Err(format!(
                "{at}a statement-context match with a template needs `expression`"
            ));
        }
        if m.expression.is_some() && m.context != Context::Statement {
            return Err(format!(
                "{at}`expression` goes only with `context = \"statement\"`"
            ));
        }
        if file.applicability == FileApplicability::Manual && m.template.is_some() {
            return Err(format!("{at}a manual transform cannot have a template"));
        }
        if m.template.is_none() && m.min_anyio.is_some() {
            return Err(format!(
                "{at}`min-anyio` says what a template needs: this match has none"
            ));
        }
        if m.template.is_none() && !(m.unsafe_if.is_empty() && m.report_if.is_empty()) {
            return Err(format!(
                "{at}`unsafe-if` and `report-if` gate a fix: a match without a template has none"
            ));
        }
        check_gates(&m.unsafe_if, &m.report_if, &at)?;
    }
    Ok(())
}

/// A file without `[[match]]` documents a Rust rule, whose code writes its
/// own diagnostics: only the keys that say what the rule is, its docs,
/// examples and valid cases.
fn check_rule_file(file: &TransformFile) -> Result<(), String> {
    let declarative_only = [
        ("message", file.message.is_some()),
        ("hint", file.hint.is_some()),
        ("imports", !file.imports.is_empty()),
        ("requires-import", file.requires_import.is_some()),
        ("min-python", file.min_python.is_some()),
        ("unsafe-because", file.unsafe_because.is_some()),
        ("supersedes", file.supersedes.is_some()),
        ("unsafe-if", !file.unsafe_if.is_empty()),
        ("report-if", !file.report_if.is_empty()),
    ];
    match declarative_only.iter().find(|(_, given)| *given) {
        Some((key, _)) => Err(format!(
            "`{key}` belongs to a declarative transform, which needs at least one `[[match]]`; \
             a file without `[[match]]` documents the Rust rule of its code \
             (crates/transforms/src/rules/) and holds only code, name, summary, \
             applicability, docs, examples and valid cases"
        )),
        None => Ok(()),
    }
}

fn check_gates(unsafe_if: &[RuleSpec], report_if: &[RuleSpec], at: &str) -> Result<(), String> {
    for (i, r) in unsafe_if.iter().enumerate() {
        check_rule(r, Place::UnsafeIf).map_err(|e| format!("{at}unsafe-if {}: {e}", i + 1))?;
    }
    for (i, r) in report_if.iter().enumerate() {
        check_rule(r, Place::ReportIf).map_err(|e| format!("{at}report-if {}: {e}", i + 1))?;
    }
    Ok(())
}

fn check_rule(r: &RuleSpec, place: Place) -> Result<(), String> {
    let gate = matches!(place, Place::UnsafeIf | Place::ReportIf);
    let misplaced = |key: &str, ok: bool, goes: &str| -> Result<(), String> {
        if ok {
            Ok(())
        } else {
            Err(format!("`{key}` goes only {goes}"))
        }
    };
    misplaced(
        "because",
        r.because.is_none() || place == Place::UnsafeIf,
        "in an `unsafe-if` entry",
    )?;
    misplaced(
        "message",
        r.message.is_none() || place == Place::ReportIf,
        "in a `report-if` entry",
    )?;
    misplaced(
        "hint",
        r.hint.is_none() || place == Place::ReportIf,
        "in a `report-if` entry",
    )?;
    misplaced(
        "var",
        r.var.is_none() || gate,
        "in an `unsafe-if` or `report-if` entry",
    )?;
    misplaced(
        "stop-by",
        r.stop_by.is_none() || place == Place::Relation,
        "in `inside` or `has`",
    )?;
    misplaced(
        "field",
        r.field.is_none() || place == Place::Relation,
        "in `inside` or `has`",
    )?;
    if place == Place::UnsafeIf && r.because.is_none() {
        return Err(
            "an `unsafe-if` entry needs `because` (every unsafe diagnostic says why)".into(),
        );
    }
    if place == Place::ReportIf && r.message.is_none() {
        return Err("a `report-if` entry needs `message` (every report says why)".into());
    }
    let has_rule = r.pattern.is_some()
        || r.kind.is_some()
        || r.regex.is_some()
        || r.is.is_some()
        || r.inside.is_some()
        || r.has.is_some()
        || r.references.is_some()
        || r.not.is_some()
        || r.any.is_some()
        || r.all.is_some();
    // A gate with no rule always applies; a rule inside another says something.
    if !has_rule && !gate {
        return Err("a rule needs at least one of `pattern`, `kind`, `regex`, `is`, `inside`, `has`, `references`, `not`, `any`, `all`".into());
    }
    for (key, list) in [("any", &r.any), ("all", &r.all)] {
        if list.as_ref().is_some_and(Vec::is_empty) {
            return Err(format!("`{key}` lists no rule"));
        }
    }
    let empty = [
        (
            "pattern",
            r.pattern.as_ref().is_some_and(|l| l.0.is_empty()),
        ),
        ("kind", r.kind.as_ref().is_some_and(|l| l.0.is_empty())),
        ("is", r.is.as_ref().is_some_and(|l| l.0.is_empty())),
    ];
    if let Some((key, _)) = empty.iter().find(|(_, e)| *e) {
        return Err(format!("`{key}` lists nothing"));
    }
    for (key, sub) in [("inside", &r.inside), ("has", &r.has)] {
        if let Some(sub) = sub {
            check_rule(sub, Place::Relation).map_err(|e| format!("{key}: {e}"))?;
        }
    }
    for (key, sub) in [("not", &r.not), ("references", &r.references)] {
        if let Some(sub) = sub {
            check_rule(sub, Place::Nested).map_err(|e| format!("{key}: {e}"))?;
        }
    }
    for (key, list) in [("any", &r.any), ("all", &r.all)] {
        for (i, sub) in list.iter().flatten().enumerate() {
            check_rule(sub, Place::Nested).map_err(|e| format!("{key} {}: {e}", i + 1))?;
        }
    }
    if let Some(StopBy::Rule(sub)) = &r.stop_by {
        check_rule(sub, Place::Nested).map_err(|e| format!("stop-by: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with `matches` as its `[[match]]` tables.
    fn file(matches: &str) -> String {
        format!(
            "code = \"AM999\"\nname = \"t\"\nsummary = \"s\"\napplicability = \"safe\"\nmessage = \"m\"\n\n{matches}\n[docs]\nwhat = \"w\"\nwhy = \"y\"\nfix-safety = \"f\"\n"
        )
    }

    fn error(matches: &str) -> String {
        match parse("t.toml", &file(matches)) {
            Ok(_) => panic!("accepted:\n{matches}"),
            Err(e) => e,
        }
    }

    const FIX: &str =
        "[[match]]\npattern = \"asyncio.sleep($T)\"\ntemplate = \"anyio.sleep($T)\"\n";

    #[test]
    fn a_well_formed_file_parses() {
        let f = parse(
            "t.toml",
            &file(&format!(
                "{FIX}\n[[match.unsafe-if]]\nnot.inside = {{ kind = [\"finally_clause\", \"except_clause\"], stop-by = \"end\" }}\nbecause = \"b\"\n\n[[valid]]\ncode = \"x = 1\\n\"\n"
            )),
        )
        .unwrap();
        assert_eq!(f.matches[0].pattern.0, vec!["asyncio.sleep($T)"]);
        assert_eq!(f.matches[0].unsafe_if.len(), 1);
        assert!(!f.valid[0].reported);
    }

    /// The file of a Rust rule: no `[[match]]`, no `message`.
    const RULE_FILE: &str = "code = \"AM999\"\nname = \"t\"\nsummary = \"s\"\napplicability = \"unsafe\"\n\n[docs]\nwhat = \"w\"\nwhy = \"y\"\nfix-safety = \"f\"\n\n[[example]]\nbefore = \"a\\n\"\nafter = \"b\\n\"\nunsafe-fixes = true\n\n[[valid]]\ncode = \"x = 1\\n\"\n";

    #[test]
    fn a_rust_rule_file_holds_what_the_rule_is_and_nothing_of_a_match() {
        let f = parse("t.toml", RULE_FILE).unwrap();
        assert!(!f.is_declarative() && f.message.is_none());
        assert_eq!((f.examples.len(), f.valid.len()), (1, 1));
        // Its diagnostics are the rule's own: no file-level message, gate or reason.
        for key in [
            "message = \"m\"",
            "hint = \"h\"",
            "imports = [\"anyio\"]",
            "unsafe-because = \"u\"",
            "requires-import = \"asyncio\"",
            "supersedes = \"AM901\"",
        ] {
            let text = RULE_FILE.replace("\n\n[docs]", &format!("\n{key}\n\n[docs]"));
            let key = key.split(' ').next().unwrap();
            let e = parse("t.toml", &text).err().unwrap();
            assert!(
                e.contains(&format!("`{key}` belongs to a declarative transform")),
                "{e}"
            );
        }
        // Still checked like any file: unknown keys and malformed valid cases.
        assert!(parse(
            "t.toml",
            &RULE_FILE.replace("[docs]", "[docs]\nhow = \"x\"")
        )
        .err()
        .unwrap()
        .contains("unknown field `how`"));
        assert!(parse("t.toml", &format!("{RULE_FILE}reported = \"yes\"\n"))
            .err()
            .unwrap()
            .contains("invalid type"));
        // A declarative file needs its message.
        assert!(parse("t.toml", &file(FIX).replace("message = \"m\"\n", ""))
            .err()
            .unwrap()
            .contains("needs `message`"));
    }

    #[test]
    fn unknown_keys_kinds_and_fields_are_errors() {
        assert!(error(&format!("{FIX}safe-only-in-cleanup = true\n"))
            .contains("unknown field `safe-only-in-cleanup`"));
        assert!(error(&format!(
            "{FIX}[[match.unsafe-if]]\ninside.kind = \"finaly_clause\"\nbecause = \"b\"\n"
        ))
        .contains("`finaly_clause` is not a node kind"));
        assert!(error(&format!(
            "{FIX}[[match.unsafe-if]]\ninside = {{ kind = \"assignment\", field = \"rhs\" }}\nbecause = \"b\"\n"
        ))
        .contains("`rhs` is not a field name"));
        assert!(error(&format!(
            "{FIX}[[match.unsafe-if]]\ninside = {{ kind = \"call\", stop-by = \"far\" }}\nbecause = \"b\"\n"
        ))
        .contains("stop-by `far`"));
        assert!(error(&format!(
            "{FIX}[[match.unsafe-if]]\nis = \"positive\"\nbecause = \"b\"\n"
        ))
        .contains("unknown variant `positive`"));
        assert!(error(&format!(
            "{FIX}[[match.unsafe-if]]\nregex = \"(\"\nbecause = \"b\"\n"
        ))
        .contains("regex `(`"));
        assert!(error(&format!(
            "{FIX}[[match.unsafe-if]]\npattern = \"f(\"\nbecause = \"b\"\n"
        ))
        .contains("pattern `f(`"));
    }

    #[test]
    fn keys_stand_only_where_they_belong() {
        let gate = |table: &str, body: &str| error(&format!("{FIX}[[match.{table}]]\n{body}\n"));
        assert!(gate(
            "report-if",
            "kind = \"call\"\nmessage = \"m\"\nbecause = \"b\""
        )
        .contains("report-if 1: `because` goes only in an `unsafe-if` entry"));
        assert!(gate("unsafe-if", "kind = \"call\"").contains("needs `because`"));
        assert!(gate("report-if", "kind = \"call\"").contains("needs `message`"));
        assert!(gate(
            "unsafe-if",
            "kind = \"call\"\nstop-by = \"end\"\nbecause = \"b\""
        )
        .contains("`stop-by` goes only in `inside` or `has`"));
        assert!(
            gate("unsafe-if", "not = { field = \"left\" }\nbecause = \"b\"")
                .contains("not: `field` goes only in `inside` or `has`")
        );
        assert!(gate(
            "unsafe-if",
            "inside = { var = \"X\", kind = \"call\" }\nbecause = \"b\""
        )
        .contains("inside: `var` goes only in an `unsafe-if` or `report-if` entry"));
        assert!(gate("unsafe-if", "not = { }\nbecause = \"b\"").contains("not: a rule needs"));
        assert!(gate("unsafe-if", "any = []\nbecause = \"b\"").contains("`any` lists no rule"));
        assert!(gate("unsafe-if", "kind = []\nbecause = \"b\"").contains("`kind` lists nothing"));
    }

    #[test]
    fn matches_are_checked_against_their_template_and_context() {
        let report = "[[match]]\npattern = \"asyncio.sleep($T)\"\n";
        assert!(error(&format!(
            "{report}[[match.unsafe-if]]\nkind = \"call\"\nbecause = \"b\"\n"
        ))
        .contains("a match without a template has none"));
        assert!(error(&format!("{report}min-anyio = \"4.15\"\n")).contains("`min-anyio`"));
        assert!(error(
            "[[match]]\ncontext = \"statement\"\npattern = \"await f($X)\"\ntemplate = \"$STATEMENT\"\n"
        )
        .contains("needs `expression`"));
        assert!(error(&format!("{FIX}expression = \"$T\"\n")).contains("`expression` goes only"));
        assert!(error("[[match]]\npattern = []\n").contains("lists no pattern"));
        let manual = file(FIX).replace("\"safe\"", "\"manual\"");
        assert!(parse("t.toml", &manual)
            .err()
            .unwrap()
            .contains("a manual transform cannot have a template"));
        let unsafe_ = file(FIX).replace("\"safe\"", "\"unsafe\"");
        assert!(parse("t.toml", &unsafe_)
            .err()
            .unwrap()
            .contains("needs `unsafe-because`"));
    }
}
