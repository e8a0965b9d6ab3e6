//! New long lines wrapped to the project's line length, as black and ruff's
//! formatter would: a line the migration made longer than the limit is split
//! at its last bracket pair, the contents on an indented line of their own
//! (`f(\n    a, b\n)`), or, when that line is still too long, one element
//! per line with a trailing comma. Lines the migration did not create or
//! lengthen are never touched, so an old long line stays as it was.

use similar::{DiffOp, TextDiff};
use syntax::{Node, Style, Tree};

/// Bracket pairs a line may be split inside (the node holding both brackets).
const OPENERS: &[&str] = &["(", "[", "{"];
const CLOSERS: &[&str] = &[")", "]", "}"];

/// Kinds whose elements may take a trailing comma when one per line: the
/// same value with or without it (a subscript's index would become a tuple,
/// a parenthesized expression a tuple, a lone generator a syntax error).
/// Comprehensions, whose value and clauses a formatter puts on lines of their own.
const COMPREHENSIONS: &[&str] = &[
    "generator_expression",
    "list_comprehension",
    "set_comprehension",
    "dictionary_comprehension",
];

const COMMA_LISTS: &[&str] = &[
    "argument_list",
    "parameters",
    "list",
    "tuple",
    "set",
    "dictionary",
];

/// `migrated` with each line that is longer than `limit` and longer than the
/// lines of `original` it replaces wrapped; unchanged when a wrap would not
/// parse.
pub fn wrap_long_lines(original: &str, migrated: &str, limit: usize, style: &Style) -> String {
    // Most files have no new long line: a line-by-line look first, the
    // diff (which costs more) only when a long line is not an old one.
    let width = |l: &str| l.trim_end_matches(['\n', '\r']).chars().count();
    let old_long: std::collections::HashSet<&str> = original
        .split_inclusive('\n')
        .filter(|l| l.len() > limit && width(l) > limit)
        .collect();
    let any_new = migrated
        .split_inclusive('\n')
        .any(|l| l.len() > limit && width(l) > limit && !old_long.contains(l));
    if !any_new {
        return migrated.to_string();
    }
    let candidates = lengthened_lines(original, migrated, limit);
    if candidates.is_empty() {
        return migrated.to_string();
    }
    let tree = syntax::parse(migrated);
    let starts = line_starts(migrated);
    let mut out = String::with_capacity(migrated.len() + 64);
    let mut copied = 0;
    for line in candidates {
        let start = starts[line];
        let end = starts.get(line + 1).copied().unwrap_or(migrated.len());
        let Some(new) = wrap_line(&tree, migrated, start, end, limit, style) else {
            continue;
        };
        out.push_str(&migrated[copied..start]);
        out.push_str(&new);
        copied = end;
    }
    out.push_str(&migrated[copied..]);
    let wrapped = syntax::parse(&out);
    if syntax::check(&wrapped, &out).is_err() {
        return migrated.to_string();
    }
    out
}

/// The 0-based lines of `migrated` longer than `limit` that the migration
/// created, or made longer than every line they replace.
fn lengthened_lines(original: &str, migrated: &str, limit: usize) -> Vec<usize> {
    let width = |l: &str| l.trim_end_matches(['\n', '\r']).chars().count();
    let old: Vec<&str> = original.split_inclusive('\n').collect();
    let new: Vec<&str> = migrated.split_inclusive('\n').collect();
    let diff = TextDiff::from_lines(original, migrated);
    let mut out = Vec::new();
    for op in diff.ops() {
        let (old_range, new_range) = match *op {
            DiffOp::Insert {
                new_index, new_len, ..
            } => (0..0, new_index..new_index + new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (
                old_index..old_index + old_len,
                new_index..new_index + new_len,
            ),
            _ => continue,
        };
        let before = old[old_range].iter().map(|l| width(l)).max().unwrap_or(0);
        out.extend(new_range.filter(|&i| {
            let w = width(new[i]);
            w > limit && w > before
        }));
    }
    out
}

/// The byte offset where each line starts.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < text.len() || i == 0)
        .collect()
}

