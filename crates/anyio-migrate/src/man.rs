//! `anyio-migrate man`: clap's page, with the sections a man page has that
//! clap cannot derive (exit status, configuration, environment).

use crate::cli::Cli;
use clap::CommandFactory;
use roff::{bold, roman, Roff};
use std::io::Write;

/// The exit statuses, as the README's table gives them.
const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Nothing to do, or all done (--write, the report)."),
    ("1", "--diff: the diff is not empty; --check: a file would change or an item for a person is left (--exit-zero makes both 0)."),
    ("2", "A usage error, or a file that could not be read, parsed or written (the other files are still processed)."),
    ("130", "--verify was interrupted; nothing was written."),
];

/// `[tool.anyio-migrate]` keys and what they do.
const CONFIGURATION: &[(&str, &str)] = &[
    ("select, ignore", "Codes, code prefixes (AM1), ALL, SAFE, UNSAFE or MANUAL, as --select and --ignore."),
    ("unsafe", "true applies unsafe fixes, as --unsafe."),
    ("exclude", "Globs of paths to skip, relative to the table's folder; added to --exclude."),
    ("per-file-ignores", "A table of glob = [codes]: the codes left out for the files it matches."),
    ("target-anyio", "The anyio the output must run on (X.Y, 4.0 or later). Default: the lowest the project's anyio requirement allows, else 4.16."),
    ("target-python", "The Python the output must run on (X.Y). Default: the lowest the project's requires-python allows, else 3.11."),
];

/// Environment variables read.
const ENVIRONMENT: &[(&str, &str)] = &[
    ("NO_COLOR", "When set and not empty, the diff is not colored (unless --color always)."),
    ("FORCE_COLOR", "When set and not empty, the diff is colored even when stdout is not a terminal (unless NO_COLOR is set, or --color never)."),
    ("RUST_BACKTRACE", "When set, an internal error prints a Rust backtrace (as --verbose)."),
];

/// Renders the man page (roff) to `w`.
pub fn render(w: &mut dyn Write) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(Cli::command());
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    man.render_subcommands_section(w)?;
    let mut roff = Roff::default();
    section(&mut roff, "EXIT STATUS", EXIT_STATUS);
    roff.control("SH", ["CONFIGURATION"]);
    roff.text([roman(
        "Defaults can live in the [tool.anyio-migrate] table of a pyproject.toml: each file uses the nearest pyproject.toml upward of it that has the table (or a requires-python); --config PATH names one for every file, --isolated ignores them. Command-line flags win. An unknown key or a bad value is an error naming the file and the key. The keys:",
    )]);
    items(&mut roff, CONFIGURATION);
    section(&mut roff, "ENVIRONMENT", ENVIRONMENT);
    roff.to_writer(w)?;
    man.render_version_section(w)
}

/// A section of tagged paragraphs.
fn section(roff: &mut Roff, title: &str, entries: &[(&str, &str)]) {
    roff.control("SH", [title]);
    items(roff, entries);
}

/// Tagged paragraphs: the term in bold, its text below.
fn items(roff: &mut Roff, entries: &[(&str, &str)]) {
    for (term, text) in entries {
        roff.control("TP", []);
        roff.text([bold(*term)]);
        roff.text([roman(*text)]);
    }
}
