//! Python source files as tree-sitter trees: decoding, parse checks, node
//! helpers, line/column lookup and the file's layout style.

mod kinds;
mod locate;
mod nodes;
mod source;
mod walk;

pub use kinds::{fields, kind_count, kind_id, kind_name, kinds, language, Fields, Kinds, NodeKind};
pub use locate::{line_end, line_start, LineIndex, Position};
pub use nodes::{
    arguments, children, code_children, dotted_names_in_text, enclosing, enclosing_scope,
    field_children, hoistable_if_condition, is_async_def, is_call_without_arguments, is_docstring,
    is_dotted, is_inside_string, is_plain_string, is_scope, name_assignment, named_children,
    names_variable, sole_await_statement, statement_anchor, string_ranges, text, SCOPE_KINDS,
};
pub use source::{decode, DecodeError, Newline, SourceText, Style};
pub use tree_sitter::{Node, Point, Tree};
pub use walk::{preorder, walk_with_parents, Preorder, Visit};

use std::cell::RefCell;

/// A tree-sitter syntax error: where the first ERROR or MISSING node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset of the first error.
    pub offset: usize,
    /// Human-readable detail ("unexpected `)`", "missing `:`").
    pub detail: String,
}

thread_local! {
    // One parser per thread: creating a parser is cheap, but not free, and
    // sharing one would need a lock on the hot path.
    static PARSER: RefCell<tree_sitter::Parser> = RefCell::new(new_parser());
}

fn new_parser() -> tree_sitter::Parser {
    use_mimalloc();
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&language())
        .expect("the bundled tree-sitter-python grammar matches the tree-sitter version");
    parser
}

/// Makes tree-sitter allocate with mimalloc instead of the C library's
/// malloc: a parse allocates and frees a node or stack entry per token, and
/// glibc's malloc took about a tenth of the parse time. Done once, before
/// the first parser exists: every tree-sitter allocation (parsers, trees,
/// cursors) starts from a parser, so none was made with the other allocator.
fn use_mimalloc() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: nothing has been allocated by tree-sitter yet (see above),
        // and the four functions are one allocator's.
        unsafe {
            tree_sitter::set_allocator(Some(tree_sitter::Allocator {
                malloc: libmimalloc_sys::mi_malloc,
                calloc: libmimalloc_sys::mi_calloc,
                realloc: libmimalloc_sys::mi_realloc,
                free: libmimalloc_sys::mi_free,
            }));
        }
    });
}

/// Parses Python source; the tree may contain ERROR nodes (see [`check`]).
pub fn parse(text: &str) -> Tree {
    PARSER.with(|p| {
        p.borrow_mut()
            .parse(text, None)
            .expect("tree-sitter returns a tree when no timeout or cancellation is set")
    })
}

/// Parses and rejects any tree with ERROR or MISSING nodes.
pub fn parse_clean(text: &str) -> Result<Tree, ParseError> {
    let tree = parse(text);
    check(&tree, text)?;
    Ok(tree)
}

/// The first syntax error in a tree, if any.
pub fn check(tree: &Tree, text: &str) -> Result<(), ParseError> {
    let root = tree.root_node();
    if !root.has_error() {
        return Ok(());
    }
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            let detail = if node.is_missing() {
                format!("missing `{}`", node.kind())
            } else {
                let t = nodes::text(node, text);
                let first = t.lines().next().unwrap_or("").trim();
                let shown: String = first.chars().take(30).collect();
                format!("unexpected `{shown}`")
            };
            return Err(ParseError {
                offset: node.start_byte(),
                detail,
            });
        }
        // Descend only into subtrees that contain the error.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return Err(ParseError {
                    offset: 0,
                    detail: "syntax error".into(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_names_are_found_in_text() {
        let src = "x: \"asyncio.Lock | None\" = Optional['a.b.', 2.5]\n";
        let names: Vec<&str> = dotted_names_in_text(src, 4..src.len() - 1)
            .map(|r| &src[r])
            .collect();
        assert_eq!(names, ["asyncio.Lock", "None", "Optional", "a.b"]);
    }

    #[test]
    fn clean_source_parses() {
        assert!(parse_clean("import asyncio\nasync def f():\n    await g()\n").is_ok());
    }

    #[test]
    fn error_is_located() {
        let src = "x = 1\ndef f(:\n    pass\n";
        let err = parse_clean(src).unwrap_err();
        let idx = LineIndex::new(src);
        assert_eq!(idx.position(err.offset).line, 2);
    }

    #[test]
    fn missing_node_is_an_error() {
        assert!(parse_clean("x = (1,\n").is_err());
    }
}

/// Parses `new_text`, reusing `old_tree` (the tree of `old_text`): `edits`
/// are the `(start, end, replacement)` byte edits, in `old_text`
/// coordinates and not overlapping, that turned `old_text` into `new_text`.
/// Unchanged regions are not parsed again, so a few small edits in a large
/// file cost little.
pub fn reparse(
    old_tree: &Tree,
    old_text: &str,
    new_text: &str,
    edits: &[(usize, usize, &str)],
) -> Tree {
    let mut tree = old_tree.clone();
    let index = LineIndex::new(old_text);
    let point = |offset: usize| {
        let line_start = index.line_start(offset);
        Point::new(index.position(offset).line - 1, offset - line_start)
    };
    let mut sorted: Vec<&(usize, usize, &str)> = edits.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.0));
    // From the last edit to the first: earlier offsets stay valid.
    for &&(start, end, content) in &sorted {
        let start_position = point(start);
        let new_end_position = match content.rfind('\n') {
            Some(i) => Point::new(
                start_position.row + content.matches('\n').count(),
                content.len() - i - 1,
            ),
            None => Point::new(start_position.row, start_position.column + content.len()),
        };
        tree.edit(&tree_sitter::InputEdit {
            start_byte: start,
            old_end_byte: end,
            new_end_byte: start + content.len(),
            start_position,
            old_end_position: point(end),
            new_end_position,
        });
    }
    PARSER.with(|p| {
        p.borrow_mut()
            .parse(new_text, Some(&tree))
            .expect("tree-sitter returns a tree when no timeout or cancellation is set")
    })
}

#[cfg(test)]
mod reparse_tests {
    use super::*;

    #[test]
    fn incremental_equals_fresh() {
        let old = "import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n    x = 2\n";
        let a = old.find("asyncio.sleep").unwrap();
        let two = old.find('2').unwrap();
        let edits = [
            (0, 14, "import anyio"),
            (a, a + 7, "anyio"),
            (two, two + 1, "(\n3)"),
        ];
        let mut new = old.to_string();
        for &(s, e, c) in edits.iter().rev() {
            new.replace_range(s..e, c);
        }
        let tree = parse(old);
        let incremental = reparse(&tree, old, &new, &edits);
        assert_eq!(
            incremental.root_node().to_sexp(),
            parse(&new).root_node().to_sexp()
        );
        assert!(!incremental.root_node().has_error());
    }
}
