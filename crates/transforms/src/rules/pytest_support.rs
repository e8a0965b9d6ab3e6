//! What the pytest rewrites share: removing an element from a list or an
//! argument list, and deleting whole lines.

use crate::FileContext;
use edit::Edit;
use syntax::Node;

/// Removes `items[k]` with the separator that joins it to a neighbour; a
/// comment after it (`pytest.mark.asyncio,  # why`) stays where it was.
pub fn remove_element(items: &[Node], k: usize, src: &str) -> Edit {
    if k + 1 < items.len() {
        let gap = items[k].end_byte()..items[k + 1].start_byte();
        let end = src[gap.clone()]
            .find('#')
            .map_or(gap.end, |i| gap.start + i);
        Edit::delete(items[k].start_byte()..end)
    } else if k > 0 {
        Edit::delete(items[k - 1].end_byte()..items[k].end_byte())
    } else {
        Edit::delete(items[k].byte_range())
    }
}

/// Deletes the lines `node` stands on (it must own them: see `FileContext::owns_its_lines`);
/// a comment after it on its last line stays, on a line of its own.
/// Blank lines around the deleted ones are trimmed so that no more than two
/// remain in a row.
pub fn delete_lines(cx: &FileContext, node: Node) -> Edit {
    let start = syntax::line_start(cx.src, node.start_byte());
    let mut end = syntax::line_end(cx.src, node.end_byte());
    // A comment at the end of its last line (after it, or inside it: a
    // decorator's node takes its line's comment) stays, on a line of its own.
    let last_line = syntax::line_start(cx.src, node.end_byte().saturating_sub(1));
    let inner = syntax::preorder(node)
        .map(|(n, _)| n)
        .filter(|n| n.kind() == "comment" && n.start_byte() >= last_line)
        .last()
        .map(|c| cx.text(c));
    let rest = inner.unwrap_or_else(|| cx.src[node.end_byte()..end].trim());
    if rest.starts_with('#') {
        let indent = cx.indent_at(node.start_byte());
        let nl = if cx.src[..end].ends_with("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        let keep = if cx.src[..end].ends_with('\n') {
            nl
        } else {
            ""
        };
        return Edit::replace(start..end, format!("{indent}{rest}{keep}"));
    }
    let blank_before = cx.src[..start]
        .split_inclusive('\n')
        .rev()
        .take_while(|l| l.trim().is_empty())
        .count();
    let mut blank_after = 0;
    for line in cx.src[end..].split_inclusive('\n') {
        if !line.trim().is_empty() || !line.ends_with('\n') {
            break;
        }
        if blank_before + blank_after >= 2 {
            end += line.len();
        } else {
            blank_after += 1;
        }
    }
    Edit::delete(start..end)
}

/// Whether a decorator's expression (or the function of its call) resolves to one of `names`.
pub fn decorator_target<'t>(decorator: Node<'t>, cx: &FileContext) -> Option<(String, Node<'t>)> {
    let expr = syntax::named_children(decorator)
        .into_iter()
        .find(|c| c.kind() != "comment")?;
    let func = if expr.kind() == "call" {
        expr.child_by_field_name("function")?
    } else {
        expr
    };
    Some((cx.qualified(func)?, func))
}
