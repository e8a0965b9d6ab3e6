//! `pyproject.toml`: `[tool.pytest.ini_options]` and the dependency lists,
//! edited in place through the spans toml_edit reports (nothing else moves).

use crate::ini::strip_asyncio_options;
use crate::{
    apply, cannot_hold, dependency_fixed, is_pytest_asyncio, line_ending, line_of,
    pytest_asyncio_replaced, raise_anyio, requirement_name, Anyio, Migrated, Note, Options,
    CONFIG_CODE,
};
use edit::Edit;
use syntax::{line_end, line_start};
use toml_edit::{Array, Document, Item, Table, Value};

type Edits = Vec<Edit>;

/// Migrates the pytest table and every dependency list.
pub fn migrate(text: &str, opts: &Options) -> Result<Migrated, String> {
    let doc = Document::parse(text).map_err(|e| format!("not valid TOML: {}", e.message()))?;
    let mut edits: Edits = Vec::new();
    let mut notes = Vec::new();
    if let Some(t) = doc
        .get("tool")
        .filter(|_| opts.configuration)
        .and_then(|t| t.get("pytest"))
        .and_then(|t| t.get("ini_options"))
        .and_then(Item::as_table)
    {
        pytest_table(text, t, &mut edits, &mut notes);
    }
    let mut arrays: Vec<&Array> = Vec::new();
    if let Some(project) = doc.get("project").filter(|_| opts.dependencies) {
        arrays.extend(project.get("dependencies").and_then(Item::as_array));
        if let Some(extras) = project
            .get("optional-dependencies")
            .and_then(Item::as_table_like)
        {
            arrays.extend(extras.iter().filter_map(|(_, v)| v.as_array()));
        }
    }
    if let Some(groups) = doc
        .get("dependency-groups")
        .filter(|_| opts.dependencies)
        .and_then(Item::as_table_like)
    {
        arrays.extend(groups.iter().filter_map(|(_, v)| v.as_array()));
    }
    for a in arrays {
        dependency_array(text, a, &mut edits, &mut notes, opts);
    }
    if let Some(poetry) = doc
        .get("tool")
        .filter(|_| opts.dependencies)
        .and_then(|t| t.get("poetry"))
    {
        let mut tables: Vec<&Table> = Vec::new();
        tables.extend(poetry.get("dependencies").and_then(Item::as_table));
        tables.extend(poetry.get("dev-dependencies").and_then(Item::as_table));
        if let Some(groups) = poetry.get("group").and_then(Item::as_table) {
            tables.extend(
                groups
                    .iter()
                    .filter_map(|(_, g)| g.get("dependencies").and_then(Item::as_table)),
            );
        }
        for t in tables {
            poetry_table(text, t, &mut edits, &mut notes, opts);
        }
    }
    let out = apply(text, edits);
    Document::parse(out.as_str()).map_err(|e| {
        format!(
            "the migrated file would not be valid TOML ({}); left unchanged",
            e.message()
        )
    })?;
    notes.sort_by_key(|n| n.line);
    Ok(Migrated { text: out, notes })
}

/// The whole lines of a `key = value` entry (key span start to value span end).
fn entry_lines(text: &str, t: &Table, key: &str) -> Option<(usize, usize)> {
    let (k, v) = t.get_key_value(key)?;
    let ks = k.span()?;
    let vs = v.span()?;
    Some((line_start(text, ks.start), line_end(text, vs.end)))
}

