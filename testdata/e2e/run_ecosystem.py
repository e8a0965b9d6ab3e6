"""The ecosystem check: real asyncio libraries' own test suites judge the migration.

For every library of `libs.txt` (see its header and README.md beside it): a fresh
copy of the pinned sdist (plus its overlay) runs its suite as it is, after
`anyio-migrate --write` and after `anyio-migrate --write --unsafe`. A test that
passed on the original and fails (or errors) after a migration is a regression;
one that passed and is now skipped or gone is a lost test. Both count against the
tool. pytest-asyncio (and the `asyncio:` dependencies and arguments) are present
only while the tree still refers to it.

Everything downloaded or built lives under the cache folder: the sdists, and two
virtualenvs per library (one with pytest-asyncio, one without), remade when their
requirements change.

    run_ecosystem.py --tool BIN --ecosystem ../shared/ecosystem [--only a,b]
                     [--modes safe,unsafe] [--markdown docs/ecosystem.md]

Prints a table, writes the Markdown report when asked, and exits 1 when a suite
regressed (or an original run did not reach its baseline).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tokenize
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

COMMON = ["pytest==9.2.0", "pytest-cov==7.1.0", "anyio==4.16.0", "trio==0.35.0"]
PYTEST_ASYNCIO = "pytest-asyncio==1.5.0"
ASYNCIO_PREFIX = "asyncio:"
# What makes a tree "still use pytest-asyncio" (the README's rule).
USES_PYTEST_ASYNCIO = re.compile(rb"pytest_asyncio|asyncio_mode|mark\.asyncio")
ASYNCIO_REF = re.compile(r"\basyncio\.\w+")
SUMMARY = re.compile(r"^=+ (.*) in [\d.]+s(?: \([^)]*\))? =+$", re.MULTILINE)
SUITE_TIMEOUT = (
    300  # seconds; a suite that takes longer counts as an error (every suite takes under 2 minutes)
)
CONFIG_SUFFIXES = (".py", ".ini", ".toml", ".cfg", ".txt")


@dataclass
class Lib:
    """One line of libs.txt."""

    name: str
    version: str
    testargs: list[str]
    deps: list[str]

    def args(self, asyncio: bool) -> list[str]:
        return _select(self.testargs, asyncio)

    def requirements(self, asyncio: bool) -> list[str]:
        return COMMON + ([PYTEST_ASYNCIO] if asyncio else []) + _select(self.deps, asyncio)


def _select(items: list[str], asyncio: bool) -> list[str]:
    """The items that apply: `asyncio:`-prefixed ones only while pytest-asyncio is used."""
    out = []
    for item in items:
        if item.startswith(ASYNCIO_PREFIX):
            if asyncio:
                out.append(item[len(ASYNCIO_PREFIX) :])
        else:
            out.append(item)
    return out


def read_libs(path: Path) -> list[Lib]:
    libs = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, version, testargs, *deps = line.split()
        libs.append(Lib(name, version, [] if testargs == "-" else testargs.split(","), deps))
    return libs


def read_baseline(path: Path) -> dict[str, int]:
    out = {}
    for line in path.read_text().splitlines():
        m = re.match(r"(\S+): (\d+) passed", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def run(
    cmd: list[str], cwd: Path | None = None, timeout: float | None = None, env=None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def check(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = run(cmd, **kw)
    if proc.returncode != 0:
        sys.exit(
            f"ecosystem: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )
    return proc


class Cache:
    """The sdists and virtualenvs under one folder."""

    def __init__(self, root: Path, python: str) -> None:
        self.root = root
        self.python = python
        (root / "sdists").mkdir(parents=True, exist_ok=True)
        (root / "venvs").mkdir(parents=True, exist_ok=True)

    def sdist(self, lib: Lib) -> Path:
        folder = self.root / "sdists" / f"{lib.name}-{lib.version}"
        found = list(folder.glob("*.tar.gz")) + list(folder.glob("*.zip"))
        if not found:
            folder.mkdir(parents=True, exist_ok=True)
            check(
                [
                    self.python,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-binary",
                    ":all:",
                    "--no-deps",
                    "-d",
                    str(folder),
                    f"{lib.name}=={lib.version}",
                ]
            )
            found = list(folder.glob("*.tar.gz")) + list(folder.glob("*.zip"))
        return found[0]

    def venv(self, lib: Lib, asyncio: bool) -> Path:
        # The library's own runtime dependencies come from its original sdist;
        # each run then reinstalls the library alone from the tree it tests.
        reqs = lib.requirements(asyncio) + [str(self.sdist(lib))]
        stamp = hashlib.sha256("\n".join(reqs).encode()).hexdigest()[:16]
        folder = self.root / "venvs" / f"{lib.name}-{'asyncio' if asyncio else 'plain'}"
        marker = folder / ".installed"
        if marker.exists() and marker.read_text() == stamp:
            return folder
        shutil.rmtree(folder, ignore_errors=True)
        check([self.python, "-m", "venv", str(folder)])
        check(
            [
                str(folder / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *reqs,
            ],
            timeout=1800,
        )
        marker.write_text(stamp)
        return folder


def reinstall(venv: Path, source: Path) -> list[str]:
    """The command that installs the library from `source` (a tree or an sdist)
    into `venv` in place of the one there, its dependencies left as they are."""
    return [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--force-reinstall",
        str(source),
    ]


def extract(sdist: Path, overlay: Path, dest: Path) -> Path:
    """The sdist's tree in `dest`, the overlay copied over it; returns its root."""
    with tarfile.open(sdist) as tar:
        tar.extractall(dest, filter="data")
    (root,) = [p for p in dest.iterdir() if p.is_dir()]
    if overlay.is_dir():
        shutil.copytree(overlay, root, dirs_exist_ok=True)
    # A checkout's files are writable (the overlay's copies keep shared/'s modes).
    for path in root.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)
    return root


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if p.is_file())