/// The wrapped form of the line `text[start..end]` (its newline included),
/// if it has a bracket pair to split at or a right-hand side to put in
/// parentheses. Like black: the last bracket pair first, unless its first
/// line would still be too long and the right-hand side in parentheses fits.
fn wrap_line(
    tree: &Tree,
    text: &str,
    start: usize,
    end: usize,
    limit: usize,
    style: &Style,
) -> Option<String> {
    let line = &text[start..end];
    let body_end = start + line.trim_end_matches(['\n', '\r']).len();
    let indent: String = line
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    if line[indent.len()..].starts_with('\t') || text[start..body_end].trim_end().ends_with('\\') {
        return None;
    }
    let at = Line {
        text,
        start,
        body_end,
        prefix: String::new(),
        suffix: "",
        eol: &text[body_end..end],
        indent: indent.clone(),
        inner: format!("{indent}{}", style.indent),
        unit: &style.indent,
        nl: style.newline.as_str(),
        limit,
    };
    let split = last_bracket_split(tree, &at);
    let head_fits = split
        .as_ref()
        .is_some_and(|s| s.lines().next().is_some_and(|l| width(l) <= limit));
    if head_fits {
        return split;
    }
    // Parentheses only when they make it fit (a long string stays as it is).
    right_side_in_parentheses(&at, tree)
        .filter(|p| p.lines().all(|l| width(l) <= limit))
        .or(split)
}

/// The code being wrapped (a line, or an element of a list being split)
/// and how new lines are laid out.
struct Line<'a> {
    text: &'a str,
    /// The code: `text[start..body_end]`.
    start: usize,
    body_end: usize,
    /// Written before the code (an element's indentation) and after it (its comma).
    prefix: String,
    suffix: &'a str,
    /// The line's own newline (empty on a last line without one).
    eol: &'a str,
    /// The indentation of the closing line, and one level deeper.
    indent: String,
    inner: String,
    /// One level of indentation.
    unit: &'a str,
    nl: &'static str,
    limit: usize,
}

fn width(line: &str) -> usize {
    line.trim_end_matches(['\n', '\r']).chars().count()
}

/// Split at the line's last bracket pair (both brackets on the line): the
/// contents on one indented line, or one element per line with a trailing
/// comma, or one operand per line when they are one long operation.
fn last_bracket_split(tree: &Tree, at: &Line) -> Option<String> {
    let text = at.text;
    let leaves = leaves_on(tree.root_node(), at.start, at.body_end)?;
    let (open, close, holder) = leaves.iter().rev().find_map(|c| {
        if !CLOSERS.contains(&c.kind()) {
            return None;
        }
        let holder = c.parent()?;
        let mut cursor = holder.walk();
        let open = holder
            .children(&mut cursor)
            .filter(|o| OPENERS.contains(&o.kind()) && o.end_byte() <= c.start_byte())
            .last()?;
        let inside = text[open.end_byte()..c.start_byte()].trim();
        (open.start_byte() >= at.start && !inside.is_empty()).then_some((open, *c, holder))
    })?;
    let (nl, inner) = (at.nl, &at.inner);
    let head = format!(
        "{}{}",
        at.prefix,
        text[at.start..open.end_byte()].trim_end()
    );
    let body = text[open.end_byte()..close.start_byte()].trim();
    let tail = &text[close.start_byte()..at.body_end];
    let mut out = format!("{head}{nl}");
    let one_line = format!("{inner}{body}");
    let mut cursor = holder.walk();
    let elements: Vec<Node> = holder
        .named_children(&mut cursor)
        .filter(|n| n.start_byte() >= open.end_byte() && n.end_byte() <= close.start_byte())
        .collect();
    // An element split the same way, one level deeper (`suffix` after it).
    let deeper = |e: &Node, suffix: &'static str| {
        let line = Line {
            start: e.start_byte(),
            body_end: e.end_byte(),
            prefix: inner.clone(),
            suffix,
            eol: nl,
            indent: inner.clone(),
            inner: format!("{inner}{}", at.unit),
            ..*at
        };
        last_bracket_split(tree, &line)
    };
    // A list's elements with their commas, or a comprehension's value and
    // clauses, each on a line of its own; one still too long is split deeper.
    let suffix = if COMMA_LISTS.contains(&holder.kind()) {
        Some(",")
    } else if COMPREHENSIONS.contains(&holder.kind()) {
        Some("")
    } else {
        None
    };
    if width(&one_line) <= at.limit {
        out.push_str(&one_line);
        out.push_str(nl);
    } else if let Some(suffix) = suffix.filter(|_| elements.len() >= 2) {
        for e in &elements {
            let line = format!("{inner}{}{suffix}{nl}", &text[e.start_byte()..e.end_byte()]);
            let split = (width(&line) > at.limit)
                .then(|| deeper(e, suffix))
                .flatten();
            out.push_str(&split.unwrap_or(line));
        }
    } else if let Some(operands) = elements
        .first()
        .filter(|_| elements.len() == 1)
        .and_then(|e| operands(*e, text))
    {
        // `a >= b` too long in parentheses: the operator starts the next line.
        for (k, (op, operand)) in operands.iter().enumerate() {
            let sep = if k == 0 { "" } else { " " };
            out.push_str(&format!("{inner}{op}{sep}{operand}{nl}"));
        }
    } else if let Some(split) = elements
        .first()
        .filter(|e| elements.len() == 1 && text[e.start_byte()..e.end_byte()].trim() == body)
        // One element still too long: split it the same way, one level deeper.
        .and_then(|e| deeper(e, ""))
    {
        out.push_str(&split);
    } else {
        out.push_str(&one_line);
        out.push_str(nl);
    }
    out.push_str(&format!("{}{tail}{}{}", at.indent, at.suffix, at.eol));
    Some(out)
}

