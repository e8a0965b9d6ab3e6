"""Installs the built wheel into a fresh virtualenv and runs the installed
`anyio-migrate`: --version, and a real migration of a small program.

Usage: python testdata/e2e/run_wheel.py WHEEL
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import venv
from pathlib import Path

SOURCE = "import asyncio\n\n\nasync def main():\n    await asyncio.sleep(0)\n    print('ok')\n\n\nasyncio.run(main())\n"


def main() -> int:
    wheel = Path(sys.argv[1]).resolve()
    failures = []
    with tempfile.TemporaryDirectory(prefix="anyio-migrate-wheel-") as tmp:
        env_dir = Path(tmp) / "venv"
        venv.create(env_dir, with_pip=True)
        pip = env_dir / "bin" / "pip"
        tool = env_dir / "bin" / "anyio-migrate"
        inst = subprocess.run([str(pip), "install", "--quiet", "--no-index", str(wheel)], capture_output=True, text=True)
        if inst.returncode != 0:
            failures.append(f"pip install failed:\n{inst.stderr}")
        else:
            version = subprocess.run([str(tool), "--version"], capture_output=True, text=True)
            if version.returncode != 0 or not version.stdout.startswith("anyio-migrate "):
                failures.append(f"--version: {version.stdout!r} {version.stderr!r}")
            program = Path(tmp) / "prog.py"
            program.write_text(SOURCE)
            run = subprocess.run([str(tool), "--write", str(program)], capture_output=True, text=True)
            migrated = program.read_text()
            if run.returncode != 0 or "anyio.run(main)" not in migrated or "import anyio" not in migrated:
                failures.append(f"migration through the installed entry point failed ({run.returncode}):\n{run.stderr}\n{migrated}")
    for f in failures:
        print(f"FAIL wheel: {f}")
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
