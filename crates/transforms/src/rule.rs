//! When a rule of a transform file (`schema::RuleSpec`) holds for a node:
//! the relational vocabulary of `unsafe-if` / `report-if`, in the manner of
//! ast-grep's rules (docs/writing-transforms.md).

use crate::schema::{RuleSpec, StopBy};
use crate::FileContext;
use syntax::Node;

/// The `$NAME`s the patterns of a rule that held bound, with their nodes.
pub type Captures<'t> = Vec<(String, Node<'t>)>;

impl RuleSpec {
    /// Whether every key of the rule holds for `node`. What its patterns
    /// bound is added to `captures`, and only when it holds.
    pub fn holds<'t>(
        &self,
        node: Node<'t>,
        cx: &FileContext<'t>,
        captures: &mut Captures<'t>,
    ) -> bool {
        let mark = captures.len();
        let held = self.keys_hold(node, cx, captures);
        if !held {
            captures.truncate(mark);
        }
        held
    }

    fn keys_hold<'t>(
        &self,
        node: Node<'t>,
        cx: &FileContext<'t>,
        captures: &mut Captures<'t>,
    ) -> bool {
        if let Some(kinds) = &self.kind {
            if !(node.is_named() && kinds.0.iter().any(|k| k.id == node.kind_id())) {
                return false;
            }
        }
        if self
            .regex
            .as_ref()
            .is_some_and(|r| !r.0.is_match(cx.text(node)))
        {
            return false;
        }
        if let Some(conditions) = &self.is {
            if !conditions.0.iter().any(|c| c.holds(&[node], cx.src)) {
                return false;
            }
        }
        if let Some(patterns) = &self.pattern {
            let resolver = AsSpelled(cx);
            let Some((p, b)) = patterns
                .0
                .iter()
                .find_map(|p| p.0.matches(node, cx.src, &resolver).map(|b| (&p.0, b)))
            else {
                return false;
            };
            for (name, multi) in p.metavariables() {
                if let Some(n) = b.get(name).filter(|_| !multi) {
                    captures.push((name.to_string(), n));
                }
            }
        }
        if let Some(rel) = &self.inside {
            if !inside(rel, node, cx, captures) {
                return false;
            }
        }
        if let Some(rel) = &self.has {
            if !has(rel, node, cx, captures) {
                return false;
            }
        }
        if let Some(rule) = &self.references {
            if !references(rule, node, cx, captures) {
                return false;
            }
        }
        if self
            .not
            .as_ref()
            .is_some_and(|r| r.holds(node, cx, &mut Vec::new()))
        {
            return false;
        }
        if let Some(rules) = &self.any {
            if !rules.iter().any(|r| r.holds(node, cx, captures)) {
                return false;
            }
        }
        if let Some(rules) = &self.all {
            if !rules.iter().all(|r| r.holds(node, cx, captures)) {
                return false;
            }
        }
        true
    }
}

/// Whether an ancestor of `node` (reached through `rel.field`, when given)
/// satisfies `rel`, looking as far up as its `stop-by` says.
fn inside<'t>(
    rel: &RuleSpec,
    node: Node<'t>,
    cx: &FileContext<'t>,
    captures: &mut Captures<'t>,
) -> bool {
    let mut child = node;
    while let Some(ancestor) = child.parent() {
        let through = rel.field.as_ref().is_none_or(|f| {
            syntax::field_children(ancestor, &f.0)
                .iter()
                .any(|c| c.id() == child.id())
        });
        if through && rel.holds(ancestor, cx, captures) {
            return true;
        }
        if stops(rel, ancestor, cx) {
            return false;
        }
        child = ancestor;
    }
    false
}

/// Whether a descendant of `node` (the children in `rel.field`, when given,
/// and theirs) satisfies `rel`, looking as deep as its `stop-by` says; the
/// first in source order counts.
fn has<'t>(
    rel: &RuleSpec,
    node: Node<'t>,
    cx: &FileContext<'t>,
    captures: &mut Captures<'t>,
) -> bool {
    let mut stack: Vec<Node<'t>> = match &rel.field {
        Some(f) => syntax::field_children(node, &f.0),
        None => syntax::named_children(node),
    };
    stack.reverse();
    while let Some(n) = stack.pop() {
        if rel.holds(n, cx, captures) {
            return true;
        }
        if !stops(rel, n, cx) {
            stack.extend(syntax::named_children(n).into_iter().rev());
        }
    }
    false
}

