//! `--interactive`: every changed file's hunks, with the diagnostics they
//! fix, offered one by one on the terminal (a single key answers); only
//! what was accepted is written.

use crate::output::Totals;
use crate::printer::Out;
use crate::run::{display, FileResult, Review};
use crate::walk::is_python;
use crate::write::{create_file, replace_file};
use anyhow::{bail, Result};
use engine::{Reported, Status};
use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// Where the answers come from: single keys on a terminal, else lines.
enum Keys {
    Term(console::Term),
    Lines(Box<dyn BufRead>),
}

impl Keys {
    /// The next answer; `None` at the end of input (or Ctrl-D).
    fn next(&mut self, out: &mut dyn Write) -> Result<Option<char>> {
        match self {
            Keys::Term(term) => loop {
                match term.read_char()? {
                    // A habit of pressing Enter after the key is forgiven.
                    '\n' | '\r' => continue,
                    '\u{4}' => return Ok(None),
                    c => {
                        writeln!(out, "{c}")?;
                        return Ok(Some(c));
                    }
                }
            },
            Keys::Lines(input) => {
                let mut line = String::new();
                if input.read_line(&mut line)? == 0 {
                    return Ok(None);
                }
                let t = line.trim();
                Ok(Some(if t.chars().count() == 1 {
                    t.chars().next().unwrap_or('?')
                } else {
                    '?'
                }))
            }
        }
    }
}

/// A changed file waiting for review.
struct Pending {
    path: PathBuf,
    review: Review,
    /// The fixes made in it.
    fixes: Vec<Reported>,
}

/// `--interactive`: gathers every changed file, then asks about each hunk
/// of the whole run ("hunk N of M"), writes each file's accepted hunks, and
/// says what was accepted.
pub struct Printer {
    keys: Keys,
    color: bool,
    quiet: bool,
    files: Vec<Pending>,
}

const HELP: &str = "y - apply this hunk\nn - skip this hunk\na - apply this hunk and every later hunk of its code(s)\nq - quit; skip this hunk and every later one\n";

impl Printer {
    /// A review reading single keys from the terminal.
    pub fn new(color: bool, quiet: bool) -> Result<Printer> {
        let term = [console::Term::stdout(), console::Term::stderr()]
            .into_iter()
            .find(console::Term::is_term);
        let keys = match term {
            Some(t) => Keys::Term(t),
            None => Keys::Lines(Box::new(std::io::stdin().lock())),
        };
        Ok(Printer {
            keys,
            color,
            quiet,
            files: Vec::new(),
        })
    }
}

impl crate::printer::Printer for Printer {
    fn file(&mut self, r: &FileResult, _out: &mut Out) -> Result<()> {
        if let Some(review) = &r.review {
            self.files.push(Pending {
                path: r.path.clone(),
                review: review.clone(),
                fixes: r
                    .diagnostics
                    .iter()
                    .filter(|d| d.status == Status::Fixed)
                    .cloned()
                    .collect(),
            });
        }
        Ok(())
    }

    fn finish(&mut self, totals: &mut Totals, out: &mut Out) -> Result<()> {
        let files = std::mem::take(&mut self.files);
        let asked: Vec<Vec<Asked>> = files.iter().map(hunks_to_ask).collect();
        let total: usize = asked.iter().map(Vec::len).sum();
        let mut session = Session {
            accept_all: BTreeSet::new(),
            quit: false,
            number: 0,
            total,
        };
        let mut tally = Tally::default();
        for (file, hunks) in files.iter().zip(&asked) {
            let accepted = self.file(&mut session, out, file, hunks, &mut tally)?;
            let Some(text) = accepted else { continue };
            match write_accepted(&file.path, &file.review, &text) {
                Ok(()) => tally.written.push(display(&file.path)),
                Err(e) => {
                    writeln!(out.stderr, "{}: {e:#}", display(&file.path))?;
                    totals.errors += 1;
                }
            }
        }
        if !self.quiet {
            out.stderr.write_all(tally.summary(total).as_bytes())?;
        }
        Ok(())
    }
}

/// A hunk to ask about: its index among the file's hunks, and the fixes it holds.
struct Asked {
    index: usize,
    fixes: Vec<usize>,
}

