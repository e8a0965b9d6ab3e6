//! `-` / `--stdin-filename`: migrate stdin to stdout.

use crate::cli::{Mode, RunArgs};
use crate::settings::Settings;
use crate::{output, run};
use anyhow::{bail, Context, Result};
use engine::{migrate_text, Options, Status};
use std::io::{Read, Write};
use transforms::Registry;

/// Migrates stdin with the settings of the file it stands for; the exit status.
pub fn run(registry: &Registry, args: &RunArgs) -> Result<u8> {
    let mut configs = crate::config::Configs::new(args.config.as_deref(), args.isolated)?;
    // `--stdin-filename` stands for the file: its configuration and
    // per-file-ignores apply, as they would to the file on disk.
    let name = args.stdin_filename.as_deref();
    let at = match name {
        Some(path) => configs.for_file(path)?,
        None => configs.for_dir(std::path::Path::new("."))?,
    };
    let settings = Settings::new(registry, args, &configs.loaded[at])?;
    let enabled = name.map_or_else(
        || settings.transforms.clone(),
        |p| settings.transforms_for(p),
    );
    let label = name.map_or_else(|| "<stdin>".to_string(), run::display);
    let mut options = name.map_or_else(|| settings.options.clone(), |p| settings.options_for(p));
    options.line_length = crate::line_length::LineLengths::default()
        .for_file(name.unwrap_or(std::path::Path::new("./<stdin>")));
    migrate_stdin(&enabled, &options, args.mode(), args.quiet, &label)
}

/// Whether this run reads stdin: the only path is `-`, or `--stdin-filename`
/// is given without paths.
pub fn reads_stdin(args: &RunArgs) -> Result<bool> {
    let dash = args.paths.len() == 1 && args.paths[0].as_os_str() == "-";
    if args.stdin_filename.is_none() {
        return Ok(dash);
    }
    // `.` is the default of PATHS: with --stdin-filename it means "no paths".
    let default = args.paths.len() == 1 && args.paths[0].as_os_str() == ".";
    if !dash && !default {
        bail!("--stdin-filename names the file read from stdin; give `-` or no paths, not files to migrate");
    }
    Ok(true)
}

/// `-`: migrate stdin; print the migrated code (or the diff) on stdout;
/// `label` names it in diagnostics and the diff.
fn migrate_stdin(
    transforms: &[&dyn transforms::Transform],
    options: &Options,
    mode: Mode,
    quiet: bool,
    label: &str,
) -> Result<u8> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .context("cannot read stdin")?;
    let source = match syntax::decode(&bytes) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{label}: {e}");
            return Ok(2);
        }
    };
    let outcome = match migrate_text(&source.text, transforms, options) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{label}: {e}");
            std::io::stdout().write_all(&bytes)?;
            return Ok(2);
        }
    };
    let mut stdout = std::io::stdout().lock();
    match mode {
        Mode::Diff => stdout.write_all(
            edit::unified_diff(&outcome.original, &outcome.migrated, label).as_bytes(),
        )?,
        Mode::Check | Mode::Patches | Mode::Interactive => {}
        Mode::Report | Mode::Write => stdout.write_all(&source.encode(&outcome.migrated))?,
    }
    if !quiet {
        let result = run::FileResult {
            path: label.into(),
            diagnostics: outcome.diagnostics.clone(),
            ..Default::default()
        };
        eprint!(
            "{}",
            output::diagnostics(&result, mode, mode != Mode::Report)
        );
        // As for a file: `--check` says what it would change, not only
        // what is left for a person.
        if mode == Mode::Check && outcome.changed() {
            eprintln!("{label}: would change");
        }
    }
    let manual = outcome
        .diagnostics
        .iter()
        .any(|d| d.status == Status::Manual);
    Ok(match mode {
        Mode::Diff if outcome.changed() => 1,
        Mode::Check if outcome.changed() || manual => 1,
        _ => 0,
    })
}
