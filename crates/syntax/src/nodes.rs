//! Small helpers over tree-sitter nodes.

use tree_sitter::{Node, Tree};

/// The source text of a node.
pub fn text<'s>(node: Node, src: &'s str) -> &'s str {
    &src[node.byte_range()]
}

/// All children of a node, named or not.
pub fn children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

/// The named children of a node, comments included.
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// The children of a node in field `field` (several where the field
/// repeats: the names of `import a, b`).
pub fn field_children<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children_by_field_name(field, &mut cursor).collect()
}

/// The named children of a node without its comments: the elements of a
/// list or tuple, the arguments of an argument list, the statements of a block.
pub fn code_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|c| c.kind() != "comment")
        .collect()
}

/// The arguments of a call, without comments.
pub fn arguments(call: Node<'_>) -> Vec<Node<'_>> {
    call.child_by_field_name("arguments")
        .map(code_children)
        .unwrap_or_default()
}

/// Whether `node` is a call with nothing between its parentheses: `f()`,
/// not `f(x)`, nor `f(  # why\n)` (a comment there counts as something).
pub fn is_call_without_arguments(node: Node) -> bool {
    node.kind() == "call"
        && node
            .child_by_field_name("arguments")
            .is_some_and(|a| a.named_child_count() == 0)
}

/// Whether an identifier names a variable: not an attribute's member
/// (`x.t`) or a keyword argument's name (`f(t=…)`).
pub fn names_variable(node: Node) -> bool {
    match node.parent() {
        Some(p) if p.kind() == "attribute" => p.child_by_field_name("attribute") != Some(node),
        Some(p) if p.kind() == "keyword_argument" => p.child_by_field_name("name") != Some(node),
        _ => true,
    }
}

/// A name, or a chain of attributes on one (`fetch`, `self.client.get`).
pub fn is_dotted(node: Node) -> bool {
    match node.kind() {
        "identifier" => true,
        "attribute" => node.child_by_field_name("object").is_some_and(is_dotted),
        _ => false,
    }
}

/// The nodes that open a scope of their own: what is inside cannot see the
/// local names around them.
pub const SCOPE_KINDS: [&str; 3] = ["function_definition", "lambda", "class_definition"];

/// Whether a node is a function, a lambda or a class ([`SCOPE_KINDS`]).
pub fn is_scope(node: Node) -> bool {
    SCOPE_KINDS.contains(&node.kind())
}

/// The innermost function, lambda or class around `node` (not `node` itself).
pub fn enclosing_scope(node: Node<'_>) -> Option<Node<'_>> {
    enclosing(node, &SCOPE_KINDS)
}

/// The nearest ancestor (not the node itself) whose kind is one of `kinds`.
pub fn enclosing<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if kinds.contains(&n.kind()) {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

/// `name = value` as a statement (an annotation `name: T = value` too): the
/// name and the value.
pub fn name_assignment(stmt: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    if stmt.kind() != "expression_statement" {
        return None;
    }
    let assign = stmt.named_child(0).filter(|a| a.kind() == "assignment")?;
    let left = assign
        .child_by_field_name("left")
        .filter(|l| l.kind() == "identifier")?;
    Some((left, assign.child_by_field_name("right")?))
}

/// The statement an expression stands for when it is "statement-level": the
/// whole expression of an expression statement, the right side of a plain
/// assignment statement, or the value of a `return`.
pub fn statement_anchor(expr: Node<'_>) -> Option<Node<'_>> {
    let parent = expr.parent()?;
    match parent.kind() {
        "expression_statement" if parent.named_child_count() == 1 => Some(parent),
        "return_statement" => Some(parent),
        "assignment" if parent.child_by_field_name("right") == Some(expr) => {
            let stmt = parent.parent()?;
            (stmt.kind() == "expression_statement" && stmt.named_child_count() == 1).then_some(stmt)
        }
        _ => None,
    }
}

/// The simple statement (an expression statement, a `return` or an
/// `assert`) holding an
/// `await` expression as its only await, reached without crossing a lambda,
/// a comprehension or a compound statement's header: a scope around the
/// statement then covers that await and nothing else that waits
/// (`total += await f()`, `print(await f())`). A statement that yields is
/// not one (a yield inside a cancel scope would leave it).
pub fn sole_await_statement(awaited: Node<'_>) -> Option<Node<'_>> {
    let mut cur = awaited;
    let stmt = loop {
        let p = cur.parent()?;
        match p.kind() {
            "expression_statement" | "return_statement" | "assert_statement" => break p,
            "lambda"
            | "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression"
            | "block"
            | "module" => return None,
            k if k.ends_with("_statement") || k.ends_with("_clause") => return None,
            _ => cur = p,
        }
    };
    let sole = crate::preorder(stmt)
        .filter(|(n, _)| n.is_named() && matches!(n.kind(), "await" | "yield"))
        .all(|(n, _)| n.id() == awaited.id());
    sole.then_some(stmt)
}

/// The `if` statement whose condition evaluates `awaited` first and
/// unconditionally, so that the awaited value can be computed just before
/// the statement (`if await f() == 0:` → `value = await f()` then
/// `if value == 0:`): the condition of an `if` (not an `elif` or a
/// `while`, which are evaluated later or again), reached through
/// comparisons, `not`, arithmetic, parentheses, attributes and subscripts
/// of its value and the left operand of `and` / `or` only, with no other await, yield or call in the condition
/// (what is evaluated before the await there must not do anything).
pub fn hoistable_if_condition(awaited: Node<'_>) -> Option<Node<'_>> {
    let mut cur = awaited;
    let stmt = loop {
        let p = cur.parent()?;
        match p.kind() {
            "if_statement" if p.child_by_field_name("condition") == Some(cur) => break p,
            "comparison_operator"
            | "not_operator"
            | "parenthesized_expression"
            | "binary_operator"
            | "unary_operator" => cur = p,
            "boolean_operator" if p.child_by_field_name("left") == Some(cur) => cur = p,
            "attribute" if p.child_by_field_name("object") == Some(cur) => cur = p,
            "subscript" if p.child_by_field_name("value") == Some(cur) => cur = p,
            _ => return None,
        }
    };
    let condition = stmt.child_by_field_name("condition")?;
    let inside =
        |n: Node| awaited.start_byte() <= n.start_byte() && n.end_byte() <= awaited.end_byte();
    let alone = crate::preorder(condition)
        .filter(|(n, _)| n.is_named() && matches!(n.kind(), "await" | "yield" | "call"))
        .all(|(n, _)| inside(n));
    alone.then_some(stmt)
}

/// Byte ranges of every string literal, sorted by start (f-strings included).
pub fn string_ranges(tree: &Tree) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut cursor = tree.walk();
    let mut descend = true;
    loop {
        let node = cursor.node();
        if descend && node.kind() == "string" {
            out.push(node.byte_range());
            descend = false; // a string's parts are inside its range already
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        descend = true;
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return out;
            }
        }
    }
}

/// Whether a `string` node is a literal without interpolations: no `f` or
/// `t` in its prefix (`"…"`, `b'…'`, `r"""…"""`), so no names inside.
pub fn is_plain_string(node: Node, src: &str) -> bool {
    src.as_bytes()[node.start_byte()..]
        .iter()
        .take_while(|b| !matches!(b, b'"' | b'\''))
        .all(|b| !matches!(b, b'f' | b'F' | b't' | b'T'))
}

/// Whether `offset` lies strictly inside one of the sorted `ranges`.
pub fn is_inside_string(ranges: &[std::ops::Range<usize>], offset: usize) -> bool {
    let i = ranges.partition_point(|r| r.start < offset);
    i > 0 && ranges[i - 1].end > offset
}

/// Whether a statement is a docstring: an expression statement holding only
/// a string.
pub fn is_docstring(stmt: Node) -> bool {
    stmt.kind() == "expression_statement"
        && stmt.named_child_count() == 1
        && stmt.named_child(0).is_some_and(|c| c.kind() == "string")
}

/// Whether a node is an `async def`.
pub fn is_async_def(node: Node) -> bool {
    node.kind() == "function_definition" && node.child(0).is_some_and(|c| c.kind() == "async")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strings_are_told_from_interpolated_ones() {
        let src = "a = ['x', b'x', rb\"\"\"x\"\"\", U'x', f'{x}', Rf\"x\", t'{x}', Fr'']\n";
        let tree = crate::parse(src);
        let plain: Vec<bool> = crate::preorder(tree.root_node())
            .filter(|(n, _)| n.kind() == "string")
            .map(|(n, _)| is_plain_string(n, src))
            .collect();
        assert_eq!(plain, [true, true, true, true, false, false, false, false]);
    }

    fn first_await(tree: &Tree) -> Node<'_> {
        let mut cursor = tree.walk();
        loop {
            let n = cursor.node();
            if n.kind() == "await" {
                return n;
            }
            if !cursor.goto_first_child() {
                while !cursor.goto_next_sibling() {
                    assert!(cursor.goto_parent());
                }
            }
        }
    }

    #[test]
    fn statement_level_forms() {
        for (src, level) in [
            ("await f()\n", true),
            ("x = await f()\n", true),
            ("x: int = await f()\n", true),
            ("return await f()\n", true),
            ("x = 1 + await f()\n", false),
            ("x = await f(1, \\\n      2)\n", true),
            ("g(await f())\n", false),
        ] {
            let tree = crate::parse(src);
            assert_eq!(
                statement_anchor(first_await(&tree)).is_some(),
                level,
                "{src}"
            );
        }
    }

    #[test]
    fn an_if_condition_is_hoistable_when_the_await_comes_first_and_alone() {
        for (src, hoistable) in [
            ("async def f():\n    if await g():\n        pass\n", true),
            (
                "async def f():\n    if await g() == 0 and ready:\n        pass\n",
                true,
            ),
            (
                "async def f():\n    if not (await g()).ok:\n        pass\n",
                true,
            ),
            (
                "async def f():\n    if x.n + await g() > 1:\n        pass\n",
                true,
            ),
            (
                "async def f():\n    if ready and await g():\n        pass\n",
                false,
            ),
            (
                "async def f():\n    if h() == await g():\n        pass\n",
                false,
            ),
            (
                "async def f():\n    if await g() == await h():\n        pass\n",
                false,
            ),
            (
                "async def f():\n    while await g():\n        pass\n",
                false,
            ),
            (
                "async def f():\n    if x:\n        pass\n    elif await g():\n        pass\n",
                false,
            ),
        ] {
            let tree = crate::parse(src);
            assert_eq!(
                hoistable_if_condition(first_await(&tree)).is_some(),
                hoistable,
                "{src}"
            );
        }
    }

    #[test]
    fn string_ranges_cover_triple_quoted() {
        let src = "x = '''a\nb'''\ny = f\"{x}\"\n";
        let tree = crate::parse(src);
        let ranges = string_ranges(&tree);
        assert_eq!(ranges.len(), 2);
        assert!(is_inside_string(&ranges, src.find('b').unwrap()));
        assert!(!is_inside_string(&ranges, src.find('y').unwrap()));
    }
}

#[cfg(test)]
mod helper_tests {
    use super::*;

    fn first_of<'t>(tree: &'t Tree, kind: &str) -> Node<'t> {
        crate::preorder(tree.root_node())
            .map(|(n, _)| n)
            .find(|n| n.kind() == kind)
            .unwrap()
    }

    #[test]
    fn arguments_and_elements_leave_comments_out() {
        let src = "f(a,  # first\n  b=1)\nx = [1,  # one\n 2]\n";
        let tree = crate::parse(src);
        let args: Vec<&str> = arguments(first_of(&tree, "call"))
            .iter()
            .map(|n| text(*n, src))
            .collect();
        assert_eq!(args, ["a", "b=1"]);
        assert_eq!(code_children(first_of(&tree, "list")).len(), 2);
        assert!(arguments(first_of(&tree, "list")).is_empty());
    }

    #[test]
    fn calls_without_arguments_have_nothing_between_their_parentheses() {
        let src = "f()\ng(x)\nh(  # why\n)\ni\n";
        let tree = crate::parse(src);
        let without: Vec<bool> = code_children(tree.root_node())
            .iter()
            .map(|s| is_call_without_arguments(s.named_child(0).unwrap()))
            .collect();
        assert_eq!(without, [true, false, false, false]);
    }

    #[test]
    fn field_children_are_every_child_in_the_field() {
        let src = "import a, b as c\n";
        let tree = crate::parse(src);
        let names: Vec<&str> = field_children(first_of(&tree, "import_statement"), "name")
            .iter()
            .map(|n| text(*n, src))
            .collect();
        assert_eq!(names, ["a", "b as c"]);
        assert!(field_children(first_of(&tree, "import_statement"), "body").is_empty());
    }

    #[test]
    fn dotted_names_and_scopes() {
        let src = "self.client.get\nf().x\n";
        let tree = crate::parse(src);
        let stmts = code_children(tree.root_node());
        let expr = |i: usize| stmts[i].named_child(0).unwrap();
        assert!(is_dotted(expr(0)));
        assert!(!is_dotted(expr(1)));
        let src = "class C:\n    def m(self):\n        g = lambda: x\n";
        let tree = crate::parse(src);
        let x = crate::preorder(tree.root_node())
            .map(|(n, _)| n)
            .find(|n| text(*n, src) == "x")
            .unwrap();
        let lambda = enclosing_scope(x).unwrap();
        assert_eq!(lambda.kind(), "lambda");
        assert!(is_scope(lambda));
        assert_eq!(
            enclosing_scope(lambda).unwrap().kind(),
            "function_definition"
        );
        assert!(!is_scope(x));
    }
}

/// The dotted names (`a.b`, not a trailing dot) in `src[within]`, as byte
/// ranges of `src`: what a string annotation's text names.
pub fn dotted_names_in_text(
    src: &str,
    within: std::ops::Range<usize>,
) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let bytes = &src.as_bytes()[within.clone()];
    let name_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let b = bytes[i];
            let after_name = i > 0 && name_byte(bytes[i - 1]);
            if !(b.is_ascii_alphabetic() || b == b'_') || after_name {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && (name_byte(bytes[i]) || bytes[i] == b'.') {
                i += 1;
            }
            let mut end = i;
            while bytes[end - 1] == b'.' {
                end -= 1;
            }
            return Some(within.start + start..within.start + end);
        }
        None
    })
}
