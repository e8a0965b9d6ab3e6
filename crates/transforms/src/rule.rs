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
            let mut cursor = ancestor.walk();
            let found = ancestor
                .children_by_field_name(&f.0, &mut cursor)
                .any(|c| c.id() == child.id());
            found
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
        Some(f) => {
            let mut cursor = node.walk();
            let children: Vec<Node<'t>> = node.children_by_field_name(&f.0, &mut cursor).collect();
            children
        }
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