/// The operands of a comparison or a boolean or arithmetic operation, each
/// with the operator before it (none before the first).
fn operands<'s>(node: Node, text: &'s str) -> Option<Vec<(&'s str, &'s str)>> {
    if !matches!(
        node.kind(),
        "comparison_operator" | "boolean_operator" | "binary_operator"
    ) {
        return None;
    }
    let mut cursor = node.walk();
    let parts: Vec<Node> = node.named_children(&mut cursor).collect();
    let mut out = Vec::new();
    let mut previous_end = None;
    for p in parts {
        let op = previous_end.map_or("", |e: usize| text[e..p.start_byte()].trim());
        out.push((op, &text[p.start_byte()..p.end_byte()]));
        previous_end = Some(p.end_byte());
    }
    (out.len() >= 2).then_some(out)
}

/// `x = value` / `return value` with the value in parentheses on a line of
/// its own, when the statement is the whole line.
fn right_side_in_parentheses(at: &Line, tree: &Tree) -> Option<String> {
    let text = at.text;
    let first = at.start + at.indent.len();
    let mut node = tree
        .root_node()
        .descendant_for_byte_range(first, at.body_end)?;
    // The statement that is the whole line.
    while !(node.start_byte() == first && node.end_byte() == at.body_end) {
        node = node.parent()?;
    }
    while node.kind() == "expression_statement" {
        node = node.named_child(0)?;
    }
    let value = match node.kind() {
        "assignment" | "augmented_assignment" => node.child_by_field_name("right")?,
        "return_statement" => node.named_child(0)?,
        _ => return None,
    };
    if value.kind() == "parenthesized_expression" || value.end_byte() != at.body_end {
        return None;
    }
    let (nl, inner) = (at.nl, &at.inner);
    Some(format!(
        "{}({nl}{inner}{}{nl}{}){}",
        text[at.start..value.start_byte()].trim_end().to_string() + " ",
        &text[value.start_byte()..value.end_byte()],
        at.indent,
        at.eol
    ))
}

