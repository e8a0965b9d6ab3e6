//! Calls made inside a `try` whose handlers catch bare exceptions, in every
//! walked file: a function whose `gather` becomes a task group raises an
//! `ExceptionGroup` instead of the first error, so a caller's plain `except`
//! elsewhere in the program stops matching (AM201–AM203 are unsafe there).
//!
//! A `with pytest.raises(ValueError):` (or `self.assertRaises(...)`)
//! around the call expects the bare error in the same way.
//!
//! Read from the text of files holding `try:` or `raises(`, line by line
//! (the pre-pass parses nothing): a `try:` line's body is the lines indented
//! deeper than it, its handlers the `except` lines at its indentation.

use std::collections::{BTreeMap, BTreeSet};

/// A call inside a `try` with a plain handler.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CaughtCall {
    /// The calling file, as the run names files.
    pub file: String,
    /// The first handler that catches the bare error (`except OSError:`).
    pub header: String,
}

/// Calls inside a `try` with a plain handler, by the name called (the last
/// part of `name(` or `obj.name(`), and the modules each calling file imports
/// from (every dotted part): a call of another module's function is one only
/// where that module is imported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaughtCalls {
    by_name: BTreeMap<String, Vec<CaughtCall>>,
    imports: BTreeMap<String, BTreeSet<String>>,
}

/// The indentation width of a line (tabs count one).
fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// The names called on a line: every identifier directly followed by `(`.
fn called_names(line: &str) -> impl Iterator<Item = &str> {
    let code = line.split('#').next().unwrap_or(line);
    code.match_indices('(').filter_map(move |(at, _)| {
        let before = &code[..at];
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let name = &before[start..];
        (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
    })
}

/// The module names an import line spells (`from pkg.net import x` → `pkg`,
/// `net`; `import a.b as c` → `a`, `b`; `from . import net` → `net`).
fn imported_modules(line: &str, into: &mut BTreeSet<String>) {
    let t = line.trim_start();
    let parts: Vec<&str> = if let Some(rest) = t.strip_prefix("from ") {
        let (module, names) = rest.split_once(" import ").unwrap_or((rest, ""));
        let mut parts: Vec<&str> = module.split('.').collect();
        // `from pkg import net`: `net` may be a module too.
        parts.extend(names.split([',', '(', ')', ' ']).filter(|n| !n.is_empty()));
        parts
    } else if let Some(rest) = t.strip_prefix("import ") {
        rest.split([',', ' ', '.']).collect()
    } else {
        return;
    };
    for p in parts {
        let p = p.trim();
        if !p.is_empty() && p != "as" && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            into.insert(p.to_string());
        }
    }
}

impl CaughtCalls {
    /// Reads one file's `try` statements and `with pytest.raises(...)` blocks
    /// (`text` holds `try:` or `raises(`). Only their lines and import lines
    /// are looked at.
    pub fn read(&mut self, text: &str, file: &str) {
        let b = text.as_bytes();
        // Each name once, with the first handler that catches it.
        let mut headers: Vec<String> = Vec::new();
        let mut found: BTreeMap<&str, usize> = BTreeMap::new();
        for at in memchr::memmem::find_iter(b, b"try:") {
            let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            let line = &text[start..line_end];
            let depth = indent(line);
            let rest = line[depth..].strip_prefix("try:").unwrap_or("x");
            if start + depth != at
                || !(rest.trim().is_empty() || rest.trim_start().starts_with('#'))
            {
                continue;
            }
            let mut lines = text[(line_end + 1).min(text.len())..].lines().peekable();
            let deeper = |l: &str| l.trim().is_empty() || indent(l) > depth;
            let mut body = Vec::new();
            while let Some(l) = lines.next_if(|l| deeper(l)) {
                body.push(l);
            }
            let mut header = None;
            while let Some(h) =
                lines.next_if(|l| indent(l) == depth && l.trim_start().starts_with("except"))
            {
                let h = h.trim();
                let group = h.starts_with("except*") || h.contains("ExceptionGroup");
                if !group && header.is_none() {
                    header = Some(h.split(':').next().unwrap_or(h).to_string() + ":");
                }
                while lines.next_if(|l| deeper(l)).is_some() {}
            }
            let Some(header) = header else {
                continue;
            };
            headers.push(header);
            for l in body {
                for name in called_names(l) {
                    found.entry(name).or_insert(headers.len() - 1);
                }
            }
        }
        // `with pytest.raises(ValueError):` (or `self.assertRaises(...)`)
        // expects the bare error around the calls of its body as a handler
        // catches it.
        for at in memchr::memmem::find_iter(b, b"aises(") {
            let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            let line = &text[start..line_end];
            let depth = indent(line);
            let code = line[depth..]
                .split('#')
                .next()
                .unwrap_or_default()
                .trim_end();
            if !code.starts_with("with ")
                || !code.ends_with(':')
                || code.contains("ExceptionGroup")
                || !called_names(code).any(|n| crate::EXPECTS_ERROR.contains(&n))
            {
                continue;
            }
            let header = code
                .trim_end_matches(':')
                .trim_start_matches("with ")
                .to_string();
            headers.push(header);
            for l in text[(line_end + 1).min(text.len())..]
                .lines()
                .take_while(|l| l.trim().is_empty() || indent(l) > depth)
            {
                for name in called_names(l) {
                    found.entry(name).or_insert(headers.len() - 1);
                }
            }
        }
        if found.is_empty() {
            return;
        }
        let mut imports = BTreeSet::new();
        for at in memchr::memmem::find_iter(b, b"import ") {
            let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            imported_modules(&text[start..end], &mut imports);
        }
        self.imports.insert(file.to_string(), imports);
        for (name, k) in found {
            self.by_name
                .entry(name.to_string())
                .or_default()
                .push(CaughtCall {
                    file: file.to_string(),
                    header: headers[k].clone(),
                });
        }
    }

