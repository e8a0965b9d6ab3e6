//! INI-style files (`pytest.ini`, `tox.ini`, `setup.cfg`): line-preserving
//! edits of the pytest section and of dependency lists.

use crate::{
    cannot_hold, dependency_fixed, is_pytest_asyncio, line_ending, pytest_asyncio_replaced,
    raise_anyio, requirement_name, Anyio, Migrated, Note, Options, CONFIG_CODE,
};

/// One `key = value` entry with its continuation lines.
pub(crate) struct Entry {
    pub(crate) section: String,
    pub(crate) key: String,
    /// Line indices: the key line and its continuation lines.
    pub(crate) first: usize,
    pub(crate) last: usize,
}

impl Entry {
    /// The value on line `i` of the entry (after `key =` on the first line,
    /// the whole continuation line after it), trimmed, with its offset in the line.
    pub(crate) fn value_at<'a>(&self, lines: &[&'a str], i: usize) -> (usize, &'a str) {
        let body = lines[i].trim_end_matches(['\n', '\r']);
        let start = if i == self.first {
            body.find(['=', ':']).map_or(0, |p| p + 1)
        } else {
            0
        };
        let v = &body[start..];
        let lead = v.len() - v.trim_start().len();
        (start + lead, v.trim())
    }
}

/// A requirement line without its environment marker or comment.
pub(crate) fn requirement(s: &str) -> &str {
    s.split([';', '#']).next().unwrap_or("").trim()
}

pub(crate) fn parse(lines: &[&str]) -> Result<Vec<Entry>, String> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut section: Option<String> = None;
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim_end_matches(['\n', '\r']);
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if t.starts_with('[') {
            if !t.ends_with(']') {
                return Err(format!("line {}: malformed section header `{t}`", i + 1));
            }
            section = Some(t[1..t.len() - 1].trim().to_string());
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if indented {
            match entries.last_mut() {
                Some(e) if section.as_deref() == Some(e.section.as_str()) => e.last = i,
                _ => {
                    return Err(format!(
                        "line {}: a continuation line with no key before it",
                        i + 1
                    ))
                }
            }
            continue;
        }
        let Some(sec) = &section else {
            return Err(format!("line {}: a key outside any section", i + 1));
        };
        let Some(eq) = line.find(['=', ':']) else {
            return Err(format!("line {}: `{t}` is not `key = value`", i + 1));
        };
        entries.push(Entry {
            section: sec.clone(),
            key: line[..eq].trim().to_string(),
            first: i,
            last: i,
        });
    }
    Ok(entries)
}

