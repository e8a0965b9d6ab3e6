//! anyio-migrate: migrate Python asyncio code to AnyIO.

mod add_ignore;
mod cli;
mod config;
mod explain;
mod line_length;
mod man;
mod ordered;
mod output;
mod patches;
mod plan;
mod printer;
mod projects;
mod report;
mod review;
mod run;
mod settings;
mod stdin;
mod suggest;
mod suites;
mod verify;
mod walk;
mod write;

use anyhow::{bail, Result};
use clap::Parser;
use cli::{Cli, Command, Mode, RunArgs};
use output::Totals;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use transforms::Registry;

fn main() -> ExitCode {
    let cli = Cli::try_parse().unwrap_or_else(|e| {
        // A subcommand typed as a flag (`--list`): clap would suggest a
        // flag that merely looks alike.
        if let Some(sub) = e
            .get(clap::error::ContextKind::InvalidArg)
            .map(ToString::to_string)
            .filter(|_| e.kind() == clap::error::ErrorKind::UnknownArgument)
            .and_then(|arg| suggest::subcommand_for_flag(&arg).map(|s| (arg, s)))
        {
            eprintln!(
                "error: unexpected argument '{}' found\n\n  tip: `{}` is a subcommand, not a flag: `anyio-migrate {}`",
                sub.0, sub.1, sub.1
            );
            std::process::exit(2);
        }
        e.exit()
    });
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
            man::render(&mut std::io::stdout())?;
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

impl Changed {
    /// The written file of a result, with the codes that fixed something in it.
    fn of(r: &run::FileResult) -> Changed {
        Changed {
            path: r.path.clone(),
            codes: r.fixed_codes(),
            created: r.created,
        }
    }
}

/// The exit status with `--exit-zero` applied: 1 (something would change or
/// is left to a person) becomes 0; errors keep theirs.
fn exit_zero(code: u8, args: &RunArgs) -> u8 {
    if code == 1 && args.exit_zero {
        0
    } else {
        code
    }
}

fn migrate(registry: &Registry, args: &RunArgs, extras: Extras) -> Result<Outcome> {
    let mode = args.mode();
    if stdin::reads_stdin(args)? {
        if matches!(mode, Mode::Patches | Mode::Interactive) || args.verify.is_some() {
            bail!("--patches, --interactive and --verify work on files, not stdin");
        }
        return Ok(Outcome {
            exit: exit_zero(stdin::run(registry, args)?, args),
            changed: Vec::new(),
        });
    }
    if mode == Mode::Interactive && !std::io::stdin().is_terminal() {
        bail!("--interactive needs a terminal on stdin to ask about each hunk (use --diff, --patches or --write instead)");
    }
    let mut printers = printer::printers(args, registry, &extras)?;
    let plan = plan::plan(registry, args, &extras.gate)?;
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let mut out = printer::Out::new(extras.silent);
    let mut changed = Vec::new();
    let mut totals = Totals::default();
    for e in &plan.walk_errors {
        writeln!(out.stderr, "anyio-migrate: error: {e}")?;
        totals.errors += 1;
    }
    // A progress bar on a terminal (stderr), for runs over a second.
    let show_progress = !args.quiet
        && !extras.silent
        && mode != Mode::Interactive
        && std::io::stderr().is_terminal();
    let bar = progress_bar(plan.files.len() + plan.dependency_files.len());
    let started = std::time::Instant::now();
    let job = &plan.job;
    // The changed Python files whose code now imports anyio, with the anyio
    // each needs: the dependency files, done last, follow them.
    let needs_anyio = std::sync::Mutex::new(Vec::new());
    let process = |w: &plan::Work| {
        let result = match w.create {
            Some(code) => job.new_conftest(&w.path, code),
            None => job.process(&w.path, w.settings),
        };
        if let Some(v) = result.needs_anyio {
            needs_anyio
                .lock()
                .expect("not poisoned")
                .push((w.path.clone(), v));
        }
        bar.inc(1);
        result
    };
    let mut consume = |r: run::FileResult| -> Result<()> {
        if show_progress && bar.is_hidden() && started.elapsed() > std::time::Duration::from_secs(1)
        {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        totals.add(&r);
        if r.written {
            changed.push(Changed::of(&r));
        }
        bar.suspend(|| printers.iter_mut().try_for_each(|p| p.file(&r, &mut out)))
    };
    // Results come in path order, the workers at most 256 files ahead: only
    // those files' results (diffs, diagnostics) are held in memory,
    // whatever the number of files.
    ordered::map_in_order(&plan.files, threads, 256, process, &mut consume)?;
    let needs = std::mem::take(&mut *needs_anyio.lock().expect("not poisoned"));
    job.runtime_anyio.set(needs).expect("set once");
    ordered::map_in_order(&plan.dependency_files, threads, 256, process, &mut consume)?;
    bar.finish_and_clear();
    for p in &mut printers {
        p.finish(&mut totals, &mut out)?;
    }
    if !args.quiet {
        writeln!(out.stderr, "{}", totals.summary(mode))?;
    }
    Ok(Outcome {
        exit: exit_zero(exit_code(&totals, mode), args),
        changed,
    })
}

/// The progress bar over `files` files, hidden until it is shown.
fn progress_bar(files: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::hidden();
    bar.set_length(files as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} files ({elapsed})")
            .expect("a valid template"),
    );
    bar
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
