//! `--interactive`: each changed file's hunks, with the diagnostics they
//! fix, offered one by one on the terminal; only what was accepted is written.

use crate::run::{display, Review};
use crate::walk::is_python;
use crate::write::{create_file, replace_file};
use anyhow::{bail, Result};
use engine::{Reported, Status};
use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::Path;

/// The answers so far: codes accepted wholesale, whether to stop, counts.
pub struct Reviewer<R> {
    input: R,
    color: bool,
    /// Codes answered with `a`: their later hunks are accepted unasked.
    accept_all: BTreeSet<&'static str>,
    /// `q` (or end of input): nothing more is asked or written.
    pub quit: bool,
    pub accepted: usize,
    pub skipped: usize,
    pub written: usize,
}

const HELP: &str = "y - apply this hunk\nn - skip this hunk\na - apply this hunk and every later hunk of its code(s)\nq - quit; skip this hunk and every later one\n";

impl<R: BufRead> Reviewer<R> {
    /// A review reading answers from `input`.
    pub fn new(input: R, color: bool) -> Self {
        Reviewer {
            input,
            color,
            accept_all: BTreeSet::new(),
            quit: false,
            accepted: 0,
            skipped: 0,
            written: 0,
        }
    }

    /// Asks about each hunk of one file; the text with the accepted hunks
    /// applied, or `None` when none was.
    pub fn file(
        &mut self,
        out: &mut impl Write,
        path: &Path,
        review: &Review,
        diagnostics: &[Reported],
    ) -> Result<Option<String>> {
        let hunks = edit::hunks(&review.before, &review.after);
        let python = is_python(path);
        let mut accepted = vec![false; hunks.len()];
        for (i, hunk) in hunks.iter().enumerate() {
            if self.quit {
                break;
            }
            // The fixes whose lines the hunk changes (1-based lines; a pure
            // insertion touches the line before and the line after it).
            let first = hunk.changed.start + 1;
            let last = hunk.changed.end.max(hunk.changed.start + 1);
            let fixes: Vec<&Reported> = diagnostics
                .iter()
                .filter(|d| d.status == Status::Fixed)
                .filter(|d| {
                    let touches = |a: usize, b: usize| a <= last && b + 1 >= first;
                    touches(d.start.line, d.end.line)
                        || d.fix_lines.iter().any(|&(a, b)| touches(a, b))
                })
                .collect();
            // Import lines that no fix of their own changes follow from the
            // fixes accepted: they are set right afterwards, not asked about.
            if python && fixes.is_empty() && only_import_lines(hunk) {
                continue;
            }
            let codes: BTreeSet<&'static str> = fixes.iter().map(|d| d.code).collect();
            writeln!(
                out,
                "\n{} (hunk {} of {})",
                display(path),
                i + 1,
                hunks.len()
            )?;
            for d in &fixes {
                writeln!(out, "  {} {}", d.code, d.message)?;
            }
            if fixes.is_empty() {
                writeln!(
                    out,
                    "  (imports and other edits that follow from the fixes in this file)"
                )?;
            }
            let body = if self.color {
                crate::output::colorize(&hunk.text)
            } else {
                hunk.text.clone()
            };
            out.write_all(body.as_bytes())?;
            if !codes.is_empty() && codes.iter().all(|c| self.accept_all.contains(c)) {
                writeln!(out, "(applied: every hunk of this code was accepted)")?;
                accepted[i] = true;
                self.accepted += 1;
                continue;
            }
            loop {
                write!(out, "Apply this hunk [y,n,a,q,?]? ")?;
                out.flush()?;
                let mut line = String::new();
                if self.input.read_line(&mut line)? == 0 {
                    self.quit = true;
                    break;
                }
                match line.trim() {
                    "y" => {
                        accepted[i] = true;
                        self.accepted += 1;
                    }
                    "n" => self.skipped += 1,
                    "a" => {
                        accepted[i] = true;
                        self.accepted += 1;
                        self.accept_all.extend(codes.iter().copied());
                    }
                    "q" => self.quit = true,
                    _ => {
                        out.write_all(HELP.as_bytes())?;
                        continue;
                    }
                }
                break;
            }
        }
        if !accepted.contains(&true) {
            return Ok(None);
        }
        let text = edit::apply_hunks(&review.before, &review.after, |i| accepted[i]);
        if !python {
            return Ok(Some(text));
        }
        Ok(Some(engine::reconcile_imports(
            &review.before,
            &text,
            &review.imports,
            &review.project.first_party,
        )))
    }
}

/// Whether every line a hunk removes or adds is an import or blank.
fn only_import_lines(hunk: &edit::Hunk) -> bool {
    hunk.text
        .lines()
        .skip(1)
        .filter_map(|l| l.strip_prefix(['-', '+']))
        .all(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with("import ") || t.starts_with("from ")
        })
}

/// Writes the accepted text through the same atomic path as `--write`,
/// after checking it still parses (Python) or is valid TOML.
pub fn write_accepted(path: &Path, review: &Review, text: &str) -> Result<()> {
    if is_python(path) {
        if let Err(e) = syntax::parse_clean(text) {
            bail!(
                "the accepted hunks do not parse together ({}); not written",
                e.detail
            );
        }
    }
    if path.file_name().is_some_and(|n| n == "pyproject.toml")
        && toml::from_str::<toml::Table>(text).is_err()
    {
        bail!("the accepted hunks are not valid TOML together; not written");
    }
    if review.create {
        return create_file(path, text.as_bytes());
    }
    let mut bytes = Vec::with_capacity(text.len() + 3);
    if review.bom {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    bytes.extend_from_slice(text.as_bytes());
    replace_file(path, &review.bytes, &bytes)
}
