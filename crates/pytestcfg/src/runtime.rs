//! The runtime dependency a migration adds: code that now imports anyio
//! needs `anyio>=X` among the project's dependencies (`[project]
//! dependencies`, Poetry's `[tool.poetry.dependencies]`, setup.cfg's
//! `install_requires`). An anyio requirement that cannot hold the output is
//! reported, never doubled.

use crate::ini::{parse, requirement};
use crate::{apply, line_of, raise_anyio, requirement_name};
use crate::{Kind, Migrated, Note, DEPENDENCY_CODE};
use edit::Edit;
use syntax::{line_end, line_start};
use toml_edit::{Array, Document, Item, Table};

type Edits = Vec<Edit>;

/// `text` with `anyio>={floor}` among the runtime dependencies it declares.
pub fn require(kind: Kind, text: &str, floor: &str) -> Result<Migrated, String> {
    let mut edits: Edits = Vec::new();
    let mut notes = Vec::new();
    match kind {
        Kind::Pyproject => pyproject(text, floor, &mut edits, &mut notes)?,
        Kind::SetupCfg => setup_cfg(text, floor, &mut edits, &mut notes)?,
        _ => {}
    }
    let out = apply(text, edits);
    if kind == Kind::Pyproject {
        Document::parse(out.as_str()).map_err(|e| {
            format!(
                "adding the anyio dependency would make the file invalid TOML ({}); left unchanged",
                e.message()
            )
        })?;
    }
    Ok(Migrated { text: out, notes })
}

/// The newline `text` ends with, or `\n` when it ends without one.
fn newline_of(text: &str) -> &'static str {
    if text.ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// An edit adding `line` as a line of its own at `at`, the end of a line
/// (or of a file that lacks a final newline), with the file's newline.
fn line_at(text: &str, at: usize, line: &str) -> Edit {
    let nl = newline_of(&text[..at]);
    let lead = if text[..at].ends_with('\n') { "" } else { nl };
    Edit::insert(at, format!("{lead}{line}{nl}"))
}

fn fixed(line: usize, message: String) -> Note {
    Note {
        code: DEPENDENCY_CODE,
        line,
        message,
        fixed: true,
    }
}

/// An existing anyio requirement: raised, kept, or reported when it cannot
/// hold the migrated code.
fn existing(req: &str, floor: &str, line: usize) -> Result<Option<(String, Note)>, Note> {
    let bare = req.split(';').next().unwrap_or(req).trim();
    if let Some(raised) = raise_anyio(bare, floor) {
        let note = fixed(
            line,
            format!("`{bare}` is raised to `{raised}`: the migrated code needs anyio {floor}"),
        );
        return Ok(Some((raised, note)));
    }
    if holds(bare, floor) {
        return Ok(None);
    }
    Err(Note {
        code: DEPENDENCY_CODE,
        line,
        message: format!("`{bare}` cannot hold the migrated code, which needs `anyio>={floor}`: raise it by hand"),
        fixed: false,
    })
}

/// Whether an anyio requirement already keeps out every version below
/// `floor` and still admits one at or above it (`>=4.16`, `~=4.16`, `^4.16`,
/// `>=4.16,<5`).
fn holds(req: &str, floor: &str) -> bool {
    let specs = req.trim()[5..].trim();
    let v = |s: &str| -> Vec<u64> {
        s.trim()
            .trim_end_matches(".*")
            .split('.')
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    let f = v(floor);
    let mut lower = false;
    for s in specs.split(',').map(str::trim) {
        let (op, bound) = match ["===", "==", "~=", ">=", "<=", "!=", ">", "<", "^", "~"]
            .iter()
            .find_map(|op| s.strip_prefix(op).map(|b| (*op, b)))
        {
            Some(x) => x,
            None => continue,
        };
        let b = v(bound);
        match op {
            "<" if b <= f => return false,
            "<=" if b < f => return false,
            "<" | "<=" | "!=" => {}
            _ if b >= f => lower = true,
            _ => return false,
        }
    }
    lower
}

fn pyproject(
    text: &str,
    floor: &str,
    edits: &mut Edits,
    notes: &mut Vec<Note>,
) -> Result<(), String> {
    let doc = Document::parse(text).map_err(|e| format!("not valid TOML: {}", e.message()))?;
    if let Some(project) = doc.get("project").and_then(Item::as_table) {
        if let Some(deps) = project.get("dependencies").and_then(Item::as_array) {
            array(text, deps, floor, edits, notes);
            return Ok(());
        }
        let dynamic = project
            .get("dynamic")
            .and_then(Item::as_array)
            .is_some_and(|d| d.iter().any(|v| v.as_str() == Some("dependencies")));
        let header = project.span().map_or(1, |s| line_of(text, s.start));
        if dynamic {
            notes.push(Note {
                code: DEPENDENCY_CODE,
                line: header,
                message: format!("the migrated code imports anyio, and this project's dependencies are dynamic: add `anyio>={floor}` where they are declared"),
                fixed: false,
            });
            return Ok(());
        }
        // No list yet: one after the table's last entry.
        let last = project
            .iter()
            .filter_map(|(_, item)| item.as_value().and_then(|v| v.span()))
            .map(|s| s.end)
            .max();
        if let Some(end) = last {
            let at = line_end(text, end);
            edits.push(line_at(
                text,
                at,
                &format!("dependencies = [\"anyio>={floor}\"]"),
            ));
            notes.push(fixed(
                line_of(text, at.min(text.len().saturating_sub(1))),
                format!("the migrated code imports anyio: `dependencies` gains `anyio>={floor}`"),
            ));
        }
        return Ok(());
    }
    if let Some(deps) = doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("dependencies"))
        .and_then(Item::as_table)
    {
        poetry(text, deps, floor, edits, notes);
    }
    Ok(())
}