/// The hunks of a file that are asked about: every hunk but those that
/// only adjust imports, which follow the fixes accepted.
fn hunks_to_ask(file: &Pending) -> Vec<Asked> {
    let review = &file.review;
    let python = is_python(&file.path);
    edit::hunks(&review.before, &review.after)
        .iter()
        .enumerate()
        .filter_map(|(index, hunk)| {
            // The fixes whose lines the hunk changes (1-based lines; a pure
            // insertion touches the line before and the line after it).
            let first = hunk.changed.start + 1;
            let last = hunk.changed.end.max(hunk.changed.start + 1);
            let touches = |a: usize, b: usize| a <= last && b + 1 >= first;
            let fixes: Vec<usize> = (0..file.fixes.len())
                .filter(|&k| {
                    let d = &file.fixes[k];
                    touches(d.start.line, d.end.line)
                        || d.fix_lines.iter().any(|&(a, b)| touches(a, b))
                })
                .collect();
            let follows = python && fixes.is_empty() && only_import_lines(hunk);
            (!follows).then_some(Asked { index, fixes })
        })
        .collect()
}

/// The answers over the whole run.
struct Session {
    /// Codes answered with `a`: their later hunks are accepted unasked.
    accept_all: BTreeSet<&'static str>,
    /// `q` (or end of input): nothing more is asked or written.
    quit: bool,
    /// The hunks shown so far, and how many there are.
    number: usize,
    total: usize,
}

/// What was accepted, for the closing summary.
#[derive(Default)]
struct Tally {
    applied: usize,
    skipped: usize,
    /// Code → hunks applied and skipped holding its fixes.
    by_code: std::collections::BTreeMap<&'static str, (usize, usize)>,
    written: Vec<String>,
}

impl Tally {
    fn count(&mut self, codes: &BTreeSet<&'static str>, applied: bool) {
        if applied {
            self.applied += 1;
        } else {
            self.skipped += 1;
        }
        for code in codes {
            let e = self.by_code.entry(code).or_default();
            if applied {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }

    /// `N hunks applied, K skipped; F files written`, then per code and the files.
    fn summary(&self, total: usize) -> String {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        let mut out = format!(
            "anyio-migrate: {} hunk{} applied, {} skipped; {} file{} written",
            self.applied,
            s(self.applied),
            self.skipped,
            self.written.len(),
            s(self.written.len())
        );
        let unasked = total - self.applied - self.skipped;
        if unasked > 0 {
            out.push_str(&format!("; {unasked} hunk{} not reviewed", s(unasked)));
        }
        out.push('\n');
        for (code, (applied, skipped)) in &self.by_code {
            out.push_str(&format!("  {code}: {applied} applied, {skipped} skipped\n"));
        }
        for path in &self.written {
            out.push_str(&format!("  written: {path}\n"));
        }
        out
    }
}

impl Printer {
    /// Asks about each hunk of one file; the text with the accepted hunks
    /// applied, or `None` when none was.
    fn file(
        &mut self,
        session: &mut Session,
        out: &mut Out,
        file: &Pending,
        asked: &[Asked],
        tally: &mut Tally,
    ) -> Result<Option<String>> {
        let review = &file.review;
        let hunks = edit::hunks(&review.before, &review.after);
        let mut accepted = vec![false; hunks.len()];
        for a in asked {
            if session.quit {
                break;
            }
            session.number += 1;
            let hunk = &hunks[a.index];
            let fixes: Vec<&Reported> = a.fixes.iter().map(|&k| &file.fixes[k]).collect();
            let codes: BTreeSet<&'static str> = fixes.iter().map(|d| d.code).collect();
            let o = &mut out.stdout;
            writeln!(
                o,
                "\n{} (hunk {} of {})",
                display(&file.path),
                session.number,
                session.total
            )?;
            for d in &fixes {
                writeln!(o, "  {} {}", d.code, d.message)?;
            }
            if fixes.is_empty() {
                writeln!(
                    o,
                    "  (imports and other edits that follow from the fixes in this file)"
                )?;
            }
            let body = if self.color {
                crate::output::colorize(&hunk.text)
            } else {
                hunk.text.clone()
            };
            o.write_all(body.as_bytes())?;
            if !codes.is_empty() && codes.iter().all(|c| session.accept_all.contains(c)) {
                writeln!(o, "(applied: every hunk of this code was accepted)")?;
                accepted[a.index] = true;
                tally.count(&codes, true);
                continue;
            }
            loop {
                write!(o, "Apply this hunk [y,n,a,q,?]? ")?;
                o.flush()?;
                match self.keys.next(o)? {
                    Some('y') => {
                        accepted[a.index] = true;
                        tally.count(&codes, true);
                    }
                    Some('n') => tally.count(&codes, false),
                    Some('a') => {
                        accepted[a.index] = true;
                        tally.count(&codes, true);
                        session.accept_all.extend(codes.iter().copied());
                    }
                    Some('q') | None => session.quit = true,
                    Some(_) => {
                        o.write_all(HELP.as_bytes())?;
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
        if !is_python(&file.path) {
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
