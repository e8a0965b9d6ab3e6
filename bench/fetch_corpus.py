#!/usr/bin/env python3
"""Download the pinned benchmark corpus once and unpack its Python files.

    python3 bench/fetch_corpus.py [--cache DIR] [--force]

The corpus is the `.py` files of a fixed list of sdists (see PINNED). Each
sdist is fetched from PyPI with pip into CACHE/sdists/, then its `.py` files
(and nothing else) are unpacked into CACHE/corpus/<pkg>/, with the archive's
top-level `<name>-<version>/` folder dropped. A stamp in CACHE/stamps/ records
which version a package folder holds, so a second run downloads and unpacks
nothing; a changed pin re-fetches only that package. At the end the script
prints the corpus size: files, lines and MB (10^6 bytes).

Only pip is used to reach the network, and only PyPI through it. pip cannot
download an sdist without preparing its metadata, so the strategies below are
tried in turn until one saves the archive:

1. `--no-binary :all: --no-deps --no-build-isolation` (the plain command;
   works only when the sdist's build backend is installed here),
2. `--no-deps --no-binary PKG` (pip builds the metadata in an isolated
   environment whose build backend comes from PyPI as a wheel),
3. `--no-deps --no-binary :all:` (the same, with build dependencies built
   from source too).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = ROOT / ".bench-cache"

# (distribution name on PyPI, pinned version). Do not change casually: the
# numbers in bench/README.md are for exactly this list.
PINNED: list[tuple[str, str]] = [
    ("aiohttp", "3.12.15"),
    ("anyio", "4.10.0"),
    ("trio", "0.30.0"),
    ("httpx", "0.28.1"),
    ("httpcore", "1.0.9"),
    ("starlette", "0.47.2"),
    ("uvicorn", "0.35.0"),
    ("websockets", "15.0.1"),
    ("aiokafka", "0.12.0"),
    ("redis", "6.4.0"),
    ("motor", "3.7.1"),
    ("tornado", "6.5.2"),
    ("django", "5.2.5"),
    ("sqlalchemy", "2.0.43"),
]

SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def normalize(name: str) -> str:
    """PEP 503 normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def find_sdist(directory: Path, name: str, version: str) -> Path | None:
    """The sdist archive of name==version in directory, if one is there."""
    if not directory.is_dir():
        return None
    want = normalize(name)
    for path in sorted(directory.iterdir()):
        fname = path.name
        suffix = next((s for s in SDIST_SUFFIXES if fname.lower().endswith(s)), None)
        if suffix is None or not path.is_file():
            continue
        stem = fname[: -len(suffix)]
        # <name>-<version>; the name may itself contain dashes.
        base, sep, ver = stem.rpartition("-")
        if sep and normalize(base) == want and ver == version:
            return path
    return None


def pip_download(name: str, version: str, dest: Path) -> Path:
    """Download the sdist of name==version into dest with pip; return its path."""
    spec = f"{name}=={version}"
    base = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        "--quiet",
        "-d",
        str(dest),
    ]
    strategies = [
        ["--no-binary", ":all:", "--no-deps", "--no-build-isolation"],
        ["--no-deps", "--no-binary", name],
        ["--no-deps", "--no-binary", ":all:"],
    ]
    failures = []
    for extra in strategies:
        cmd = base + extra + [spec]
        log(f"  $ pip download {' '.join(extra)} {spec}")
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        found = find_sdist(dest, name, version)
        if found is not None:
            return found
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        failures.append(f"{' '.join(extra)}: exit {proc.returncode}: {' | '.join(tail)}")
        log(f"    failed (exit {proc.returncode}); trying the next way")
    raise SystemExit(f"could not download the sdist of {spec}:\n  " + "\n  ".join(failures))


def safe_member(rel: str) -> str | None:
    """The member path with the top-level folder dropped, or None to skip it."""
    parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    if len(parts) < 2 or any(p == ".." for p in parts):
        return None
    if not parts[-1].endswith(".py"):
        return None
    return "/".join(parts[1:])


def unpack_py(archive: Path, out: Path) -> int:
    """Write the `.py` regular files of archive under out; return how many."""
    count = 0
    if archive.name.lower().endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                rel = safe_member(info.filename)
                if rel is None:
                    continue
                target = out / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(info))
                count += 1
        return count
    with tarfile.open(archive) as tf:
        for member in tf:
            if not member.isfile():  # skip symlinks, hard links, devices
                continue
            rel = safe_member(member.name)
            if rel is None:
                continue
            src = tf.extractfile(member)
            if src is None:
                continue
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            count += 1
    return count


def fetch(cache: Path, force: bool = False) -> Path:
    """Make sure every pinned package is unpacked; return the corpus folder."""
    sdists = cache / "sdists"
    corpus = cache / "corpus"
    stamps = cache / "stamps"
    for d in (sdists, corpus, stamps):
        d.mkdir(parents=True, exist_ok=True)
    pinned_names = set()
    for name, version in PINNED:
        key = normalize(name)
        pinned_names.add(key)
        stamp = stamps / key
        target = corpus / key
        want = f"{name}=={version}\n"
        if not force and stamp.is_file() and stamp.read_text() == want and target.is_dir():
            continue
        archive = find_sdist(sdists, name, version)
        if archive is None:
            log(f"downloading {name}=={version}")
            archive = pip_download(name, version, sdists)
        log(f"unpacking {archive.name}")
        # Unpack beside the corpus, then move into place, so an interrupted
        # run never leaves a half-filled package folder behind a valid stamp.
        tmp = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=cache))
        try:
            n = unpack_py(archive, tmp)
            if n == 0:
                raise SystemExit(f"{archive.name}: no .py files in the archive")
            stamp.unlink(missing_ok=True)
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)
        stamp.write_text(want)
    # A package dropped from PINNED must not linger in the corpus.
    for path in corpus.iterdir():
        if path.name not in pinned_names:
            log(f"removing {path.name} (no longer pinned)")
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            (stamps / path.name).unlink(missing_ok=True)
    return corpus


def measure(corpus: Path) -> dict:
    """Files, lines and bytes of the corpus, overall and per package."""
    per_pkg = {}
    for pkg in sorted(p for p in corpus.iterdir() if p.is_dir()):
        files = lines = size = 0
        for dirpath, _dirs, names in os.walk(pkg):
            for n in names:
                if not n.endswith(".py"):
                    continue
                data = Path(dirpath, n).read_bytes()
                files += 1
                size += len(data)
                lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        per_pkg[pkg.name] = {"files": files, "lines": lines, "bytes": size}
    total = {k: sum(v[k] for v in per_pkg.values()) for k in ("files", "lines", "bytes")}
    return {"total": total, "packages": per_pkg}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help=f"cache folder (default: {DEFAULT_CACHE})"
    )
    ap.add_argument(
        "--force",
        action="store_true",
        help="unpack every package again (downloads only what is missing)",
    )
    ap.add_argument("--per-package", action="store_true", help="print a line per package")
    args = ap.parse_args(argv)
    corpus = fetch(args.cache.resolve(), force=args.force)
    stats = measure(corpus)
    if args.per_package:
        for name, s in stats["packages"].items():
            print(
                f"  {name:<12} {s['files']:>6} files {s['lines']:>9,} lines "
                f"{s['bytes'] / 1e6:>6.1f} MB"
            )
    t = stats["total"]
    print(f"corpus: {corpus}")
    print(f"{t['files']:,} files, {t['lines']:,} lines, {t['bytes'] / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
