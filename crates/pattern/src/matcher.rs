//! Structural matching of a compiled pattern against a target node.

use crate::{Pattern, MULTI, SINGLE};
use syntax::{text, Node};

/// What a name or dotted attribute in the target refers to.
pub trait Resolver {
    /// The canonical qualified name of an identifier or attribute node, or
    /// `None` when it is bound locally (a parameter, a variable …).
    fn qualified(&self, node: Node, src: &str) -> Option<String>;

    /// Whether a target identifier or attribute is a use of a name, not a
    /// name being defined, imported, or looked up as an attribute or keyword.
    /// The default asks the tree (slow on wide trees); a semantic model knows.
    fn is_reference(&self, node: Node) -> bool {
        is_reference_target(node)
    }
}

/// The nodes a match bound to each metavariable.
#[derive(Debug, Clone, Default)]
pub struct Bindings<'t> {
    single: Vec<(String, Node<'t>)>,
    multi: Vec<(String, Vec<Node<'t>>)>,
}

impl<'t> Bindings<'t> {
    /// A mark to go back to with [`Self::restore`]: matching only ever
    /// adds bindings, so undoing a failed branch is truncating (cheaper
    /// than keeping a copy of every binding for each branch tried).
    fn mark(&self) -> (usize, usize) {
        (self.single.len(), self.multi.len())
    }

    fn restore(&mut self, (single, multi): (usize, usize)) {
        self.single.truncate(single);
        self.multi.truncate(multi);
    }

    /// The node bound to `$NAME`.
    pub fn get(&self, name: &str) -> Option<Node<'t>> {
        self.single
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, node)| *node)
    }

    /// The nodes bound to `$$$NAME`.
    pub fn get_many(&self, name: &str) -> Option<&[Node<'t>]> {
        self.multi
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, nodes)| nodes.as_slice())
    }
}

/// Anonymous tokens that carry no meaning for a match (trailing commas,
/// parentheses around arguments).
const PUNCTUATION: &[&str] = &[",", "(", ")"];

/// Whether a node is an identifier or a chain of attributes on one, with no
/// metavariable in it.
pub(crate) fn is_dotted(node: Node, src: &str) -> bool {
    match node.kind() {
        "identifier" => !crate::is_metavariable(text(node, src)),
        "attribute" => {
            node.child_by_field_name("object")
                .is_some_and(|o| is_dotted(o, src))
                && node.child_by_field_name("attribute").is_some()
        }
        _ => false,
    }
}

/// Whether a node stands where a name is looked up (not an attribute's name,
/// a keyword argument's name or a definition's name).
pub(crate) fn is_reference_position(node: Node) -> bool {
    let Some(parent) = node.parent() else {
        return true;
    };
    let field_is = |f: &str| parent.child_by_field_name(f) == Some(node);
    match parent.kind() {
        "attribute" => !field_is("attribute"),
        "keyword_argument" | "function_definition" | "class_definition" | "default_parameter" => {
            !field_is("name")
        }
        _ => true,
    }
}

/// Whether a target node is a use of a name, not a name being defined,
/// imported, or looked up as an attribute or keyword.
fn is_reference_target(node: Node) -> bool {
    if !is_reference_position(node) {
        return false;
    }
    let Some(parent) = node.parent() else {
        return true;
    };
    !matches!(
        parent.kind(),
        "dotted_name"
            | "aliased_import"
            | "import_statement"
            | "import_from_statement"
            | "parameters"
            | "lambda_parameters"
            | "typed_parameter"
            | "typed_default_parameter"
            | "global_statement"
            | "nonlocal_statement"
    )
}

fn metavariable<'p>(node: Node, src: &'p str, prefix: &str) -> Option<&'p str> {
    let node = if node.kind() == "expression_statement" && node.named_child_count() == 1 {
        node.named_child(0)?
    } else {
        node
    };
    if node.kind() != "identifier" {
        return None;
    }
    text(node, src).strip_prefix(prefix)
}

