//! Turning pattern text into a parsed pattern.

use crate::matcher::PNode;
use std::fmt;
use syntax::{Node, Tree};

/// What a pattern's root is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// One expression (`asyncio.sleep($T)`).
    Expression,
    /// One statement, possibly compound (`try: … except …: …`).
    Statement,
}

/// A compiled pattern: the parsed placeholder source and the path to its root.
pub struct Pattern {
    source: String,
    tree: Tree,
    kind: PatternKind,
    original: String,
    /// The root as the matcher reads it.
    compiled: PNode,
}

/// A pattern that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pattern `{}`: {}", self.pattern, self.reason)
    }
}

impl std::error::Error for PatternError {}

/// The node a pattern of this kind matches with, in its checked tree.
fn root_of(tree: &Tree, kind: PatternKind) -> Node<'_> {
    let stmt = tree
        .root_node()
        .named_children(&mut tree.walk())
        .find(|n| n.kind() != "comment")
        .expect("checked at compile time");
    match kind {
        PatternKind::Expression => stmt.named_child(0).expect("checked at compile time"),
        PatternKind::Statement => stmt,
    }
}

/// A `$NAME` or `$$$NAME` in a pattern, a template or a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metavariable<'s> {
    /// Where it stands, `$`s included.
    pub range: std::ops::Range<usize>,
    pub name: &'s str,
    /// `$$$NAME` (a run of nodes) rather than `$NAME`.
    pub multi: bool,
}

/// Every metavariable in `text`, in order; a `$` not followed by a name is
/// plain text.
pub fn metavariables_in(text: &str) -> Vec<Metavariable<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = text[from..].find('$').map(|p| p + from) {
        let after = &text[pos..];
        let (multi, skip) = if after.starts_with("$$$") {
            (true, 3)
        } else {
            (false, 1)
        };
        let name_len = after[skip..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len() - skip);
        if name_len == 0 {
            from = pos + 1;
            continue;
        }
        let end = pos + skip + name_len;
        out.push(Metavariable {
            range: pos..end,
            name: &text[pos + skip..end],
            multi,
        });
        from = end;
    }
    out
}

/// Replaces `$$$NAME` and `$NAME` with identifiers the grammar accepts.
pub(crate) fn substitute_metavariables(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut done = 0;
    for m in metavariables_in(text) {
        out.push_str(&text[done..m.range.start]);
        out.push_str(if m.multi { crate::MULTI } else { crate::SINGLE });
        out.push_str(m.name);
        done = m.range.end;
    }
    out.push_str(&text[done..]);
    out
}

impl Pattern {
    /// Parses `text` as a pattern of the given kind.
    pub fn compile(text: &str, kind: PatternKind) -> Result<Pattern, PatternError> {
        let err = |reason: &str| PatternError {
            pattern: text.to_string(),
            reason: reason.to_string(),
        };
        let source = substitute_metavariables(text.trim());
        let tree = syntax::parse_clean(&source)
            .map_err(|e| err(&format!("does not parse: {}", e.detail)))?;
        let module = tree.root_node();
        let statements = syntax::code_children(module);
        if statements.len() != 1 {
            return Err(err("must be exactly one expression or statement"));
        }
        if kind == PatternKind::Expression {
            let stmt = statements[0];
            let only = stmt.named_child(0).map(|c| c.kind());
            if stmt.kind() != "expression_statement"
                || stmt.named_child_count() != 1
                || matches!(only, Some("assignment" | "augmented_assignment"))
            {
                return Err(err("an expression pattern must be one expression"));
            }
        }
        let compiled = PNode::compile(root_of(&tree, kind), &source);
        Ok(Pattern {
            source,
            tree,
            kind,
            original: text.trim().to_string(),
            compiled,
        })
    }

