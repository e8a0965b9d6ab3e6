"""Soak test: migrate a copy of the benchmark corpus with --write --unsafe and
check every output against the input.

For every file the tool changed: CPython's ast.parse accepts the output
whenever it accepted the input; every comment of the input is still there;
and a second run changes nothing. Prints the counts and every failure with
its path; exits 1 on any failure.

Usage: python bench/soak.py --tool target/release/anyio-migrate [--corpus DIR]
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import shutil
import subprocess
import sys
import tempfile
import tokenize
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def comments(source: bytes) -> list[str]:
    try:
        return sorted(t.string for t in tokenize.tokenize(io.BytesIO(source).readline) if t.type == tokenize.COMMENT)
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        return []


def parses(source: bytes) -> bool:
    try:
        ast.parse(source)
        return True
    except (SyntaxError, ValueError):
        return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--corpus", default=str(ROOT / ".bench-cache" / "corpus"))
    args = parser.parse_args()
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        subprocess.run([sys.executable, str(ROOT / "bench" / "fetch_corpus.py")], check=True)
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="anyio-migrate-soak-") as tmp:
        work = Path(tmp) / "corpus"
        shutil.copytree(corpus, work)
        first = subprocess.run([args.tool, "--write", "--unsafe", str(work)], capture_output=True, text=True)
        if first.returncode not in (0, 1) or "panic" in first.stderr or "internal error" in first.stderr:
            failures.append(f"first run exited {first.returncode}:\n{first.stderr[-3000:]}")
        summary = first.stderr.strip().splitlines()[-1] if first.stderr.strip() else ""
        changed = 0
        for dirpath, _, files in os.walk(corpus):
            for name in files:
                if not name.endswith(".py"):
                    continue
                before = Path(dirpath) / name
                after = work / before.relative_to(corpus)
                old, new = before.read_bytes(), after.read_bytes()
                if old == new:
                    continue
                changed += 1
                if parses(old) and not parses(new):
                    failures.append(f"{after}: the output does not parse")
                lost = [c for c in Counter(comments(old)) - Counter(comments(new))]
                if lost:
                    failures.append(f"{after}: comments lost: {lost[:3]}")
        second = subprocess.run([args.tool, "--diff", "--unsafe", "--quiet", str(work)], capture_output=True, text=True)
        if second.stdout.strip():
            failures.append("a second run would change more:\n" + second.stdout[:3000])
    print(summary)
    print(f"soak: {changed} files changed; {len(failures)} failures")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{1 if not failures else 0} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
