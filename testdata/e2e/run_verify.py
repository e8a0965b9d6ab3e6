"""End-to-end check of `anyio-migrate --write --verify CMD` on testdata/verify-project.

    python testdata/e2e/run_verify.py --tool PATH/TO/anyio-migrate --python PY

Each scenario works on a fresh copy of the project (see its README) and runs
pytest with PY:

- one-fix-breaks: with --unsafe, AM102 in pkg/fetch.py breaks a test. Every
  other fix is written (the tree equals a plain `--write --unsafe` except
  that file's `wait_for`), the summary, the JSON document and the report name
  the fix left out and the test it breaks, and the migrated suite passes;
- all-pass: without --unsafe, the tests pass on the whole migration, which is
  written exactly as a plain `--write` writes it;
- interrupted: SIGINT while the command runs the second time: exit status
  130, the tree byte for byte as it was, no copy left in the temporary folder;
- refused: an empty command, a command that runs no tests (pytest's exit 5)
  and a suite that fails on the original tree each end with exit status 2,
  a message saying why, and the tree unchanged.

Prints `ok NAME` or `FAIL NAME: reason` per scenario; exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent / "verify-project"
BROKEN_TEST = "tests/test_fetch.py::test_poll_swallows_connect_timeout"


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file's bytes (caches aside), by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts
    }


class Scenarios:
    def __init__(self, tool: str, python: str, work: Path) -> None:
        self.tool = tool
        self.python = python
        self.work = work
        self.pytest = f"{python} -m pytest -q -p no:cacheprovider"

    def fresh(self, name: str) -> Path:
        tree = self.work / name
        shutil.copytree(PROJECT, tree)
        return tree

    def env(self, tmp: Path, **extra: str) -> dict[str, str]:
        """A private temporary folder, so that leftovers can be seen."""
        tmp.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTHONPATH")}
        return dict(env, TMPDIR=str(tmp), **extra)

    def tool_run(
        self, tree: Path, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.tool, *args],
            cwd=tree,
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )

    def suite_passes(self, tree: Path) -> bool:
        r = subprocess.run(
            self.pytest.split(),
            cwd=tree,
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
            check=False,
        )
        return r.returncode == 0

    def one_fix_breaks(self) -> None:
        tree = self.fresh("one-fix-breaks")
        plain = self.fresh("one-fix-breaks-plain")
        self.tool_run(plain, "--write", "--unsafe", ".")
        report = self.work / "report.md"
        r = self.tool_run(
            tree,
            "--write",
            "--unsafe",
            "--verify",
            self.pytest,
            "--output-format",
            "json",
            "--report",
            str(report),
            ".",
            env=self.env(self.work / "tmp1"),
        )
        if r.returncode != 0:
            raise AssertionError(f"exit {r.returncode}\n{r.stderr[-3000:]}")
        line = f"AM102 in pkg/fetch.py: reverted, breaks {BROKEN_TEST}"
        if line not in r.stderr:
            raise AssertionError(f"the summary does not say `{line}`:\n{r.stderr[-3000:]}")
        doc = json.loads(r.stdout)
        reverted = doc["verification"]["reverted"]
        if reverted != [{"code": "AM102", "path": "pkg/fetch.py", "breaks": [BROKEN_TEST]}]:
            raise AssertionError(f"JSON verification.reverted: {reverted}")
        if doc["verification"]["passed_before"] != 2 or doc["verification"]["passed_after"] != 2:
            raise AssertionError(f"JSON pass counts: {doc['verification']}")
        if line not in report.read_text():
            raise AssertionError("the report does not name the fix left out")
        got, want = snapshot(tree), snapshot(plain)
        differing = sorted(k for k in got.keys() | want.keys() if got.get(k) != want.get(k))
        if differing != ["pkg/fetch.py"]:
            raise AssertionError(f"files differing from a plain --write --unsafe: {differing}")
        fetch = (tree / "pkg/fetch.py").read_text()
        if "move_on_after" in fetch or "anyio.sleep(0)" not in fetch:
            raise AssertionError(f"pkg/fetch.py: AM102 should be left out, AM002 kept:\n{fetch}")
        if "move_on_after" not in (tree / "pkg/wait.py").read_text():
            raise AssertionError("pkg/wait.py: AM102 is harmless there and should be kept")
        if not self.suite_passes(tree):
            raise AssertionError("the suite fails on what was written")

    def all_pass(self) -> None:
        tree = self.fresh("all-pass")
        plain = self.fresh("all-pass-plain")
        self.tool_run(plain, "--write", ".")
        r = self.tool_run(
            tree, "--write", "--verify", self.pytest, ".", env=self.env(self.work / "tmp2")
        )
        if r.returncode != 0:
            raise AssertionError(f"exit {r.returncode}\n{r.stderr[-3000:]}")
        if snapshot(tree) != snapshot(plain):
            raise AssertionError("the verified migration differs from a plain --write")
        if "left out" in r.stderr or "(2 runs): 2 tests passed before, 2 after" not in r.stderr:
            raise AssertionError(f"summary:\n{r.stderr[-2000:]}")

    def interrupted(self) -> None:
        tree = self.fresh("interrupted")
        before = snapshot(tree)
        tmp = self.work / "tmp3"
        proc = subprocess.Popen(
            [self.tool, "--write", "--unsafe", "--verify", self.pytest, "."],
            cwd=tree,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=self.env(tmp, VERIFY_SLOW="3"),
        )
        assert proc.stderr is not None
        seen = ""
        deadline = time.monotonic() + 120
        while "verify run 2" not in seen and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            seen += line
        if "verify run 2" not in seen:
            proc.kill()
            raise AssertionError(f"no second run seen:\n{seen}")
        time.sleep(1)  # the command is running (each test sleeps 3 s)
        proc.send_signal(signal.SIGINT)
        rest = proc.stderr.read()
        code = proc.wait(timeout=60)
        if code != 130:
            raise AssertionError(f"exit {code}, not 130\n{seen}{rest}")
        if "nothing was written" not in rest:
            raise AssertionError(f"no message saying nothing was written:\n{rest}")
        if snapshot(tree) != before:
            raise AssertionError("the tree changed")
        left = [p.name for p in tmp.iterdir() if p.name.startswith("anyio-migrate-tree-")]
        if left:
            raise AssertionError(f"the copy was left behind: {left}")

    def refused(self) -> None:
        cases = [
            ("", "needs a command"),
            (f"{self.pytest} -k no_test_has_this_name", "ran no tests"),
        ]
        for cmd, why in cases:
            tree = self.fresh(f"refused-{len(why)}")
            before = snapshot(tree)
            r = self.tool_run(
                tree, "--write", "--verify", cmd, ".", env=self.env(self.work / "tmp4")
            )
            if r.returncode != 2 or why not in r.stderr:
                raise AssertionError(f"`{cmd}`: exit {r.returncode}, stderr:\n{r.stderr[-2000:]}")
            if snapshot(tree) != before:
                raise AssertionError(f"`{cmd}`: the tree changed")
        tree = self.fresh("refused-failing")
        (tree / "tests/test_wait.py").write_text("def test_fails():\n    assert False\n")
        before = snapshot(tree)
        r = self.tool_run(
            tree, "--write", "--verify", self.pytest, ".", env=self.env(self.work / "tmp5")
        )
        if (
            r.returncode != 2
            or "fails on the original tree (tests/test_wait.py::test_fails)" not in r.stderr
        ):
            raise AssertionError(
                f"failing original: exit {r.returncode}, stderr:\n{r.stderr[-2000:]}"
            )
        if snapshot(tree) != before:
            raise AssertionError("failing original: the tree changed")
        # Told to ignore that failure, the run goes on.
        r = self.tool_run(
            tree,
            "--write",
            "--verify",
            self.pytest,
            "--verify-ignore-test",
            "tests/test_wait.py::test_fails",
            ".",
            env=self.env(self.work / "tmp5"),
        )
        if r.returncode != 0 or "import anyio" not in (tree / "pkg/wait.py").read_text():
            raise AssertionError(
                f"--verify-ignore-test: exit {r.returncode}, stderr:\n{r.stderr[-2000:]}"
            )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tool", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory(prefix="run-verify-") as work:
        scenarios = Scenarios(str(Path(args.tool).resolve()), args.python, Path(work))
        for name in ["one_fix_breaks", "all_pass", "interrupted", "refused"]:
            if args.names and not any(n in name for n in args.names):
                continue
            try:
                getattr(scenarios, name)()
                print(f"ok {name}")
            except AssertionError as e:
                failed += 1
                print(f"FAIL {name}: {e}")
    print("verify: " + ("all scenarios passed" if not failed else f"{failed} failed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