    /// The node the pattern matches with.
    pub fn root(&self) -> Node<'_> {
        root_of(&self.tree, self.kind)
    }

    /// The root as the matcher reads it.
    pub(crate) fn compiled(&self) -> &PNode {
        &self.compiled
    }

    /// The kind of node this pattern can match (the root's kind).
    pub fn root_kind(&self) -> &'static str {
        syntax::kind_name(self.root().kind_id())
    }

    /// The node kinds a match can start at: a bare dotted name (`asyncio.TimeoutError`)
    /// can match a plain name imported from the module, so both kinds.
    pub fn candidate_kinds(&self) -> Vec<&'static str> {
        let root = self.root();
        if crate::matcher::is_dotted(root, &self.source) {
            vec!["attribute", "identifier"]
        } else {
            vec![syntax::kind_name(root.kind_id())]
        }
    }

    /// For a call whose function is a metavariable (`$F(default_factory=asyncio.Event)`,
    /// `$D(asyncio.Lock)`): the last name of a dotted argument, or of a
    /// keyword argument's value (`Event`, `Lock`). A match is then the call
    /// above a name spelled that way (name, keyword argument if any,
    /// argument list, call).
    pub fn argument_anchor(&self) -> Option<String> {
        let root = self.root();
        if root.kind() != "call" {
            return None;
        }
        let function = root.child_by_field_name("function")?;
        let metavariable = |n: Node| crate::is_metavariable(syntax::text(n, &self.source));
        if !metavariable(function) {
            return None;
        }
        let args = root.child_by_field_name("arguments")?;
        syntax::named_children(args).into_iter().find_map(|a| {
            let value = match a.kind() {
                "keyword_argument" => a.child_by_field_name("value")?,
                _ => a,
            };
            let value = Some(value).filter(|v| v.kind() == "attribute")?;
            let name = value.child_by_field_name("attribute")?;
            (!metavariable(name) && crate::matcher::is_dotted(value, &self.source))
                .then(|| syntax::text(name, &self.source).to_string())
        })
    }

    /// The last name a match must end in, by root kind: `sleep` for
    /// `asyncio.sleep($T)` (a call), `wait_for` for `await asyncio.wait_for(…)`,
    /// `TimeoutError` for `asyncio.TimeoutError`. Lets a caller look only at
    /// nodes spelled that way; `None` when the pattern has no such name.
    pub fn anchor(&self) -> Option<(&'static str, String)> {
        let root = self.root();
        let last_name = |n: Node| -> Option<String> {
            let name = match n.kind() {
                "identifier" => n,
                "attribute" => n.child_by_field_name("attribute")?,
                _ => return None,
            };
            let t = syntax::text(name, &self.source);
            (!crate::is_metavariable(t)).then(|| t.to_string())
        };
        match root.kind() {
            "call" => Some(("call", last_name(root.child_by_field_name("function")?)?)),
            "await" => {
                let call = root.named_child(0).filter(|c| c.kind() == "call")?;
                Some(("await", last_name(call.child_by_field_name("function")?)?))
            }
            _ if crate::matcher::is_dotted(root, &self.source) => Some(("name", last_name(root)?)),
            _ => None,
        }
    }

    /// The names of the metavariables a match binds, each once, in the
    /// order they appear: `(name, true)` for `$$$NAME`, `(name, false)` for `$NAME`.
    pub fn metavariables(&self) -> Vec<(&str, bool)> {
        let mut out: Vec<(&str, bool)> = Vec::new();
        let mut stack = vec![&self.compiled];
        while let Some(p) = stack.pop() {
            let found = match p {
                PNode::Single { name, .. } => Some((name.as_str(), false)),
                PNode::Multi { name, .. } => Some((name.as_str(), true)),
                _ => None,
            };
            if let Some(v) = found.filter(|v| !out.contains(v)) {
                out.push(v);
            }
            match p {
                PNode::Inner { children, .. } => stack.extend(children.iter().rev()),
                PNode::Multi { alone, .. } => stack.push(alone),
                _ => {}
            }
        }
        out
    }

    /// Whether the pattern is an expression or a statement.
    pub fn kind(&self) -> PatternKind {
        self.kind
    }

    /// The pattern as written.
    pub fn text(&self) -> &str {
        &self.original
    }

    /// A word every file this pattern can match must contain: the module a
    /// qualified name resolves through (`asyncio`), or else the longest
    /// literal identifier (`run_in_executor`). `None` when the pattern is all
    /// metavariables.
    pub fn required_word(&self) -> Option<String> {
        let qualified = self.qualified_names();
        if let Some(q) = qualified
            .iter()
            .find(|q| q.contains('.'))
            .or(qualified.first())
        {
            return q.split('.').next().map(str::to_string);
        }
        syntax::preorder(self.root())
            .filter(|(n, _)| n.kind() == "identifier")
            .map(|(n, _)| syntax::text(n, &self.source))
            .filter(|t| !crate::is_metavariable(t))
            .max_by_key(|t| t.len())
            .map(str::to_string)
    }

    /// Words every file this pattern can match contains: its anchor's name
    /// (see [`Self::anchor`]), and the last component of every name it
    /// matches by meaning (`gather` for `asyncio.gather`). A name resolves
    /// to `asyncio.gather` only as an attribute ending in `gather`, as a
    /// builtin of that name, or through an import statement that spells
    /// `gather`; qualified names are normalized without losing their last
    /// component.
    pub fn required_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .qualified_names()
            .iter()
            .filter_map(|q| q.rsplit('.').next())
            .map(str::to_string)
            .chain(self.anchor().map(|(_, last)| last))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Every dotted name the pattern matches by meaning (`asyncio.sleep`);
    /// their first components are the words a file must contain to match.
    pub fn qualified_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (node, _) in syntax::preorder(self.root()) {
            if crate::matcher::is_reference_position(node)
                && crate::matcher::is_dotted(node, &self.source)
                && !node.parent().is_some_and(|p| {
                    p.kind() == "attribute" && crate::matcher::is_dotted(p, &self.source)
                })
            {
                out.push(syntax::text(node, &self.source).to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metavariables_become_identifiers() {
        assert_eq!(
            substitute_metavariables("f($X, $$$ARGS, k=$V_2) + '$'"),
            "f(__mv_X, __mvs_ARGS, k=__mv_V_2) + '$'"
        );
        assert_eq!(substitute_metavariables("$$$ $x"), "$$$ __mv_x");
        let found: Vec<(&str, bool)> = metavariables_in("`$OBJ.acquire()` $$$ARGS $ {match}")
            .iter()
            .map(|m| (m.name, m.multi))
            .collect();
        assert_eq!(found, vec![("OBJ", false), ("ARGS", true)]);
    }

    #[test]
    fn expression_root() {
        let p =
            Pattern::compile("await asyncio.wait_for($X, $T)", PatternKind::Expression).unwrap();
        assert_eq!(p.root_kind(), "await");
        assert_eq!(p.qualified_names(), vec!["asyncio.wait_for".to_string()]);
        assert_eq!(p.required_word().as_deref(), Some("asyncio"));
        assert_eq!(p.anchor(), Some(("await", "wait_for".to_string())));
        assert_eq!(p.required_names(), vec!["wait_for".to_string()]);
        let p = Pattern::compile("$L.run_in_executor(None, $F)", PatternKind::Expression).unwrap();
        assert_eq!(p.required_word().as_deref(), Some("run_in_executor"));
        assert_eq!(p.required_names(), vec!["run_in_executor".to_string()]);
        let p =
            Pattern::compile("$TG.start_soon(asyncio.sleep, $T)", PatternKind::Expression).unwrap();
        assert_eq!(p.required_names(), vec!["sleep", "start_soon"]);
    }

    #[test]
    fn metavariables_in_order() {
        let p =
            Pattern::compile("f($X, g($$$ARGS), $X, $T.$ATTR)", PatternKind::Expression).unwrap();
        assert_eq!(
            p.metavariables(),
            vec![("X", false), ("ARGS", true), ("T", false), ("ATTR", false)]
        );
        let p = Pattern::compile("asyncio.sleep(1)", PatternKind::Expression).unwrap();
        assert!(p.metavariables().is_empty());
    }

    #[test]
    fn statement_root() {
        let p = Pattern::compile(
            "try:\n    await $X\nexcept TimeoutError:\n    pass",
            PatternKind::Statement,
        )
        .unwrap();
        assert_eq!(p.root_kind(), "try_statement");
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert!(Pattern::compile("f(", PatternKind::Expression).is_err());
        assert!(Pattern::compile("a\nb", PatternKind::Expression).is_err());
        assert!(Pattern::compile("x = 1", PatternKind::Expression).is_err());
    }
}