fn pytest_table(text: &str, t: &Table, edits: &mut Edits, notes: &mut Vec<Note>) {
    let keyed = t.contains_key("asyncio_mode") || t.contains_key("anyio_mode");
    for (key, item) in t.iter() {
        let Some((start, end)) = entry_lines(text, t, key) else {
            continue;
        };
        let line = line_of(text, start);
        // The line that sets anyio's mode, indented as this entry.
        let anyio_mode = || {
            let indent: String = text[start..]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            format!("{indent}anyio_mode = \"auto\"{}", line_ending(&text[..end]))
        };
        // `--asyncio-mode` set the mode where no key did: anyio's plugin
        // needs `anyio_mode = "auto"` in its place.
        if key == "addopts" && !keyed && text[start..end].contains("--asyncio-mode") {
            edits.push(Edit::insert(start, anyio_mode()));
            notes.push(Note {
                code: CONFIG_CODE,
                line,
                message: "`--asyncio-mode` becomes `anyio_mode = \"auto\"`".into(),
                fixed: true,
            });
        }
        if key == "asyncio_mode" {
            edits.push(Edit::replace(start..end, anyio_mode()));
            notes.push(Note {
                code: CONFIG_CODE,
                line,
                message: "`asyncio_mode` becomes `anyio_mode = \"auto\"`".into(),
                fixed: true,
            });
        } else if key.starts_with("asyncio_") {
            edits.push(Edit::delete(start..end));
            notes.push(Note {
                code: CONFIG_CODE,
                line,
                message: format!("`{key}` is a pytest-asyncio setting: removed"),
                fixed: true,
            });
        } else if key == "addopts" {
            match item.as_value() {
                Some(v @ Value::String(_)) => {
                    let Some(span) = v.span() else { continue };
                    let raw = &text[span.clone()];
                    let q = if raw.starts_with("\"\"\"") || raw.starts_with("\'\'\'") {
                        3
                    } else {
                        1
                    };
                    let inner = &raw[q..raw.len() - q];
                    let mut changed = false;
                    let stripped: String = inner
                        .split_inclusive('\n')
                        .map(|l| {
                            let (s, c) = strip_asyncio_options(l);
                            changed |= c;
                            s
                        })
                        .collect();
                    if changed {
                        edits.push(Edit::replace(span.start + q..span.end - q, stripped));
                        notes.push(Note {
                            code: CONFIG_CODE,
                            line,
                            message: "`--asyncio-mode` is a pytest-asyncio option: removed".into(),
                            fixed: true,
                        });
                    }
                }
                Some(Value::Array(a)) => {
                    let values: Vec<_> = a.iter().collect();
                    let strings: Vec<&str> =
                        values.iter().map(|v| v.as_str().unwrap_or("")).collect();
                    let mut k = 0;
                    while k < values.len() {
                        let taken = if strings[k].is_empty() {
                            0
                        } else {
                            crate::ini::option_tokens(&strings[k..])
                        };
                        if taken == 0 {
                            k += 1;
                            continue;
                        }
                        let plugin = strings.get(k + 1).copied().unwrap_or_default();
                        let message = if strings[k].contains("pytest_asyncio")
                            || plugin == "pytest_asyncio"
                        {
                            "`-p pytest_asyncio` loads the plugin the suite leaves: removed"
                        } else if strings[k].contains("anyio") || strings[k] == "-p" {
                            "`-p no:anyio` would keep anyio's plugin from running: removed"
                        } else {
                            "`--asyncio-mode` is a pytest-asyncio option: removed"
                        };
                        // The option and its value go as one run (a line of their own goes whole).
                        if let (Some(first), Some(last)) =
                            (values[k].span(), values[k + taken - 1].span())
                        {
                            edits.push(element_removal(text, first.start, last.end));
                        }
                        if let Some(span) = values[k].span() {
                            notes.push(Note {
                                code: CONFIG_CODE,
                                line: line_of(text, span.start),
                                message: message.into(),
                                fixed: true,
                            });
                        }
                        k += taken;
                    }
                }
                _ => {}
            }
        }
    }
}

/// The edit removing one array element, with its comma, and its whole line
/// when it stands alone on it.
fn element_removal(text: &str, start: usize, end: usize) -> Edit {
    let ls = line_start(text, start);
    let le = line_end(text, end);
    let before = &text[ls..start];
    let after = text[end..le].trim_end();
    let after_trimmed = after.trim_start().trim_start_matches(',').trim();
    if before.trim().is_empty() && (after_trimmed.is_empty() || after_trimmed.starts_with('#')) {
        return Edit::delete(ls..le);
    }
    // Inline: take the following comma and spaces, or the preceding ones.
    let rest = &text[end..];
    let comma = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if rest[comma..].starts_with(',') {
        let spaces =
            rest[comma + 1..].len() - rest[comma + 1..].trim_start_matches([' ', '\t']).len();
        return Edit::delete(start..end + comma + 1 + spaces);
    }
    let prev = text[..start].trim_end_matches([' ', '\t']);
    let cut = prev.strip_suffix(',').map_or(start, |p| p.len());
    Edit::delete(cut..end)
}

