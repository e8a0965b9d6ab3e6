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