/// `anyio>=X` in a PEP 508 list: the existing entry raised, or a new one
/// where it sorts (at the end of an unsorted list), in the list's layout.
fn array(text: &str, a: &Array, floor: &str, edits: &mut Edits, notes: &mut Vec<Note>) {
    let items: Vec<(&str, std::ops::Range<usize>)> = a
        .iter()
        .filter_map(|v| Some((v.as_str()?, v.span()?)))
        .collect();
    for (s, span) in &items {
        if requirement_name(s) != "anyio" {
            continue;
        }
        let quote = &text[span.start..span.start + 1];
        match existing(s, floor, line_of(text, span.start)) {
            Ok(Some((raised, note))) => {
                let marker = s.find(';').map_or("", |i| &s[i..]);
                edits.push(Edit::replace(
                    span.clone(),
                    format!("{quote}{raised}{marker}{quote}"),
                ));
                notes.push(note);
            }
            Ok(None) => {}
            Err(note) => notes.push(note),
        }
        return;
    }
    let Some(whole) = a.span() else {
        return;
    };
    let message = format!("the migrated code imports anyio: `anyio>={floor}` is added");
    let Some((first, _)) = items.first().map(|(_, s)| (s.start, ())) else {
        edits.push(Edit::replace(
            whole.start..whole.end,
            format!("[\"anyio>={floor}\"]"),
        ));
        notes.push(fixed(line_of(text, whole.start), message));
        return;
    };
    let quote = &text[first..first + 1];
    let new = format!("{quote}anyio>={floor}{quote}");
    let names: Vec<String> = items.iter().map(|(s, _)| requirement_name(s)).collect();
    let sorted = names.windows(2).all(|w| w[0] <= w[1]);
    let pos = if sorted {
        names
            .iter()
            .position(|n| n.as_str() > "anyio")
            .unwrap_or(names.len())
    } else {
        names.len()
    };
    let multiline = text[whole.start..first].contains('\n');
    if let Some((_, span)) = items.get(pos) {
        let sep = if multiline {
            let indent = &text[line_start(text, span.start)..span.start];
            let nl = newline_of(&text[..span.start]);
            format!(",{nl}{indent}")
        } else {
            ", ".to_string()
        };
        edits.push(Edit::insert(span.start, format!("{new}{sep}")));
        notes.push(fixed(line_of(text, span.start), message));
        return;
    }
    let (_, last) = items.last().expect("a non-empty list");
    let after = &text[last.end..];
    let comma = after.trim_start_matches([' ', '\t']).starts_with(',');
    let at = line_end(text, last.end);
    // A line of its own, unless the list closes on the last item's line.
    if multiline && !text[last.end..at].contains(']') {
        let indent = &text[line_start(text, last.start)..last.start];
        if !comma {
            edits.push(Edit::insert(last.end, ","));
        }
        let trailing = if comma { "," } else { "" };
        edits.push(line_at(text, at, &format!("{indent}{new}{trailing}")));
    } else {
        edits.push(Edit::insert(last.end, format!(", {new}")));
    }
    notes.push(fixed(line_of(text, last.start), message));
}

