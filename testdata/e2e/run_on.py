"""Run a (migrated) program with anyio's default backend switched.

    python run_on.py BACKEND FILE [ARGS...]

`anyio.run` is replaced by a wrapper whose `backend` defaults to BACKEND (an
explicit `backend=` in the program still wins), then FILE is executed as
`__main__` with runpy, with sys.argv and sys.path[0] set as if it had been run
directly.

For any backend other than asyncio the program must actually call anyio.run:
a program that still starts itself with asyncio.run would otherwise "pass" on
trio while never touching it. That case exits with status 3.
"""

from __future__ import annotations

import functools
import os
import runpy
import sys

import anyio


def main() -> object:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    backend, path = sys.argv[1], sys.argv[2]
    original_run = anyio.run
    calls = 0

    @functools.wraps(original_run)
    def run(func, *args, backend=backend, backend_options=None):
        nonlocal calls
        calls += 1
        return original_run(func, *args, backend=backend, backend_options=backend_options)

    anyio.run = run
    sys.argv = [path, *sys.argv[3:]]
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    status: object = 0
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as exc:  # the program's own sys.exit(...): keep its status
        status = exc.code
    sys.stdout.flush()
    if backend != "asyncio" and calls == 0:
        print(
            f"run_on: {path} never called anyio.run, so it did not run on {backend}",
            file=sys.stderr,
        )
        return 3
    return status


if __name__ == "__main__":
    sys.exit(main())
