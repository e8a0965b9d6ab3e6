#!/usr/bin/env python3
"""Time anyio-migrate on the pinned corpus and on generated large files.

    python3 bench/run_bench.py --tool target/release/anyio-migrate \\
        [--baseline PATH] [--ruff PATH] [--runs 5] [--only report,diff,...] \\
        [--json OUT]

Each benchmark runs its command --runs times (after --warmup untimed runs) and
keeps the median wall time and the peak resident set size over the runs. The
benchmarks on the corpus itself (report, diff, baseline, ruff, astgrep) run
round-robin, one run of each per round, so that their ratios compare runs
made at the same moment of a shared machine. The
corpus is fetched first if it is not in the cache yet (bench/fetch_corpus.py).

Benchmarks (names for --only):

  report    TOOL --quiet CORPUS, and again with --select ALL --unsafe
  diff      TOOL --diff --quiet CORPUS > /dev/null, and with --select ALL --unsafe
  baseline  BASELINE CORPUS: parse every file with tree-sitter, nothing else
            (only with --baseline)
  ruff      ruff check --select ASYNC --no-cache --quiet CORPUS (when a ruff
            is found: --ruff, PATH, or .venv/bin/ruff)
  astgrep   ast-grep scan with five rewrite rules (bench/ast-grep/) over the
            corpus, output to /dev/null (only with --ast-grep)
  scaling   report mode on 1x, 2x and 4x copies of the corpus (hard links),
            round-robin among themselves; prints seconds per MB relative
            to 1x (1.0 = linear)
  bigfile   TOOL --diff --quiet on one generated file of 50,000 lines and one
            of 100,000 lines with the same density of rewrite sites; prints
            the time ratio (2.0 = linear)

Exit status 1 is normal for the tool (changes found / diff printed) and for
ruff (diagnostics found); any other status, or a run past --timeout, marks the
benchmark failed, and the script exits 1 at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fetch_corpus

ROOT = fetch_corpus.ROOT
ALL_BENCHES = ("report", "diff", "baseline", "ruff", "astgrep", "scaling", "bigfile")
AST_GREP_CONFIG = Path(__file__).resolve().parent / "ast-grep" / "sgconfig.yml"
TIME_BIN = Path("/usr/bin/time")
BIG_SIZES = (50_000, 100_000)
SCALES = (2, 4)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Running and measuring one command


@dataclass
class Run:
    wall: float
    rss_kb: int | None
    code: int | None  # None: killed after the timeout
    cpu: float | None = None  # user + system seconds of the child


@dataclass
class Result:
    name: str
    cmd: list[str]
    mb: float
    files: int
    runs: list[Run] = field(default_factory=list)
    error: str | None = None

    @property
    def walls(self) -> list[float]:
        return [r.wall for r in self.runs]

    @property
    def median(self) -> float | None:
        return statistics.median(self.walls) if self.runs and not self.error else None

    @property
    def median_cpu(self) -> float | None:
        cpu = [r.cpu for r in self.runs if r.cpu is not None]
        return statistics.median(cpu) if cpu and not self.error else None

    @property
    def peak_rss_mb(self) -> float | None:
        rss = [r.rss_kb for r in self.runs if r.rss_kb is not None]
        return max(rss) / 1024 if rss else None

    def as_dict(self) -> dict:
        med = self.median
        return {
            "cmd": self.cmd,
            "error": self.error,
            "median_s": med,
            "min_s": min(self.walls) if self.runs else None,
            "max_s": max(self.walls) if self.runs else None,
            "runs_s": self.walls,
            "median_cpu_s": self.median_cpu,
            "runs_cpu_s": [r.cpu for r in self.runs],
            "exit_codes": [r.code for r in self.runs],
            "peak_rss_mb": self.peak_rss_mb,
            "mb": self.mb,
            "files": self.files,
            "mb_per_s": self.mb / med if med else None,
            "files_per_s": self.files / med if med else None,
        }


class Runner:
    """Runs a command once, returning its wall time, max RSS and exit code.

    With /usr/bin/time present (and --rss time, the default when it is) the
    peak RSS comes from `/usr/bin/time -v`; otherwise from the rusage that
    os.wait4 returns for that child alone. Linux carries the high-water mark
    of the forking process across exec, so with os.wait4 a small child shows
    at least the RSS this Python process had when it spawned it (some tens of
    MB): prefer /usr/bin/time. Wall time is always measured here with a
    monotonic clock around the child.
    """

    def __init__(self, method: str, timeout: float):
        self.method = method
        self.timeout = timeout

    def run(self, cmd: list[str]) -> tuple[Run, str]:
        with tempfile.NamedTemporaryFile(prefix="bench-", suffix=".txt", delete=False) as tf:
            time_out = tf.name
        full = cmd
        if self.method == "time":
            full = [str(TIME_BIN), "-v", "-o", time_out, *cmd]
        with tempfile.TemporaryFile() as err_file:
            try:
                with open(os.devnull, "wb") as out:
                    start = time.perf_counter()
                    proc = subprocess.Popen(
                        full,
                        stdout=out,
                        stderr=err_file,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                    code, rusage = self._wait(proc)
                    wall = time.perf_counter() - start
                err_file.seek(0)
                stderr = err_file.read().decode("utf-8", "replace")
                rss_kb = rusage.ru_maxrss if rusage is not None else None
                # CPU time from wait4 is exact for the child (and what it reaped)
                # whichever way RSS is measured.
                cpu = rusage.ru_utime + rusage.ru_stime if rusage is not None else None
                if self.method == "time" and code is not None:
                    text = Path(time_out).read_text(errors="replace")
                    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
                    rss_kb = int(m.group(1)) if m else None
                    m = re.search(r"Exit status: (\d+)", text)
                    if m:
                        code = int(m.group(1))
                    elif "Command terminated by signal" in text:
                        sig = re.search(r"signal (\d+)", text)
                        code = -int(sig.group(1)) if sig else code
                return Run(wall, rss_kb, code, cpu), stderr
            finally:
                os.unlink(time_out)

    def _wait(self, proc: subprocess.Popen):
        """Wait for proc (killing its process group after the timeout)."""
        deadline = time.monotonic() + self.timeout
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                return proc.returncode, rusage
            if time.monotonic() > deadline:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                return None, None
            time.sleep(0.002)


def bench_interleaved(
    runner: Runner,
    specs: list[tuple[str, list[str], tuple[int, ...]]],
    *,
    mb: float,
    files: int,
    runs: int,
    warmup: int,
) -> list[Result]:
    """Runs several commands round-robin: each round runs every command once.

    On a shared machine the speed drifts from minute to minute; running the
    commands one after another puts each in its own moment, while a round
    puts them all in the same one, so their ratios are fair (the median of
    each over the rounds is taken as usual).
    """
    results = [Result(name, cmd, mb, files) for name, cmd, _ in specs]
    for name, cmd, _ in specs:
        log(f"[{name}] {' '.join(cmd)}")
    for i in range(warmup + runs):
        label = "warm-up" if i < warmup else f"run {i - warmup + 1}/{runs}"
        for res, (name, cmd, ok_codes) in zip(results, specs):
            if res.error:
                continue
            run, stderr = runner.run(cmd)
            if run.code is None:
                res.error = f"timed out after {runner.timeout:g} s"
            elif run.code not in ok_codes:
                tail = " | ".join(stderr.strip().splitlines()[-5:])
                res.error = f"exit {run.code}: {tail}"
            rss = f"{run.rss_kb / 1024:.1f} MB" if run.rss_kb is not None else "? MB"
            cpu = f"{run.cpu:.3f} s CPU" if run.cpu is not None else "? CPU"
            log(f"    {label} [{name}]: {run.wall:.3f} s, {cpu}, {rss}, exit {run.code}")
            if res.error:
                log(f"    FAILED: {res.error}")
            elif i >= warmup:
                res.runs.append(run)
    return results


def bench(
    runner: Runner,
    name: str,
    cmd: list[str],
    *,
    mb: float,
    files: int,
    runs: int,
    warmup: int,
    ok_codes: tuple[int, ...],
) -> Result:
    """Runs one command --runs times in a row."""
    return bench_interleaved(
        runner, [(name, cmd, ok_codes)], mb=mb, files=files, runs=runs, warmup=warmup
    )[0]


# --------------------------------------------------------------------------
# Inputs: scaled corpus copies and generated large files


def build_scaled(cache: Path, corpus: Path, factor: int) -> Path:
    """CACHE/corpus-x<factor>/copy<i>/<pkg>/... : hard links to the corpus."""
    target = cache / f"corpus-x{factor}"
    stamp = cache / "stamps" / f"corpus-x{factor}"
    fingerprint = "".join(
        f"{p.name}:{p.read_text()}"
        for p in sorted((cache / "stamps").iterdir())
        if not p.name.startswith("corpus-x")
    )
    if target.is_dir() and stamp.is_file() and stamp.read_text() == fingerprint:
        return target
    log(f"building {target.name} ({factor} hard-linked copies of the corpus)")
    stamp.unlink(missing_ok=True)
    if target.exists():
        shutil.rmtree(target)
    for i in range(1, factor + 1):
        shutil.copytree(corpus, target / f"copy{i}", copy_function=_link_or_copy)
    stamp.write_text(fingerprint)
    return target


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def generate_big_file(lines: int) -> str:
    """A module of exactly `lines` lines with 2 rewrite sites per block.

    Each block is a class nesting 0-3 inner classes, indented with one of
    several units (4, 2, 3 spaces, a tab), whose innermost class holds an
    async method with `await asyncio.sleep(1)` and
    `r = await asyncio.wait_for(g(), 5)`, and a sync filler method. Blocks are
    BLOCK_LINES long, so the 100,000-line file has twice the blocks (and
    sites) of the 50,000-line one.
    """
    header = [
        '"""Generated by bench/run_bench.py for the large-file benchmark."""',
        "import asyncio",
        "",
        "",
        "async def g():",
        "    return 1",
        "",
    ]
    units = ["    ", "  ", "\t", "   "]
    blocks: list[str] = []
    n = 0
    while True:
        block = _block(n, depth=n % 4, unit=units[(n // 4) % len(units)])
        if len(header) + len(blocks) + len(block) > lines:
            break
        blocks.extend(block)
        n += 1
    out = header + blocks
    while len(out) < lines:
        out.append(f"# padding line {len(out) + 1}")
    return "\n".join(out) + "\n"


BLOCK_LINES = 125


def _block(n: int, depth: int, unit: str) -> list[str]:
    out = ["", "", f"class Block{n}:"]
    for d in range(1, depth + 1):
        out.append(f"{unit * d}class Inner{n}_{d}:")
    ind = unit * (depth + 1)
    body = unit * (depth + 2)
    out += [
        f'{ind}"""Block {n}: nested {depth} deep."""',
        "",
        f"{ind}async def f{n}(self):",
        f"{body}await asyncio.sleep(1)",
        f"{body}r = await asyncio.wait_for(g(), 5)",
        f"{body}return r",
        "",
        f"{ind}def filler{n}(self, x):",
        f'{body}"""Plain code that the tool parses but does not change."""',
        f"{body}total = 0",
    ]
    i = 0
    while len(out) < BLOCK_LINES - 1:
        kind = i % 5
        if kind == 1 and len(out) + 2 > BLOCK_LINES - 1:
            kind = 0  # no room for the two-line `if`
        if kind == 0:
            out.append(f"{body}total += x * {i} + len(str({i}))  # step {i}")
        elif kind == 1:
            out.append(f"{body}if total > {i * 1000}:")
            out.append(f"{body}{unit}total -= {i}")
        elif kind == 2:
            out.append(f"{body}values_{i} = [v for v in range({i % 7 + 1}) if v % 2]")
        elif kind == 3:
            out.append(f'{body}label_{i} = f"item-{{total}}-{i}"')
        else:
            out.append(f"{body}total = max(total, sum(values_{i - 2}))")
        i += 1
    out.append(f"{body}return total")
    return out


def write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


# --------------------------------------------------------------------------
# Tools


def find_ruff(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    on_path = shutil.which("ruff")
    if on_path:
        return on_path
    venv = ROOT / ".venv" / "bin" / "ruff"
    return str(venv) if venv.is_file() else None


def version_of(cmd: list[str]) -> str | None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0] if proc.returncode == 0 and text else None


# --------------------------------------------------------------------------
# Output


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def ratio(a: Result | None, b: Result | None) -> float | None:
    if a is None or b is None or a.median is None or b.median is None or b.median == 0:
        return None
    return a.median / b.median


def paired_ratio(a: Result | None, b: Result | None) -> float | None:
    """The median over the rounds of a's time / b's time in the same round
    (the two ran round-robin): steadier than the ratio of the medians when
    the machine's speed drifts between rounds."""
    if a is None or b is None or a.error or b.error or len(a.runs) != len(b.runs) or not a.runs:
        return None
    return statistics.median(x.wall / y.wall for x, y in zip(a.runs, b.runs) if y.wall > 0)


