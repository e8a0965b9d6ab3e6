"""Report builder: gathers in nested functions, methods and decorated code.

Exercises AM201/AM202/AM203 in a nested `async def` (closure over the outer
function's variables), in a `@classmethod`, in an `async def` under a
`functools.wraps` decorator, and in a nested function inside a method; a
`try/except` in the *outer* function is not touched (it is another function).
"""
# e2e-expect: async with anyio.create_task_group() as tg:
# e2e-expect: head, body = await anyio.gather(cls.part("head"), cls.part("body"))
# e2e-expect: except ValueError:
# e2e-backends: asyncio

import asyncio
import functools

async def pause(ticks: float) -> None:
    """Sleep `ticks` hundredths of a second (literal sleeps: a safe rewrite)."""
    for _ in range(round(ticks)):
        await asyncio.sleep(0.01)

seen: list[str] = []


def traced(fn):
    @functools.wraps(fn)
    async def wrapper(*args, **kwargs):
        seen.append(f"call {fn.__name__}")
        return await fn(*args, **kwargs)

    return wrapper


async def note(text: str, delay: float = 0.01) -> str:
    await pause(delay * 100)
    seen.append(text)
    return text


class Report:
    @classmethod
    async def part(cls, name: str) -> str:
        return await note(f"part {name}", 0.02 if name == "head" else 0.01)

    @classmethod
    async def build(cls) -> str:
        head, body = await cls.gather_parts()
        return f"{head} / {body}"

    @classmethod
    async def gather_parts(cls) -> tuple[str, str]:
        head, body = await asyncio.gather(cls.part("head"), cls.part("body"))
        return head, body

    async def sections(self, names: list[str]) -> list[str]:
        async def render(prefix: str) -> list[str]:
            out = await asyncio.gather(*(note(prefix + n) for n in names))
            return out

        return await render("sec-")


@traced
async def publish(channels: list[str]) -> None:
    await asyncio.gather(*(note("sent " + c, delay=0.01) for c in channels), note("archived"))


async def outer() -> None:
    async def inner() -> None:
        await asyncio.gather(note("inner a"), note("inner b"))

    try:
        await inner()
    except ValueError:
        print("not reached")


async def main() -> None:
    print(await Report.build())
    print(await Report().sections(["x", "y", "z"]))
    await publish(["mail", "sms"])
    await outer()
    print(sorted(seen))


asyncio.run(main())