/// Migrates the pytest section(s) named `pytest_sections` and the dependency
/// lists (`deps` in tox `[testenv…]` sections when `tox`, and setup.cfg's
/// `install_requires` / `[options.extras_require]`).
pub fn migrate(
    text: &str,
    pytest_sections: &[&str],
    tox: bool,
    opts: &Options,
) -> Result<Migrated, String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let entries = parse(&lines)?;
    // Per line: None keeps it, Some(text) replaces it ("" deletes it).
    let mut replace: Vec<Option<String>> = vec![None; lines.len()];
    let mut notes = Vec::new();
    for e in &entries {
        if opts.configuration && pytest_sections.contains(&e.section.as_str()) {
            if e.key == "asyncio_mode" {
                replace[e.first] = Some(format!("anyio_mode = auto{}", line_ending(lines[e.last])));
                for r in replace.iter_mut().take(e.last + 1).skip(e.first + 1) {
                    *r = Some(String::new());
                }
                notes.push(Note {
                    code: CONFIG_CODE,
                    line: e.first + 1,
                    message: "`asyncio_mode` becomes `anyio_mode = auto`".into(),
                    fixed: true,
                });
            } else if e.key.starts_with("asyncio_") {
                for r in replace.iter_mut().take(e.last + 1).skip(e.first) {
                    *r = Some(String::new());
                }
                notes.push(Note {
                    code: CONFIG_CODE,
                    line: e.first + 1,
                    message: format!("`{}` is a pytest-asyncio setting: removed", e.key),
                    fixed: true,
                });
            } else if e.key == "addopts" {
                // `--asyncio-mode` set the mode where no key did: anyio's
                // plugin needs `anyio_mode = auto` in its place.
                let keyed = entries.iter().any(|o| {
                    o.section == e.section
                        && matches!(o.key.as_str(), "asyncio_mode" | "anyio_mode")
                });
                let by_option = lines[e.first..=e.last]
                    .iter()
                    .any(|l| l.contains("--asyncio-mode"));
                if by_option && !keyed {
                    notes.push(Note {
                        code: CONFIG_CODE,
                        line: e.first + 1,
                        message: "`--asyncio-mode` becomes `anyio_mode = auto`".into(),
                        fixed: true,
                    });
                }
                for i in e.first..=e.last {
                    let (mut stripped, changed) = strip_asyncio_options(lines[i]);
                    if changed {
                        // A continuation line left empty goes entirely.
                        if i > e.first && stripped.trim().is_empty() {
                            stripped = String::new();
                        }
                        notes.push(Note { code: CONFIG_CODE, line: i + 1, message: "`--asyncio-mode` is a pytest-asyncio option: removed (`anyio_mode` replaces it)".into(), fixed: true });
                        replace[i] = Some(stripped);
                    }
                }
                if by_option && !keyed {
                    let first = replace[e.first]
                        .take()
                        .unwrap_or_else(|| lines[e.first].to_string());
                    // An `addopts =` left with no value goes.
                    let first = if first.trim_end() == "addopts =" && e.first == e.last {
                        String::new()
                    } else {
                        first
                    };
                    replace[e.first] = Some(format!(
                        "anyio_mode = auto{}{first}",
                        line_ending(lines[e.first])
                    ));
                }
            }
        }
        let is_deps = (tox && e.section.starts_with("testenv") && e.key == "deps")
            || (!tox && e.section == "options" && e.key == "install_requires")
            || (!tox && e.section == "options.extras_require");
        if is_deps && opts.dependencies {
            dependency_entry(&lines, e, &mut replace, &mut notes, opts);
        }
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in lines.iter().enumerate() {
        match &replace[i] {
            Some(r) => out.push_str(r),
            None => out.push_str(line),
        }
    }
    Ok(Migrated { text: out, notes })
}

/// Removes `--asyncio-mode=X`, `--asyncio-mode X`, `--asyncio-debug`,
/// `-p pytest_asyncio` (the plugin the suite leaves) and `-p no:anyio` (which
/// would keep anyio's plugin from running) from an addopts line.
pub(crate) fn strip_asyncio_options(line: &str) -> (String, bool) {
    let body = line.trim_end_matches(['\n', '\r']);
    let eol = &line[body.len()..];
    let mut tokens: Vec<&str> = Vec::new();
    let mut changed = false;
    let lead_len = body.len() - body.trim_start().len();
    let all: Vec<&str> = body[lead_len..]
        .split(' ')
        .filter(|t| !t.is_empty())
        .collect();
    let mut k = 0;
    while k < all.len() {
        let taken = option_tokens(&all[k..]);
        if taken > 0 {
            changed = true;
            k += taken;
            continue;
        }
        tokens.push(all[k]);
        k += 1;
    }
    if !changed {
        return (line.to_string(), false);
    }
    (
        format!("{}{}{}", &body[..lead_len], tokens.join(" "), eol),
        true,
    )
}

/// How many of the leading `tokens` of an addopts value are a pytest-asyncio
/// option or `-p no:anyio` (0: none).
pub(crate) fn option_tokens(tokens: &[&str]) -> usize {
    let (first, next) = (tokens[0], tokens.get(1).copied());
    if first.starts_with("--asyncio-mode=")
        || first == "--asyncio-debug"
        || first == "-pno:anyio"
        || first == "-p no:anyio"
        || first == "-ppytest_asyncio"
    {
        return 1;
    }
    match (first, next) {
        ("--asyncio-mode", Some(_)) => 2,
        ("-p", Some("no:anyio" | "pytest_asyncio")) => 2,
        _ => 0,
    }
}

