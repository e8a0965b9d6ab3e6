//! `requirements*.txt`: the `pytest-asyncio` line becomes `anyio>=X`.

use crate::{
    cannot_hold, dependency_fixed, is_pytest_asyncio, pytest_asyncio_replaced, raise_anyio,
    requirement_name, Anyio, Migrated, Options,
};

/// The requirement part of a line: before any comment or environment marker.
fn requirement_span(line: &str) -> (usize, usize) {
    let end = line
        .find(" #")
        .or_else(|| line.find("\t#"))
        .unwrap_or(line.len());
    let end = line[..end].find(';').unwrap_or(end);
    let start = line.len() - line.trim_start().len();
    let trimmed_end = start + line[start..end].trim_end().len();
    (start, trimmed_end.max(start))
}

/// Replaces `pytest-asyncio` with `anyio>=floor`, or drops it when the file
/// already requires anyio (raising that requirement to the floor).
pub fn migrate(text: &str, opts: &Options) -> Migrated {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let req = |l: &str| {
        let (s, e) = requirement_span(l.trim_end_matches(['\n', '\r']));
        l[s..e].to_string()
    };
    let has_asyncio = lines
        .iter()
        .any(|l| is_pytest_asyncio(&req(l)) && !l.trim_start().starts_with('#'));
    if !has_asyncio {
        return Migrated {
            text: text.to_string(),
            notes: Vec::new(),
        };
    }
    let anyio_line = lines
        .iter()
        .position(|l| requirement_name(&req(l)) == "anyio" && !l.trim_start().starts_with('#'));
    let mut out = String::with_capacity(text.len());
    let mut notes = Vec::new();
    let mut replaced = false;
    for (i, line) in lines.iter().enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        let (s, e) = requirement_span(body);
        let r = &body[s..e];
        if !body.trim_start().starts_with('#') && is_pytest_asyncio(r) {
            // The first one becomes anyio (unless anyio is listed); any other goes.
            let dropped = anyio_line.is_some() || replaced;
            notes.push(pytest_asyncio_replaced(i + 1, dropped, &opts.anyio_floor));
            if dropped {
                continue;
            }
            out.push_str(&format!(
                "{}anyio>={}{}",
                &body[..s],
                opts.anyio_floor,
                &line[e..]
            ));
            replaced = true;
            continue;
        }
        if Some(i) == anyio_line {
            match raise_anyio(r, &opts.anyio_floor) {
                Anyio::Raised(raised) => {
                    notes.push(dependency_fixed(
                        i + 1,
                        format!("`{r}` is raised to `{raised}`"),
                    ));
                    out.push_str(&format!("{}{raised}{}", &body[..s], &line[e..]));
                    continue;
                }
                Anyio::Cannot => notes.push(cannot_hold(r, &opts.anyio_floor, i + 1)),
                Anyio::Holds => {}
            }
        }
        out.push_str(line);
    }
    Migrated { text: out, notes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> String {
        migrate(text, &Options::new("4.16")).text
    }

    #[test]
    fn replaced_or_dropped() {
        assert_eq!(
            run("pytest\npytest-asyncio==1.5.0  # tests\n"),
            "pytest\nanyio>=4.16  # tests\n"
        );
        assert_eq!(
            run("# Test-only\npytest>=8.0\npytest-asyncio==1.5.0\nanyio>=3.0\n"),
            "# Test-only\npytest>=8.0\nanyio>=4.16\n"
        );
        assert_eq!(
            run("pytest_asyncio; python_version >= '3.9'\r\n"),
            "anyio>=4.16; python_version >= '3.9'\r\n"
        );
        assert_eq!(run("pytest\n"), "pytest\n");
        assert_eq!(run("# pytest-asyncio\n"), "# pytest-asyncio\n");
    }
}
