//! anyio-migrate: migrate Python asyncio code to AnyIO.

mod add_ignore;
mod cli;
mod config;
mod explain;
mod ordered;
mod output;
mod patches;
mod review;
mod run;
mod settings;
mod suggest;
mod suites;
mod verify;
mod walk;
mod write;

use anyhow::{bail, Context, Result};
use clap::Parser;
use cli::{Cli, Color, Command, Mode, OutputFormat, RunArgs};
use engine::{migrate_text, Options, Status};
use output::Totals;
use settings::Settings;
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use transforms::Registry;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Panics inside one file are caught and reported as internal errors;
    // the default hook would print a Rust backtrace at the user.
    if !cli.run.verbose && std::env::var_os("RUST_BACKTRACE").is_none() {
        std::panic::set_hook(Box::new(|_| {}));
    }
    match real_main(cli) {
        Ok(code) => ExitCode::from(code),
        // A reader that stopped early (`| head`): end quietly, as ripgrep does.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("anyio-migrate: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Whether the error is writing to a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn real_main(cli: Cli) -> Result<u8> {
    let registry = Registry::load();
    match cli.command {
        Some(Command::List) => {
            std::io::stdout().write_all(explain::list(&registry).as_bytes())?;
            Ok(0)
        }
        Some(Command::Explain { code }) => match explain::find(&registry, &code) {
            Some(t) => {
                std::io::stdout().write_all(explain::explain(t).as_bytes())?;
                Ok(0)
            }
            None => bail!(
                "no transform `{code}`{} (see `anyio-migrate list`)",
                suggest::hint(suggest::code(&code, &registry))
            ),
        },
        Some(Command::Man) => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(0)
        }
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "anyio-migrate",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
        None => match &cli.run.verify {
            Some(cmd) => verify::run(&registry, &cli.run, cmd),
            None => Ok(migrate(&registry, &cli.run, Extras::default())?.exit),
        },
    }
}

/// What a run adds to its flags (`--verify`'s trials and final run).
#[derive(Default)]
pub struct Extras<'a> {
    /// Fixes held back.
    pub gate: run::Gate,
    /// Print nothing at all (a trial).
    pub silent: bool,
    /// Said in the summary, the report and the JSON document.
    pub verification: Option<&'a verify::Summary>,
}

/// How a migration run ended.
pub struct Outcome {
    /// The exit status.
    pub exit: u8,
    /// The files written or created, with the codes of their fixes.
    pub changed: Vec<Changed>,
}

/// A file a run wrote.
#[derive(Debug, Clone)]
pub struct Changed {
    pub path: std::path::PathBuf,
    pub codes: Vec<&'static str>,
    pub created: bool,
}

