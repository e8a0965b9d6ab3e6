"""End-to-end check of anyio-migrate on sample pytest-asyncio projects.

    python testdata/e2e/run_pytest_projects.py --tool PATH/TO/anyio-migrate [--python PY] [NAMES...]

For every project directory in testdata/pytest-projects/ (or only those whose
name contains one of NAMES):

1. copy it into a temporary directory and run its test suite with PY (default:
   the interpreter running this script) and pytest-asyncio; it must pass;
2. run `TOOL --write .` inside the copy (exit status 0 or 1 accepted, 2 fails);
3. no file may still contain `pytest_asyncio`, `asyncio_mode`, `mark.asyncio`
   or the `pytest-asyncio` requirement, and the project's pytest config file
   (pytest.ini, pyproject.toml, tox.ini or setup.cfg, in pytest's order) must
   contain `anyio_mode`;
4. run the migrated suite with pytest-asyncio disabled (`-p no:asyncio`): it
   must pass with the same outcome counts as the original run (a suite that
   doubled has started running on trio too; one that shrank lost tests), and
   every test that passed before must pass under the same id (a
   parametrisation over custom event loops keeps its ids);
5. idempotency: `TOOL --diff .` on the migrated copy must print no diff (no
   line starting with `--- a/`) and must leave every file as it was.

pytest runs as `PY -m pytest -q -rfE -p no:cacheprovider` with the copy as working
directory, PYTHONDONTWRITEBYTECODE=1 and PYTEST_ADDOPTS/PYTEST_PLUGINS unset.

Prints `ok NAME` or `FAIL NAME: reason` (details indented below) per project,
then `N passed, M failed`; exits 1 if any project failed, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import configparser
import re
import shlex
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import harness
from harness import Failure, Runner, find_tool, run_all, tail, unified

HERE = Path(__file__).resolve().parent
DEFAULT_PROJECTS = HERE.parent / "pytest-projects"
TAIL = 60  # output lines kept in failure details; pytest says more than one program
PYTEST = ["-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider"]
FORBIDDEN = ["pytest_asyncio", "asyncio_mode", "mark.asyncio"]
FORBIDDEN_DEPS = ["pytest-asyncio"]
TEXT_SUFFIXES = {
    ".py",
    ".toml",
    ".ini",
    ".cfg",
    ".txt",
    ".md",
    ".rst",
    ".in",
    ".yaml",
    ".yml",
    ".json",
}
IGNORED = shutil.ignore_patterns(
    "__pycache__", ".pytest_cache", "*.pyc", "*.egg-info", ".venv", ".tox"
)
SUMMARY_RE = re.compile(
    r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?)\b"
)
DIFF_HEADER_RE = re.compile(r"^--- a/", re.MULTILINE)


def text_files(root: Path) -> dict[str, str]:
    """Relative posix path -> content, for every text file of the tree."""
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if (
            any(part in ("__pycache__", ".pytest_cache") for part in rel.parts)
            or not path.is_file()
        ):
            continue
        if path.suffix not in TEXT_SUFFIXES and not path.name.startswith("requirements"):
            continue
        try:
            files[rel.as_posix()] = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
    return files


def tree_diff(before: dict[str, str], after: dict[str, str]) -> str:
    out = []
    for rel in sorted(set(before) | set(after)):
        a, b = before.get(rel, ""), after.get(rel, "")
        if a != b:
            out.append(unified(a, b, f"original/{rel}", f"migrated/{rel}"))
    return "".join(out)


def pytest_config_file(root: Path) -> Path | None:
    """The file pytest reads its configuration from, in pytest's precedence order."""
    for name in ("pytest.ini", ".pytest.ini"):
        if (root / name).is_file():
            return root / name
    pyproject = root / "pyproject.toml"
    table = r"^\[tool\.pytest(\.ini_options)?\]"
    if pyproject.is_file() and re.search(
        table, pyproject.read_text(encoding="utf-8"), re.MULTILINE
    ):
        return pyproject
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        path = root / name
        if path.is_file():
            parser = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                parser.read_string(path.read_text(encoding="utf-8"))
            except configparser.Error:
                continue
            if parser.has_section(section):
                return path
    return None