fn dependency_array(
    text: &str,
    a: &Array,
    edits: &mut Edits,
    notes: &mut Vec<Note>,
    opts: &Options,
) {
    let has_anyio = a
        .iter()
        .any(|v| v.as_str().is_some_and(|s| requirement_name(s) == "anyio"));
    let mut found = false;
    for v in a.iter() {
        let (Some(s), Some(span)) = (v.as_str(), v.span()) else {
            continue;
        };
        if !is_pytest_asyncio(s) {
            continue;
        }
        found = true;
        let line = line_of(text, span.start);
        if has_anyio {
            edits.push(element_removal(text, span.start, span.end));
        } else {
            let quote = &text[span.start..span.start + 1];
            let marker = s.find(';').map(|i| &s[i..]).unwrap_or("");
            edits.push(Edit::replace(
                span.start..span.end,
                format!("{quote}anyio>={}{marker}{quote}", opts.anyio_floor),
            ));
        }
        notes.push(pytest_asyncio_replaced(line, has_anyio, &opts.anyio_floor));
    }
    if found && has_anyio {
        for v in a.iter() {
            let (Some(s), Some(span)) = (v.as_str(), v.span()) else {
                continue;
            };
            if requirement_name(s) != "anyio" {
                continue;
            }
            let line = line_of(text, span.start);
            let bare = s.split(';').next().unwrap_or(s);
            match raise_anyio(bare, &opts.anyio_floor) {
                Anyio::Raised(raised) => {
                    let quote = &text[span.start..span.start + 1];
                    edits.push(Edit::replace(
                        span.start..span.end,
                        format!("{quote}{raised}{quote}"),
                    ));
                    notes.push(dependency_fixed(
                        line,
                        format!("`{s}` is raised to `{raised}`"),
                    ));
                }
                Anyio::Cannot => notes.push(cannot_hold(bare, &opts.anyio_floor, line)),
                Anyio::Holds => {}
            }
        }
    }
}

fn poetry_table(text: &str, t: &Table, edits: &mut Edits, notes: &mut Vec<Note>, opts: &Options) {
    let has_anyio = t.contains_key("anyio");
    for (key, _) in t.iter() {
        if !is_pytest_asyncio(key) {
            continue;
        }
        let Some((start, end)) = entry_lines(text, t, key) else {
            continue;
        };
        let line = line_of(text, start);
        if has_anyio {
            edits.push(Edit::delete(start..end));
        } else {
            let nl = line_ending(&text[..end]);
            edits.push(Edit::replace(
                start..end,
                format!("anyio = \">={}\"{nl}", opts.anyio_floor),
            ));
        }
        notes.push(pytest_asyncio_replaced(line, has_anyio, &opts.anyio_floor));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> String {
        migrate(text, &Options::new("4.16")).unwrap().text
    }

    #[test]
    fn pytest_table_keeps_comments_and_order() {
        let src = "[tool.pytest.ini_options]\n# Every async test\nasyncio_mode = \"auto\"\nasyncio_default_fixture_loop_scope = \"function\"  # fresh loop\ntestpaths = [\"tests\"]\naddopts = \"-ra --asyncio-mode=auto\"\n";
        assert_eq!(
            run(src),
            "[tool.pytest.ini_options]\n# Every async test\nanyio_mode = \"auto\"\ntestpaths = [\"tests\"]\naddopts = \"-ra\"\n"
        );
    }

    #[test]
    fn a_mode_set_only_by_option_becomes_anyio_mode() {
        let src = "[tool.pytest.ini_options]\naddopts = [\"--asyncio-mode=auto\", \"-ra\", \"-p\", \"pytest_asyncio\"]\n";
        assert_eq!(
            run(src),
            "[tool.pytest.ini_options]\nanyio_mode = \"auto\"\naddopts = [\"-ra\"]\n"
        );
        let string = "[tool.pytest.ini_options]\naddopts = \"--asyncio-mode auto -ra\"\n";
        assert_eq!(
            run(string),
            "[tool.pytest.ini_options]\nanyio_mode = \"auto\"\naddopts = \"-ra\"\n"
        );
    }

    #[test]
    fn dependency_lists() {
        let src = "[project]\ndependencies = []\n\n[project.optional-dependencies]\ntest = [\n    \"pytest>=8.0\",\n    \"pytest-asyncio>=0.23\",\n]\n\n[dependency-groups]\ndev = [\"pytest\", \"pytest-asyncio\", \"anyio>=3\"]\n";
        assert_eq!(
            run(src),
            "[project]\ndependencies = []\n\n[project.optional-dependencies]\ntest = [\n    \"pytest>=8.0\",\n    \"anyio>=4.16\",\n]\n\n[dependency-groups]\ndev = [\"pytest\", \"anyio>=4.16\"]\n"
        );
    }

    #[test]
    fn poetry_and_malformed() {
        let src =
            "[tool.poetry.group.dev.dependencies]\npytest = \"^8\"\npytest-asyncio = \"^0.21\"\n";
        assert_eq!(
            run(src),
            "[tool.poetry.group.dev.dependencies]\npytest = \"^8\"\nanyio = \">=4.16\"\n"
        );
        assert!(migrate("[tool\n", &Options::new("4.16")).is_err());
        let plain = "[project]\nname = \"x\"\n";
        assert_eq!(run(plain), plain);
    }
}
