//! Everything a transform may read about one file.

use semantic::SemanticModel;
use std::collections::HashMap;
use std::ops::Range;
use syntax::{Node, Style, Tree};

/// One parsed file with its semantic model, shared by every transform.
pub struct FileContext<'a> {
    pub src: &'a str,
    pub tree: &'a Tree,
    pub model: SemanticModel,
    pub style: &'a Style,
    /// String-literal ranges, sorted (text inside them is never re-indented).
    pub strings: Vec<Range<usize>>,
    by_kind: HashMap<&'static str, Vec<Node<'a>>>,
}

impl<'a> FileContext<'a> {
    /// Builds the semantic model and a by-kind index of nodes in one walk each.
    pub fn new(src: &'a str, tree: &'a Tree, style: &'a Style) -> Self {
        let mut by_kind: HashMap<&'static str, Vec<Node<'a>>> = HashMap::new();
        for (node, _) in syntax::preorder(tree.root_node()) {
            if node.is_named() {
                by_kind.entry(node.kind()).or_default().push(node);
            }
        }
        FileContext {
            src,
            tree,
            model: SemanticModel::build(tree, src),
            style,
            strings: syntax::string_ranges(tree),
            by_kind,
        }
    }

    /// Every named node of `kind`, in source order.
    pub fn nodes_of_kind(&self, kind: &str) -> &[Node<'a>] {
        self.by_kind.get(kind).map_or(&[], Vec::as_slice)
    }

    /// The canonical qualified name a name or attribute refers to.
    pub fn qualified(&self, node: Node) -> Option<String> {
        self.model.resolve(node, self.src)
    }

    /// The source text of a node.
    pub fn text(&self, node: Node) -> &'a str {
        syntax::text(node, self.src)
    }

    /// The indentation of the line holding `offset`.
    pub fn indent_at(&self, offset: usize) -> &'a str {
        let start = self.src[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line = &self.src[start..];
        &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
    }

    /// Whether a statement has its lines to itself: only indentation before
    /// it, and nothing but a comment after it on its last line.
    pub fn owns_its_lines(&self, stmt: Node) -> bool {
        let start = self.src[..stmt.start_byte()]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let before_ok = self.src[start..stmt.start_byte()].trim().is_empty();
        let rest = &self.src[stmt.end_byte()..];
        let line_rest = rest.split('\n').next().unwrap_or("").trim();
        before_ok && (line_rest.is_empty() || line_rest.starts_with('#'))
    }
}

impl pattern::Resolver for FileContext<'_> {
    fn qualified(&self, node: Node, src: &str) -> Option<String> {
        self.model.resolve(node, src)
    }
}