def asyncio_refs(path: Path) -> int:
    """`asyncio.X` references outside comments."""
    data = path.read_bytes()
    lines = data.decode("utf-8", "replace").splitlines()
    try:
        for t in tokenize.tokenize(io.BytesIO(data).readline):
            if t.type == tokenize.COMMENT:
                row, col = t.start
                lines[row - 1] = lines[row - 1][:col]
    except (tokenize.TokenError, SyntaxError, IndexError):
        pass
    return sum(len(ASYNCIO_REF.findall(line)) for line in lines)


def asyncio_code_refs(path: Path) -> int:
    """`asyncio.X` in code: the name `asyncio` then `.X`, outside strings,
    docstrings and comments (what keeps `import asyncio` alive)."""
    try:
        tokens = list(tokenize.tokenize(io.BytesIO(path.read_bytes()).readline))
    except (tokenize.TokenError, SyntaxError, IndexError):
        return 0
    return sum(
        1
        for i, t in enumerate(tokens[:-2])
        if t.type == tokenize.NAME
        and t.string == "asyncio"
        and tokens[i + 1].string == "."
        and tokens[i + 2].type == tokenize.NAME
        and (i == 0 or tokens[i - 1].string != ".")
    )


def uses_pytest_asyncio(root: Path) -> bool:
    """Whether a file of the tree still uses pytest-asyncio (comment lines do not count)."""
    for path in root.rglob("*"):
        if not (path.is_file() and path.suffix in CONFIG_SUFFIXES):
            continue
        for line in path.read_bytes().splitlines():
            if not line.lstrip().startswith((b"#", b";")) and USES_PYTEST_ASYNCIO.search(line):
                return True
    return False


@dataclass
class Suite:
    """One run of a library's test suite."""

    summary: str = ""
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)  # test id -> passed/failed/error/skipped
    seconds: float = 0.0
    log: str = ""


def normalize_id(test_id: str) -> str:
    """A test's id with anyio's `asyncio` backend parameter taken out, so that a test
    parametrised by anyio's plugin is compared with its original."""
    test_id = re.sub(r"\[asyncio\]$", "", test_id)
    test_id = re.sub(r"\[asyncio-", "[", test_id)
    return re.sub(r"-asyncio\]$", "]", test_id)


def read_junit(path: Path) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    if not path.exists():
        return outcomes
    for case in ET.parse(path).iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        state = "passed"
        for child in case:
            if child.tag in ("failure",):
                state = "failed"
            elif child.tag == "error":
                state = "error" if state == "passed" else state
            elif child.tag == "skipped":
                xfail = child.get("type") == "pytest.xfail"
                state = ("xfailed" if xfail else "skipped") if state == "passed" else state
        # A test that passed and then errored in teardown is an error.
        if test_id in outcomes and outcomes[test_id] != "passed":
            continue
        outcomes[test_id] = state
    return outcomes


