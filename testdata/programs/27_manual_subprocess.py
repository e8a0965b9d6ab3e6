"""Build step that shells out, written against `import asyncio.subprocess`.

Exercises: the submodule import form `import asyncio.subprocess` (which also
binds `asyncio`); subprocess APIs are manual-only and stay, while a literal
sleep, a statement-level wait_for and the entry point resolved through the
same name are rewritten. asyncio backend only.
"""
# e2e-expect: asyncio.create_subprocess_exec(
# e2e-expect: asyncio.subprocess.PIPE
# e2e-expect: with anyio.fail_after(5):
# e2e-expect: await anyio.sleep(0.01)
# e2e-expect: anyio.run(main)
# e2e-absent: wait_for
# e2e-backends: asyncio

import asyncio.subprocess
import sys


async def run_tool(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; print(' '.join(sys.argv[1:]).upper())", *args,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    return proc.returncode, out.decode().strip()


async def main() -> None:
    code, out = await asyncio.wait_for(run_tool("compile", "assets"), 5)
    print(f"exit {code}: {out}")
    await asyncio.sleep(0.01)
    print("build finished")


asyncio.run(main())
