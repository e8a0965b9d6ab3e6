//! The command line.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Migrate Python asyncio code to AnyIO.
///
/// Without --diff, --write or --check, reports what would change and what
/// needs a person.
#[derive(Debug, Parser)]
#[command(
    name = "anyio-migrate",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every transform with its code and fix safety.
    List,
    /// Show a transform's documentation and examples.
    Explain {
        /// A code such as AM101, or a name such as wait-for.
        code: String,
    },
    /// Print the man page (roff) on stdout.
    Man,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// What to do with the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Report,
    Diff,
    Write,
    Check,
    /// `--patches DIR`: one patch per code, nothing changed.
    Patches,
    /// `--interactive`: hunk-by-hunk review, then write what was accepted.
    Interactive,
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// `path:line:col: CODE [status] message` lines.
    Text,
    /// One JSON document: every diagnostic and a summary (docs/json-output.md).
    Json,
    /// GitHub Actions workflow annotations.
    Github,
}

/// When to color the diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Options of a migration run.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Files or directories to migrate (`-` reads stdin and writes stdout).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The path of the file read from stdin: its configuration and per-file-ignores apply, and diagnostics and the diff name it.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Print a unified diff of the changes; change nothing.
    #[arg(long, group = "mode")]
    pub diff: bool,
    /// Rewrite files in place.
    #[arg(long, group = "mode")]
    pub write: bool,
    /// Exit 1 when a file would change or manual items are left; change nothing.
    #[arg(long, group = "mode")]
    pub check: bool,
    /// Write one patch per transform code into DIR (applicable in order with `git apply`); change nothing.
    #[arg(long, group = "mode", value_name = "DIR")]
    pub patches: Option<PathBuf>,
    /// Review each hunk on the terminal (accept, skip, accept all of its code, quit); write what was accepted.
    #[arg(long, group = "mode")]
    pub interactive: bool,
    /// With --write: run CMD (the project's tests) on a copy of the current folder before and after migrating it, and write only the fixes it accepts (docs/verify.md).
    #[arg(
        long,
        value_name = "CMD",
        requires = "write",
        conflicts_with_all = ["diff", "check", "patches", "interactive", "add_ignore"]
    )]
    pub verify: Option<String>,
    /// The time limit of one run of the --verify command, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 1800, requires = "verify")]
    pub verify_timeout: u64,
    /// A pytest test (node id, or a prefix ending at `::`) whose failure --verify does not count; may be repeated.
    #[arg(long, value_name = "NODEID", requires = "verify")]
    pub verify_ignore_test: Vec<String>,
    /// Acknowledge the items left to a person: add `# anyio-migrate: ignore[CODE]` to each reported line; change nothing else.
    #[arg(long, group = "mode")]
    pub add_ignore: bool,
    /// Transforms to enable: codes, code prefixes (AM1), or ALL, SAFE, UNSAFE, MANUAL.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Transforms to disable (same forms as --select).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Exit 0 even when --diff or --check find something (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Apply unsafe fixes too (they may change behaviour in corner cases).
    #[arg(long = "unsafe")]
    pub unsafe_fixes: bool,
    /// The anyio version the migrated code must run on (forms newer than it are not used; default: the project's anyio requirement, else 4.16).
    #[arg(long, value_name = "X.Y", value_parser = parse_target)]
    pub target_anyio: Option<(u32, u32)>,
    /// The Python version the migrated code must run on (`except*` needs 3.11).
    #[arg(long, value_name = "X.Y", value_parser = parse_target)]
    pub target_python: Option<(u32, u32)>,
    /// Read settings from this pyproject.toml's [tool.anyio-migrate] table.
    #[arg(long, value_name = "PATH")]
    pub config: Option<std::path::PathBuf>,
    /// Ignore any [tool.anyio-migrate] configuration.
    #[arg(long, conflicts_with = "config")]
    pub isolated: bool,
    /// Paths to skip (gitignore-style globs); may be repeated.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// How diagnostics are printed (the diff is always a unified diff).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output_format: OutputFormat,
    /// Print, per file, the fixes made (or to be made) by code.
    #[arg(long)]
    pub show_fixes: bool,
    /// Write a Markdown migration report (for a pull request) to this file.
    #[arg(long, value_name = "FILE.md")]
    pub report: Option<std::path::PathBuf>,
    /// Print the number of diagnostics per code (fixable or not) instead of each one.
    #[arg(long)]
    pub statistics: bool,
    /// Color the diff.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Print only errors and the diff (no diagnostics, no summary).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Show a Rust backtrace when anyio-migrate itself fails (for bug reports).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Parse every file, even those with no trigger word (slower; for testing the pre-filter).
    #[arg(long, hide = true)]
    pub no_prefilter: bool,
}

impl RunArgs {
    /// The mode the flags ask for.
    pub fn mode(&self) -> Mode {
        if self.diff {
            Mode::Diff
        } else if self.write {
            Mode::Write
        } else if self.check {
            Mode::Check
        } else if self.patches.is_some() {
            Mode::Patches
        } else if self.interactive {
            Mode::Interactive
        } else {
            Mode::Report
        }
    }
}

fn parse_target(s: &str) -> Result<(u32, u32), String> {
    transforms::parse_version(s)
}