/// The children that take part in a match: everything but comments and
/// meaningless punctuation.
fn significant(node: Node<'_>) -> Vec<Node<'_>> {
    let k = syntax::kinds();
    let mut cursor = node.walk();
    node.children(&mut cursor)
        // A comment or a backslash line continuation is layout, not code.
        .filter(|c| c.kind_id() != k.comment && c.kind_id() != k.line_continuation)
        .filter(|c| c.is_named() || !PUNCTUATION.contains(&c.kind()))
        .collect()
}

/// A pattern node with what the matcher asks of it worked out once, when
/// the pattern is compiled (a pattern is matched against many nodes).
#[derive(Debug)]
pub(crate) enum PNode {
    /// `$NAME`: any one node. `argument`: it stands in an argument list
    /// (where a keyword argument or a splat is not one); `statement`: it is
    /// a whole statement (matching only statements).
    Single {
        name: String,
        argument: bool,
        statement: bool,
    },
    /// `$$$NAME`: any run of named nodes in a sequence; alone it matches
    /// as its placeholder would.
    Multi { name: String, alone: Box<PNode> },
    /// A dotted name where a name is looked up: matched by what the target
    /// resolves to.
    Dotted(String),
    /// A token: the same kind, the same text.
    Leaf { kind: u16, text: String },
    /// The same kind, and the significant children in sequence.
    Inner { kind: u16, children: Vec<PNode> },
}

impl PNode {
    /// The compiled form of pattern node `p` of the placeholder source `src`.
    pub(crate) fn compile(p: Node, src: &str) -> PNode {
        if let Some(name) = metavariable(p, src, SINGLE) {
            return PNode::Single {
                name: name.to_string(),
                argument: p.parent().is_some_and(|pp| pp.kind() == "argument_list"),
                statement: p.kind() == "expression_statement",
            };
        }
        let plain = if is_reference_position(p) && is_dotted(p, src) {
            PNode::Dotted(text(p, src).to_string())
        } else if p.child_count() == 0 {
            PNode::Leaf {
                kind: p.kind_id(),
                text: text(p, src).to_string(),
            }
        } else {
            PNode::Inner {
                kind: p.kind_id(),
                children: significant(p)
                    .into_iter()
                    .map(|c| PNode::compile(c, src))
                    .collect(),
            }
        };
        match metavariable(p, src, MULTI) {
            Some(name) => PNode::Multi {
                name: name.to_string(),
                alone: Box::new(plain),
            },
            None => plain,
        }
    }
}

struct Matcher<'a, 't> {
    tsrc: &'a str,
    resolver: &'a dyn Resolver,
    bindings: Bindings<'t>,
}

impl<'a, 't> Matcher<'a, 't> {
    fn node(&mut self, p: &PNode, t: Node<'t>) -> bool {
        let k = syntax::kinds();
        match p {
            PNode::Single {
                name,
                argument,
                statement,
            } => {
                // A statement metavariable matches any statement; an expression
                // one anything but a comment.
                if t.kind_id() == k.comment {
                    return false;
                }
                // `$X` as an argument is one positional argument; `name=value`,
                // `*args` and `**kwargs` are matched by `$$$ARGS` or spelled out.
                if *argument
                    && matches!(
                        t.kind(),
                        "keyword_argument" | "list_splat" | "dictionary_splat"
                    )
                {
                    return false;
                }
                if *statement && !t.kind().ends_with("statement") {
                    return false;
                }
                self.bind(name, t)
            }
            PNode::Multi { alone, .. } => self.node(alone, t),
            PNode::Dotted(name) => {
                (t.kind_id() == k.identifier || t.kind_id() == k.attribute)
                    && self.resolver.is_reference(t)
                    && self.resolver.qualified(t, self.tsrc).as_deref() == Some(name.as_str())
            }
            PNode::Leaf { kind, text: want } => {
                t.kind_id() == *kind && text(t, self.tsrc) == want.as_str()
            }
            PNode::Inner { kind, children } => {
                if t.kind_id() != *kind {
                    return false;
                }
                let tc = significant(t);
                self.sequence(children, &tc)
            }
        }
    }

    fn bind(&mut self, name: &str, t: Node<'t>) -> bool {
        if let Some(prev) = self.bindings.get(name) {
            return text(prev, self.tsrc) == text(t, self.tsrc);
        }
        self.bindings.single.push((name.to_string(), t));
        true
    }

    /// Matches two child sequences, `$$$NAME` taking any run of named nodes.
    fn sequence(&mut self, p: &[PNode], t: &[Node<'t>]) -> bool {
        let Some((first, rest)) = p.split_first() else {
            return t.is_empty();
        };
        if let PNode::Multi { name, .. } = first {
            // Greedy first, backtracking to shorter runs.
            let max = t.iter().take_while(|n| n.is_named()).count();
            for take in (0..=max).rev() {
                let saved = self.bindings.mark();
                self.bindings.multi.push((name.clone(), t[..take].to_vec()));
                if self.sequence(rest, &t[take..]) {
                    return true;
                }
                self.bindings.restore(saved);
            }
            return false;
        }
        let Some((tfirst, trest)) = t.split_first() else {
            return false;
        };
        let saved = self.bindings.mark();
        if self.node(first, *tfirst) && self.sequence(rest, trest) {
            return true;
        }
        self.bindings.restore(saved);
        false
    }
}

impl Pattern {
    /// Matches the pattern's root against `target`, returning the bindings.
    pub fn matches<'t>(
        &self,
        target: Node<'t>,
        src: &str,
        resolver: &dyn Resolver,
    ) -> Option<Bindings<'t>> {
        let mut m = Matcher {
            tsrc: src,
            resolver,
            bindings: Bindings::default(),
        };
        m.node(self.compiled(), target).then_some(m.bindings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PatternKind;

    /// Resolves names by spelling, with `aio` meaning `asyncio` and `local`
    /// a local variable.
    struct Spelling;
    impl Resolver for Spelling {
        fn qualified(&self, node: Node, src: &str) -> Option<String> {
            let t = text(node, src).replace("aio.", "asyncio.");
            (!t.starts_with("local")).then_some(t)
        }
    }

    fn find<'t>(src: &str, p: &Pattern, tree: &'t syntax::Tree) -> Vec<Bindings<'t>> {
        syntax::preorder(tree.root_node())
            .filter_map(|(n, _)| p.matches(n, src, &Spelling))
            .collect()
    }

    fn names(b: &Bindings, src: &str, name: &str) -> String {
        text(b.get(name).unwrap(), src).to_string()
    }

    #[test]
    fn binds_single_metavariables_and_resolves_names() {
        let p =
            Pattern::compile("await asyncio.wait_for($X, $T)", PatternKind::Expression).unwrap();
        let src = "async def f():\n    await aio.wait_for(g(1),  # c\n        5)\n    await local.wait_for(g(), 1)\n";
        let tree = syntax::parse(src);
        let found = find(src, &p, &tree);
        assert_eq!(found.len(), 1);
        assert_eq!(names(&found[0], src, "X"), "g(1)");
        assert_eq!(names(&found[0], src, "T"), "5");
    }

    #[test]
    fn multi_metavariables_take_any_run() {
        let p = Pattern::compile("asyncio.run($F($$$ARGS))", PatternKind::Expression).unwrap();
        let src = "asyncio.run(main())\nasyncio.run(main(a, b=2,))\nasyncio.run(x)\n";
        let tree = syntax::parse(src);
        let found = find(src, &p, &tree);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].get_many("ARGS").unwrap().len(), 0);
        assert_eq!(found[1].get_many("ARGS").unwrap().len(), 2);
    }

    #[test]
    fn single_metavariables_are_positional_arguments() {
        let p = Pattern::compile("asyncio.wait_for($X, $T)", PatternKind::Expression).unwrap();
        let src = "asyncio.wait_for(\n    f(),\n    timeout=t,\n)\nasyncio.wait_for(f(), *a)\n";
        let tree = syntax::parse(src);
        assert_eq!(find(src, &p, &tree).len(), 0);
        let p =
            Pattern::compile("asyncio.wait_for($X, timeout=$T)", PatternKind::Expression).unwrap();
        assert_eq!(find(src, &p, &tree).len(), 1);
    }

    #[test]
    fn repeated_metavariables_must_agree() {
        let p = Pattern::compile("$A + $A", PatternKind::Expression).unwrap();
        let src = "x + x\nx + y\n";
        let tree = syntax::parse(src);
        assert_eq!(find(src, &p, &tree).len(), 1);
    }

    #[test]
    fn operators_and_keywords_must_agree() {
        let p = Pattern::compile("asyncio.sleep(delay=$T)", PatternKind::Expression).unwrap();
        let src = "asyncio.sleep(delay=1)\nasyncio.sleep(other=1)\nasyncio.sleep(1)\n";
        let tree = syntax::parse(src);
        assert_eq!(find(src, &p, &tree).len(), 1);
        let p = Pattern::compile("$A - $B", PatternKind::Expression).unwrap();
        let tree = syntax::parse("a + b\n");
        assert_eq!(find("a + b\n", &p, &tree).len(), 0);
    }

    #[test]
    fn statement_patterns() {
        let p = Pattern::compile(
            "try:\n    await asyncio.wait_for($X, $T)\nexcept asyncio.TimeoutError:\n    pass",
            PatternKind::Statement,
        )
        .unwrap();
        let src = "try:\n    await aio.wait_for(f(), 1)\nexcept aio.TimeoutError:\n    pass\ntry:\n    await aio.wait_for(f(), 1)\nexcept aio.TimeoutError:\n    log()\n";
        let tree = syntax::parse(src);
        assert_eq!(find(src, &p, &tree).len(), 1);
    }
}