/// Poetry's table: `anyio = ">=X"` after the last entry, or the existing one raised.
fn poetry(text: &str, t: &Table, floor: &str, edits: &mut Edits, notes: &mut Vec<Note>) {
    if let Some((k, v)) = t.get_key_value("anyio") {
        let line = k.span().map_or(1, |s| line_of(text, s.start));
        match v.as_str() {
            Some(spec) => match existing(&format!("anyio{spec}"), floor, line) {
                Ok(Some((raised, note))) => {
                    if let Some(span) = v.span() {
                        edits.push(Edit::replace(
                            span.start..span.end,
                            format!("\"{}\"", &raised[5..]),
                        ));
                        notes.push(note);
                    }
                }
                Ok(None) => {}
                Err(note) => notes.push(note),
            },
            None => notes.push(Note {
                code: DEPENDENCY_CODE,
                line,
                message: format!(
                    "the migrated code needs `anyio>={floor}`: check this anyio entry allows it"
                ),
                fixed: false,
            }),
        }
        return;
    }
    let last = t
        .iter()
        .filter_map(|(_, item)| {
            item.span()
                .or_else(|| item.as_value().and_then(|v| v.span()))
        })
        .map(|s| s.end)
        .max();
    if let Some(end) = last {
        edits.push(line_at(
            text,
            line_end(text, end),
            &format!("anyio = \">={floor}\""),
        ));
        notes.push(fixed(
            line_of(text, end),
            format!("the migrated code imports anyio: `anyio = \">={floor}\"` is added"),
        ));
    }
}