/// Whether `inside` / `has` look no further than `node`.
fn stops(rel: &RuleSpec, node: Node, cx: &FileContext) -> bool {
    match &rel.stop_by {
        None | Some(StopBy::Neighbor) => true,
        Some(StopBy::End) => false,
        Some(StopBy::Rule(r)) => r.holds(node, cx, &mut Vec::new()),
    }
}

/// Whether `node` is a name or attribute and some name or attribute in the
/// module with its last name satisfies `rule` (the first in source order counts).
fn references<'t>(
    rule: &RuleSpec,
    node: Node<'t>,
    cx: &FileContext<'t>,
    captures: &mut Captures<'t>,
) -> bool {
    let Some(last) = last_name(node, cx) else {
        return false;
    };
    cx.nodes_ending_in("name", last)
        .into_iter()
        .filter(|n| last_name(*n, cx) == Some(last))
        .any(|n| rule.holds(n, cx, captures))
}

/// `lock` for `lock`, `_lock` for `self._lock`; `None` for other nodes.
fn last_name<'t>(node: Node<'t>, cx: &FileContext<'t>) -> Option<&'t str> {
    match node.kind() {
        "identifier" => Some(cx.text(node)),
        "attribute" => node.child_by_field_name("attribute").map(|a| cx.text(a)),
        _ => None,
    }
}

/// Resolves names as the file does, and one that resolves to nothing (a
/// local, or a module the run's earlier fixes are about to import: `anyio`
/// before `import anyio` is added) as it is spelled.
struct AsSpelled<'c, 't>(&'c FileContext<'t>);

impl pattern::Resolver for AsSpelled<'_, '_> {
    fn qualified(&self, node: Node, src: &str) -> Option<String> {
        self.0
            .qualified(node)
            .or_else(|| Some(syntax::text(node, src).to_string()))
    }

