//! Adding the imports new code needs and removing the ones it no longer uses.

use crate::sections::{section_of, Section};
use crate::ImportBinding;
use edit::Edit;
use std::collections::{BTreeMap, BTreeSet};
use syntax::{is_docstring, line_end, line_start, text, Node, Style, Tree};

/// Edits that add `import M` for each module in `modules` that the file
/// does not already import at module level, where isort would put them: in
/// the leading import block (after the docstring and `from __future__`
/// imports), in the import's section (standard library, third party, first
/// party: the packages in `first_party`, local), plain imports before `from`
/// ones and each in module order; a section the block lacks is added, set
/// off by a blank line. An entry `M:N` asks for `from M import N` (one line
/// per module). Empty when nothing is missing. A file with no import block
/// gets its new one at `anchor` (a line start, where removed imports stood)
/// or, with `None`, after the docstring and `from __future__` imports.
pub fn add_imports(
    tree: &Tree,
    src: &str,
    style: &Style,
    imports: &[ImportBinding],
    modules: &BTreeSet<String>,
    first_party: &BTreeSet<String>,
    anchor: Option<usize>,
) -> Vec<Edit> {
    let missing: Vec<&String> = modules
        .iter()
        .filter(|m| {
            let (local, qualified) = match m.split_once(':') {
                Some((module, name)) => (name.to_string(), format!("{module}.{name}")),
                None => (m.to_string(), m.to_string()),
            };
            !imports
                .iter()
                .any(|i| i.module_level && i.local == local && i.qualified == qualified)
        })
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let nl = style.newline.as_str();
    let root = tree.root_node();
    let stmts = syntax::code_children(root);
    // Skip the docstring and `from __future__` imports.
    let mut i = 0;
    if stmts.first().is_some_and(|s| is_docstring(*s)) {
        i = 1;
    }
    while stmts
        .get(i)
        .is_some_and(|s| s.kind() == "future_import_statement")
    {
        i += 1;
    }
    let block: Vec<Node> = stmts[i..]
        .iter()
        .take_while(|s| matches!(s.kind(), "import_statement" | "import_from_statement"))
        .copied()
        .filter(|s| s.start_position().column == 0)
        .collect();

    // The new lines, in isort's order: by section, plain before `from`, by module.
    let mut from_names: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut new: Vec<Line> = Vec::new();
    for m in &missing {
        match m.split_once(':') {
            Some((module, name)) => from_names.entry(module).or_default().push(name),
            None => new.push(Line::new(m, false, format!("import {m}{nl}"), first_party)),
        }
    }
    for (module, names) in &from_names {
        let text = format!("from {module} import {}{nl}", names.join(", "));
        new.push(Line::new(module, true, text, first_party));
    }
    new.sort_by(|a, b| a.key().cmp(&b.key()));

    if block.is_empty() {
        // No import block: one new block after the docstring / future
        // imports, or at the top after leading comments.
        let lines = joined_sections(&new, nl);
        if let Some(at) = anchor {
            // Code right after the new block is set off by a blank line.
            let next = src[at..].trim_start_matches([' ', '\t']).chars().next();
            let sep = if matches!(next, Some('\n' | '\r') | None) {
                ""
            } else {
                nl
            };
            return vec![Edit::insert(at, format!("{lines}{sep}"))];
        }
        return vec![match i.checked_sub(1).map(|j| stmts[j]) {
            Some(prev) => {
                // Into the blank line after the docstring, if there is one.
                let at = line_end(src, prev.end_byte());
                let next = line_end(src, at);
                if at < src.len() && src[at..next].trim().is_empty() {
                    let after = line_end(src, next);
                    let blank_after = next == src.len() || src[next..after].trim().is_empty();
                    let sep = if blank_after { "" } else { nl };
                    Edit::insert(next, format!("{lines}{sep}"))
                } else {
                    Edit::insert(at, format!("{nl}{lines}"))
                }
            }
            None => {
                let at = after_leading_comments(src);
                let next = src[at..].trim_start_matches([' ', '\t']).chars().next();
                let sep = if matches!(next, Some('\n' | '\r') | None) {
                    ""
                } else {
                    nl
                };
                Edit::insert(at, format!("{lines}{sep}"))
            }
        }];
    }
    let existing: Vec<(Line, Node)> = block
        .iter()
        .map(|s| {
            let from = s.kind() == "import_from_statement";
            let module = if from {
                s.child_by_field_name("module_name")
                    .map_or("", |n| text(n, src))
            } else {
                first_module(*s, src)
            };
            (Line::new(module, from, String::new(), first_party), *s)
        })
        .collect();
    let mut edits_at: Vec<(usize, String)> = Vec::new();
    let mut new_sections: BTreeMap<Section, Vec<&Line>> = BTreeMap::new();
    for line in &new {
        let same: Vec<&(Line, Node)> = existing
            .iter()
            .filter(|(l, _)| l.section == line.section)
            .collect();
        if same.is_empty() {
            new_sections.entry(line.section).or_default().push(line);
            continue;
        }
        // Before the first line of the section that sorts after it, else
        // after the section's last line that sorts before it.
        let offset = match same.iter().find(|(l, _)| l.key() > line.key()) {
            Some((_, next)) => next.start_byte(),
            None => line_end(src, same[same.len() - 1].1.end_byte()),
        };
        edits_at.push((offset, line.text.clone()));
    }
    // Where the next new group placed before the block goes among the edits.
    let mut front = 0;
    for (section, lines) in new_sections {
        let text: String = lines.iter().map(|l| l.text.as_str()).collect();
        // After the last line of an earlier section, else before the block.
        match existing.iter().rev().find(|(l, _)| l.section < section) {
            Some((_, prev)) => {
                let at = line_end(src, prev.end_byte());
                // Code right after the block gets a blank line too.
                let blank_after = src[at..].starts_with(['\n', '\r']) || at == src.len();
                let last = prev.id() == block[block.len() - 1].id();
                let sep = if last && !blank_after { nl } else { "" };
                edits_at.push((at, format!("{nl}{text}{sep}")));
            }
            // Its own group before the block: ahead of any line added to
            // the block's first group at the same place.
            None => {
                edits_at.insert(front, (block[0].start_byte(), format!("{text}{nl}")));
                front += 1;
            }
        }
    }
    // Several lines at one place become one insertion, in the order above
    // (the sort is stable).
    edits_at.sort_by_key(|(offset, _)| *offset);
    let mut edits: Vec<Edit> = Vec::new();
    for (offset, content) in edits_at {
        match edits.last_mut() {
            Some(last) if last.start == offset => last.content.push_str(&content),
            _ => edits.push(Edit::insert(offset, content)),
        }
    }
    edits
}

