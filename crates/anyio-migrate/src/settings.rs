//! The settings a file is migrated with: the command-line flags over the
//! `[tool.anyio-migrate]` table that applies to it.

use crate::cli::RunArgs;
use crate::config::{Loaded, PerFileIgnores};
use crate::suggest;
use anyhow::{bail, Result};
use engine::{Options, Prefilter};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::{Path, PathBuf};
use transforms::{Kind, Registry, Selection, Transform};

/// Transforms, options and ignores for the files under one configuration.
pub struct Settings<'r> {
    pub transforms: Vec<&'r dyn Transform>,
    pub prefilter: Prefilter,
    pub options: Options,
    /// `per-file-ignores` from the configuration.
    pub per_file: PerFileIgnores,
    /// The configuration's `exclude` globs, relative to its folder.
    exclude: Option<Gitignore>,
}

impl<'r> Settings<'r> {
    /// The flags in `args` over the configuration `loaded` (flags win).
    pub fn new(registry: &'r Registry, args: &RunArgs, loaded: &Loaded) -> Result<Settings<'r>> {
        let cfg = &loaded.config;
        let pick = |cli: &Vec<String>, file: &Option<Vec<String>>| {
            if cli.is_empty() {
                file.clone().unwrap_or_default()
            } else {
                cli.clone()
            }
        };
        // A `--select` is the whole choice, as in ruff: the configuration's
        // `ignore` does not take back what it names.
        let file_ignore = if args.select.is_empty() {
            cfg.ignore.clone()
        } else {
            None
        };
        let selection = Selection {
            select: pick(&args.select, &cfg.select),
            ignore: pick(&args.ignore, &file_ignore),
        };
        // Codes in per-file-ignores are checked like those of `select`.
        let per_file = Selection {
            select: Vec::new(),
            ignore: cfg
                .per_file_ignores
                .iter()
                .flat_map(|m| m.values().flatten().cloned())
                .collect(),
        };
        let mut unknown = selection.unknown(registry);
        let per_file_unknown = per_file.unknown(registry);
        let from_file_only = args.select.is_empty() && args.ignore.is_empty() || unknown.is_empty();
        unknown.extend(per_file_unknown);
        if !unknown.is_empty() {
            let from = match (&loaded.path, from_file_only) {
                (Some(p), true) => format!("{}: [tool.anyio-migrate]: ", p.display()),
                _ => String::new(),
            };
            bail!(
                "{from}unknown code or selector: {} (see `anyio-migrate list`)",
                unknown
                    .iter()
                    .map(|u| format!("{u}{}", suggest::hint(suggest::code(u, registry))))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        // A target: the flag, else the first of `keys` that is given (the
        // table's, then what the project requires), if it parses.
        let version = |cli: Option<(u32, u32)>, keys: [&Option<String>; 2]| {
            cli.or_else(|| {
                keys.into_iter()
                    .find_map(Option::as_deref)
                    .and_then(|v| transforms::parse_version(v).ok())
            })
        };
        // target-python: the flag, the table, then the project's requires-python.
        let target_python = version(
            args.target_python,
            [&cfg.target_python, &cfg.requires_python],
        )
        .unwrap_or(transforms::Targets::DEFAULT_PYTHON);
        // target-anyio: the flag, the table, then the lowest anyio the
        // project's requirement allows (raised to 4.0: the output is anyio 4).
        // Where a refused target comes from: the flag, or the table's file.
        let from = |flag: bool, key: &str| match (&loaded.path, flag) {
            (Some(path), false) => format!("{}: [tool.anyio-migrate] {key}", path.display()),
            _ => format!("--{key}"),
        };
        if let Some(v) = version(args.target_anyio, [&cfg.target_anyio, &None]) {
            let at = from(args.target_anyio.is_some(), "target-anyio");
            if v < (4, 0) {
                bail!(
                    "{at}: anyio {}.{} is not supported: the migrated code uses anyio 4 (task groups raise exception groups, `fail_after` raises `TimeoutError`); target 4.0 or later",
                    v.0, v.1
                );
            }
            if v.0 > 4 {
                bail!("{at}: anyio {}.{} is unknown to this version of anyio-migrate, which writes code for anyio 4", v.0, v.1);
            }
        }
        if let Some(v) = version(args.target_python, [&cfg.target_python, &None]) {
            if v.0 != 3 || v.1 < 8 {
                bail!(
                    "{}: Python {}.{} is not supported: anyio 4 runs on Python 3.8 or later",
                    from(args.target_python.is_some(), "target-python"),
                    v.0,
                    v.1
                );
            }
        }
        let target_anyio = version(args.target_anyio, [&cfg.target_anyio, &cfg.requires_anyio])
            .unwrap_or(transforms::Targets::DEFAULT_ANYIO)
            .max((4, 0));
        let transforms = registry.enabled(&selection);
        let prefilter = if args.no_prefilter {
            Prefilter::disabled()
        } else {
            Prefilter::new(&transforms)
        };
        let (silenced, silenced_words) = registry.silenced(&selection);
        let options = Options {
            unsafe_fixes: args.unsafe_fixes || cfg.unsafe_fixes.unwrap_or(false),
            targets: transforms::Targets {
                anyio: target_anyio,
                python: target_python,
                ..transforms::Targets::default()
            },
            silenced,
            silenced_words,
            ..Options::default()
        };
        Ok(Settings {
            transforms,
            prefilter,
            options,
            per_file: PerFileIgnores::new(loaded),
            exclude: exclude_matcher(loaded)?,
        })
    }

    /// The enabled transforms less the codes `per-file-ignores` leaves out for `path`.
    pub fn transforms_for(&self, path: &Path) -> Vec<&'r dyn Transform> {
        let ignored = self.per_file.for_path(path);
        if ignored.is_empty() {
            return self.transforms.clone();
        }
        let selection = Selection {
            select: Vec::new(),
            ignore: ignored,
        };
        self.transforms
            .iter()
            .copied()
            .filter(|t| selection.enables(t.info()))
            .collect()
    }

    /// The run's options for `path`: the codes `per-file-ignores` turns off
    /// there are silenced too.
    pub fn options_for(&self, path: &Path) -> Options {
        let mut options = self.options.clone();
        let ignored = self.per_file.for_path(path);
        if !ignored.is_empty() {
            let selection = Selection {
                select: Vec::new(),
                ignore: ignored,
            };
            let (codes, words) = transforms::silenced(self.transforms.iter().copied(), &selection);
            options.silenced.extend(codes);
            options.silenced_words.extend(words);
        }
        options
    }

    /// The code of the enabled transform that does `kind`, if it is enabled.
    pub fn code_for(&self, kind: Kind) -> Option<&'static str> {
        self.transforms
            .iter()
            .find(|t| t.kind() == kind)
            .map(|t| t.info().code)
    }

    /// Whether the configuration's `exclude` leaves out this walked file.
    pub fn excludes(&self, path: &Path) -> bool {
        let Some(matcher) = &self.exclude else {
            return false;
        };
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let rel: PathBuf = match abs.strip_prefix(matcher.path()) {
            Ok(r) => r.to_path_buf(),
            // A `--config` outside the tree: globs match the path as given.
            Err(_) => path.strip_prefix(".").unwrap_or(path).to_path_buf(),
        };
        !rel.has_root() && matcher.matched_path_or_any_parents(&rel, false).is_ignore()
    }
}

/// A gitignore-style matcher of `exclude`, rooted at the configuration's folder.
fn exclude_matcher(loaded: &Loaded) -> Result<Option<Gitignore>> {
    let globs = loaded.config.exclude.as_deref().unwrap_or_default();
    if globs.is_empty() {
        return Ok(None);
    }
    let root = loaded
        .path
        .as_ref()
        .and_then(|p| p.parent())
        .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf()))
        .unwrap_or_default();
    let mut builder = GitignoreBuilder::new(root);
    for glob in globs {
        builder.add_line(None, glob)?;
    }
    Ok(Some(builder.build()?))
}