def per_mb(r: Result | None) -> float | None:
    return r.median / r.mb if r is not None and r.median is not None and r.mb else None


def cpu_per_mb(r: Result | None) -> float | None:
    if r is None or r.median_cpu is None or not r.mb:
        return None
    return r.median_cpu / r.mb


def print_table(results: list[Result], ratios: list[tuple[str, float | None, str]]) -> None:
    head = (
        f"{'what':<44} {'median s':>9} {'CPU s':>8} {'MB/s':>8} {'files/s':>9} {'peak RSS MB':>12}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        if r.error:
            print(f"{r.name:<44} FAILED: {r.error[:120]}")
            continue
        med = r.median
        fps = r.files / med if med else None
        print(
            f"{r.name:<44} {fmt(med, '9.3f')} {fmt(r.median_cpu, '8.2f')} "
            f"{fmt(r.mb / med if med else None, '8.2f')} "
            f"{fmt(fps, '9.0f' if fps is None or fps >= 100 else '9.2f')} "
            f"{fmt(r.peak_rss_mb, '12.1f')}"
        )
    if ratios:
        print()
        print("ratios")
        print("------")
        for label, value, note in ratios:
            print(f"{label:<58} {fmt(value, '8.2f')}  {note}")


# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Benchmark anyio-migrate on the pinned corpus.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 2)[2],
    )
    ap.add_argument("--tool", required=True, help="the anyio-migrate binary")
    ap.add_argument("--baseline", help="parse-only baseline binary (skipped without it)")
    ap.add_argument("--ruff", help="ruff binary (default: ruff on PATH, then .venv/bin/ruff)")
    ap.add_argument(
        "--ast-grep", help="ast-grep binary (the astgrep benchmark is skipped without it)"
    )
    ap.add_argument("--runs", type=int, default=5, help="timed runs per benchmark (default 5)")
    ap.add_argument(
        "--warmup", type=int, default=0, help="untimed runs before the timed ones (default 0)"
    )
    ap.add_argument(
        "--timeout",
        type=float,
        default=1800,
        help="seconds before one run is killed and its benchmark failed (default 1800)",
    )
    ap.add_argument(
        "--only",
        default=",".join(ALL_BENCHES),
        help=f"comma-separated subset of: {', '.join(ALL_BENCHES)}",
    )
    ap.add_argument(
        "--cache",
        type=Path,
        default=fetch_corpus.DEFAULT_CACHE,
        help="cache folder (default: .bench-cache in the repository)",
    )
    ap.add_argument(
        "--rss",
        choices=("auto", "time", "wait4"),
        default="auto",
        help="how to get peak RSS: /usr/bin/time -v or os.wait4 (default: time if present)",
    )
    ap.add_argument("--json", type=Path, help="also write every number to this JSON file")
    args = ap.parse_args(argv)

    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(ALL_BENCHES)
    if unknown:
        ap.error(f"unknown benchmark(s) for --only: {', '.join(sorted(unknown))}")
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    tool = os.path.abspath(args.tool) if os.sep in args.tool else args.tool
    if shutil.which(tool) is None:
        ap.error(f"--tool {args.tool}: not an executable")
    method = args.rss
    if method == "auto":
        method = "time" if os.access(TIME_BIN, os.X_OK) else "wait4"

    cache = args.cache.resolve()
    corpus = fetch_corpus.fetch(cache)
    stats = fetch_corpus.measure(corpus)["total"]
    mb, files = stats["bytes"] / 1e6, stats["files"]
    log(f"corpus: {files:,} files, {stats['lines']:,} lines, {mb:.1f} MB in {corpus}")
    # Read the corpus once so that the first timed run does not pay for the disk.
    for dirpath, _d, names in os.walk(corpus):
        for n in names:
            Path(dirpath, n).read_bytes()

    runner = Runner(method, args.timeout)
    common = {"runs": args.runs, "warmup": args.warmup}
    results: list[Result] = []
    by_name: dict[str, Result] = {}

    def add(res: Result) -> Result:
        results.append(res)
        by_name[res.name] = res
        return res

    all_unsafe = ["--select", "ALL", "--unsafe"]
    C = str(corpus)
    # The corpus benchmarks run round-robin (see bench_interleaved), so that
    # the ratios to ruff and to the baseline compare runs of the same moment.
    specs: list[tuple[str, list[str], tuple[int, ...]]] = []
    if "report" in only:
        specs.append(("report", [tool, "--quiet", C], (0, 1)))
        specs.append(("report --select ALL --unsafe", [tool, "--quiet", *all_unsafe, C], (0, 1)))
    if "diff" in only:
        specs.append(("diff", [tool, "--diff", "--quiet", C], (0, 1)))
        specs.append(
            ("diff --select ALL --unsafe", [tool, "--diff", "--quiet", *all_unsafe, C], (0, 1))
        )
    if "baseline" in only and args.baseline:
        base = os.path.abspath(args.baseline) if os.sep in args.baseline else args.baseline
        specs.append(("baseline (tree-sitter parse only)", [base, C], (0,)))
    elif "baseline" in only:
        log("[baseline] skipped: no --baseline given")
    ruff = find_ruff(args.ruff) if "ruff" in only else None
    ruff_version = version_of([ruff, "--version"]) if ruff else None
    if ruff:
        specs.append(
            (
                "ruff check --select ASYNC",
                [ruff, "check", "--select", "ASYNC", "--no-cache", "--quiet", C],
                (0, 1),
            )
        )
    elif "ruff" in only:
        log("[ruff] skipped: no ruff on PATH or in .venv/bin (pass --ruff PATH)")
    sg_version = None
    if "astgrep" in only and args.ast_grep and shutil.which(args.ast_grep):
        sg = os.path.abspath(args.ast_grep) if os.sep in args.ast_grep else args.ast_grep
        sg_version = version_of([sg, "--version"])
        specs.append(
            (
                "ast-grep scan, 5 rewrite rules",
                [sg, "scan", "--config", str(AST_GREP_CONFIG), C],
                (0, 1),
            )
        )
    elif "astgrep" in only:
        log("[astgrep] skipped: no --ast-grep given, or not an executable")
    for res in bench_interleaved(runner, specs, mb=mb, files=files, **common):
        add(res)

    scaled: dict[int, Result] = {}
    if "scaling" in only:
        # The 1x, 2x and 4x runs round-robin among themselves: the 1x report
        # above ran among heavier commands, which would bias the ratios.
        sizes = [(1, corpus)] + [(f, build_scaled(cache, corpus, f)) for f in SCALES]
        rows = bench_interleaved(
            runner,
            [(f"report, corpus x{f}", [tool, "--quiet", str(t)], (0, 1)) for f, t in sizes],
            mb=mb,
            files=files,
            **common,
        )
        for (factor, _), res in zip(sizes, rows):
            res.mb, res.files = mb * factor, files * factor
            scaled[factor] = add(res)

    big: dict[int, Result] = {}
    if "bigfile" in only:
        for n in BIG_SIZES:
            path = cache / "bigfile" / f"big-{n // 1000}k.py"
            text = generate_big_file(n)
            write_if_changed(path, text)
            big[n] = add(
                bench(
                    runner,
                    f"diff, one file of {n:,} lines",
                    [tool, "--diff", "--quiet", str(path)],
                    mb=len(text.encode()) / 1e6,
                    files=1,
                    ok_codes=(0, 1),
                    **common,
                )
            )

    ratios: list[tuple[str, float | None, str]] = []
    base_res = by_name.get("baseline (tree-sitter parse only)")
    ruff_res = by_name.get("ruff check --select ASYNC")
    sg_res = by_name.get("ast-grep scan, 5 rewrite rules")
    for name in ("report", "report --select ALL --unsafe", "diff", "diff --select ALL --unsafe"):
        if name in by_name:
            if base_res:
                ratios.append(
                    (
                        f"anyio-migrate {name} / baseline",
                        ratio(by_name[name], base_res),
                        "x parse-only time",
                    )
                )
            if ruff_res:
                ratios.append(
                    (
                        f"anyio-migrate {name} / ruff",
                        ratio(by_name[name], ruff_res),
                        "x ruff ASYNC time",
                    )
                )
                ratios.append(
                    (
                        f"  {name} / ruff, median of the rounds' ratios",
                        paired_ratio(by_name[name], ruff_res),
                        "same round, paired",
                    )
                )
            if sg_res and name in ("report", "diff"):
                ratios.append(
                    (
                        f"ast-grep scan / anyio-migrate {name}",
                        ratio(sg_res, by_name[name]),
                        "x faster than ast-grep",
                    )
                )
    for factor in SCALES:
        if factor in scaled:
            a, b = per_mb(scaled[factor]), per_mb(scaled[1])
            ratios.append(
                (
                    f"scaling: s/MB at x{factor} / s/MB at x1",
                    a / b if a is not None and b else None,
                    "1.00 = linear",
                )
            )
            ca, cb = cpu_per_mb(scaled[factor]), cpu_per_mb(scaled[1])
            ratios.append(
                (
                    f"scaling: CPU s/MB at x{factor} / CPU s/MB at x1",
                    ca / cb if ca is not None and cb else None,
                    "1.00 = linear; steadier on a busy machine",
                )
            )
    if len(big) == 2:
        small, large = (big[n] for n in BIG_SIZES)
        ratios.append(
            (
                f"large file: {BIG_SIZES[1]:,} lines / {BIG_SIZES[0]:,} lines",
                ratio(large, small),
                "2.00 = linear",
            )
        )

    tool_version = version_of([tool, "--version"])
    print()
    print(f"anyio-migrate benchmark: {tool}" + (f" ({tool_version})" if tool_version else ""))
    print(
        f"corpus: {files:,} files, {stats['lines']:,} lines, {mb:.1f} MB; "
        f"median of {args.runs} run(s); peak RSS via "
        f"{'/usr/bin/time -v' if method == 'time' else 'os.wait4 (an upper bound: it counts the harness RSS at spawn)'}; "
        f"{os.cpu_count()} CPU(s)"
    )
    if ruff_version:
        print(f"ruff: {ruff} ({ruff_version})")
    if sg_version:
        print(f"ast-grep: {sg_version}")
    print()
    print_table(results, ratios)

    if args.json:
        data = {
            "tool": tool,
            "tool_version": tool_version,
            "baseline": args.baseline,
            "ruff": ruff,
            "ruff_version": ruff_version,
            "ast_grep_version": sg_version,
            "runs": args.runs,
            "warmup": args.warmup,
            "rss_method": method,
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "corpus": {"path": C, **stats, "mb": mb},
            "results": {r.name: r.as_dict() for r in results},
            "ratios": {label: value for label, value, _ in ratios},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2) + "\n")
        log(f"wrote {args.json}")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