/// One import line, new or existing, with what isort sorts it by.
struct Line {
    section: Section,
    from: bool,
    /// The module, lowercased (isort compares modules without case).
    module: String,
    text: String,
}

impl Line {
    fn new(module: &str, from: bool, text: String, first_party: &BTreeSet<String>) -> Line {
        Line {
            section: section_of(module, first_party),
            from,
            module: module.to_lowercase(),
            text,
        }
    }

    fn key(&self) -> (Section, bool, &str) {
        (self.section, self.from, &self.module)
    }
}

/// Sorted lines, a blank line between sections.
fn joined_sections(lines: &[Line], nl: &str) -> String {
    let mut out = String::new();
    for (k, line) in lines.iter().enumerate() {
        if k > 0 && lines[k - 1].section != line.section {
            out.push_str(nl);
        }
        out.push_str(&line.text);
    }
    out
}

fn first_module<'s>(stmt: Node, src: &'s str) -> &'s str {
    stmt.child_by_field_name("name")
        .map(|n| {
            let n = if n.kind() == "aliased_import" {
                n.child_by_field_name("name").unwrap_or(n)
            } else {
                n
            };
            text(n, src)
        })
        .unwrap_or("")
}

/// The offset after a shebang, encoding cookie and the comments that open a file.
fn after_leading_comments(src: &str) -> usize {
    let mut at = 0;
    while at < src.len() && src[at..].starts_with('#') {
        at = line_end(src, at);
    }
    at
}

