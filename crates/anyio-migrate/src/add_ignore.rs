//! `--add-ignore`: acknowledge the items left to a person with
//! `# anyio-migrate: ignore[CODE]` comments (ruff's `--add-noqa`).

use std::collections::{BTreeMap, BTreeSet};

/// The text with an ignore comment for each `(first line, last line, code)`
/// (1-based; the comment silences an item on any line of its range), and
/// how many items got one. A line whose end is inside a string or after a
/// backslash continuation cannot take a comment; the item's other lines are
/// tried, and an item with no such line is left out. `None` when nothing
/// changes or the result would not parse.
pub fn add_comments(text: &str, items: &[(usize, usize, &str)]) -> Option<(String, usize)> {
    let tree = syntax::parse(text);
    let lines: Vec<(usize, usize)> = line_spans(text);
    // Where a comment may end each line: its end, before the newline.
    let can_end = |row: usize| -> bool {
        let Some(&(start, end)) = lines.get(row) else {
            return false;
        };
        let code = text[start..end].trim_end();
        if code.trim().is_empty() || code.ends_with('\\') {
            return false;
        }
        let at = start + code.len();
        let mut node = tree.root_node().descendant_for_byte_range(at, at);
        while let Some(n) = node {
            if matches!(
                n.kind(),
                "string" | "string_content" | "concatenated_string"
            ) {
                // The closing quote ends on this line: after it is fine.
                return n.end_byte() <= at;
            }
            node = n.parent();
        }
        true
    };
    let mut wanted: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
    let mut placed = 0;
    for &(first, last, code) in items {
        // Prefer a line that already gets a comment, then the first line.
        let rows: Vec<usize> = (first.max(1) - 1..last.max(first)).collect();
        let row = rows
            .iter()
            .copied()
            .find(|r| wanted.contains_key(r) && can_end(*r))
            .or_else(|| rows.iter().copied().find(|r| can_end(*r)));
        if let Some(row) = row {
            wanted.entry(row).or_default().insert(code);
            placed += 1;
        }
    }
    if wanted.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + wanted.len() * 40);
    let mut done = 0;
    for (row, codes) in &wanted {
        let (start, end) = lines[*row];
        let code_end = start + text[start..end].trim_end().len();
        let (cut, insert) = comment(&text[start..code_end], codes);
        out.push_str(&text[done..code_end - cut]);
        out.push_str(&insert);
        done = code_end;
    }
    out.push_str(&text[done..]);
    if out == text || syntax::parse(&out).root_node().has_error() {
        return None;
    }
    Some((out, placed))
}

/// How to end `line` so that it silences `codes`: the bytes to drop from
/// its end and the text to put there. The codes are merged into an ignore
/// comment that ends the line, else a new comment is added.
fn comment(line: &str, codes: &BTreeSet<&str>) -> (usize, String) {
    const MARKER: &str = "# anyio-migrate: ignore[";
    if let Some(pos) = line.rfind(MARKER).filter(|_| line.ends_with(']')) {
        let listed: BTreeSet<&str> = line[pos + MARKER.len()..line.len() - 1]
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        let new: String = codes
            .difference(&listed)
            .map(|c| format!(", {c}"))
            .collect();
        return (1, format!("{new}]"));
    }
    let list: Vec<&str> = codes.iter().copied().collect();
    (0, format!("  # anyio-migrate: ignore[{}]", list.join(", ")))
}

/// Each line's byte span, without its newline (`\n` or `\r\n`).
fn line_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let end = if i > start && text.as_bytes()[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            spans.push((start, end));
            start = i + 1;
        }
    }
    if start < text.len() {
        spans.push((start, text.len()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::add_comments;

    #[test]
    fn a_comment_ends_the_reported_line() {
        let text = "async def f():\n    asyncio.create_task(g())  # keep\n    loop.run_forever()\n";
        let (out, n) =
            add_comments(text, &[(2, 2, "AM901"), (3, 3, "AM902"), (3, 3, "AM901")]).unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            out,
            "async def f():\n    asyncio.create_task(g())  # keep  # anyio-migrate: ignore[AM901]\n    loop.run_forever()  # anyio-migrate: ignore[AM901, AM902]\n"
        );
    }

    #[test]
    fn codes_join_an_ignore_comment_the_line_has() {
        let text = "x = asyncio.wait(a)  # anyio-migrate: ignore[AM905]\r\n";
        let (out, _) = add_comments(text, &[(1, 1, "AM901")]).unwrap();
        assert_eq!(
            out,
            "x = asyncio.wait(a)  # anyio-migrate: ignore[AM905, AM901]\r\n"
        );
        assert!(add_comments(text, &[(1, 1, "AM905")]).is_none());
    }

    #[test]
    fn lines_ending_in_a_string_or_a_continuation_are_skipped() {
        let text =
            "t = asyncio.create_task(f(\"\"\"\n  text\n\"\"\"))\ny = a + \\\n    asyncio.wait(b)\n";
        // The first item spans lines 1-3: only line 3 can take the comment.
        let (out, n) = add_comments(text, &[(1, 3, "AM901"), (4, 4, "AM905")]).unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            out,
            "t = asyncio.create_task(f(\"\"\"\n  text\n\"\"\"))  # anyio-migrate: ignore[AM901]\ny = a + \\\n    asyncio.wait(b)\n"
        );
    }
}
