"""Shared pieces of the end-to-end scripts in this directory.

Failure, Result, tail and unified for building reports; Runner, the base of
the per-item runners (subprocess calls, one temporary work dir per item, the
failure details); runner_arguments, item_arguments, find_tool and select for the
command line of a runner; run_all and report_one for the `ok NAME` /
`FAIL NAME: reason` / `N passed, M failed` output.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path


class Failure(Exception):
    """One item failed; `details` is printed indented under the FAIL line."""

    def __init__(self, reason: str, details: str = "", show_migration: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details
        self.show_migration = show_migration  # append the migration diff (once)


@dataclass
class Result:
    """The outcome of one item's check."""

    name: str
    ok: bool
    reason: str = ""
    details: str = ""


def tail(text: str, lines: int = 40) -> str:
    """The last `lines` lines of `text`, marked `[...]` when cut."""
    parts = text.rstrip("\n").splitlines()
    if len(parts) > lines:
        parts = ["[...]"] + parts[-lines:]
    return "\n".join(parts)


def unified(a: str, b: str, a_name: str, b_name: str) -> str:
    """A unified diff of two texts ("" when equal)."""
    return "".join(
        difflib.unified_diff(
            a.splitlines(keepends=True), b.splitlines(keepends=True), a_name, b_name
        )
    )


class Runner:
    """Checks one item at a time in its own temporary directory.

    Subclasses set the class attributes and implement `_check`, which returns
    the problems found or raises Failure for one that stops the check.
    """

    timeout = 30  # seconds, per subprocess
    tail_lines = 40  # output lines kept in failure details
    tmp_prefix = "anyio-migrate-e2e-"
    unchanged = "(file unchanged)"  # shown in place of an empty migration diff

    def __init__(self, tool: str, python: str, keep: bool) -> None:
        self.tool = tool
        self.python = python
        self.keep = keep
        self.env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8")

    def item_name(self, item: Path) -> str:
        """The name printed after `ok` / `FAIL`."""
        return item.name

    def _check(self, item: Path, tmp: Path, ctx: dict[str, str]) -> list[Failure]:
        """Check `item` inside `tmp`; may set ctx["migration_diff"] and ctx["tool_stderr"]."""
        raise NotImplementedError

    def run(self, argv: list[str], cwd: Path, what: str) -> subprocess.CompletedProcess[str]:
        """Run `argv`; a timeout or a failure to start becomes a Failure about `what`."""
        try:
            return subprocess.run(
                argv,
                cwd=cwd,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
            raise Failure(
                f"{what} timed out after {self.timeout}s",
                f"command: {shlex.join(argv)}\n"
                f"stdout:\n{tail(out, self.tail_lines)}\nstderr:\n{tail(err, self.tail_lines)}",
            ) from None
        except OSError as exc:
            raise Failure(
                f"{what} could not start: {exc}", f"command: {shlex.join(argv)}"
            ) from None

    def check(self, item: Path) -> Result:
        """Run `_check` in a fresh temporary directory and turn its problems into a Result."""
        name = self.item_name(item)
        tmp = Path(tempfile.mkdtemp(prefix=f"{self.tmp_prefix}{name}-"))
        ctx: dict[str, str] = {}
        try:
            problems = self._check(item, tmp, ctx)
        except Failure as f:
            problems = [f]
        except Exception as exc:  # noqa: BLE001 (a harness bug must not hide the other items)
            problems = [Failure(f"harness error: {type(exc).__name__}: {exc}")]
        finally:
            if not self.keep:
                shutil.rmtree(tmp, ignore_errors=True)
        if not problems:
            return Result(name, True)
        details = []
        if len(problems) > 1:
            details.append("also: " + "; ".join(p.reason for p in problems[1:]))
        details += [p.details for p in problems if p.details]
        if any(p.show_migration for p in problems):
            details.append("migration diff:\n" + (ctx.get("migration_diff") or self.unchanged))
            if ctx.get("tool_stderr", "").strip():
                details.append(
                    "anyio-migrate --write stderr:\n" + tail(ctx["tool_stderr"], self.tail_lines)
                )
        if self.keep:
            details.append(f"work dir kept: {tmp}")
        return Result(name, False, problems[0].reason, "\n".join(details))


def runner_arguments(
    parser: argparse.ArgumentParser, items: str, folder: Path, python_help: str
) -> None:
    """Add --tool, --python (`python_help`: what the interpreter must have) and
    --ITEMS, the directory of the items (default `folder`)."""
    parser.add_argument("--tool", required=True, help="path to the anyio-migrate binary")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help=f"interpreter with {python_help} (default: this one)",
    )
    parser.add_argument(
        f"--{items}",
        type=Path,
        default=folder,
        help=f"directory of {items} (default: {folder})",
    )


def item_arguments(parser: argparse.ArgumentParser, items: str, named: str, jobs: int) -> None:
    """Add --jobs, --keep and the NAMES that select `items` by their `named` name."""
    parser.add_argument(
        "--jobs", type=int, default=jobs, help=f"{items} checked in parallel (default {jobs})"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directories")
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAMES",
        help=f"only {items} whose {named} name contains one of these",
    )


def select(items: list[Path], names: list[str], what: str) -> list[Path]:
    """The items whose name contains one of `names` (all when none is given);
    an error is printed when none is left."""
    if names:
        items = [p for p in items if any(n in p.name for n in names)]
    if not items:
        print(f"error: no {what} selected", file=sys.stderr)
    return items


def find_tool(arg: str) -> str | None:
    """The absolute path of the tool given as a path or a name on PATH; None (after an error) if unusable."""
    tool = shutil.which(arg) or arg
    if not (os.path.isfile(tool) and os.access(tool, os.X_OK)):
        print(f"error: tool not found or not executable: {arg}", file=sys.stderr)
        return None
    return os.path.abspath(tool)


def summary(passed: int, failed: int) -> int:
    """Print the closing count line; the exit status (1 if anything failed)."""
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def run_all(check: Callable[[Path], Result], items: Iterable[Path], jobs: int) -> int:
    """Check items in parallel, print one line (plus indented details) each in order, then the counts."""
    passed = failed = 0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for result in pool.map(check, items):
            if result.ok:
                passed += 1
                print(f"ok {result.name}", flush=True)
            else:
                failed += 1
                print(f"FAIL {result.name}: {result.reason}")
                if result.details:
                    print(
                        "\n".join(
                            "    " + line for line in result.details.rstrip("\n").splitlines()
                        )
                    )
                sys.stdout.flush()
    return summary(passed, failed)


def report_one(name: str, failures: list[str]) -> int:
    """Report a single check made of several steps: a FAIL line per failed step, then the counts."""
    for f in failures:
        print(f"FAIL {name}: {f}")
    return summary(0 if failures else 1, 1 if failures else 0)