fn migrate(registry: &Registry, args: &RunArgs, extras: Extras) -> Result<Outcome> {
    let mut configs = config::Configs::new(args.config.as_deref(), args.isolated)?;
    let mode = args.mode();
    if reads_stdin(args)? {
        if matches!(mode, Mode::Patches | Mode::Interactive) || args.verify.is_some() {
            bail!("--patches, --interactive and --verify work on files, not stdin");
        }
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
        let exit = migrate_stdin(&enabled, &settings.options, mode, args.quiet, &label)?;
        return Ok(Outcome {
            exit,
            changed: Vec::new(),
        });
    }
    if let Some(dir) = &args.patches {
        patches::check_dir(dir)?;
    }
    if mode == Mode::Interactive && !std::io::stdin().is_terminal() {
        bail!("--interactive needs a terminal on stdin to ask about each hunk (use --diff, --patches or --write instead)");
    }
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let (files, walk_errors) = walk::collect(&args.paths, &args.exclude)?;
    // Each file's configuration: the nearest one upward of it.
    let mut indexed = Vec::with_capacity(files.len());
    for f in files {
        let at = configs.for_file(&f)?;
        indexed.push((f, at));
    }
    // Settings for each configuration loaded so far (more are found below).
    let mut settings = Vec::with_capacity(configs.loaded.len());
    settle_settings(registry, args, &mut settings, &configs)?;
    // A configuration's `exclude` leaves out the walked files under it; a
    // file named on the command line is always migrated.
    indexed.retain(|(f, at)| args.paths.contains(f) || !settings[*at].excludes(f));
    // Which pytest suites move to anyio's plugin: decided once, before any
    // file is migrated, from every file of each suite.
    let walked: Vec<std::path::PathBuf> = indexed.iter().map(|(f, _)| f.clone()).collect();
    let mut suites = suites::Suites::plan(&walked);
    // The work, in output order: every file, the configuration and
    // dependency files a moving suite needs that were not given, and the root
    // conftest.py files to create (where AM605 is enabled).
    for suite in &suites.list {
        for extra in &suite.extra {
            if !indexed.iter().any(|(f, _)| suites::norm(f) == *extra) {
                let at = configs.for_file(extra)?;
                indexed.push((extra.clone(), at));
            }
        }
    }
    let mut work: Vec<(std::path::PathBuf, bool, usize)> = Vec::new();
    for root in suites.moving_roots() {
        let conftest = root.join("conftest.py");
        let at = configs.for_file(&conftest)?;
        let listed = indexed.iter().any(|(f, _)| suites::norm(f) == conftest);
        if !listed && conftest.exists() {
            indexed.push((conftest.clone(), at));
        }
        settle_settings(registry, args, &mut settings, &configs)?;
        if settings[at].enables("AM605")
            && extras.gate.allows("AM605", &conftest)
            && !listed
            && !conftest.exists()
        {
            work.push((conftest, true, at));
        }
    }
    // Configurations first seen for the files added above.
    settle_settings(registry, args, &mut settings, &configs)?;
    work.extend(indexed.into_iter().map(|(p, at)| (p, false, at)));
    work.sort();
    work.dedup_by(|a, b| a.0 == b.0);
    let project = std::sync::Arc::new(std::mem::take(&mut suites.project));
    for s in &mut settings {
        s.options.targets.project = project.clone();
    }
    let job = run::Job {
        add_ignore: args.add_ignore,
        gate: extras.gate.clone(),
        settings,
        mode,
        suites,
        runtime_anyio: std::sync::OnceLock::new(),
    };

    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let (mut stdout, mut stderr): (Box<dyn Write>, Box<dyn Write>) = if extras.silent {
        (Box::new(std::io::sink()), Box::new(std::io::sink()))
    } else {
        // stderr not locked for the whole run: the progress bar writes to it from the workers.
        (
            Box::new(std::io::stdout().lock()),
            Box::new(std::io::stderr()),
        )
    };
    let mut changed = Vec::new();
    let mut totals = Totals::default();
    for e in &walk_errors {
        writeln!(stderr, "anyio-migrate: error: {e}")?;
        totals.errors += 1;
    }
    let format = args.output_format;
    let mut json_items: Vec<serde_json::Value> = Vec::new();
    let mut json_diffs: Vec<serde_json::Value> = Vec::new();
    let mut stats: std::collections::BTreeMap<&'static str, (usize, usize)> =
        std::collections::BTreeMap::new();
    let mut report_items: Vec<output::ReportItems> = Vec::new();
    // A progress bar on a terminal (stderr), for runs over a second.
    let started = std::time::Instant::now();
    let show_progress = !args.quiet
        && !extras.silent
        && mode != Mode::Interactive
        && std::io::stderr().is_terminal();
    let mut patches = patches::Patches::default();
    let mut reviewer = review::Reviewer::new(std::io::stdin().lock(), color);
    let bar = indicatif::ProgressBar::hidden();
    bar.set_length(work.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} files ({elapsed})")
            .expect("a valid template"),
    );
    // Results come in path order, the workers at most 256 files ahead: only
    // those files' results (diffs, diagnostics) are held in memory,
    // whatever the number of files.
    let needs_anyio = std::sync::Mutex::new(Vec::new());
    let process = |(p, create, at): &(std::path::PathBuf, bool, usize)| {
        let result = if *create {
            job.new_conftest(p)
        } else {
            job.process(p, *at)
        };
        if let Some(v) = result.needs_anyio {
            needs_anyio
                .lock()
                .expect("not poisoned")
                .push((p.clone(), v));
        }
        bar.inc(1);
        result
    };
    // Dependency files come last: they follow what the code now imports.
    let (dependency_files, work): (Vec<_>, Vec<_>) =
        work.into_iter().partition(|(p, create, _)| {
            !*create
                && matches!(
                    pytestcfg::kind_of(p),
                    Some(pytestcfg::Kind::Pyproject | pytestcfg::Kind::SetupCfg)
                )
        });
    let mut consume = |result: run::FileResult| -> Result<()> {
        let r = &result;
        if show_progress && bar.is_hidden() && started.elapsed() > std::time::Duration::from_secs(1)
        {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        totals.add(r);
        if r.written {
            changed.push(Changed {
                path: r.path.clone(),
                codes: r
                    .fixed
                    .iter()
                    .filter(|(_, n)| **n > 0)
                    .map(|(c, _)| *c)
                    .collect(),
                created: r.created,
            });
        }
        match format {
            OutputFormat::Json => {
                json_items.extend(r.diagnostics.iter().map(|d| output::json_diagnostic(r, d)));
                // The diff goes inside the one JSON document.
                if let Some(diff) = &r.diff {
                    json_diffs
                        .push(serde_json::json!({"path": run::display(&r.path), "diff": diff}));
                }
            }
            OutputFormat::Github => stdout.write_all(output::github(r, mode).as_bytes())?,
            OutputFormat::Text => {}
        }
        if args.report.is_some() {
            report_items.push(output::ReportItems::of(r));
        }
        patches.add(r);
        if args.statistics {
            for d in &r.diagnostics {
                let e = stats.entry(d.code).or_default();
                e.0 += 1;
                e.1 += usize::from(d.applicability.is_some());
            }
        }
        let quiet = args.quiet || args.statistics || format != OutputFormat::Text;
        let show_diff = format != OutputFormat::Json;
        bar.suspend(|| emit(r, mode, color, quiet, show_diff, &mut stdout, &mut stderr))?;
        if let Some(change) = r.review.as_ref().filter(|_| !reviewer.quit) {
            if let Some(text) = reviewer.file(&mut stdout, &r.path, change, &r.diagnostics)? {
                match review::write_accepted(&r.path, change, &text) {
                    Ok(()) => reviewer.written += 1,
                    Err(e) => {
                        writeln!(stderr, "{}: {e:#}", run::display(&r.path))?;
                        totals.errors += 1;
                    }
                }
            }
        }
        if args.show_fixes && !r.fixed.is_empty() {
            let total: usize = r.fixed.values().sum();
            let by_code: Vec<String> = r.fixed.iter().map(|(c, n)| format!("{n} × {c}")).collect();
            let verb = if mode == Mode::Write {
                "Fixed"
            } else {
                "Would fix"
            };
            writeln!(
                stderr,
                "{}: {verb} {total}: {}",
                run::display(&r.path),
                by_code.join(", ")
            )?;
        }
        Ok(())
    };
    ordered::map_in_order(&work, threads, 256, process, &mut consume)?;
    let needs = std::mem::take(&mut *needs_anyio.lock().expect("not poisoned"));
    job.runtime_anyio.set(needs).expect("set once");
    ordered::map_in_order(&dependency_files, threads, 256, process, &mut consume)?;
    bar.finish_and_clear();
    if let Some(dir) = &args.patches {
        let n = patches.write(dir, registry)?;
        if !args.quiet {
            writeln!(
                stderr,
                "anyio-migrate: {n} patches written to {}",
                dir.display()
            )?;
        }
    }
    if args.statistics {
        stdout.write_all(output::statistics(&stats).as_bytes())?;
    }
    if let Some(path) = args.report.as_ref().filter(|_| !extras.silent) {
        let mut text = output::markdown_report(&totals, &report_items, mode);
        if let Some(v) = extras.verification {
            text.push_str(&v.markdown());
        }
        std::fs::write(path, text)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    if format == OutputFormat::Json {
        let mut doc = serde_json::json!({
            "version": 1,
            "diagnostics": json_items,
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
        if let Some(v) = extras.verification {
            doc["verification"] = v.json();
        }
        if mode == Mode::Diff {
            doc["diffs"] = json_diffs.into();
        }
        writeln!(stdout, "{}", serde_json::to_string_pretty(&doc)?)?;
    }
    if !args.quiet {
        writeln!(stderr, "{}", totals.summary(mode))?;
        if mode == Mode::Interactive {
            writeln!(
                stderr,
                "anyio-migrate: {} hunk{} applied, {} skipped; {} file{} written",
                reviewer.accepted,
                if reviewer.accepted == 1 { "" } else { "s" },
                reviewer.skipped,
                reviewer.written,
                if reviewer.written == 1 { "" } else { "s" }
            )?;
        }
    }
    Ok(Outcome {
        exit: match exit_code(&totals, mode) {
            1 if args.exit_zero => 0,
            code => code,
        },
        changed,
    })
}

/// Adds the settings of the configurations loaded since the last call.
fn settle_settings<'r>(
    registry: &'r Registry,
    args: &RunArgs,
    settings: &mut Vec<Settings<'r>>,
    configs: &config::Configs,
) -> Result<()> {
    while settings.len() < configs.loaded.len() {
        settings.push(Settings::new(
            registry,
            args,
            &configs.loaded[settings.len()],
        )?);
    }
    Ok(())
}

/// Prints one file's result: errors, its diff, and its diagnostics.
fn emit(
    r: &run::FileResult,
    mode: Mode,
    color: bool,
    quiet: bool,
    show_diff: bool,
    stdout: &mut impl Write,
    stderr: &mut impl Write,
) -> Result<()> {
    let path = run::display(&r.path);
    if let Some(e) = &r.error {
        writeln!(stderr, "{path}: {e}")?;
    }
    for e in &r.internal_errors {
        writeln!(stderr, "{path}: internal error: {e}")?;
    }
    if let Some(d) = r.diff.as_ref().filter(|_| show_diff) {
        let text = if color {
            output::colorize(d)
        } else {
            d.clone()
        };
        stdout.write_all(text.as_bytes())?;
    }
    if quiet {
        return Ok(());
    }
    match mode {
        Mode::Report => stdout.write_all(output::diagnostics(r, mode, false).as_bytes())?,
        _ => stderr.write_all(output::diagnostics(r, mode, true).as_bytes())?,
    }
    if mode == Mode::Check && r.changed && r.error.is_none() {
        writeln!(stderr, "{path}: would change")?;
    }
    Ok(())
}

/// 2 for any error; 1 when `--diff` / `--check` find pending changes (or
/// `--check` finds manual items); else 0.
fn exit_code(t: &Totals, mode: Mode) -> u8 {
    if t.errors > 0 {
        return 2;
    }
    match mode {
        Mode::Diff if t.changed > 0 => 1,
        Mode::Check if t.changed > 0 || t.manual > 0 => 1,
        _ => 0,
    }
}

/// Whether this run reads stdin: the only path is `-`, or `--stdin-filename`
/// is given without paths.
fn reads_stdin(args: &RunArgs) -> Result<bool> {
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