    /// Adds another file's calls (files are merged in walk order).
    pub fn merge(&mut self, other: CaughtCalls) {
        for (name, calls) in other.by_name {
            self.by_name.entry(name).or_default().extend(calls);
        }
        self.imports.extend(other.imports);
    }

    /// A call of `function` (defined in `file`) made in another file that
    /// imports `file`'s module, inside a `try` with a plain handler.
    pub fn caught_elsewhere(&self, function: &str, file: &str) -> Option<&CaughtCall> {
        let path = std::path::Path::new(file);
        let stem = path.file_stem()?.to_str()?;
        // A package's `__init__.py` is imported by its folder's name.
        let module = if stem == "__init__" {
            path.parent()?.file_name()?.to_str()?
        } else {
            stem
        };
        self.by_name.get(function)?.iter().find(|c| {
            c.file != file
                && self
                    .imports
                    .get(&c.file)
                    .is_some_and(|i| i.contains(module))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_inside_a_try_with_a_plain_handler() {
        let mut calls = CaughtCalls::default();
        calls.read(
            "from pkg.net import ping_all\nimport other\n\nasync def main():\n    try:  # retry\n        await ping_all(hosts)\n        x = await client.fetch(\n            1)\n    except OSError as e:\n        log(e)\n    except* ValueError:\n        pass\n    try:\n        await grouped()\n    except* OSError:\n        pass\n\n\ndef later():\n    after()\n",
            "app.py",
        );
        let hit = calls.caught_elsewhere("ping_all", "pkg/net.py").unwrap();
        assert_eq!(
            (hit.file.as_str(), hit.header.as_str()),
            ("app.py", "except OSError as e:")
        );
        // A method call counts by its name; the module must be imported.
        assert!(calls.caught_elsewhere("fetch", "pkg/net.py").is_some());
        assert!(calls.caught_elsewhere("fetch", "pkg/store.py").is_none());
        // Only group handlers, after the try, or in the same file: none.
        assert!(calls.caught_elsewhere("grouped", "pkg/net.py").is_none());
        assert!(calls.caught_elsewhere("after", "pkg/net.py").is_none());
        assert!(calls.caught_elsewhere("log", "pkg/net.py").is_none());
        assert!(calls.caught_elsewhere("ping_all", "app.py").is_none());
        // A package's __init__ is imported by the folder's name.
        let mut calls = CaughtCalls::default();
        calls.read(
            "import net\ntry:\n    net.run()\nexcept Exception:\n    pass\n",
            "main.py",
        );
        assert!(calls.caught_elsewhere("run", "net/__init__.py").is_some());
    }

    #[test]
    fn calls_inside_pytest_raises() {
        let mut calls = CaughtCalls::default();
        calls.read(
            "from app import fire_both, grouped\n\nasync def test_fire():\n    with pytest.raises(ValueError):  # the first error\n        await fire_both()\n    with pytest.raises(ExceptionGroup):\n        await grouped()\n",
            "tests/test_app.py",
        );
        let hit = calls.caught_elsewhere("fire_both", "app.py").unwrap();
        assert_eq!(hit.header, "pytest.raises(ValueError)");
        assert!(calls.caught_elsewhere("grouped", "app.py").is_none());
    }
}
