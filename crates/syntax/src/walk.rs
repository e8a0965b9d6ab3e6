//! Iterative tree walks: no recursion, so deeply nested expressions cannot
//! overflow the stack.

use tree_sitter::{Node, TreeCursor};

/// Pre-order traversal of a subtree, with each node's depth below `root`.
pub struct Preorder<'t> {
    cursor: TreeCursor<'t>,
    depth: usize,
    done: bool,
}

impl<'t> Iterator for Preorder<'t> {
    type Item = (Node<'t>, usize);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = (self.cursor.node(), self.depth);
        if self.cursor.goto_first_child() {
            self.depth += 1;
        } else {
            loop {
                if self.depth == 0 {
                    self.done = true;
                    break;
                }
                if self.cursor.goto_next_sibling() {
                    break;
                }
                self.cursor.goto_parent();
                self.depth -= 1;
            }
        }
        Some(item)
    }
}

/// A node seen by [`walk_with_parents`]: its parent and its field in it.
#[derive(Clone, Copy)]
pub struct Visit<'c, 't> {
    pub node: Node<'t>,
    /// `node.kind_id()` and `node.is_named()`, asked of tree-sitter once
    /// for every user of the walk.
    pub kind: u16,
    pub named: bool,
    pub parent: Option<Node<'t>>,
    pub depth: usize,
    cursor: &'c TreeCursor<'t>,
}

impl Visit<'_, '_> {
    /// The id of the node's field in its parent (see [`crate::fields`]), if
    /// any. Asked only where needed: tree-sitter finds it by searching the
    /// parent's field map.
    pub fn field(&self) -> Option<u16> {
        self.cursor.field_id().map(|f| f.get())
    }
}

/// Every node of the subtree at `root`, parents before children, each with
/// its parent and field name. `Node::parent` walks down from the root each
/// time; this keeps the ancestors on a stack instead, so a whole-file pass
/// stays linear.
pub fn walk_with_parents<'t>(root: Node<'t>, mut visit: impl FnMut(&Visit<'_, 't>)) {
    let mut cursor = root.walk();
    let mut ancestors: Vec<Node> = Vec::new();
    loop {
        let node = cursor.node();
        visit(&Visit {
            node,
            kind: node.kind_id(),
            named: node.is_named(),
            parent: ancestors.last().copied(),
            depth: ancestors.len(),
            cursor: &cursor,
        });
        if cursor.goto_first_child() {
            ancestors.push(node);
            continue;
        }
        loop {
            if ancestors.is_empty() {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            cursor.goto_parent();
            ancestors.pop();
        }
    }
}

/// Every node of the subtree at `root`, parents before children.
pub fn preorder(root: Node<'_>) -> Preorder<'_> {
    Preorder {
        cursor: root.walk(),
        depth: 0,
        done: false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parents_and_fields_are_reported() {
        let tree = crate::parse("x.y = f(a=1)\n");
        let mut seen = Vec::new();
        super::walk_with_parents(tree.root_node(), |v| {
            if v.node.kind() == "identifier" {
                let field = v
                    .field()
                    .and_then(|f| crate::language().field_name_for_id(f));
                seen.push((v.parent.map(|p| p.kind()), field));
                assert_eq!(v.parent, v.node.parent());
            }
        });
        assert_eq!(
            seen,
            vec![
                (Some("attribute"), Some("object")),
                (Some("attribute"), Some("attribute")),
                (Some("call"), Some("function")),
                (Some("keyword_argument"), Some("name")),
            ]
        );
    }

    #[test]
    fn visits_every_node_once_and_stays_in_subtree() {
        let tree = crate::parse("a = 1\nb = 2\n");
        let all = super::preorder(tree.root_node()).count();
        assert_eq!(all, tree.root_node().descendant_count());
        let first = tree.root_node().named_child(0).unwrap();
        let sub: Vec<_> = super::preorder(first).map(|(n, _)| n.kind()).collect();
        assert_eq!(sub.first(), Some(&"expression_statement"));
        assert!(!sub.contains(&"module"));
        assert_eq!(sub.iter().filter(|k| **k == "integer").count(), 1);
    }
}
