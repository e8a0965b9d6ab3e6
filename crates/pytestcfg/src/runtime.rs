//! The runtime dependency a migration adds: code that now imports anyio
//! needs `anyio>=X` among the project's dependencies (`[project]
//! dependencies`, Poetry's `[tool.poetry.dependencies]`, setup.cfg's
//! `install_requires`). An anyio requirement that cannot hold the output is
//! reported, never doubled.

use crate::ini::{parse, requirement};
use crate::requirement_name;
use crate::{apply, cannot_hold, dependency_fixed, line_ending, line_of, raise_anyio};
use crate::{lowest_version, needs_anyio_3, newest_anyio_for, python_for_anyio, Anyio};
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
    notes.extend(python_floor(kind, text, floor));
    notes.sort_by_key(|n| n.line);
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

/// The items for a person when a package whose code now imports anyio
/// declares its dependencies in a file that is not edited for it: a
/// `setup.py` (Python: `install_requires` may be computed) or a
/// `requirements.txt` (possibly a lock file). An anyio requirement there that
/// already holds the migrated code says nothing.
pub fn declared_elsewhere(setup_py: bool, text: &str, floor: &str) -> Vec<Note> {
    let note = |line: usize, message: String| Note {
        code: DEPENDENCY_CODE,
        line,
        message,
        fixed: false,
    };
    // Each anyio requirement: its 1-based line and text (in setup.py, the
    // string literals of each line).
    let found: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .flat_map(|(i, line)| {
            let candidates: Vec<&str> = if setup_py {
                ['"', '\'']
                    .iter()
                    .flat_map(|q| line.split(*q).skip(1).step_by(2))
                    .collect()
            } else {
                vec![line.split('#').next().unwrap_or("").trim()]
            };
            candidates
                .into_iter()
                .filter(|req| requirement_name(req) == "anyio")
                .map(move |req| (i + 1, req))
        })
        .collect();
    if found.is_empty() {
        let (line, place) = if setup_py {
            let line = text
                .lines()
                .position(|l| l.contains("install_requires"))
                .map_or(1, |i| i + 1);
            (line, "`install_requires` in setup.py")
        } else {
            (1, "this requirements file")
        };
        return vec![note(
            line,
            format!("the migrated code imports anyio: add `anyio>={floor}` to {place}"),
        )];
    }
    found
        .into_iter()
        .filter_map(|(line, req)| {
            let bare = req.split(';').next().unwrap_or(req).trim();
            match raise_anyio(bare, floor) {
                Anyio::Holds => None,
                Anyio::Raised(raised) => Some(note(
                    line,
                    format!("`{bare}` does not keep out the anyio releases below {floor}, which the migrated code needs: make it `{raised}`"),
                )),
                Anyio::Cannot => Some(cannot_hold(bare, floor, line)),
            }
        })
        .collect()
}

/// The newline `text` ends with, or `\n` when it ends without one.
fn newline_of(text: &str) -> &'static str {
    match line_ending(text) {
        "" => "\n",
        nl => nl,
    }
}

/// An edit adding `line` as a line of its own at `at`, the end of a line
/// (or of a file that lacks a final newline), with the file's newline.
fn line_at(text: &str, at: usize, line: &str) -> Edit {
    let nl = newline_of(&text[..at]);
    let lead = if text[..at].ends_with('\n') { "" } else { nl };
    Edit::insert(at, format!("{lead}{line}{nl}"))
}

/// A requirement on a package whose releases it allows all need anyio < 4.
fn old_anyio_user(req: &str, line: usize) -> Option<Note> {
    let (package, first) = needs_anyio_3(req)?;
    Some(Note {
        code: DEPENDENCY_CODE,
        line,
        message: format!(
            "`{}` requires anyio < 4 ({package} releases before {first} do), which the migrated code cannot run on: allow `{package}>={first}`",
            req.trim()
        ),
        fixed: false,
    })
}

/// The item for a person when the project's declared Python floor is below
/// what the anyio the migrated code needs runs on.
fn python_floor(kind: Kind, text: &str, floor: &str) -> Option<Note> {
    let (spec, line) = match kind {
        Kind::Pyproject => {
            let doc = Document::parse(text).ok()?;
            let item = doc
                .get("project")
                .and_then(|p| p.get("requires-python"))
                .or_else(|| {
                    doc.get("tool")?
                        .get("poetry")?
                        .get("dependencies")?
                        .get("python")
                })?;
            let value = item.as_value()?;
            (
                value.as_str()?.to_string(),
                line_of(text, value.span()?.start),
            )
        }
        Kind::SetupCfg => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let e = parse(&lines)
                .ok()?
                .into_iter()
                .find(|e| e.section == "options" && e.key == "python_requires")?;
            (
                e.value_at(&lines, e.first).1.trim().to_string(),
                e.first + 1,
            )
        }
        _ => return None,
    };
    let pair = |v: &str| {
        let mut parts = v.split('.').map(|p| p.trim().parse::<u32>().ok());
        Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
    };
    let declared = pair(&lowest_version(&spec)?)?;
    let anyio = pair(floor)?;
    let needed = python_for_anyio(anyio);
    let instead = match newest_anyio_for(declared) {
        Some((a, b)) => format!(
            ", or migrate with `--target-anyio {a}.{b}` (the newest anyio that runs on {}.{})",
            declared.0, declared.1
        ),
        None => " (anyio 4 needs Python 3.8 or later)".to_string(),
    };
    (declared < needed).then(|| Note {
        code: DEPENDENCY_CODE,
        line,
        message: format!(
            "the project supports Python {}.{} (`{}`), but anyio {floor}, which the migrated code needs, requires Python {}.{}: raise the Python floor{instead}",
            declared.0,
            declared.1,
            spec.trim(),
            needed.0,
            needed.1,
        ),
        fixed: false,
    })
}