/// The leaves (tokens) of the line `start..end` outside strings, in order;
/// `None` when the line holds a comment or a `;` (left as it is).
fn leaves_on(root: Node, start: usize, end: usize) -> Option<Vec<Node>> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.end_byte() <= start || n.start_byte() >= end {
            continue;
        }
        match n.kind() {
            "comment" | ";" => return None,
            // Brackets inside an f-string's braces are not the line's.
            "string" | "concatenated_string" => continue,
            _ => {}
        }
        if n.child_count() == 0 {
            out.push(n);
            continue;
        }
        let mut cursor = n.walk();
        let children: Vec<Node> = n.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::wrap_long_lines;
    use syntax::Style;

    fn wrap(before: &str, after: &str, limit: usize) -> String {
        wrap_long_lines(before, after, limit, &Style::detect(after))
    }

    #[test]
    fn a_new_long_call_is_split_like_a_formatter() {
        let before = "async def f(loop, g):\n    r = await loop.run_in_executor(None, g, 1)\n";
        let after = "async def f(loop, g):\n    r = await anyio.to_thread.run_sync(g, 1, abandon_on_cancel=True)\n";
        assert_eq!(
            wrap(before, after, 60),
            "async def f(loop, g):\n    r = await anyio.to_thread.run_sync(\n        g, 1, abandon_on_cancel=True\n    )\n"
        );
        // Too long for one indented line: one argument per line.
        assert_eq!(
            wrap(before, after, 30),
            "async def f(loop, g):\n    r = await anyio.to_thread.run_sync(\n        g,\n        1,\n        abandon_on_cancel=True,\n    )\n"
        );
        // It fits: nothing changes.
        assert_eq!(wrap(before, after, 88), after);
    }

    #[test]
    fn old_lines_strings_and_comments_are_left_alone() {
        // A long line the migration did not touch or lengthen stays.
        let before = "x = call(aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb)\nimport asyncio\n";
        let after = "x = call(aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb)\nimport anyio\n";
        assert_eq!(wrap(before, after, 20), after);
        let shorter = "x = asyncio.sleep(aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb)\n";
        let after = "x = anyio.sleep(aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb)\n";
        assert_eq!(wrap(shorter, after, 20), after);
        // Brackets in a string, a comment, a subscript's single index.
        for after in [
            "x = 'f(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)'\n",
            "x = f(aaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbb)  # note\n",
            "x = y[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
        ] {
            let got = wrap("", after, 20);
            assert!(
                got == after || !got.contains(",\n]"),
                "{after:?} became {got:?}"
            );
        }
        assert_eq!(
            wrap("", "x = 'f(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)'\n", 20),
            "x = 'f(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)'\n"
        );
        assert_eq!(
            wrap("", "x = f(aaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbb)  # note\n", 20),
            "x = f(aaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbb)  # note\n"
        );
        assert_eq!(
            wrap("", "x = y[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n", 20),
            "x = y[\n    aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n]\n"
        );
    }

    #[test]
    fn a_with_header_a_tuple_and_crlf() {
        let after = "async def f():\r\n    with anyio.fail_after(self.timeout_for(request)):\r\n        pass\r\n";
        assert_eq!(
            wrap("", after, 40),
            "async def f():\r\n    with anyio.fail_after(\r\n        self.timeout_for(request)\r\n    ):\r\n        pass\r\n"
        );
        let after = "s, r = anyio.create_memory_object_stream[tuple[int, str]](math.inf)\n";
        assert_eq!(
            wrap("", after, 60),
            "s, r = anyio.create_memory_object_stream[tuple[int, str]](\n    math.inf\n)\n"
        );
        // Its first line would still be too long: the right side goes in
        // parentheses instead.
        let after =
            "self._items_send, self._items_receive = anyio.create_memory_object_stream[bytes](8)\n";
        assert_eq!(
            wrap("", after, 70),
            "self._items_send, self._items_receive = (\n    anyio.create_memory_object_stream[bytes](8)\n)\n"
        );
        // An element still too long is split too, one level deeper.
        let after = "            print(\"full\", (q_send.statistics().current_buffer_used >= q_send.statistics().max_buffer_size), q_receive.statistics().current_buffer_used)\n";
        assert_eq!(
            wrap("", after, 88),
            "            print(\n                \"full\",\n                (\n                    q_send.statistics().current_buffer_used\n                    >= q_send.statistics().max_buffer_size\n                ),\n                q_receive.statistics().current_buffer_used,\n            )\n"
        );
        // One long comparison in parentheses: an operand per line.
        let after = "    return (self._send.statistics().used >= self._send.statistics().size)\n";
        assert_eq!(
            wrap("", after, 50),
            "    return (\n        self._send.statistics().used\n        >= self._send.statistics().size\n    )\n"
        );
    }

    #[test]
    fn a_lone_long_element_and_a_comprehension_are_split_deeper() {
        let after = "async def f(raws):\n    return await anyio.gather(*(anyio.to_thread.run_sync(functools.partial(parse, r, strict=False), abandon_on_cancel=True) for r in raws))\n";
        assert_eq!(
            wrap("", after, 88),
            "async def f(raws):\n    return await anyio.gather(\n        *(\n            anyio.to_thread.run_sync(\n                functools.partial(parse, r, strict=False), abandon_on_cancel=True\n            )\n            for r in raws\n        )\n    )\n"
        );
    }
}
