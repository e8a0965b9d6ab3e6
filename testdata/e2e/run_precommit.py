"""The pre-commit hooks as a user meets them: a project's
`.pre-commit-config.yaml` names this repository (a clone of the working tree,
committed, so uncommitted changes are tested too); pre-commit installs it
with pip (maturin builds the binary from the root pyproject.toml) once, and
runs the hooks on the project.

- `anyio-migrate` (check) fails on asyncio code and names the files;
- `anyio-migrate-fix` migrates them (the code and the dependency it now needs);
- the check passes on the migrated tree.

Offline: pip takes maturin from WHEELHOUSE (the Makefile downloads the pinned
wheel). The Rust build goes to target/pre-commit, reused between runs.

The same hooks run with `pre-commit try-repo <this repo> anyio-migrate`.

Usage: python testdata/e2e/run_precommit.py --pre-commit PRE_COMMIT --wheelhouse DIR
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import report_one

REPO = Path(__file__).resolve().parents[2]

APP = "import asyncio\n\n\nasync def main():\n    await asyncio.sleep(1)\n\n\nasyncio.run(main())\n"
MIGRATED = "import anyio\n\n\nasync def main():\n    await anyio.sleep(1)\n\n\nanyio.run(main)\n"
PYPROJECT = '[project]\nname = "demo"\nversion = "0"\ndependencies = []\n'
PYPROJECT_AFTER = '[project]\nname = "demo"\nversion = "0"\ndependencies = ["anyio>=4.0"]\n'


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.email=e2e@example.com", "-c", "user.name=e2e", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pre-commit", required=True, type=Path)
    ap.add_argument("--wheelhouse", required=True, type=Path)
    args = ap.parse_args()
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="anyio-migrate-precommit-") as tmp:
        tmp = Path(tmp)
        proj = tmp / "proj"
        (proj / "pkg").mkdir(parents=True)
        (proj / "pkg" / "app.py").write_text(APP)
        (proj / "pyproject.toml").write_text(PYPROJECT)
        git("init", "-q", cwd=proj)
        git("add", ".", cwd=proj)
        git("commit", "-qm", "asyncio", cwd=proj)
        # This repository as pre-commit fetches it: a git repo at a revision.
        hooks_repo = tmp / "hooks"
        subprocess.run(["git", "clone", "-q", str(REPO), str(hooks_repo)], check=True)
        diff = subprocess.run(
            ["git", "diff", "--binary", "HEAD"], cwd=REPO, check=True, capture_output=True
        ).stdout
        if diff:
            subprocess.run(
                ["git", "apply", "--whitespace=nowarn"], cwd=hooks_repo, input=diff, check=True
            )
        git("add", "-A", cwd=hooks_repo)
        git("commit", "-qm", "working tree", "--allow-empty", cwd=hooks_repo)
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=hooks_repo, check=True, capture_output=True, text=True
        ).stdout.strip()
        (proj / ".pre-commit-config.yaml").write_text(
            f"repos:\n  - repo: {hooks_repo}\n    rev: {rev}\n    hooks:\n"
            "      - id: anyio-migrate\n      - id: anyio-migrate-fix\n"
        )
        git("add", ".pre-commit-config.yaml", cwd=proj)
        git("commit", "-qm", "hooks", cwd=proj)
        env = {
            **os.environ,
            "PRE_COMMIT_HOME": str(tmp / "cache"),
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(args.wheelhouse.resolve()),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "CARGO_TARGET_DIR": str(REPO / "target" / "pre-commit"),
            "NO_COLOR": "1",
        }

        def hook(name: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(args.pre_commit.resolve()), "run", name, "--all-files"],
                cwd=proj,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )

        check = hook("anyio-migrate")
        if check.returncode != 1 or "pkg/app.py: would change" not in check.stdout:
            failures.append(
                f"check hook on asyncio code: exit {check.returncode}, expected 1 naming pkg/app.py\n{check.stdout}{check.stderr}"
            )
        fix = hook("anyio-migrate-fix")
        # pre-commit fails a hook that modified files, as it should.
        if fix.returncode != 1 or "files were modified by this hook" not in fix.stdout:
            failures.append(
                f"fix hook: exit {fix.returncode}, expected 1 with files modified\n{fix.stdout}{fix.stderr}"
            )
        got = (proj / "pkg" / "app.py").read_text()
        if got != MIGRATED:
            failures.append(f"fix hook left pkg/app.py as:\n{got}")
        got = (proj / "pyproject.toml").read_text()
        if got != PYPROJECT_AFTER:
            failures.append(f"fix hook left pyproject.toml as:\n{got}")
        again = hook("anyio-migrate")
        if again.returncode != 0 or "Passed" not in again.stdout:
            failures.append(
                f"check hook on the migrated tree: exit {again.returncode}, expected 0\n{again.stdout}{again.stderr}"
            )
    return report_one("pre-commit hooks", failures)


if __name__ == "__main__":
    sys.exit(main())