def run_suite(lib: Lib, tree: Path, venv: Path, asyncio: bool, work: Path) -> Suite:
    python = str(venv / "bin" / "python")
    # The library itself, from a copy of this tree (a build may write into it).
    copy = work / "install-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(tree, copy)
    inst = run(reinstall(venv, copy), timeout=900)
    suite = Suite()
    if inst.returncode != 0:
        suite.summary = "install failed"
        suite.errors = 1
        suite.log = inst.stdout + inst.stderr
        return suite
    junit = work / "junit.xml"
    junit.unlink(missing_ok=True)
    cmd = [
        python,
        "-m",
        "pytest",
        "--no-cov",
        "-p",
        "no:randomly",
        "-o",
        f"cache_dir={work / 'pytest-cache'}",
        f"--junitxml={junit}",
        "-o",
        "junit_family=xunit1",
        *lib.args(asyncio),
    ]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    start = time.monotonic()
    try:
        proc = run(cmd, cwd=tree, timeout=SUITE_TIMEOUT, env=env)
        out = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        out += f"\n[timeout after {SUITE_TIMEOUT} s]"
    suite.seconds = time.monotonic() - start
    suite.log = out
    found = SUMMARY.findall(out)
    if not found:
        suite.summary = "no summary line"
        suite.errors = max(1, suite.errors)
    else:
        suite.summary = found[-1]
        for count, word in re.findall(r"(\d+) (\w+)", suite.summary):
            n = int(count)
            if word == "passed":
                suite.passed = n
            elif word == "failed":
                suite.failed = n
            elif word in ("error", "errors"):
                suite.errors = n
            elif word == "skipped":
                suite.skipped = n
    suite.outcomes = read_junit(junit)
    return suite


@dataclass
class Mode:
    """One library in one mode (original, safe, unsafe)."""

    name: str
    suite: Suite
    pytest_asyncio: bool
    refs: int = 0
    files_with_refs: int = 0
    code_refs: int = 0  # outside strings too (asyncio_code_refs)
    code_files: int = 0  # files with code references
    code_cleared: int = 0  # files that had code references and have none now
    fixes: Counter = field(default_factory=Counter)
    manual: Counter = field(default_factory=Counter)
    tool_errors: list[str] = field(default_factory=list)
    tool_seconds: float = 0.0
    regressed: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    cleared_files: int = 0  # files that had asyncio references and have none now
    trio_items: int = 0
    verification: dict | None = None  # --verify's JSON object (mode "verify")


def verify_command(lib: Lib, venv: Path) -> str:
    """The suite as `--verify` runs it (pytest-asyncio installed: the original needs it)."""
    return shlex.join(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pytest",
            "--no-cov",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            *lib.args(True),
        ]
    )


