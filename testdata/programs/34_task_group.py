"""Thumbnailer: `asyncio.TaskGroup` with `create_task` -> anyio task group.

Exercises AM204: `tg.create_task(f(x))` in a loop, with keyword arguments
(`functools.partial`), with `name=`, and in a method; a failing child makes
the group raise an ExceptionGroup caught with `except*` (already the case with
asyncio.TaskGroup, so handlers stay as they are).
"""
# e2e-expect: async with anyio.create_task_group() as tg:
# e2e-expect: tg.start_soon(resize, path)
# e2e-expect: tg.start_soon(functools.partial(resize, "cover.png", scale=2), name="cover")
# e2e-expect: group.start_soon(self.render, n)
# e2e-absent: TaskGroup
# e2e-absent: .create_task(
# e2e-absent: import asyncio
# e2e-backends: asyncio trio

import asyncio


async def pause(ticks: float) -> None:
    """Sleep `ticks` hundredths of a second (literal sleeps: a safe rewrite)."""
    for _ in range(round(ticks)):
        await asyncio.sleep(0.01)

sizes: dict[str, int] = {}


async def resize(path: str, scale: int = 1) -> None:
    await pause(len(path))
    if path == "broken.png":
        raise OSError(f"cannot read {path}")
    sizes[path] = len(path) * scale


class Renderer:
    def __init__(self) -> None:
        self.frames: list[int] = []

    async def render(self, n: int) -> None:
        await pause(5 - n)
        self.frames.append(n)

    async def render_all(self) -> list[int]:
        async with asyncio.TaskGroup() as group:
            for n in range(5):
                group.create_task(self.render(n))
        return sorted(self.frames)


async def thumbnails(paths: list[str]) -> None:
    async with asyncio.TaskGroup() as tg:
        for path in paths:
            tg.create_task(resize(path))
        tg.create_task(resize("cover.png", scale=2), name="cover")


async def main() -> None:
    await thumbnails(["a.png", "bb.png"])
    print(sorted(sizes.items()))
    try:
        await thumbnails(["broken.png"])
    except* OSError as eg:
        print("failed:", [str(e) for e in eg.exceptions])
    print(await Renderer().render_all())


asyncio.run(main())
