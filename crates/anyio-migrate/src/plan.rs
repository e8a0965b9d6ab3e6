//! From the flags to the work of a run: the files walked, each one's
//! settings, the pytest suites that move, the files to create, and the
//! order they are done in.

use crate::cli::RunArgs;
use crate::config::Configs;
use crate::run::{Gate, Job};
use crate::settings::Settings;
use crate::suites::{self, Suites};
use anyhow::Result;
use std::path::PathBuf;
use transforms::{Kind, Registry};

/// One file to process: its path, the settings that apply to it, and the
/// transform that creates it when it does not exist yet.
pub struct Work {
    pub path: PathBuf,
    pub settings: usize,
    pub create: Option<&'static str>,
}

/// A run's job and its files, in output order.
pub struct Plan<'r> {
    pub job: Job<'r>,
    /// Python files, other files and files to create, by path.
    pub files: Vec<Work>,
    /// The dependency files (`pyproject.toml`, `setup.cfg`, `setup.py`,
    /// `requirements.txt`), done after every other file: they follow what
    /// the code now imports.
    pub dependency_files: Vec<Work>,
    /// Paths that could not be walked.
    pub walk_errors: Vec<String>,
}

/// Walks the paths and works out every file's settings.
pub fn plan<'r>(registry: &'r Registry, args: &RunArgs, gate: &Gate) -> Result<Plan<'r>> {
    let mut configs = Configs::new(args.config.as_deref(), args.isolated)?;
    let (files, walk_errors) = crate::walk::collect(&args.paths, &args.exclude)?;
    // Each file's configuration: the nearest one upward of it.
    let mut indexed = Vec::with_capacity(files.len());
    for f in files {
        let at = configs.for_file(&f)?;
        indexed.push((f, at));
    }
    // Settings for each configuration loaded so far (more are found below).
    let mut settings = Vec::with_capacity(configs.loaded.len());
    settle(registry, args, &mut settings, &configs)?;
    // A configuration's `exclude` leaves out the walked files under it; a
    // file named on the command line is always migrated.
    indexed.retain(|(f, at)| args.paths.contains(f) || !settings[*at].excludes(f));
    // Which pytest suites move to anyio's plugin: decided once, before any
    // file is migrated, from every file of each suite.
    let walked: Vec<PathBuf> = indexed.iter().map(|(f, _)| f.clone()).collect();
    let suites = Suites::plan(&walked);
    // The work, in output order: every file, the configuration and
    // dependency files a moving suite needs that were not given, and the
    // root conftest.py files to create (where the transform is enabled).
    for suite in &suites.list {
        for extra in &suite.extra {
            if !indexed.iter().any(|(f, _)| suites::norm(f) == *extra) {
                let at = configs.for_file(extra)?;
                indexed.push((extra.clone(), at));
            }
        }
    }
    // The dependency files of the projects whose modules were given: a
    // module that imports anyio needs it declared there, whether or not the
    // file was given (pre-commit passes only the staged files).
    for extra in declaring_files(&walked) {
        if !indexed.iter().any(|(f, _)| suites::norm(f) == extra) {
            let at = configs.for_file(&extra)?;
            indexed.push((extra, at));
        }
    }
    let mut work: Vec<Work> = Vec::new();
    for root in suites.moving_roots() {
        let conftest = root.join("conftest.py");
        let at = configs.for_file(&conftest)?;
        let listed = indexed.iter().any(|(f, _)| suites::norm(f) == conftest);
        if !listed && conftest.exists() {
            indexed.push((conftest.clone(), at));
        }
        settle(registry, args, &mut settings, &configs)?;
        let creator = settings[at]
            .code_for(Kind::RootConftest)
            .filter(|code| gate.allows(code, &conftest));
        if let Some(code) = creator.filter(|_| !listed && !conftest.exists()) {
            work.push(Work {
                path: conftest,
                settings: at,
                create: Some(code),
            });
        }
    }
    // Configurations first seen for the files added above.
    settle(registry, args, &mut settings, &configs)?;
    work.extend(indexed.into_iter().map(|(path, at)| Work {
        path,
        settings: at,
        create: None,
    }));
    work.sort_by(|a, b| {
        (&a.path, a.create.is_some(), a.settings).cmp(&(&b.path, b.create.is_some(), b.settings))
    });
    work.dedup_by(|a, b| a.path == b.path);
    let (dependency_files, files): (Vec<_>, Vec<_>) = work.into_iter().partition(|w| {
        let name = w.path.file_name().and_then(|n| n.to_str());
        w.create.is_none()
            && (matches!(
                pytestcfg::kind_of(&w.path),
                Some(pytestcfg::Kind::Pyproject | pytestcfg::Kind::SetupCfg)
            ) || matches!(name, Some("setup.py" | "requirements.txt")))
    });
    Ok(Plan {
        job: Job {
            add_ignore: args.add_ignore,
            gate: gate.clone(),
            settings,
            mode: args.mode(),
            suites,
            runtime_anyio: std::sync::OnceLock::new(),
            line_lengths: Default::default(),
        },
        files,
        dependency_files,
        walk_errors,
    })
}

/// Adds the settings of the configurations loaded since the last call.
fn settle<'r>(
    registry: &'r Registry,
    args: &RunArgs,
    settings: &mut Vec<Settings<'r>>,
    configs: &Configs,
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

/// The files that declare the runtime dependencies of the walked runtime
/// modules (`pyproject.toml`, `setup.cfg`, `setup.py`, `requirements.txt` in
/// the nearest folder upward holding one of them), normalized.
fn declaring_files(walked: &[PathBuf]) -> Vec<PathBuf> {
    const MARKERS: [&str; 4] = [
        "pyproject.toml",
        "setup.cfg",
        "setup.py",
        "requirements.txt",
    ];
    let mut folders: std::collections::BTreeSet<PathBuf> = Default::default();
    let mut seen: std::collections::HashSet<PathBuf> = Default::default();
    for f in walked
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "py"))
    {
        let f = suites::norm(f);
        let Some(dir) = f.parent() else { continue };
        if !seen.insert(dir.to_path_buf()) {
            continue;
        }
        let folder = dir
            .ancestors()
            .find(|d| MARKERS.iter().any(|m| suites::on_disk(d).join(m).is_file()));
        if let Some(folder) = folder {
            if f.strip_prefix(folder)
                .is_ok_and(crate::run::is_runtime_module)
            {
                folders.insert(folder.to_path_buf());
            }
        }
    }
    folders
        .into_iter()
        .flat_map(|d| MARKERS.into_iter().map(move |n| d.join(n)))
        .filter(|p| p.is_file())
        .collect()
}
