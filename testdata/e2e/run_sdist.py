"""Checks the source distribution a user installs with `pip install
anyio-migrate-X.tar.gz` (or a pip without a matching wheel): it holds every
file the build reads (the `transforms/*.toml` the transforms crate embeds),
and its Cargo workspace compiles offline from the unpacked archive alone.

Usage: python testdata/e2e/run_sdist.py SDIST REPO TARGET_DIR
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path


def main() -> int:
    sdist, repo, target = (Path(a).resolve() for a in sys.argv[1:4])
    failures = []
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
    root = names[0].split("/")[0]
    wanted = sorted(p.name for p in (repo / "transforms").glob("*.toml"))
    shipped = sorted(
        Path(n).name for n in names if n.startswith(f"{root}/transforms/") and n.endswith(".toml")
    )
    if shipped != wanted:
        failures.append(f"transforms/*.toml in the sdist: {shipped}, in the repo: {wanted}")
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(sdist) as tar:
            tar.extractall(tmp, filter="data")
        # The archive's timestamps are older than the cached build in
        # TARGET_DIR: without a touch, cargo would take the cache for fresh.
        for path in Path(tmp).rglob("*"):
            os.utime(path)
        env = dict(os.environ, CARGO_TARGET_DIR=str(target))
        done = subprocess.run(
            ["cargo", "check", "--offline", "-q", "-p", "anyio-migrate"],
            cwd=Path(tmp) / root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            failures.append(f"cargo check in the unpacked sdist failed:\n{done.stderr[-3000:]}")
    for f in failures:
        print(f"FAIL sdist: {f}")
    if not failures:
        print(f"ok sdist: {len(shipped)} transform files, builds from the archive alone")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