def summary_counts(stdout: str) -> dict[str, int]:
    """Outcome counts from the last line of `pytest -q` (warnings ignored)."""
    lines = [line for line in stdout.strip().splitlines() if line.strip()]
    counts: dict[str, int] = {}
    if not lines:
        return counts
    for number, word in SUMMARY_RE.findall(lines[-1]):
        if word.startswith("warning"):
            continue
        counts["error" if word.startswith("error") else word] = int(number)
    return counts


def passed_ids(junit: Path) -> set[str]:
    """The ids of the tests a JUnit XML report has as passed."""
    if not junit.is_file():
        return set()
    return {
        f"{case.get('classname', '')}::{case.get('name', '')}"
        for case in ET.parse(junit).iter("testcase")
        if not any(child.tag in ("failure", "error", "skipped") for child in case)
    }


def fmt_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {w}" for w, n in sorted(counts.items())) or "nothing"


def quoting_hint(config: Path) -> str:
    """Ini-style files keep quotes in values: `anyio_mode = "auto"` is not auto mode."""
    if config.suffix == ".toml" or not config.is_file():
        return ""
    for line in config.read_text(encoding="utf-8").splitlines():
        if re.match(r"""^\s*anyio_mode\s*=\s*["']""", line):
            return (
                f"hint: {config.name} has `{line.strip()}`; ini-style files keep the quotes, "
                "so anyio sees the value with quotes and stays in strict mode"
            )
    return ""


