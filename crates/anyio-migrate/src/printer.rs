//! What a run prints: one printer per output (the text diagnostics and
//! diffs, JSON, GitHub annotations, statistics, the Markdown report,
//! per-file fix counts, patches, the interactive review), each fed every
//! file's result in path order, then told the run is over.

use crate::cli::{Color, Mode, OutputFormat, RunArgs};
use crate::output::{self, Totals};
use crate::run::{display, FileResult};
use crate::Extras;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use transforms::Registry;

/// Where a run prints.
pub struct Out {
    pub stdout: Box<dyn Write>,
    pub stderr: Box<dyn Write>,
}

impl Out {
    /// The process's stdout and stderr, or nothing at all (`silent`).
    pub fn new(silent: bool) -> Out {
        if silent {
            return Out {
                stdout: Box::new(std::io::sink()),
                stderr: Box::new(std::io::sink()),
            };
        }
        // stderr not locked for the whole run: the progress bar writes to it from the workers.
        Out {
            stdout: Box::new(std::io::stdout().lock()),
            stderr: Box::new(std::io::stderr()),
        }
    }
}

/// One output of a run.
pub trait Printer {
    /// One file's result, in path order.
    fn file(&mut self, r: &FileResult, out: &mut Out) -> Result<()>;
    /// After the last file, before the summary line; may count errors.
    fn finish(&mut self, _totals: &mut Totals, _out: &mut Out) -> Result<()> {
        Ok(())
    }
}

/// The printers the flags ask for, in the order they print.
pub fn printers<'a>(
    args: &'a RunArgs,
    registry: &'a Registry,
    extras: &Extras<'a>,
) -> Result<Vec<Box<dyn Printer + 'a>>> {
    let mode = args.mode();
    let color = colored(args.color);
    let mut list: Vec<Box<dyn Printer + 'a>> = Vec::new();
    if args.output_format == OutputFormat::Github {
        list.push(Box::new(Github { mode }));
    }
    if let Some(dir) = &args.patches {
        crate::patches::check_dir(dir)?;
        list.push(Box::new(crate::patches::Printer::new(
            dir.clone(),
            registry,
            args.quiet,
        )));
    }
    if args.statistics {
        list.push(Box::new(Statistics {
            registry,
            counts: Default::default(),
            json: args.output_format == OutputFormat::Json,
        }));
    }
    if let Some(path) = args.report.as_ref().filter(|_| !extras.silent) {
        list.push(Box::new(Report {
            path: path.clone(),
            mode,
            registry,
            sites: Vec::new(),
            verification: extras.verification.map(|v| v.markdown()),
        }));
    }
    // With `--statistics` the JSON document is the statistics (as ruff's).
    if args.output_format == OutputFormat::Json && !args.statistics {
        list.push(Box::new(Json {
            mode,
            items: Vec::new(),
            errors: Vec::new(),
            diffs: Vec::new(),
            verification: extras.verification.map(|v| v.json()),
        }));
    }
    list.push(Box::new(Plain {
        mode,
        color,
        diagnostics: !(args.quiet || args.statistics || args.output_format != OutputFormat::Text),
        diff: args.output_format != OutputFormat::Json,
    }));
    if mode == Mode::Interactive {
        list.push(Box::new(crate::review::Printer::new(color, args.quiet)?));
    }
    if args.show_fixes {
        list.push(Box::new(ShowFixes { mode }));
    }
    Ok(list)
}

/// Whether to color the diff: `--color`, else `NO_COLOR` (off) and
/// `FORCE_COLOR` (on), set and not empty, else whether stdout is a terminal.
pub fn colored(choice: Color) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto if set("NO_COLOR") => false,
        Color::Auto if set("FORCE_COLOR") => true,
        Color::Auto => std::io::stdout().is_terminal(),
    }
}

/// Errors, the diff, and the text diagnostics.
struct Plain {
    mode: Mode,
    color: bool,
    /// Print the diagnostics (`--output-format text`, not `--quiet` or `--statistics`).
    diagnostics: bool,
    /// Print the diff (not inside a JSON document).
    diff: bool,
}

impl Printer for Plain {
    fn file(&mut self, r: &FileResult, out: &mut Out) -> Result<()> {
        let path = display(&r.path);
        if let Some(e) = &r.error {
            writeln!(out.stderr, "{path}: {e}")?;
        }
        for e in &r.internal_errors {
            writeln!(out.stderr, "{path}: internal error: {e}")?;
        }
        if let Some(d) = r.diff.as_ref().filter(|_| self.diff) {
            let text = if self.color {
                output::colorize(d)
            } else {
                d.clone()
            };
            out.stdout.write_all(text.as_bytes())?;
        }
        if !self.diagnostics {
            return Ok(());
        }
        match self.mode {
            Mode::Report => out
                .stdout
                .write_all(output::diagnostics(r, self.mode, false).as_bytes())?,
            _ => out
                .stderr
                .write_all(output::diagnostics(r, self.mode, true).as_bytes())?,
        }
        if self.mode == Mode::Check && r.changed && r.error.is_none() {
            writeln!(out.stderr, "{path}: would change")?;
        }
        Ok(())
    }
}

