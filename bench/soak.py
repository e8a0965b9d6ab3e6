"""Soak test: migrate a copy of the benchmark corpus with --write --unsafe and
check every output against the input.

For every file the tool changed: CPython's ast.parse accepts the output
whenever it accepted the input; every comment of the input is still there;
every line the migration changed lies in the lines a reported fix edits (the
`start`-`end` and `fix_lines` of the JSON output) or is an import line; and a
second run changes nothing. Prints the counts (files, fixes and manual items
by code) and every failure with its path; exits 1 on any failure.

Usage: python bench/soak.py --tool target/release/anyio-migrate [--corpus DIR]
"""

from __future__ import annotations

import argparse
import ast
import io
import json
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
        return sorted(
            t.string
            for t in tokenize.tokenize(io.BytesIO(source).readline)
            if t.type == tokenize.COMMENT
        )
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        return []


def import_lines(source: bytes) -> set[int]:
    """Lines of the module-level import statements (imports are added and
    removed at the top of the file, outside the fixes' lines)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    lines: set[int] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def untouched_text_kept(old: bytes, new: bytes, allowed: set[int]) -> list[int]:
    """Each run of original lines no fix may touch (not in `allowed`, not an
    import, not blank) must appear whole in the output, in order; returns the
    first line of each run that does not."""
    a = old.decode("utf-8", "replace").splitlines()
    b = new.decode("utf-8", "replace").splitlines()
    free = allowed | import_lines(old) | {n for n, line in enumerate(a, 1) if not line.strip()}
    runs: list[tuple[int, list[str]]] = []
    for n, line in enumerate(a, 1):
        if n in free:
            continue
        if runs and runs[-1][0] + len(runs[-1][1]) == n:
            runs[-1][1].append(line)
        else:
            runs.append((n, [line]))
    missing: list[int] = []
    pos = 0
    for start, run in runs:
        j = pos
        while j + len(run) <= len(b) and b[j : j + len(run)] != run:
            j += 1
        if j + len(run) > len(b):
            missing.append(start)
        else:
            pos = j + len(run)
    return missing


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
        first = subprocess.run(
            [args.tool, "--write", "--unsafe", "--output-format", "json", str(work)],
            capture_output=True,
            text=True,
            check=False,
        )
        if (
            first.returncode not in (0, 1)
            or "panic" in first.stderr
            or "internal error" in first.stderr
        ):
            failures.append(f"first run exited {first.returncode}:\n{first.stderr[-3000:]}")
        summary = first.stderr.strip().splitlines()[-1] if first.stderr.strip() else ""
        report = json.loads(first.stdout)
        # The lines each file's applied fixes may touch.
        allowed: dict[Path, set[int]] = {}
        manual: Counter[str] = Counter()
        for d in report["diagnostics"]:
            if d["status"] == "manual":
                manual[d["code"]] += 1
            if d["status"] != "fixed":
                continue
            lines = allowed.setdefault(Path(d["path"]).resolve(), set())
            lines.update(range(d["start"]["line"], d["end"]["line"] + 1))
            for a, b in d["fix_lines"]:
                lines.update(range(a, b + 1))
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
                outside = untouched_text_kept(old, new, allowed.get(after.resolve(), set()))
                if outside:
                    failures.append(f"{after}: lines changed outside any fix: {outside[:5]}")
        second = subprocess.run(
            [args.tool, "--diff", "--unsafe", "--quiet", str(work)],
            capture_output=True,
            text=True,
            check=False,
        )
        if second.stdout.strip():
            failures.append("a second run would change more:\n" + second.stdout[:3000])
    print(summary)
    print("manual items by code: " + ", ".join(f"{c} ×{n}" for c, n in sorted(manual.items())))
    print(f"soak: {changed} files changed; {len(failures)} failures")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{1 if not failures else 0} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
