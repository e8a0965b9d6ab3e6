"""End-to-end check of the demo project: migrate a copy with --write, then
the app must print what the original printed and the test suite must pass.

Usage: python testdata/e2e/run_demo.py --tool target/release/anyio-migrate
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import report_one, unified

DEMO = Path(__file__).resolve().parent.parent / "demo"


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    tool = str(Path(args.tool).resolve())
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="anyio-migrate-demo-") as tmp:
        work = Path(tmp) / "demo"
        shutil.copytree(DEMO, work, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
        before = run([args.python, "-m", "demo_app"], work)
        if before.returncode != 0:
            failures.append(f"original app failed:\n{before.stderr}")
        tests_before = run([args.python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], work)
        if tests_before.returncode != 0:
            failures.append(f"original tests failed:\n{tests_before.stdout[-2000:]}")

        migrate = run([tool, "--write", "."], work)
        if migrate.returncode not in (0, 1):
            failures.append(f"anyio-migrate --write exited {migrate.returncode}:\n{migrate.stderr}")
        # After --write nothing safe is left to change; what remains are the
        # items for a person (so --check still exits 1, by contract).
        check = run([tool, "--check", "."], work)
        if (
            check.returncode != 1
            or ": would change\n" in check.stderr
            or "[manual]" not in check.stderr
        ):
            failures.append(f"--check after --write exited {check.returncode}:\n{check.stderr}")
        again = run([tool, "--diff", "."], work)
        if again.stdout.strip():
            failures.append(f"a second run would change more:\n{again.stdout}")

        after = run([args.python, "-m", "demo_app"], work)
        if after.returncode != 0 or after.stdout != before.stdout:
            diff = unified(before.stdout, after.stdout, "original", "migrated")
            failures.append(
                f"migrated app differs (exit {after.returncode}):\n{diff}{after.stderr[-2000:]}"
            )
        # pytest-asyncio is still installed in the shared venv; after the
        # migration the suite runs on anyio's plugin alone.
        tests_after = run(
            [args.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio"], work
        )
        if tests_after.returncode != 0:
            failures.append(f"migrated tests failed:\n{tests_after.stdout[-3000:]}")

    return report_one("demo", failures)


if __name__ == "__main__":
    sys.exit(main())