def migrate(tool: str, tree: Path, unsafe: bool, mode: Mode, verify: str | None = None) -> None:
    cmd = [tool, "--write", "--output-format", "json"] + (["--unsafe"] if unsafe else [])
    if verify:
        cmd += ["--verify", verify, "--verify-timeout", str(SUITE_TIMEOUT)]
    cmd.append(".")
    start = time.monotonic()
    proc = run(cmd, cwd=tree, timeout=600 if not verify else 40 * SUITE_TIMEOUT)
    mode.tool_seconds = time.monotonic() - start
    if proc.returncode not in (0, 1):
        mode.tool_errors.append(f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        mode.tool_errors.append(f"no JSON on stdout: {proc.stdout[:500]}")
        return
    mode.verification = doc.get("verification")
    for d in doc["diagnostics"]:
        if d["status"] == "fixed":
            mode.fixes[d["code"]] += 1
        elif d["status"] == "manual":
            mode.manual[d["code"]] += 1
        elif d["status"] == "rejected":
            mode.tool_errors.append(f"rejected fix {d['code']} at {d['path']}:{d['start']['line']}")


def count_refs(tree: Path) -> dict[str, int]:
    return {str(p.relative_to(tree)): asyncio_refs(p) for p in python_files(tree)}


def count_code_refs(tree: Path) -> dict[str, int]:
    return {str(p.relative_to(tree)): asyncio_code_refs(p) for p in python_files(tree)}


def compare(original: Suite, after: Suite, mode: Mode) -> None:
    before = {normalize_id(k): v for k, v in original.outcomes.items()}
    now: dict[str, str] = {}
    for k, v in after.outcomes.items():
        if "[trio" in k or "-trio]" in k or "-trio-" in k:
            mode.trio_items += 1
            continue
        now.setdefault(normalize_id(k), v)
    for test_id, state in sorted(before.items()):
        if state != "passed":
            continue
        got = now.get(test_id)
        if got == "xfailed":
            continue  # a non-strict xfail test may pass or fail: neither is a regression
        if got in ("failed", "error"):
            mode.regressed.append(test_id)
        elif got != "passed":
            mode.lost.append(f"{test_id} ({got or 'not run'})")


def check_lib(lib: Lib, args, cache: Cache, baseline: dict[str, int]) -> list[Mode]:
    sdist = cache.sdist(lib)
    overlay = args.ecosystem / "overlay" / lib.name
    modes: list[Mode] = []
    with tempfile.TemporaryDirectory(prefix=f"anyio-migrate-eco-{lib.name}-") as tmp:
        tmp = Path(tmp)
        original_refs: dict[str, int] = {}
        original_code: dict[str, int] = {}
        original_suite: Suite | None = None
        for name in ["original", *args.modes]:
            work = tmp / name
            work.mkdir()
            tree = extract(sdist, overlay, work / "src")
            mode = Mode(name, Suite(), False)
            if name == "verify":
                # The original library back in the venv (an earlier mode installed its own tree).
                venv = cache.venv(lib, True)
                check(reinstall(venv, sdist), timeout=900)
                migrate(args.tool, tree, True, mode, verify_command(lib, venv))
            elif name != "original":
                migrate(args.tool, tree, name == "unsafe", mode)
            refs = count_refs(tree)
            if name == "original":
                original_refs = refs
            mode.refs = sum(refs.values())
            mode.files_with_refs = sum(1 for n in refs.values() if n)
            mode.cleared_files = sum(
                1 for f, n in original_refs.items() if n and not refs.get(f, 0)
            )
            code = count_code_refs(tree)
            if name == "original":
                original_code = code
            mode.code_refs = sum(code.values())
            mode.code_files = sum(1 for n in code.values() if n)
            mode.code_cleared = sum(1 for f, n in original_code.items() if n and not code.get(f, 0))
            mode.pytest_asyncio = uses_pytest_asyncio(tree)
            venv = cache.venv(lib, mode.pytest_asyncio)
            mode.suite = run_suite(lib, tree, venv, mode.pytest_asyncio, work)
            if name == "original":
                original_suite = mode.suite
            else:
                compare(original_suite, mode.suite, mode)
            if args.keep:
                dest = args.keep / lib.name / name
                shutil.rmtree(dest, ignore_errors=True)
                shutil.copytree(tree, dest)
                (dest.parent / f"{name}.log").write_text(mode.suite.log)
                if (work / "junit.xml").exists():
                    shutil.copy(work / "junit.xml", dest.parent / f"{name}.junit.xml")
            modes.append(mode)
            print(
                f"  {lib.name} {name}: {mode.suite.summary} ({mode.suite.seconds:.0f} s)"
                + (
                    f", {len(mode.regressed)} regressed, {len(mode.lost)} lost"
                    if name != "original"
                    else ""
                )
                + (
                    f"; --verify: {mode.verification['runs']} runs, {len(mode.verification['reverted'])} fixes left out"
                    if mode.verification
                    else ""
                ),
                flush=True,
            )
    return modes


def fmt_counter(c: Counter) -> str:
    return ", ".join(f"{k} ×{v}" for k, v in sorted(c.items())) or "—"


def report(results: dict[str, list[Mode]], baseline: dict[str, int]) -> tuple[str, bool]:
    """The Markdown report and whether every suite held."""
    ok = True
    lines = [
        "| library | baseline | original | safe | unsafe | asyncio refs (orig → safe → unsafe) | files cleared (safe / unsafe of with refs) | pytest-asyncio left (safe / unsafe) | tool time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    details = []
    for lib, modes in results.items():
        by = {m.name: m for m in modes}
        orig = by["original"]
        cells = []
        if baseline.get(lib) is not None and orig.suite.passed < baseline[lib]:
            ok = False
        for name in ("safe", "unsafe"):
            m = by.get(name)
            if m is None:
                cells.append("—")
                continue
            verdict = (
                "ok" if not m.regressed and not m.lost and not m.tool_errors else "**REGRESSED**"
            )
            if verdict != "ok":
                ok = False
            cells.append(
                f"{m.suite.passed} passed, {len(m.regressed)} regressed, {len(m.lost)} lost: {verdict}"
            )
        v = by.get("verify")
        if v is not None and (v.regressed or v.lost or v.tool_errors):
            ok = False
        refs = " → ".join(str(by[n].refs) for n in ("original", "safe", "unsafe") if n in by)
        cleared = " / ".join(f"{by[n].cleared_files}" for n in ("safe", "unsafe") if n in by)
        pa = " / ".join(
            "yes" if by[n].pytest_asyncio else "no" for n in ("safe", "unsafe") if n in by
        )
        tool = " / ".join(f"{by[n].tool_seconds:.2f} s" for n in ("safe", "unsafe") if n in by)
        lines.append(
            f"| {lib} | {baseline.get(lib, '?')} | {orig.suite.passed} passed, {orig.suite.failed} failed, "
            f"{orig.suite.errors} errors | {cells[0]} | {cells[1]} | {refs} | {cleared} of {orig.files_with_refs} | {pa} | {tool} |"
        )
        for m in modes[1:]:
            details.append(f"### {lib}, {m.name}\n")
            if m.name == "verify":
                v = m.verification or {}
                details.append(
                    f"- `--write --unsafe --verify`: {v.get('runs', '?')} runs of the suite, "
                    f"{len(v.get('reverted', []))} fixes left out"
                )
                for r in v.get("reverted", []):
                    details.append(
                        f"- left out: {r['code']} in `{r['path']}`, breaks {', '.join(r['breaks'][:3])}"
                    )
            details.append(
                f"- suite: {m.suite.summary} ({m.suite.seconds:.0f} s); trio items: {m.trio_items}"
            )
            details.append(f"- fixes: {fmt_counter(m.fixes)}")
            details.append(f"- manual: {fmt_counter(m.manual)}")
            for e in m.tool_errors:
                details.append(f"- tool error: {e}")
            for t in m.regressed[:30]:
                details.append(f"- regressed: `{t}`")
            if len(m.regressed) > 30:
                details.append(f"- … and {len(m.regressed) - 30} more regressed")
            for t in m.lost[:30]:
                details.append(f"- lost: `{t}`")
            if len(m.lost) > 30:
                details.append(f"- … and {len(m.lost) - 30} more lost")
            details.append("")
    return "\n".join(lines) + "\n\n" + reach(results) + "\n".join(details), ok


def reach(results: dict[str, list[Mode]]) -> str:
    """The reach table: references and files, by text (strings included, the
    main table's) and in code only, per library and over all of them."""
    modes = ("original", "safe", "unsafe")
    rows = [
        "## Reach\n",
        (
            "*text*: `asyncio.X` outside comments (the table above); *code*: the name `asyncio` "
            "then `.X`, outside strings and docstrings too (what keeps `import asyncio` alive). "
            "Rewritten: the share of the original's references gone; cleared: the files that had "
            "references and have none left.\n"
        ),
        "| library | text refs (orig → safe → unsafe) | code refs (orig → safe → unsafe) | files cleared, text (safe / unsafe of) | files cleared, code (safe / unsafe of) |",
        "|---|---|---|---|---|",
    ]
    total: dict[str, Counter] = {n: Counter() for n in modes}
    for lib, ms in results.items():
        by = {m.name: m for m in ms}
        if not all(n in by for n in modes):
            continue
        for n in modes:
            m = by[n]
            total[n].update(
                refs=m.refs,
                code=m.code_refs,
                files=m.files_with_refs,
                code_files=m.code_files,
                cleared=m.cleared_files,
                code_cleared=m.code_cleared,
            )
        rows.append(
            f"| {lib} | {' → '.join(str(by[n].refs) for n in modes)} "
            f"| {' → '.join(str(by[n].code_refs) for n in modes)} "
            f"| {by['safe'].cleared_files} / {by['unsafe'].cleared_files} of {by['original'].files_with_refs} "
            f"| {by['safe'].code_cleared} / {by['unsafe'].code_cleared} of {by['original'].code_files} |"
        )

    def share(part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f} %" if whole else "—"

    o, sf, un = (total[n] for n in modes)
    if o["refs"]:
        rows.append(
            f"| **all** | {o['refs']} → {sf['refs']} → {un['refs']} "
            f"(rewritten {share(o['refs'] - sf['refs'], o['refs'])} / {share(o['refs'] - un['refs'], o['refs'])}) "
            f"| {o['code']} → {sf['code']} → {un['code']} "
            f"(rewritten {share(o['code'] - sf['code'], o['code'])} / {share(o['code'] - un['code'], o['code'])}) "
            f"| {sf['cleared']} / {un['cleared']} of {o['files']} "
            f"({share(sf['cleared'], o['files'])} / {share(un['cleared'], o['files'])}) "
            f"| {sf['code_cleared']} / {un['code_cleared']} of {o['code_files']} "
            f"({share(sf['code_cleared'], o['code_files'])} / {share(un['code_cleared'], o['code_files'])}) |"
        )
    return "\n".join(rows) + "\n\n"


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tool", required=True)
    ap.add_argument(
        "--ecosystem",
        type=Path,
        required=True,
        help="the folder with libs.txt, baseline.txt, overlay/",
    )
    ap.add_argument("--cache", type=Path, default=Path(".ecosystem-cache"))
    ap.add_argument(
        "--python", default=sys.executable, help="the Python that makes the virtualenvs"
    )
    ap.add_argument("--only", default="", help="comma-separated library names")
    ap.add_argument("--modes", default="safe,unsafe")
    ap.add_argument("--markdown", type=Path, help="write the report here")
    ap.add_argument(
        "--setup-only", action="store_true", help="download and build the cache, run nothing"
    )
    ap.add_argument(
        "--keep", type=Path, help="keep each migrated tree and suite log under this folder"
    )
    args = ap.parse_args()
    args.tool = str(Path(args.tool).resolve())
    args.modes = [m for m in args.modes.split(",") if m]
    if args.keep:
        args.keep = args.keep.resolve()
    if not (args.ecosystem / "libs.txt").is_file():
        sys.exit(
            f"ecosystem: no libs.txt in {args.ecosystem} (the shared ecosystem folder beside the project; set ECOSYSTEM=DIR)"
        )
    libs = read_libs(args.ecosystem / "libs.txt")
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {lib.name for lib in libs}
        if unknown:
            sys.exit(f"ecosystem: no such library in libs.txt: {', '.join(sorted(unknown))}")
        libs = [lib for lib in libs if lib.name in wanted]
    baseline = read_baseline(args.ecosystem / "baseline.txt")
    cache = Cache(args.cache.resolve(), args.python)
    results: dict[str, list[Mode]] = {}
    start = time.monotonic()
    if args.setup_only:
        for lib in libs:
            cache.sdist(lib)
            for asyncio in (True, False):
                cache.venv(lib, asyncio)
            print(f"{lib.name}: ready", flush=True)
        return 0
    for lib in libs:
        print(f"{lib.name} {lib.version}", flush=True)
        results[lib.name] = check_lib(lib, args, cache, baseline)
    text, ok = report(results, baseline)
    total = time.monotonic() - start
    print()
    print(text)
    print(
        f"ecosystem: {len(libs)} libraries in {total:.0f} s: {'no regressions' if ok else 'REGRESSIONS'}"
    )
    if args.markdown:
        header = (
            "# Ecosystem check\n\n"
            "`make ecosystem` migrates real asyncio libraries (pinned sdists, `../shared/ecosystem/`) in safe and "
            "unsafe mode and runs each one's own test suite before and after. *regressed*: passed on the original, "
            "fails after; *lost*: passed on the original, skipped or not run after. asyncio refs: `asyncio.X` "
            "outside comments in the tree's Python files; files cleared: files that had such references and have "
            "none after.\n\n"
        )
        args.markdown.write_text(header + text + f"\nWhole run: {total:.0f} s.\n")
    # Plain closing line.
    bad = sum(
        1 for modes in results.values() for m in modes[1:] if m.regressed or m.lost or m.tool_errors
    )
    good = sum(1 for modes in results.values() for m in modes[1:]) - bad
    print(f"ecosystem: {good} passed, {bad} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