/// `pytest-asyncio` in one dependency entry becomes `anyio>=X`, or goes when
/// the entry already requires anyio (which is raised to the floor).
fn dependency_entry(
    lines: &[&str],
    e: &Entry,
    replace: &mut [Option<String>],
    notes: &mut Vec<Note>,
    opts: &Options,
) {
    // Each requirement is the value after `key =` on the first line, or one continuation line.
    let value_of = |i: usize| e.value_at(lines, i);
    let has_anyio =
        (e.first..=e.last).any(|i| requirement_name(requirement(value_of(i).1)) == "anyio");
    let mut found = false;
    for i in e.first..=e.last {
        let (at, v) = value_of(i);
        let req = requirement(v);
        if req.is_empty() || !is_pytest_asyncio(req) {
            continue;
        }
        found = true;
        let body = lines[i].trim_end_matches(['\n', '\r']);
        let eol = &lines[i][body.len()..];
        let rest = &body[at + req.len()..];
        let dropped = has_anyio && i != e.first;
        replace[i] = Some(if dropped {
            String::new()
        } else {
            format!("{}anyio>={}{rest}{eol}", &body[..at], opts.anyio_floor)
        });
        notes.push(pytest_asyncio_replaced(i + 1, dropped, &opts.anyio_floor));
    }
    if found && has_anyio {
        for i in e.first..=e.last {
            let (at, v) = value_of(i);
            let req = requirement(v);
            if requirement_name(req) == "anyio" {
                match raise_anyio(req, &opts.anyio_floor) {
                    Anyio::Raised(raised) => {
                        let body = lines[i].trim_end_matches(['\n', '\r']);
                        let eol = &lines[i][body.len()..];
                        replace[i] = Some(format!(
                            "{}{raised}{}{eol}",
                            &body[..at],
                            &body[at + req.len()..]
                        ));
                        notes.push(dependency_fixed(
                            i + 1,
                            format!("`{req}` is raised to `{raised}`"),
                        ));
                    }
                    Anyio::Cannot => notes.push(cannot_hold(req, &opts.anyio_floor, i + 1)),
                    Anyio::Holds => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, sections: &[&str], tox: bool) -> String {
        migrate(text, sections, tox, &Options::new("4.16"))
            .unwrap()
            .text
    }

    #[test]
    fn a_mode_set_only_by_option_becomes_anyio_mode() {
        let src = "[pytest]\naddopts = --asyncio-mode=auto -ra -p pytest_asyncio\n";
        assert_eq!(
            run(src, &["pytest"], false),
            "[pytest]\nanyio_mode = auto\naddopts = -ra\n"
        );
        let alone = "[pytest]\naddopts = --asyncio-mode auto\ntestpaths = tests\n";
        assert_eq!(
            run(alone, &["pytest"], false),
            "[pytest]\nanyio_mode = auto\ntestpaths = tests\n"
        );
    }

    #[test]
    fn pytest_ini() {
        let src = "[pytest]\n# Strict mode.\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\naddopts = -ra --asyncio-mode=strict\ntestpaths = tests\nmarkers =\n    slow: tests\n";
        assert_eq!(
            run(src, &["pytest"], false),
            "[pytest]\n# Strict mode.\nanyio_mode = auto\naddopts = -ra\ntestpaths = tests\nmarkers =\n    slow: tests\n"
        );
    }

    #[test]
    fn tox_deps_and_setup_cfg_extras() {
        let tox = "[testenv]\ndeps = pytest\n    pytest-asyncio>=0.21\ncommands = pytest\n\n[pytest]\nasyncio_mode = auto\n";
        assert_eq!(run(tox, &["pytest"], true), "[testenv]\ndeps = pytest\n    anyio>=4.16\ncommands = pytest\n\n[pytest]\nanyio_mode = auto\n");
        let cfg = "[options.extras_require]\ntest = pytest-asyncio>=0.23\n";
        assert_eq!(
            run(cfg, &["tool:pytest"], false),
            "[options.extras_require]\ntest = anyio>=4.16\n"
        );
        let both = "[testenv]\ndeps =\n    anyio>=3\n    pytest-asyncio\n";
        assert_eq!(
            run(both, &["pytest"], true),
            "[testenv]\ndeps =\n    anyio>=4.16\n"
        );
    }

    #[test]
    fn malformed_is_an_error() {
        assert!(migrate("key = 1\n", &["pytest"], false, &Options::new("4.16")).is_err());
        assert!(migrate("[pytest\n", &["pytest"], false, &Options::new("4.16")).is_err());
    }

    #[test]
    fn untouched_without_pytest_asyncio() {
        let src = "[pytest]\naddopts = -ra\n";
        assert_eq!(run(src, &["pytest"], false), src);
    }
}