/// Edits that remove the import bindings `remove` selects (by index into
/// `imports`): an item from its statement, or the whole statement
/// (with its line) when every item goes.
pub fn remove_unused(
    tree: &Tree,
    src: &str,
    imports: &[ImportBinding],
    remove: &BTreeSet<usize>,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut by_statement: Vec<(std::ops::Range<usize>, Vec<usize>)> = Vec::new();
    for (i, imp) in imports.iter().enumerate() {
        match by_statement.iter_mut().find(|(r, _)| *r == imp.statement) {
            Some((_, v)) => v.push(i),
            None => by_statement.push((imp.statement.clone(), vec![i])),
        }
    }
    for (range, items) in by_statement {
        let gone: Vec<&ImportBinding> = items
            .iter()
            .filter(|i| remove.contains(i))
            .map(|i| &imports[*i])
            .collect();
        if gone.is_empty() {
            continue;
        }
        if gone.len() == items.len() {
            let Some(stmt) = tree
                .root_node()
                .descendant_for_byte_range(range.start, range.end)
            else {
                continue;
            };
            edits.push(delete_statement(stmt, src));
        } else {
            let keep: Vec<bool> = items.iter().map(|i| !remove.contains(i)).collect();
            let spans: Vec<std::ops::Range<usize>> =
                items.iter().map(|i| imports[*i].item.clone()).collect();
            edits.extend(delete_items(&spans, &keep));
        }
    }
    edits
}

/// Deletes a statement and its line (a comment at its end stays, on a line
/// of its own); a lone statement in a block, or one sharing its line, becomes `pass`.
pub fn delete_statement(stmt: Node, src: &str) -> Edit {
    let line_start = line_start(src, stmt.start_byte());
    let before = &src[line_start..stmt.start_byte()];
    let rest_end = line_end(src, stmt.end_byte());
    let after = src[stmt.end_byte()..rest_end]
        .trim_end_matches(['\n', '\r'])
        .trim();
    let alone_on_line = before.trim().is_empty() && (after.is_empty() || after.starts_with('#'));
    let only_in_block = stmt
        .parent()
        .is_some_and(|p| p.kind() == "block" && syntax::code_children(p).len() == 1);
    if only_in_block || !alone_on_line {
        return Edit::replace(stmt.byte_range(), "pass");
    }
    // A comment at the end of the line stays, on a line of its own.
    if after.starts_with('#') {
        let comment_start = stmt.end_byte() + src[stmt.end_byte()..].find('#').unwrap_or(0);
        return Edit::delete(stmt.start_byte()..comment_start);
    }
    // Deleting the line must not leave a blank line at the top of the file
    // or two blank lines where there was one.
    let prev_blank = line_start == 0 || {
        let before = &src[..line_start - 1];
        let prev_start = before.rfind('\n').map_or(0, |i| i + 1);
        before[prev_start..].trim().is_empty()
    };
    let next_end = line_end(src, rest_end);
    let next_blank = rest_end < src.len() && src[rest_end..next_end].trim().is_empty();
    // Nor a blank line at the top of a block (black removes it).
    let opens_block = stmt
        .parent()
        .is_some_and(|p| p.kind() == "block" && stmt.prev_named_sibling().is_none());
    if (prev_blank || opens_block) && next_blank {
        return Edit::delete(line_start..next_end);
    }
    Edit::delete(line_start..rest_end)
}

