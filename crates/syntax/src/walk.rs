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

/// A named node seen by [`walk_with_parents`]: its parent and depth.
#[derive(Clone, Copy)]
pub struct Visit<'t> {
    pub node: Node<'t>,
    /// `node.kind_id()`, asked of tree-sitter once for every user of the walk.
    pub kind: u16,
    pub parent: Option<Node<'t>>,
    /// Named ancestors between the node and the walk's root.
    pub depth: usize,
    /// The node's index among its parent's named children.
    index: u32,
}

impl<'t> Visit<'t> {
    /// The name of the node's field in its parent, if any. Asked only where
    /// needed: tree-sitter finds it by searching the parent's children.
    pub fn field_name(&self) -> Option<&'t str> {
        self.parent?.field_name_for_named_child(self.index)
    }

    /// The node's index among its parent's named children (comments included).
    pub fn named_index(&self) -> u32 {
        self.index
    }
}

/// Nodes with at most this many children are read with `Node::child(i)`
/// (which starts from the first child each time, so quadratic in the
/// count); wider ones with a cursor, which is linear but costs more per step.
const FEW_CHILDREN: u32 = 16;

/// Every named node of the subtree at `root` (comments included), parents
/// before children, each with its parent. `Node::parent` walks down from
/// the root each time; this keeps the ancestors on a stack instead, so a
/// whole-file pass stays linear. Anonymous nodes (keywords, punctuation)
/// are not visited: about a third of a tree, and no user of the walk needs
/// them. Reading a node's children by index costs half of what tree-sitter's
/// cursor costs per node (which also stops at every anonymous node).
/// `visit` says whether to go on into the node's children.
pub fn walk_with_parents<'t>(root: Node<'t>, mut visit: impl FnMut(&Visit<'t>) -> bool) {
    let mut cursor = root.walk();
    let mut children: Vec<Node<'t>> = Vec::new();
    let mut stack: Vec<Visit<'t>> = vec![Visit {
        node: root,
        kind: root.kind_id(),
        parent: None,
        depth: 0,
        index: 0,
    }];
    while let Some(v) = stack.pop() {
        if !visit(&v) {
            continue;
        }
        let count = v.node.child_count();
        if count == 0 {
            continue;
        }
        children.clear();
        if count <= FEW_CHILDREN {
            children.extend(
                (0..count)
                    .filter_map(|i| v.node.child(i))
                    .filter(|c| c.is_named()),
            );
        } else {
            children.extend(v.node.named_children(&mut cursor));
        }
        for (i, &child) in children.iter().enumerate().rev() {
            stack.push(Visit {
                node: child,
                kind: child.kind_id(),
                parent: Some(v.node),
                depth: v.depth + 1,
                index: i as u32,
            });
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
                seen.push((v.parent.map(|p| p.kind()), v.field_name()));
                assert_eq!(v.parent, v.node.parent());
            }
            true
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
    fn named_walk_matches_preorder_on_narrow_and_wide_nodes() {
        // A list of 40 items and a module of 30 statements are read with a
        // cursor, everything else child by child: the order, the parents and
        // the field names must not depend on which.
        let items: Vec<String> = (0..40).map(|i| format!("x{i}")).collect();
        let mut src = format!("a = [{}]  # wide\n", items.join(", "));
        for i in 0..30 {
            src.push_str(&format!("f{i}(k=v.w)\n"));
        }
        let tree = crate::parse(&src);
        let expected: Vec<_> = super::preorder(tree.root_node())
            .filter(|(n, _)| n.is_named())
            .map(|(n, _)| n)
            .collect();
        let mut seen = Vec::new();
        super::walk_with_parents(tree.root_node(), |v| {
            assert_eq!(v.parent, v.node.parent());
            assert_eq!(v.kind, v.node.kind_id());
            let field = v.parent.and_then(|p| {
                let mut cursor = p.walk();
                let index = p.children(&mut cursor).position(|c| c == v.node);
                index.and_then(|i| p.field_name_for_child(i as u32))
            });
            assert_eq!(v.field_name(), field, "{}", v.node.kind());
            seen.push(v.node);
            true
        });
        assert_eq!(seen, expected);
        assert!(seen.iter().any(|n| n.kind() == "comment"));
    }

    #[test]
    fn a_visit_can_skip_a_subtree() {
        let tree = crate::parse("f(g(x), y)\n");
        let mut seen = Vec::new();
        super::walk_with_parents(tree.root_node(), |v| {
            seen.push(v.node.kind());
            v.node.kind() != "argument_list"
        });
        assert_eq!(
            seen,
            [
                "module",
                "expression_statement",
                "call",
                "identifier",
                "argument_list"
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
