"""A task's error caught around the await that reads its result.

`t = asyncio.create_task(f())` … `r = await t` inside `try` / `except
ValueError` becomes a task group whose handle is read after the group (`r =
t.return_value`) and an `except*` handler: awaiting the handle of a failed
task inside the group would raise anyio's `TaskFailed` beside the task's
`ValueError`, and the handler would not catch it.
"""
# e2e-flags: --unsafe
# e2e-backends: asyncio trio
# e2e-expect: r = t.return_value
# e2e-expect: except* ValueError:
# e2e-absent: asyncio

import asyncio


async def parse(text: str) -> int:
    await asyncio.sleep(0.01)
    return int(text)


async def guarded(text: str) -> int:
    try:
        t = asyncio.create_task(parse(text))
        r = await t
    except ValueError:
        r = -1
    return r


async def main() -> None:
    print(await guarded("12"))
    print(await guarded("twelve"))


asyncio.run(main())