class ProjectRunner(Runner):
    """Checks one project (steps 1-5 above)."""

    timeout = 60  # a test suite takes longer than one program
    tail_lines = TAIL
    tmp_prefix = "anyio-migrate-pytest-"
    unchanged = "(nothing changed)"

    def __init__(
        self, tool: str, python: str, tool_args: list[str], keep: bool, check_deps: bool
    ) -> None:
        super().__init__(tool, python, keep)
        self.tool_args = tool_args
        self.forbidden = FORBIDDEN + (FORBIDDEN_DEPS if check_deps else [])
        for var in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
            self.env.pop(var, None)

    def tool_cmd(self, mode: str) -> list[str]:
        return [self.tool, mode, *self.tool_args, "."]

    def _check(self, project: Path, tmp: Path, ctx: dict[str, str]) -> list[Failure]:
        work = tmp / project.name
        shutil.copytree(project, work, ignore=IGNORED)
        config = pytest_config_file(work)
        if config is None:
            raise Failure("no pytest configuration file found in the project")

        # 1. the original suite, under pytest-asyncio
        before_xml, after_xml = tmp / "before.xml", tmp / "after.xml"
        before_run = self.run(
            [self.python, *PYTEST, f"--junitxml={before_xml}"], work, "original test suite"
        )
        if before_run.returncode != 0:
            raise Failure(
                f"original test suite failed (pytest exited {before_run.returncode})",
                f"stdout:\n{tail(before_run.stdout, TAIL)}\nstderr:\n{tail(before_run.stderr, TAIL)}",
            )
        before_counts = summary_counts(before_run.stdout)
        original = text_files(work)

        # 2. migrate
        cmd = self.tool_cmd("--write")
        mig = self.run(cmd, work, "anyio-migrate --write")
        migrated = text_files(work)
        ctx["migration_diff"] = tree_diff(original, migrated)
        ctx["tool_stderr"] = mig.stderr
        if mig.returncode not in (0, 1):
            raise Failure(
                f"anyio-migrate --write exited {mig.returncode}",
                f"command: {shlex.join(cmd)}\nstderr:\n{tail(mig.stderr, TAIL)}\nstdout:\n{tail(mig.stdout, TAIL)}",
                show_migration=True,
            )

        problems: list[Failure] = []

        # 3. what must be gone, what must be there
        hits = []
        for rel, content in migrated.items():
            for lineno, line in enumerate(content.splitlines(), 1):
                for needle in self.forbidden:
                    if needle in line:
                        hits.append(f"{rel}:{lineno}: {needle!r} left: {line.strip()}")
        config_rel = config.relative_to(work).as_posix()
        if "anyio_mode" not in migrated.get(config_rel, ""):
            hits.append(f"{config_rel}: no `anyio_mode` in the pytest config file")
        if hits:
            problems.append(Failure("text check failed", "\n".join(hits), show_migration=True))

        # 4. the migrated suite, under anyio's plugin only
        after_run = self.run(
            [self.python, *PYTEST, "-p", "no:asyncio", f"--junitxml={after_xml}"],
            work,
            "migrated test suite",
        )
        after_counts = summary_counts(after_run.stdout)
        if after_run.returncode != 0:
            hint = quoting_hint(config)
            problems.append(
                Failure(
                    f"migrated test suite failed with -p no:asyncio (pytest exited {after_run.returncode})",
                    (hint + "\n" if hint else "")
                    + f"stdout:\n{tail(after_run.stdout, TAIL)}\nstderr:\n{tail(after_run.stderr, TAIL)}",
                    show_migration=True,
                )
            )
        elif after_counts != before_counts:
            problems.append(
                Failure(
                    f"migrated suite ran {fmt_counts(after_counts)}, the original {fmt_counts(before_counts)}",
                    "more tests than before usually means they also run on trio (no anyio_backend "
                    "fixture pinning asyncio in the root conftest.py)\n"
                    f"stdout:\n{tail(after_run.stdout, 20)}",
                    show_migration=True,
                )
            )
        else:
            missing = sorted(passed_ids(before_xml) - passed_ids(after_xml))
            if missing:
                problems.append(
                    Failure(
                        f"{len(missing)} tests that passed before no longer pass under the same id",
                        "\n".join(missing[:20]),
                        show_migration=True,
                    )
                )

        # 5. a second run changes nothing
        cmd = self.tool_cmd("--diff")
        second = self.run(cmd, work, "anyio-migrate --diff (second run)")
        if second.returncode not in (0, 1) or DIFF_HEADER_RE.search(second.stdout):
            problems.append(
                Failure(
                    f"second run is not a no-op (--diff exited {second.returncode})",
                    f"command: {shlex.join(cmd)}\n"
                    f"stdout:\n{tail(second.stdout, TAIL)}\nstderr:\n{tail(second.stderr, TAIL)}",
                )
            )
        changed = tree_diff(migrated, text_files(work))
        if changed:
            problems.append(Failure("--diff modified files", changed))
        return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.runner_arguments(
        parser, "projects", DEFAULT_PROJECTS, "pytest, pytest-asyncio, anyio and trio"
    )
    parser.add_argument(
        "--tool-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for both tool runs, e.g. --tool-arg=--unsafe (repeatable)",
    )
    parser.add_argument(
        "--no-deps-check",
        dest="check_deps",
        action="store_false",
        help="do not require the `pytest-asyncio` requirement to be gone",
    )
    harness.item_arguments(parser, "projects", "directory", jobs=3)
    args = parser.parse_args()

    tool = find_tool(args.tool)
    if tool is None:
        return 2
    if not args.projects.is_dir():
        print(f"error: not a directory: {args.projects}", file=sys.stderr)
        return 2
    projects = sorted(
        p for p in args.projects.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )
    projects = harness.select(projects, args.names, "projects")
    if not projects:
        return 2

    runner = ProjectRunner(tool, args.python, args.tool_arg, args.keep, args.check_deps)
    return run_all(runner.check, projects, args.jobs)


if __name__ == "__main__":
    sys.exit(main())
