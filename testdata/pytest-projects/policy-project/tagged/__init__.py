"""Event loops that say where they came from."""

from __future__ import annotations

import asyncio


class TaggedLoop(asyncio.SelectorEventLoop):
    """A selector loop made by `TaggedPolicy`."""

    made_by = "tagged policy"


class TaggedPolicy(asyncio.DefaultEventLoopPolicy):
    """The default policy, with loops of its own class."""

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        return TaggedLoop()


async def where_am_i() -> str:
    """Which loop runs the caller."""
    await asyncio.sleep(0)
    return getattr(asyncio.get_running_loop(), "made_by", "default")
