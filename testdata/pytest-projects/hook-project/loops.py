"""An event loop that says where it came from."""

import asyncio


class TaggedLoop(asyncio.SelectorEventLoop):
    made_by = "tagged"


def loop_name() -> str:
    return getattr(asyncio.get_running_loop(), "made_by", "default")
