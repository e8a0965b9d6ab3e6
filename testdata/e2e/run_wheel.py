"""Installs the built wheel into a fresh virtualenv and runs the installed
`anyio-migrate` as a new user would: --version; a small project configured in
its pyproject.toml (an ignored code), reviewed with --check, JSON output,
--patches (applied in order with `git apply`, they give what --write gives),
a --report, completions and the man page; then --write.

Usage: python testdata/e2e/run_wheel.py WHEEL
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

from harness import report_one

SOURCE = "import asyncio\n\n\nasync def main():\n    await asyncio.sleep(0)\n    print('ok')\n\n\nasyncio.run(main())\n"

PROJECT = {
    "pyproject.toml": '[project]\nname = "demo"\nversion = "0"\n\n[tool.anyio-migrate]\nignore = ["AM002"]\n',
    "app.py": (
        "import asyncio\n\n\nasync def main():\n    lock = asyncio.Lock()\n    async with lock:\n"
        "        await asyncio.wait_for(asyncio.sleep(0), 1)\n\n\nasyncio.run(main())\n"
    ),
}


def project_checks(tool: Path, tmp: Path) -> list[str]:
    """The workflow features, through the installed entry point."""
    failures = []
    proj = tmp / "proj"
    proj.mkdir()
    for name, text in PROJECT.items():
        (proj / name).write_text(text)

    def run(*args: str, cwd: Path = proj) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(tool), *args], cwd=cwd, capture_output=True, text=True, check=False
        )

    check = run("--check", ".")
    if check.returncode != 1:
        failures.append(
            f"--check before migrating: exit {check.returncode}, expected 1\n{check.stderr}"
        )
    doc = run("--output-format", "json", ".")
    try:
        codes = {d["code"] for d in json.loads(doc.stdout)["diagnostics"] if d["status"] == "fixed"}
        if not {"AM001", "AM101", "AM301"} <= codes or "AM002" in codes:
            failures.append(
                f"json: fixed codes {sorted(codes)} (AM002 is ignored in pyproject.toml)"
            )
    except (ValueError, KeyError) as exc:
        failures.append(f"json output unreadable: {exc}: {doc.stdout[:500]}")
    patched = tmp / "patched"
    shutil.copytree(proj, patched)
    patches = run("--patches", str(tmp / "patches"), ".")
    names = (
        sorted(p.name for p in (tmp / "patches").glob("*.patch"))
        if (tmp / "patches").is_dir()
        else []
    )
    if patches.returncode not in (0, 1) or not names or not names[0].startswith("AM001-"):
        failures.append(f"--patches: exit {patches.returncode}, files {names}\n{patches.stderr}")
    subprocess.run(["git", "init", "-q"], cwd=patched, check=True)
    for name in names:
        applied = subprocess.run(
            ["git", "apply", str(tmp / "patches" / name)],
            cwd=patched,
            capture_output=True,
            text=True,
            check=False,
        )
        if applied.returncode != 0:
            failures.append(f"git apply {name}: {applied.stderr}")
    report = run("--report", str(tmp / "report.md"), ".")
    if report.returncode not in (0, 1) or not (tmp / "report.md").is_file():
        failures.append(f"--report: exit {report.returncode}\n{report.stderr}")
    completions = run("completions", "bash")
    if completions.returncode != 0 or "anyio-migrate" not in completions.stdout:
        failures.append(f"completions bash: exit {completions.returncode}")
    man = run("man")
    if man.returncode != 0 or ".TH" not in man.stdout:
        failures.append(f"man: exit {man.returncode}")
    write = run("--write", ".")
    if write.returncode not in (0, 1):
        failures.append(f"--write: exit {write.returncode}\n{write.stderr}")
    for name in PROJECT:
        written, via_patches = (proj / name).read_text(), (patched / name).read_text()
        if written != via_patches:
            failures.append(f"{name}: the patches applied in order differ from --write")
    if (
        "anyio.fail_after(1)" not in (proj / "app.py").read_text()
        or "asyncio.sleep(0)" not in (proj / "app.py").read_text()
    ):
        failures.append(
            "app.py: expected AM101 applied and AM002 ignored:\n" + (proj / "app.py").read_text()
        )
    return failures


def main() -> int:
    wheel = Path(sys.argv[1]).resolve()
    failures = []
    with tempfile.TemporaryDirectory(prefix="anyio-migrate-wheel-") as tmp:
        env_dir = Path(tmp) / "venv"
        venv.create(env_dir, with_pip=True)
        pip = env_dir / "bin" / "pip"
        tool = env_dir / "bin" / "anyio-migrate"
        inst = subprocess.run(
            [str(pip), "install", "--quiet", "--no-index", str(wheel)],
            capture_output=True,
            text=True,
            check=False,
        )
        if inst.returncode != 0:
            failures.append(f"pip install failed:\n{inst.stderr}")
        else:
            version = subprocess.run(
                [str(tool), "--version"], capture_output=True, text=True, check=False
            )
            if version.returncode != 0 or not version.stdout.startswith("anyio-migrate "):
                failures.append(f"--version: {version.stdout!r} {version.stderr!r}")
            program = Path(tmp) / "prog.py"
            program.write_text(SOURCE)
            run = subprocess.run(
                [str(tool), "--write", str(program)], capture_output=True, text=True, check=False
            )
            migrated = program.read_text()
            if (
                run.returncode != 0
                or "anyio.run(main)" not in migrated
                or "import anyio" not in migrated
            ):
                failures.append(
                    f"migration through the installed entry point failed ({run.returncode}):\n{run.stderr}\n{migrated}"
                )
            failures.extend(project_checks(tool, Path(tmp)))
    return report_one("wheel", failures)


if __name__ == "__main__":
    sys.exit(main())