/// An existing anyio requirement: raised, kept, or reported when it cannot
/// hold the migrated code.
fn existing(req: &str, floor: &str, line: usize) -> Result<Option<(String, Note)>, Note> {
    let bare = req.split(';').next().unwrap_or(req).trim();
    match raise_anyio(bare, floor) {
        Anyio::Raised(raised) => {
            let note = dependency_fixed(
                line,
                format!("`{bare}` is raised to `{raised}`: the migrated code needs anyio {floor}"),
            );
            Ok(Some((raised, note)))
        }
        Anyio::Holds => Ok(None),
        Anyio::Cannot => Err(cannot_hold(bare, floor, line)),
    }
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
            notes.push(dependency_fixed(
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
    notes.extend(
        items
            .iter()
            .filter_map(|(s, span)| old_anyio_user(s, line_of(text, span.start))),
    );
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
        notes.push(dependency_fixed(line_of(text, whole.start), message));
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
            // The newline that ends the line before the item's.
            let nl = newline_of(&text[..line_start(text, span.start)]);
            format!(",{nl}{indent}")
        } else {
            ", ".to_string()
        };
        edits.push(Edit::insert(span.start, format!("{new}{sep}")));
        notes.push(dependency_fixed(line_of(text, span.start), message));
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
    notes.push(dependency_fixed(line_of(text, last.start), message));
}

/// Poetry's table: `anyio = ">=X"` after the last entry, or the existing one raised.
fn poetry(text: &str, t: &Table, floor: &str, edits: &mut Edits, notes: &mut Vec<Note>) {
    for (k, v) in t.iter() {
        let spec = v
            .as_str()
            .or_else(|| v.get("version").and_then(Item::as_str));
        let line = t
            .key(k)
            .and_then(|key| key.span())
            .map_or(1, |s| line_of(text, s.start));
        if let Some(note) = spec.and_then(|spec| old_anyio_user(&format!("{k} {spec}"), line)) {
            notes.push(note);
        }
    }
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
        notes.push(dependency_fixed(
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
    let message =
        format!("the migrated code imports anyio: `install_requires` gains `anyio>={floor}`");
    // One line with `;`: setuptools splits it there (`attrs; redis`), so
    // each part is a requirement, and anyio joins them the same way.
    let (at, raw) = e.value_at(&lines, e.first);
    if e.last == e.first && raw.contains(';') {
        let start = offset(e.first) + at;
        let mut part_at = start;
        for part in raw.split(';') {
            let lead = part.len() - part.trim_start().len();
            let req = requirement(part);
            notes.extend(old_anyio_user(req, e.first + 1));
            if requirement_name(req) == "anyio" {
                match existing(req, floor, e.first + 1) {
                    Ok(Some((raised, note))) => {
                        let at = part_at + lead;
                        edits.push(Edit::replace(at..at + req.len(), raised));
                        notes.push(note);
                    }
                    Ok(None) => {}
                    Err(note) => notes.push(note),
                }
                return Ok(());
            }
            part_at += part.len() + 1;
        }
        let end = start + raw.len();
        edits.push(Edit::replace(end..end, format!("; anyio>={floor}")));
        notes.push(dependency_fixed(e.first + 1, message));
        return Ok(());
    }
    notes.extend((e.first..=e.last).filter_map(|i| old_anyio_user(value(i).1, i + 1)));
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
        notes.push(dependency_fixed(e.first + 1, message));
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
    notes.push(dependency_fixed(e.last + 1, message));
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
        // CRLF lines keep CRLF, also the new one.
        assert_eq!(
            run(Kind::Pyproject, &multi.replace('\n', "\r\n")),
            "[project]\r\nname = \"x\"\r\ndependencies = [\r\n    \"anyio>=4.15\",\r\n    \"attrs>=22\",\r\n    \"redis>=5\",  # cache\r\n]\r\n"
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
        // A plain edit raises it in its own form.
        for (old, new) in [
            ("anyio~=3.7", "anyio~=4.15"),
            ("anyio<4", "anyio>=4.15,<5"),
            ("anyio>=3,<4", "anyio>=4.15,<5"),
            ("anyio>=3.6,<5", "anyio>=4.15,<5"),
        ] {
            let t = format!("[project]\ndependencies = [\"{old}\"]\n");
            let m = require(Kind::Pyproject, &t, "4.15").unwrap();
            assert_eq!(m.text, t.replace(old, new), "{old}");
            assert!(m.notes[0].fixed && m.notes[0].message.contains("is raised to"));
        }
        // A pin, or a cap that is not a major release, is a decision.
        for pinned in ["anyio==3.7.1", "anyio>=4.16,<4.15", "anyio<4.10"] {
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
    fn old_anyio_users_and_python_floors_are_reported() {
        let reported = |kind: Kind, text: &str, floor: &str| -> Vec<(usize, String)> {
            let m = require(kind, text, floor).unwrap();
            m.notes
                .into_iter()
                .filter(|n| !n.fixed)
                .map(|n| (n.line, n.message))
                .collect()
        };
        let pep621 = "[project]\nname = \"x\"\nrequires-python = \">=3.8\"\ndependencies = [\n    \"fastapi==0.100.0\",\n    \"httpx\",\n]\n";
        let notes = reported(Kind::Pyproject, pep621, "4.15");
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(notes[0].0, 3);
        assert!(
            notes[0]
                .1
                .contains("supports Python 3.8 (`>=3.8`), but anyio 4.15")
                && notes[0].1.contains("requires Python 3.10")
                && notes[0].1.contains("`--target-anyio 4.5`"),
            "{notes:?}"
        );
        assert_eq!(notes[1].0, 5);
        assert!(
            notes[1].1.starts_with(
                "`fastapi==0.100.0` requires anyio < 4 (fastapi releases before 0.108.0 do)"
            ),
            "{notes:?}"
        );
        // anyio 4.5 runs on 3.8; a fastapi that allows anyio 4 is fine.
        let fine = pep621.replace("fastapi==0.100.0", "fastapi>=0.110");
        assert!(reported(Kind::Pyproject, &fine, "4.5").is_empty());
        let poetry = "[tool.poetry.dependencies]\npython = \"^3.9\"\nfastapi = { version = \"^0.100.0\", extras = [\"all\"] }\n";
        let notes = reported(Kind::Pyproject, poetry, "4.13");
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes
            .iter()
            .any(|(l, m)| *l == 2 && m.contains("Python 3.9")));
        assert!(notes
            .iter()
            .any(|(l, m)| *l == 3 && m.contains("`fastapi ^0.100.0`")));
        let cfg = "[options]\npython_requires = >=3.7\ninstall_requires =\n    asyncer==0.0.2\n";
        let notes = reported(Kind::SetupCfg, cfg, "4.0");
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes
            .iter()
            .any(|(l, m)| *l == 2 && m.contains("(anyio 4 needs Python 3.8 or later)")));
        assert!(notes
            .iter()
            .any(|(l, m)| *l == 4 && m.contains("asyncer releases before 0.0.3")));
    }

    #[test]
    fn setup_py_and_requirements_txt_are_reported() {
        let setup = "from setuptools import setup\n\nsetup(\n    name=\"x\",\n    install_requires=[\"attrs\"],\n)\n";
        let notes = declared_elsewhere(true, setup, "4.0");
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].line, 5);
        assert!(notes[0]
            .message
            .contains("add `anyio>=4.0` to `install_requires` in setup.py"));
        let old = setup.replace("\"attrs\"", "\"anyio>=3.6\"");
        let notes = declared_elsewhere(true, &old, "4.0");
        assert!(
            notes[0].message.contains("make it `anyio>=4.0`"),
            "{notes:?}"
        );
        let fine = setup.replace("\"attrs\"", "\"attrs\", 'anyio>=4.2'");
        assert!(declared_elsewhere(true, &fine, "4.0").is_empty());
        let reqs = "attrs==23.1\nanyio==3.7.1  # pinned\n";
        let notes = declared_elsewhere(false, reqs, "4.0");
        assert_eq!((notes[0].line, notes[0].fixed), (2, false));
        assert!(notes[0].message.contains("cannot hold"), "{notes:?}");
        let notes = declared_elsewhere(false, "attrs\n", "4.0");
        assert!(notes[0]
            .message
            .contains("add `anyio>=4.0` to this requirements file"));
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
            "[tool.poetry.dependencies]\nanyio = \"^4.15\"\n"
        );
        // Poetry's bare version is a pin.
        let pin = "[tool.poetry.dependencies]\nanyio = \"3.7.1\"\n";
        assert_eq!(run(Kind::Pyproject, pin), pin);
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
        // One line split at `;` by setuptools: anyio joins the same way (on
        // a line of its own it made `redis` a marker of `attrs`), and an
        // anyio among the parts is raised in place.
        assert_eq!(
            run(
                Kind::SetupCfg,
                "[options]\ninstall_requires = attrs; redis>=5\n"
            ),
            "[options]\ninstall_requires = attrs; redis>=5; anyio>=4.15\n"
        );
        assert_eq!(
            run(
                Kind::SetupCfg,
                "[options]\ninstall_requires = attrs;  anyio>=3 ;redis\r\n"
            ),
            "[options]\ninstall_requires = attrs;  anyio>=4.15 ;redis\r\n"
        );
        let none = "[tool.pytest.ini_options]\naddopts = \"-ra\"\n";
        assert_eq!(run(Kind::Pyproject, none), none);
    }
}