/// `--output-format json`: one document at the end.
struct Json {
    mode: Mode,
    items: Vec<serde_json::Value>,
    /// Files the run could not read, parse or write, and internal errors.
    errors: Vec<serde_json::Value>,
    diffs: Vec<serde_json::Value>,
    verification: Option<serde_json::Value>,
}

impl Printer for Json {
    fn file(&mut self, r: &FileResult, _out: &mut Out) -> Result<()> {
        self.items
            .extend(r.diagnostics.iter().map(|d| output::json_diagnostic(r, d)));
        self.errors.extend(output::errors(r).into_iter().map(|(message, internal)| {
            serde_json::json!({"path": display(&r.path), "message": message, "internal": internal})
        }));
        // The diff goes inside the one JSON document.
        if let Some(diff) = &r.diff {
            self.diffs
                .push(serde_json::json!({"path": display(&r.path), "diff": diff}));
        }
        Ok(())
    }

    fn finish(&mut self, totals: &mut Totals, out: &mut Out) -> Result<()> {
        let mut doc = serde_json::json!({
            "version": 1,
            "diagnostics": std::mem::take(&mut self.items),
            "errors": std::mem::take(&mut self.errors),
            "summary": {
                "files": totals.files,
                "parsed": totals.parsed,
                "changed": totals.changed,
                "fixes": totals.fixed,
                "manual": totals.manual,
                "unsafe_pending": totals.unsafe_pending,
                "suppressed": totals.suppressed,
                "errors": totals.errors,
            },
        });
        if let Some(v) = self.verification.take() {
            doc["verification"] = v;
        }
        if self.mode == Mode::Diff {
            doc["diffs"] = std::mem::take(&mut self.diffs).into();
        }
        writeln!(out.stdout, "{}", serde_json::to_string_pretty(&doc)?)?;
        Ok(())
    }
}

/// `--output-format github`: workflow annotations as the files come.
struct Github {
    mode: Mode,
}

impl Printer for Github {
    fn file(&mut self, r: &FileResult, out: &mut Out) -> Result<()> {
        out.stdout
            .write_all(output::github(r, self.mode).as_bytes())?;
        Ok(())
    }
}

/// `--statistics`: a count per code at the end.
struct Statistics<'r> {
    registry: &'r Registry,
    counts: std::collections::BTreeMap<&'static str, output::CodeCount>,
    /// `--output-format json`: a JSON array instead of the table.
    json: bool,
}

impl Printer for Statistics<'_> {
    fn file(&mut self, r: &FileResult, _out: &mut Out) -> Result<()> {
        for d in &r.diagnostics {
            self.counts.entry(d.code).or_default().add(d);
        }
        Ok(())
    }

    fn finish(&mut self, _totals: &mut Totals, out: &mut Out) -> Result<()> {
        let text = if self.json {
            output::statistics_json(&self.counts, self.registry)
        } else {
            output::statistics(&self.counts, self.registry)
        };
        out.stdout.write_all(text.as_bytes())?;
        Ok(())
    }
}

/// `--report FILE.md`: the Markdown report, written at the end.
struct Report<'r> {
    path: PathBuf,
    mode: Mode,
    registry: &'r Registry,
    sites: Vec<crate::report::Site>,
    /// `--verify`'s account, appended.
    verification: Option<String>,
}

impl Printer for Report<'_> {
    fn file(&mut self, r: &FileResult, _out: &mut Out) -> Result<()> {
        self.sites.extend(crate::report::sites(r));
        Ok(())
    }

    fn finish(&mut self, totals: &mut Totals, _out: &mut Out) -> Result<()> {
        let mut text = crate::report::markdown(totals, &self.sites, self.mode, self.registry);
        if let Some(v) = &self.verification {
            text.push_str(v);
        }
        std::fs::write(&self.path, text)
            .with_context(|| format!("cannot write the report to {}", self.path.display()))
    }
}

/// `--show-fixes`: per file, the fixes by code.
struct ShowFixes {
    mode: Mode,
}

impl Printer for ShowFixes {
    fn file(&mut self, r: &FileResult, out: &mut Out) -> Result<()> {
        if r.fixed.is_empty() {
            return Ok(());
        }
        let total: usize = r.fixed.values().sum();
        let by_code: Vec<String> = r.fixed.iter().map(|(c, n)| format!("{n} × {c}")).collect();
        let verb = if self.mode == Mode::Write {
            "Fixed"
        } else {
            "Would fix"
        };
        writeln!(
            out.stderr,
            "{}: {verb} {total}: {}",
            display(&r.path),
            by_code.join(", ")
        )?;
        Ok(())
    }
}