/// setup.cfg's `[options] install_requires`: a line in the list's layout.
fn setup_cfg(
    text: &str,
    floor: &str,
    edits: &mut Edits,
    notes: &mut Vec<Note>,
) -> Result<(), String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let entries = parse(&lines)?;
    let Some(e) = entries
        .iter()
        .find(|e| e.section == "options" && e.key == "install_requires")
    else {
        return Ok(());
    };
    let offset = |i: usize| lines[..i].iter().map(|l| l.len()).sum::<usize>();
    let value = |i: usize| {
        let (at, v) = e.value_at(&lines, i);
        (at, requirement(v))
    };
    for i in e.first..=e.last {
        let (at, req) = value(i);
        if requirement_name(req) != "anyio" {
            continue;
        }
        match existing(req, floor, i + 1) {
            Ok(Some((raised, note))) => {
                let start = offset(i) + at;
                edits.push(Edit::replace(start..start + req.len(), raised));
                notes.push(note);
            }
            Ok(None) => {}
            Err(note) => notes.push(note),
        }
        return Ok(());
    }
    let message =
        format!("the migrated code imports anyio: `install_requires` gains `anyio>={floor}`");
    let (at, first_value) = value(e.first);
    if e.last == e.first {
        // `install_requires = x` on one line, or empty: a list of lines now.
        let body = lines[e.first].trim_end_matches(['\n', '\r']);
        let nl = newline_of(lines[e.first]);
        let start = offset(e.first);
        let new = if first_value.is_empty() {
            format!("{}{nl}    anyio>={floor}{nl}", body.trim_end())
        } else {
            format!(
                "{}{nl}    {first_value}{nl}    anyio>={floor}{nl}",
                body[..at].trim_end()
            )
        };
        edits.push(Edit::replace(start..start + lines[e.first].len(), new));
        notes.push(fixed(e.first + 1, message));
        return Ok(());
    }
    // Continuation lines: after the last one, indented like it.
    let last = lines[e.last];
    let indent: String = last
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let end = offset(e.last) + last.len();
    edits.push(line_at(text, end, &format!("{indent}anyio>={floor}")));
    notes.push(fixed(e.last + 1, message));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: Kind, text: &str) -> String {
        require(kind, text, "4.15").unwrap().text
    }

    #[test]
    fn pep621_lists_keep_their_layout() {
        let multi = "[project]\nname = \"x\"\ndependencies = [\n    \"attrs>=22\",\n    \"redis>=5\",  # cache\n]\n";
        assert_eq!(
            run(Kind::Pyproject, multi),
            "[project]\nname = \"x\"\ndependencies = [\n    \"anyio>=4.15\",\n    \"attrs>=22\",\n    \"redis>=5\",  # cache\n]\n"
        );
        let closing = "[project]\ndependencies = [\n    \"zlib-ng\",\n    \"attrs\"]\n";
        assert_eq!(
            run(Kind::Pyproject, closing),
            "[project]\ndependencies = [\n    \"zlib-ng\",\n    \"attrs\", \"anyio>=4.15\"]\n"
        );
        let unsorted = "[project]\ndependencies = [\n    \"zlib-ng\",\n    \"attrs\"\n]\n";
        assert_eq!(
            run(Kind::Pyproject, unsorted),
            "[project]\ndependencies = [\n    \"zlib-ng\",\n    \"attrs\",\n    \"anyio>=4.15\"\n]\n"
        );
        let inline = "[project]\ndependencies = ['attrs', 'redis']\n";
        assert_eq!(
            run(Kind::Pyproject, inline),
            "[project]\ndependencies = ['anyio>=4.15', 'attrs', 'redis']\n"
        );
        assert_eq!(
            run(Kind::Pyproject, "[project]\ndependencies = []\n"),
            "[project]\ndependencies = [\"anyio>=4.15\"]\n"
        );
        assert_eq!(
            run(Kind::Pyproject, "[project]\nname = \"x\"\nversion = \"1\"\n\n[tool.x]\na = 1\n"),
            "[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\"anyio>=4.15\"]\n\n[tool.x]\na = 1\n"
        );
    }

    #[test]
    fn existing_anyio_is_raised_kept_or_reported() {
        let low = "[project]\ndependencies = [\"anyio>=3.6\", \"attrs\"]\n";
        assert_eq!(
            run(Kind::Pyproject, low),
            "[project]\ndependencies = [\"anyio>=4.15\", \"attrs\"]\n"
        );
        for fine in [
            "anyio>=4.15",
            "anyio>=4.16,<5",
            "anyio~=4.16",
            "anyio==4.16.0",
        ] {
            let t = format!("[project]\ndependencies = [\"{fine}\"]\n");
            assert_eq!(run(Kind::Pyproject, &t), t, "{fine}");
        }
        for pinned in [
            "anyio==3.7.1",
            "anyio<4",
            "anyio~=3.7",
            "anyio>=3,<4",
            "anyio>=4.16,<4.15",
        ] {
            let t = format!("[project]\ndependencies = [\"{pinned}\"]\n");
            let m = require(Kind::Pyproject, &t, "4.15").unwrap();
            assert_eq!(m.text, t, "{pinned} is left as it is");
            assert!(
                m.notes
                    .iter()
                    .any(|n| !n.fixed && n.message.contains("cannot hold")),
                "{pinned}"
            );
        }
    }

    #[test]
    fn dynamic_poetry_and_setup_cfg() {
        let dynamic = "[project]\nname = \"x\"\ndynamic = [\"dependencies\"]\n";
        let m = require(Kind::Pyproject, dynamic, "4.15").unwrap();
        assert_eq!(m.text, dynamic);
        assert!(!m.notes[0].fixed);
        let poetry = "[tool.poetry.dependencies]\npython = \"^3.10\"\nredis = \"^5\"\n\n[tool.poetry.group.dev.dependencies]\npytest = \"^8\"\n";
        assert_eq!(
            run(Kind::Pyproject, poetry),
            "[tool.poetry.dependencies]\npython = \"^3.10\"\nredis = \"^5\"\nanyio = \">=4.15\"\n\n[tool.poetry.group.dev.dependencies]\npytest = \"^8\"\n"
        );
        assert_eq!(
            run(
                Kind::Pyproject,
                "[tool.poetry.dependencies]\nanyio = \"^3.7\"\n"
            ),
            "[tool.poetry.dependencies]\nanyio = \"^3.7\"\n"
        );
        let cfg = "[metadata]\nname = x\n\n[options]\ninstall_requires =\n    attrs\n    redis>=5\npython_requires = >=3.10\n";
        assert_eq!(
            run(Kind::SetupCfg, cfg),
            "[metadata]\nname = x\n\n[options]\ninstall_requires =\n    attrs\n    redis>=5\n    anyio>=4.15\npython_requires = >=3.10\n"
        );
        assert_eq!(
            run(Kind::SetupCfg, "[options]\ninstall_requires = anyio>=3\n"),
            "[options]\ninstall_requires = anyio>=4.15\n"
        );
        assert_eq!(
            run(Kind::SetupCfg, "[options]\ninstall_requires = attrs\n"),
            "[options]\ninstall_requires =\n    attrs\n    anyio>=4.15\n"
        );
        let none = "[tool.pytest.ini_options]\naddopts = \"-ra\"\n";
        assert_eq!(run(Kind::Pyproject, none), none);
    }
}