    fn is_reference(&self, node: Node) -> bool {
        pattern::Resolver::is_reference(self.0, node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::RuleSpec;

    /// Whether `rule` (TOML) holds for the innermost node spanning the
    /// first `at` in `src`, and what it captured, by name and text.
    fn check(src: &str, at: &str, rule: &str) -> (bool, Vec<(String, String)>) {
        let tree = syntax::parse(src);
        let style = syntax::Style::detect(src);
        let cx = FileContext::new(src, &tree, &style);
        let start = src.find(at).expect("the node's text is in the source");
        let node = syntax::preorder(tree.root_node())
            .map(|(n, _)| n)
            .filter(|n| n.start_byte() == start && n.end_byte() == start + at.len())
            .last()
            .expect("a node spans the text");
        let rule: RuleSpec = toml::from_str(rule).expect("the rule parses");
        let mut captures = Vec::new();
        let held = rule.holds(node, &cx, &mut captures);
        let shown = captures
            .into_iter()
            .map(|(name, n)| (name, cx.text(n).to_string()))
            .collect();
        (held, shown)
    }

    fn holds(src: &str, at: &str, rule: &str) -> bool {
        check(src, at, rule).0
    }

    const CLEANUP: &str = "async def f():\n    try:\n        pass\n    finally:\n        def g():\n            x()\n        y()\n";

    #[test]
    fn inside_looks_at_the_parent_unless_told_to_go_further() {
        let src = "def f():\n    return g(1)\n";
        assert!(holds(src, "1", r#"inside = { kind = "argument_list" }"#));
        assert!(!holds(
            src,
            "1",
            r#"inside = { kind = "return_statement" }"#
        ));
        assert!(holds(
            src,
            "1",
            r#"inside = { kind = "return_statement", stop-by = "end" }"#
        ));
        // A stop-by rule: the first ancestor that satisfies it is the last tested.
        let nearest_function = r#"inside = { kind = "finally_clause", stop-by = { kind = ["function_definition", "lambda"] } }"#;
        assert!(holds(CLEANUP, "y()", nearest_function));
        assert!(!holds(CLEANUP, "x()", nearest_function));
    }

    #[test]
    fn inside_with_a_field_takes_the_ancestor_only_through_it() {
        let src = "a = b\n";
        let right = r#"inside = { kind = "assignment", field = "right" }"#;
        assert!(holds(src, "b", right));
        assert!(!holds(src, "a", right));
    }

    #[test]
    fn has_looks_at_the_children_in_a_field_and_below_them_as_told() {
        let src = "with open(p) as f, lock:\n    pass\n";
        let clause = "open(p) as f, lock";
        let item = |has: &str| format!(r#"has = {{ kind = "with_item", has = {{ {has} }} }}"#);
        // The value is `open(p) as f`: the call is one level down.
        assert!(!holds(
            src,
            clause,
            &item(r#"field = "value", pattern = "open($P)""#)
        ));
        let through_as =
            r#"field = "value", stop-by = { not.kind = "as_pattern" }, pattern = "open($P)""#;
        assert_eq!(
            check(src, clause, &item(through_as)),
            (true, vec![("P".to_string(), "p".to_string())])
        );
        assert!(holds(
            src,
            clause,
            &item(r#"stop-by = "end", pattern = "open($P)""#)
        ));
    }

    #[test]
    fn references_follow_a_name_through_the_module_by_its_last_name() {
        let src = "class A:\n    def start(self):\n        self._evt = make()\n    def stop(self):\n        self._evt.clear()\n";
        let cleared = r#"references.inside = { field = "object", pattern = "$E.clear" }"#;
        assert_eq!(
            check(src, "self._evt", cleared),
            (true, vec![("E".to_string(), "self._evt".to_string())])
        );
        // Another name, and a node that is not a name at all.
        assert!(!holds("x = 1\ny.clear()\n", "x", cleared));
        assert!(!holds(src, "make()", cleared));
    }

    #[test]
    fn not_any_all_compose_and_keep_captures_only_from_what_held() {
        let src = "f(a, b)\n";
        assert!(holds(src, "a", r#"not.kind = "call""#));
        assert!(holds(
            src,
            "a",
            r#"any = [{ kind = "call" }, { kind = "identifier" }]"#
        ));
        assert!(!holds(
            src,
            "a",
            r#"all = [{ kind = "call" }, { kind = "identifier" }]"#
        ));
        // A branch that bound `$F` and then failed leaves no capture behind.
        let (held, captured) = check(
            src,
            "f(a, b)",
            r#"any = [{ pattern = "$F(a)" }, { all = [{ pattern = "$G(a, $B)" }, { kind = "tuple" }] }, { pattern = "$H($$$ARGS)" }]"#,
        );
        assert!(held);
        assert_eq!(captured, vec![("H".to_string(), "f".to_string())]);
        assert_eq!(check(src, "f(a, b)", r#"not.pattern = "$F(a)""#).1, vec![]);
    }

    #[test]
    fn regex_and_conditions_test_the_node() {
        let src = "async def f():\n    try:\n        x()\n    except E as e:\n        raise e\n";
        assert!(holds(
            src,
            "x()",
            r#"inside = { kind = "function_definition", regex = '^async\b', stop-by = "end" }"#
        ));
        assert!(holds(
            src,
            "E",
            r#"inside = { kind = "except_clause", is = "reraises", stop-by = "end" }"#
        ));
        let swallowed = "try:\n    x()\nexcept E as e:\n    raise other\n";
        assert!(!holds(
            swallowed,
            "E",
            r#"inside = { kind = "except_clause", is = "reraises", stop-by = "end" }"#
        ));
    }

    #[test]
    fn rule_patterns_take_an_unresolved_name_as_spelled() {
        // `anyio` written by an earlier fix, before its import is added.
        let src = "import asyncio\nwith anyio.fail_after(1):\n    pass\n";
        assert!(holds(
            src,
            "anyio.fail_after(1)",
            r#"pattern = "anyio.fail_after($T)""#
        ));
        // A name that resolves elsewhere does not match by spelling.
        let src = "from trio import fail_after\nwith fail_after(1):\n    pass\n";
        assert!(!holds(
            src,
            "fail_after(1)",
            r#"pattern = "anyio.fail_after($T)""#
        ));
    }
}
