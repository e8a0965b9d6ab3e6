//! `--report FILE.md`: a Markdown account of the migration for a pull
//! request: each code with its summary and documentation, where it fixed
//! something, what is left to a person, and the unsafe fixes with why each
//! is unsafe.

use crate::cli::Mode;
use crate::output::Totals;
use crate::run::{display, FileResult};
use edit::Applicability;
use engine::Status;
use std::collections::BTreeMap;
use std::fmt::Write;
use transforms::Registry;

/// One finding the report lists.
pub struct Site {
    path: String,
    line: usize,
    code: &'static str,
    status: Status,
    applicability: Option<Applicability>,
    message: String,
    hint: Option<String>,
}

/// The findings of one file's result that the report lists (ignored ones aside).
pub fn sites(r: &FileResult) -> Vec<Site> {
    r.diagnostics
        .iter()
        .filter(|d| matches!(d.status, Status::Fixed | Status::UnsafeFix | Status::Manual))
        .map(|d| Site {
            path: display(&r.path),
            line: d.start.line,
            code: d.code,
            status: d.status,
            applicability: d.applicability,
            message: d.message.clone(),
            hint: d.hint.clone(),
        })
        .collect()
}

/// The repository this build comes from (Cargo's `repository`), if known.
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// The URL of a code's page (`docs/transforms/CODE.md` at this release) in
/// `repository`; none when the build does not know where it comes from.
fn page(repository: &str, code: &str) -> Option<String> {
    let repo = repository.trim_end_matches('/');
    (!repo.is_empty()).then(|| {
        format!(
            "{repo}/blob/v{}/docs/transforms/{code}.md",
            env!("CARGO_PKG_VERSION")
        )
    })
}

/// `CODE name`, linked to its page when its URL is known, and its summary.
fn named(code: &str, registry: &Registry) -> (String, String) {
    let Some(info) = registry.get(code).map(|t| t.info()) else {
        return (code.to_string(), String::new());
    };
    let name = format!("{code} {}", info.name);
    let name = match page(REPOSITORY, code) {
        Some(url) => format!("[{name}]({url})"),
        None => name,
    };
    (name, info.summary.clone())
}

/// The Markdown report.
pub fn markdown(totals: &Totals, sites: &[Site], mode: Mode, registry: &Registry) -> String {
    let written = mode == Mode::Write;
    let mut out = String::from("# asyncio → AnyIO migration report\n\n");
    let _ = write!(
        out,
        "{} files scanned, {} {}. Produced by `anyio-migrate {}`; each code's documentation is its page `docs/transforms/CODE.md` in anyio-migrate's repository, also printed by `anyio-migrate explain CODE`.\n\n",
        totals.files,
        totals.changed,
        if written { "changed" } else { "would change" },
        env!("CARGO_PKG_VERSION"),
    );
    let fixes: usize = totals.fixed.values().sum();
    let _ = write!(
        out,
        "## {} ({fixes} fixes)\n\n| code | what | fixes |\n|---|---|---:|\n",
        if written {
            "Rewritten"
        } else {
            "Would be rewritten"
        }
    );
    for (code, n) in &totals.fixed {
        let (name, summary) = named(code, registry);
        let _ = writeln!(out, "| {name} | {summary} | {n} |");
    }
    // Where each code fixed something; an unsafe fix (with --unsafe) says why.
    let mut fixed: BTreeMap<&str, Vec<&Site>> = BTreeMap::new();
    for s in sites.iter().filter(|s| s.status == Status::Fixed) {
        fixed.entry(s.code).or_default().push(s);
    }
    for (code, list) in &fixed {
        let (name, _) = named(code, registry);
        let _ = write!(
            out,
            "\n<details><summary>{code}: {} site{}</summary>\n\n",
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        );
        let _ = writeln!(out, "{name}\n");
        for s in list {
            let _ = write!(out, "- `{}` line {}", s.path, s.line);
            if s.applicability == Some(Applicability::Unsafe) {
                let _ = write!(out, " (unsafe: {})", s.message);
            }
            out.push('\n');
        }
        out.push_str("\n</details>\n");
    }
    let _ = write!(out, "\n## For a person ({} items)\n", totals.manual);
    by_file(&mut out, sites, Status::Manual, registry, |out, s| {
        if let Some(h) = &s.hint {
            let _ = write!(out, "  \n  *Instead:* {h}");
        }
    });
    let _ = write!(
        out,
        "\n## Unsafe fixes not applied ({})\n\nEach says in parentheses why it is unsafe: the corner case in which it would change behaviour. Apply them with `--unsafe` after review.\n",
        totals.unsafe_pending
    );
    by_file(&mut out, sites, Status::UnsafeFix, registry, |_, _| {});
    out
}

/// The sites of one status, by file: `line N, [CODE name](page): message`.
fn by_file(
    out: &mut String,
    sites: &[Site],
    status: Status,
    registry: &Registry,
    extra: impl Fn(&mut String, &Site),
) {
    let mut last: Option<&str> = None;
    for s in sites.iter().filter(|s| s.status == status) {
        if last != Some(&s.path) {
            let _ = write!(out, "\n### `{}`\n\n", s.path);
            last = Some(&s.path);
        }
        let (name, _) = named(s.code, registry);
        let _ = write!(out, "- line {}, {name}: {}", s.line, s.message);
        extra(out, s);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::page;

    #[test]
    fn a_code_page_is_a_link_when_the_repository_is_known() {
        assert_eq!(
            page("https://example.org/anyio-migrate/", "AM002").as_deref(),
            Some(
                format!(
                    "https://example.org/anyio-migrate/blob/v{}/docs/transforms/AM002.md",
                    env!("CARGO_PKG_VERSION")
                )
                .as_str()
            )
        );
        assert_eq!(page("", "AM002"), None);
    }
}
