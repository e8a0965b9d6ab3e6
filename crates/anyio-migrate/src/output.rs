//! What a run prints: diagnostics, the colored diff, the summary line.

use crate::cli::Mode;
use crate::run::{display, FileResult};
use engine::{Reported, Status};
use std::collections::BTreeMap;
use transforms::Registry;

/// The diagnostic lines for one file (`path:line:col: CODE [status] message`, then a help line).
pub fn diagnostics(result: &FileResult, mode: Mode, only_pending: bool) -> String {
    let path = display(&result.path);
    let mut out = String::new();
    for d in &result.diagnostics {
        if d.status == Status::Suppressed || (only_pending && d.status == Status::Fixed) {
            continue;
        }
        out.push_str(&format!(
            "{path}:{}:{}: {} [{}] {}\n",
            d.start.line,
            d.start.column,
            d.code,
            status_label(d, mode),
            d.message
        ));
        if let Some(h) = &d.hint {
            out.push_str(&format!("    help: {h}\n"));
        }
    }
    out
}

fn status_label(d: &Reported, mode: Mode) -> &'static str {
    match (d.status, mode) {
        (Status::Fixed, Mode::Write) => "fixed",
        (Status::Fixed, _) => "fix",
        (Status::UnsafeFix, _) => "unsafe fix: use --unsafe",
        (Status::Manual, _) => "manual",
        (Status::Suppressed, _) => "ignored",
        (Status::Rejected, _) => "internal error",
    }
}

/// One diagnostic as a JSON object (schema: docs/json-output.md).
pub fn json_diagnostic(result: &FileResult, d: &Reported) -> serde_json::Value {
    serde_json::json!({
        "path": display(&result.path),
        "code": d.code,
        "message": d.message,
        "hint": d.hint,
        "start": { "line": d.start.line, "column": d.start.column },
        "end": { "line": d.end.line, "column": d.end.column },
        "status": status_name(d.status),
        "fix_applicability": d.applicability.map(|a| a.as_str()),
        "fix_lines": d.fix_lines.iter().map(|(a, b)| [a, b]).collect::<Vec<_>>(),
    })
}

/// The status as a stable lowercase word.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Fixed => "fixed",
        Status::UnsafeFix => "unsafe-fix",
        Status::Manual => "manual",
        Status::Suppressed => "suppressed",
        Status::Rejected => "rejected",
    }
}

/// GitHub Actions annotations: every pending fix (unless `--write` applied
/// it), unsafe fix and item left to a person.
pub fn github(result: &FileResult, mode: Mode) -> String {
    let path = display(&result.path);
    let mut out = String::new();
    for d in result.diagnostics.iter().filter(|d| match d.status {
        Status::Manual | Status::UnsafeFix | Status::Rejected => true,
        Status::Fixed => mode != Mode::Write,
        Status::Suppressed => false,
    }) {
        let level = if d.status == Status::Rejected {
            "error"
        } else {
            "warning"
        };
        let title = match d.status {
            Status::Fixed => format!("{} (fix)", d.code),
            Status::UnsafeFix => format!("{} (unsafe fix)", d.code),
            _ => d.code.to_string(),
        };
        let msg = escape(&d.message);
        out.push_str(&format!(
            "::{level} file={path},line={},col={},endLine={},endColumn={},title={}::{msg}\n",
            d.start.line, d.start.column, d.end.line, d.end.column, title
        ));
    }
    // A file the run could not read, parse or write.
    for (message, _) in errors(result) {
        out.push_str(&format!(
            "::error file={path},title=anyio-migrate::{}\n",
            escape(&message)
        ));
    }
    out
}

