//! What the command-line tests share: running the binary on a temporary tree.
#![allow(dead_code)] // each test crate uses its own part of these

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test, without backtraces or colors.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_anyio-migrate"));
    c.env_remove("RUST_BACKTRACE").env("NO_COLOR", "1");
    c
}

/// Runs the binary with `args` in `dir`.
pub fn run(args: &[&str], dir: &Path) -> Output {
    bin().args(args).current_dir(dir).output().unwrap()
}

/// Output bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A small asyncio program, and what the migration makes of it.
pub const GOOD: &str =
    "import asyncio\n\nasync def main():\n    await asyncio.sleep(1)\n\nasyncio.run(main())\n";
pub const MIGRATED: &str =
    "import anyio\n\nasync def main():\n    await anyio.sleep(1)\n\nanyio.run(main)\n";

/// A temporary directory holding `files` (relative paths, contents).
pub fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

/// The repository's root (for testdata/).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