/// Deletes the items not kept, each run of them with the separators that
/// join it to its kept neighbour (the next one, or the previous one at the end).
fn delete_items(spans: &[std::ops::Range<usize>], keep: &[bool]) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut i = 0;
    while i < spans.len() {
        if keep[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < spans.len() && !keep[j + 1] {
            j += 1;
        }
        if j + 1 < spans.len() {
            edits.push(Edit::delete(spans[i].start..spans[j + 1].start));
        } else if i > 0 {
            edits.push(Edit::delete(spans[i - 1].end..spans[j].end));
        }
        i = j + 1;
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SemanticModel;

    fn add(src: &str, modules: &[&str]) -> String {
        let tree = syntax::parse(src);
        let model = SemanticModel::build(&tree, src);
        let mods = modules.iter().map(|s| s.to_string()).collect();
        edit::apply_edits(
            src,
            &add_imports(
                &tree,
                src,
                &Style::detect(src),
                &model.imports,
                &mods,
                &first_party(),
                None,
            ),
        )
    }

    #[test]
    fn a_deleted_statement_leaves_no_blank_line_at_the_top_of_its_block() {
        let delete_first = |src: &str| {
            let tree = syntax::parse(src);
            let stmt = syntax::preorder(tree.root_node())
                .map(|(n, _)| n)
                .find(|n| {
                    n.kind() == "expression_statement"
                        && n.utf8_text(src.as_bytes())
                            .is_ok_and(|t| t.starts_with("loop"))
                })
                .expect("a statement");
            edit::apply_edits(src, &[super::delete_statement(stmt, src)])
        };
        assert_eq!(
            delete_first("def f():\n    loop = g()\n\n    def work():\n        pass\n"),
            "def f():\n    def work():\n        pass\n"
        );
        // Between statements the blank line before the next one stays.
        assert_eq!(
            delete_first("def f():\n    \"\"\"Doc.\"\"\"\n    loop = g()\n\n    h()\n"),
            "def f():\n    \"\"\"Doc.\"\"\"\n\n    h()\n"
        );
    }

    #[test]
    fn a_new_group_before_the_block_comes_ahead_of_a_line_added_to_its_first_group() {
        // `math` (a new standard-library group) and `anyio` (into the
        // third-party group, before `async_timeout`) insert at one place:
        // the group goes first (they came out `anyio`, `math`, blank line).
        assert_eq!(
            add("import async_timeout\n\nx = 1\n", &["anyio", "math"]),
            "import math\n\nimport anyio\nimport async_timeout\n\nx = 1\n"
        );
        // Two new groups before a first-party block keep their order.
        assert_eq!(
            add("import app\n\nx = 1\n", &["math", "anyio"]),
            "import math\n\nimport anyio\n\nimport app\n\nx = 1\n"
        );
    }

    #[test]
    fn names_come_in_from_lines_after_the_block() {
        assert_eq!(
            add(
                "import asyncio\n\nx = 1\n",
                &["anyio", "anyio.streams.memory:MemoryObjectSendStream", "anyio.streams.memory:MemoryObjectReceiveStream", "math"]
            ),
            "import asyncio\nimport math\n\nimport anyio\nfrom anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream\n\nx = 1\n"
        );
        assert_eq!(add("x = 1\n", &["a.b:C"]), "from a.b import C\n\nx = 1\n");
        // Already imported: nothing to add.
        assert_eq!(
            add("from a.b import C\n\nx = C\n", &["a.b:C"]),
            "from a.b import C\n\nx = C\n"
        );
    }

    #[test]
    fn added_alphabetically_among_plain_imports() {
        assert_eq!(
            add(
                "import asyncio\nimport time\n\nimport attrs\nimport httpx\n\nx = 1\n",
                &["anyio"]
            ),
            "import asyncio\nimport time\n\nimport anyio\nimport attrs\nimport httpx\n\nx = 1\n"
        );
        assert_eq!(
            add("import asyncio\n\nx = 1\n", &["functools"]),
            "import asyncio\nimport functools\n\nx = 1\n"
        );
    }

    #[test]
    fn added_after_docstring_and_future() {
        assert_eq!(
            add(
                "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n\nx = 1\n",
                &["anyio"]
            ),
            "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n\nimport anyio\n\nx = 1\n"
        );
        assert_eq!(
            add("#!/usr/bin/env python\nx = 1\n", &["anyio"]),
            "#!/usr/bin/env python\nimport anyio\n\nx = 1\n"
        );
    }

    fn first_party() -> BTreeSet<String> {
        ["app".to_string()].into()
    }

    #[test]
    fn each_in_its_isort_section() {
        // A section of its own between the standard library and first party.
        assert_eq!(
            add(
                "import os\n\nfrom app import models\nfrom . import sib\n\nx = 1\n",
                &["anyio"]
            ),
            "import os\n\nimport anyio\n\nfrom app import models\nfrom . import sib\n\nx = 1\n"
        );
        // Before a block that has only later sections.
        assert_eq!(
            add("from app import models\n\nx = 1\n", &["anyio", "functools"]),
            "import functools\n\nimport anyio\n\nfrom app import models\n\nx = 1\n"
        );
        // Plain imports before `from` ones, each in module order, without case.
        assert_eq!(
            add("import Zlib_x\nfrom anyio import Event\nfrom zzz import q\n\nx = 1\n", &["anyio", "anyio.abc:TaskGroup"]),
            "import anyio\nimport Zlib_x\nfrom anyio import Event\nfrom anyio.abc import TaskGroup\nfrom zzz import q\n\nx = 1\n"
        );
        // No block: sections apart.
        assert_eq!(
            add("x = 1\n", &["anyio", "contextlib"]),
            "import contextlib\n\nimport anyio\n\nx = 1\n"
        );
    }

    #[test]
    fn not_added_twice() {
        let src = "import anyio\nx = 1\n";
        assert_eq!(add(src, &["anyio"]), src);
    }

    #[test]
    fn crlf_is_kept() {
        assert_eq!(
            add("import asyncio\r\nx = 1\r\n", &["anyio"]),
            "import asyncio\r\n\r\nimport anyio\r\n\r\nx = 1\r\n"
        );
    }

    fn remove(src: &str, locals: &[&str]) -> String {
        let tree = syntax::parse(src);
        let model = SemanticModel::build(&tree, src);
        let set = model
            .imports
            .iter()
            .enumerate()
            .filter(|(_, i)| locals.contains(&i.local.as_str()))
            .map(|(k, _)| k)
            .collect();
        edit::apply_edits(src, &remove_unused(&tree, src, &model.imports, &set))
    }

    #[test]
    fn removes_statement_or_item() {
        assert_eq!(
            remove("import anyio\nimport asyncio\nx = 1\n", &["asyncio"]),
            "import anyio\nx = 1\n"
        );
        assert_eq!(remove("import asyncio, os\n", &["asyncio"]), "import os\n");
        assert_eq!(
            remove("import asyncio  # loop\nx = 1\n", &["asyncio"]),
            "# loop\nx = 1\n"
        );
        assert_eq!(remove("import asyncio\n\nx = 1\n", &["asyncio"]), "x = 1\n");
        assert_eq!(
            remove(
                "\"\"\"Doc.\"\"\"\n\nimport asyncio\n\nx = 1\n",
                &["asyncio"]
            ),
            "\"\"\"Doc.\"\"\"\n\nx = 1\n"
        );
        assert_eq!(
            remove("from asyncio import sleep, Lock\n", &["Lock"]),
            "from asyncio import sleep\n"
        );
        assert_eq!(
            remove("from asyncio import a, b, c, d, e\n", &["a", "c", "d"]),
            "from asyncio import b, e\n"
        );
        assert_eq!(
            remove("from asyncio import a, b, c\n", &["b", "c"]),
            "from asyncio import a\n"
        );
        assert_eq!(
            remove(
                "from asyncio import (\n    sleep,\n    Lock,\n)\n",
                &["sleep"]
            ),
            "from asyncio import (\n    Lock,\n)\n"
        );
        assert_eq!(
            remove(
                "try:\n    import asyncio\nexcept ImportError:\n    pass\n",
                &["asyncio"]
            ),
            "try:\n    pass\nexcept ImportError:\n    pass\n"
        );
    }
}