/// A workflow command's message: `%`, CR and LF escaped.
fn escape(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The file's errors (what kept it from being read, parsed or written) and
/// internal errors, each with whether it is internal.
pub fn errors(result: &FileResult) -> Vec<(String, bool)> {
    result
        .error
        .iter()
        .map(|e| (e.clone(), false))
        .chain(
            result
                .internal_errors
                .iter()
                .map(|e| (format!("internal error: {e}"), true)),
        )
        .collect()
}

/// How one code's findings split, for `--statistics`.
#[derive(Debug, Default, Clone, Copy)]
pub struct CodeCount {
    /// Safe fixes (made, or to be made).
    pub safe: usize,
    /// Unsafe fixes (made with `--unsafe`, else pending).
    pub unsafe_fixes: usize,
    /// Items left to a person.
    pub manual: usize,
}

impl CodeCount {
    /// Counts one finding; ignored ones and internal errors are not counted.
    pub fn add(&mut self, d: &Reported) {
        match (d.status, d.applicability) {
            (Status::Fixed, Some(edit::Applicability::Unsafe)) | (Status::UnsafeFix, _) => {
                self.unsafe_fixes += 1
            }
            (Status::Fixed, _) => self.safe += 1,
            (Status::Manual, _) => self.manual += 1,
            (Status::Suppressed | Status::Rejected, _) => {}
        }
    }

    fn total(&self) -> usize {
        self.safe + self.unsafe_fixes + self.manual
    }
}

/// `--statistics`: per code, its findings split into safe fixes, unsafe
/// fixes and items for a person, with the transform's name and summary.
pub fn statistics(counts: &BTreeMap<&'static str, CodeCount>, registry: &Registry) -> String {
    let mut out = format!(
        "{:>6}  {:<5}  {:>5}  {:>6}  {:>6}  transform\n",
        "count", "code", "safe", "unsafe", "manual"
    );
    for (code, c) in counts.iter().filter(|(_, c)| c.total() > 0) {
        let name = registry
            .get(code)
            .map(|t| format!("{}: {}", t.info().name, t.info().summary))
            .unwrap_or_default();
        out.push_str(&format!(
            "{:>6}  {code:<5}  {:>5}  {:>6}  {:>6}  {name}\n",
            c.total(),
            c.safe,
            c.unsafe_fixes,
            c.manual
        ));
    }
    out.push_str("safe: fixes applied by default; unsafe: fixes applied with --unsafe; manual: items for a person (`anyio-migrate explain CODE`)\n");
    out
}

/// `--statistics --output-format json`: the same counts as an array of
/// `{code, name, count, safe, unsafe, manual}`, most frequent first.
pub fn statistics_json(counts: &BTreeMap<&'static str, CodeCount>, registry: &Registry) -> String {
    let mut rows: Vec<_> = counts.iter().filter(|(_, c)| c.total() > 0).collect();
    rows.sort_by_key(|(code, c)| (std::cmp::Reverse(c.total()), **code));
    let items: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|(code, c)| {
            serde_json::json!({
                "code": code,
                "name": registry.get(code).map(|t| t.info().name),
                "count": c.total(),
                "safe": c.safe,
                "unsafe": c.unsafe_fixes,
                "manual": c.manual,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&items).unwrap_or_default();
    text.push('\n');
    text
}

/// A unified diff with ANSI colors for added, removed and hunk lines.
pub fn colorize(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 8);
    for line in diff.split_inclusive('\n') {
        let color = if line.starts_with("+++") || line.starts_with("---") {
            "\x1b[1m"
        } else if line.starts_with('+') {
            "\x1b[32m"
        } else if line.starts_with('-') {
            "\x1b[31m"
        } else if line.starts_with("@@") {
            "\x1b[36m"
        } else {
            ""
        };
        if color.is_empty() {
            out.push_str(line);
        } else {
            let body = line.strip_suffix('\n').unwrap_or(line);
            out.push_str(&format!("{color}{body}\x1b[0m"));
            if line.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

/// Totals over all files.
#[derive(Debug, Default)]
pub struct Totals {
    pub files: usize,
    pub parsed: usize,
    pub changed: usize,
    /// Changed files that could not be written.
    pub unwritten: usize,
    pub fixed: BTreeMap<&'static str, usize>,
    pub manual: usize,
    pub unsafe_pending: usize,
    pub suppressed: usize,
    pub errors: usize,
    /// `--add-ignore`: items that got an ignore comment, and the files written.
    pub ignores_added: usize,
    pub ignore_files: usize,
}

impl Totals {
    /// Adds one file's result.
    pub fn add(&mut self, r: &FileResult) {
        self.files += 1;
        self.parsed += usize::from(r.parsed);
        self.changed += usize::from(r.changed && r.error.is_none());
        // A changed file that could not be written (read-only, another
        // owner's, changed on disk): its fixes were not applied.
        self.unwritten += usize::from(r.changed && r.error.is_some());
        if r.error.is_none() {
            for (code, n) in &r.fixed {
                *self.fixed.entry(code).or_default() += n;
            }
        }
        for d in &r.diagnostics {
            match d.status {
                Status::Manual => self.manual += 1,
                Status::UnsafeFix => self.unsafe_pending += 1,
                Status::Suppressed => self.suppressed += 1,
                _ => {}
            }
        }
        self.errors += usize::from(r.error.is_some()) + r.internal_errors.len();
        self.ignores_added += r.ignores_added;
        self.ignore_files += usize::from(r.ignores_added > 0);
    }

    /// The one-line summary.
    pub fn summary(&self, mode: Mode) -> String {
        let fixes: usize = self.fixed.values().sum();
        // After an interactive review what was written is in the review's
        // own summary above: this line says what was offered.
        let verb = match mode {
            Mode::Write => "changed",
            Mode::Interactive => "offered for review",
            _ => "would change",
        };
        let fix_word = match (mode, fixes == 1) {
            (Mode::Write, true) => "fix applied",
            (Mode::Write, false) => "fixes applied",
            (Mode::Interactive, true) => "fix offered",
            (Mode::Interactive, false) => "fixes offered",
            (_, true) => "fix",
            (_, false) => "fixes",
        };
        let by_code: Vec<String> = self
            .fixed
            .iter()
            .map(|(c, n)| format!("{c} ×{n}"))
            .collect();
        let mut s = format!(
            "anyio-migrate: {} file{} scanned ({} parsed), {} {verb}; {fixes} {fix_word}",
            self.files,
            plural(self.files),
            self.parsed,
            self.changed
        );
        if !by_code.is_empty() {
            s.push_str(&format!(" ({})", by_code.join(", ")));
        }
        if self.unwritten > 0 {
            s.push_str(&format!(
                "; {} file{} not written",
                self.unwritten,
                plural(self.unwritten)
            ));
        }
        s.push_str(&format!(
            "; {} manual item{} left",
            self.manual,
            plural(self.manual)
        ));
        if self.unsafe_pending > 0 {
            s.push_str(&format!(
                "; {} unsafe fix{} not applied (use --unsafe)",
                self.unsafe_pending,
                if self.unsafe_pending == 1 { "" } else { "es" }
            ));
        }
        if self.suppressed > 0 {
            s.push_str(&format!("; {} ignored by comment", self.suppressed));
        }
        if self.ignores_added > 0 {
            s.push_str(&format!(
                "; {} ignore comment{} added in {} file{}",
                self.ignores_added,
                plural(self.ignores_added),
                self.ignore_files,
                plural(self.ignore_files)
            ));
        }
        if self.errors > 0 {
            s.push_str(&format!("; {} error{}", self.errors, plural(self.errors)));
        }
        s
    }
}

/// The `s` of a count's plural (none for one).
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
