"""An idle timeout: the deadline moves after every chunk read
(`cm.reschedule(loop.time() + idle)`), a check for "no deadline"
(`cm.when() is None`) and `cm.expired()` read after a timeout: the timeout
object becomes fail_after's cancel scope and its `deadline` /
`cancelled_caught`, and the loop the clock came from goes."""

# e2e-flags: --unsafe
# e2e-expect: with anyio.fail_after(idle) as cm:
# e2e-expect: cm.deadline = anyio.current_time() + idle
# e2e-expect: cm.deadline == math.inf
# e2e-expect: cm.cancelled_caught
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio


async def stream_chunks(n: int, delay: float):
    for i in range(n):
        await asyncio.sleep(delay)
        yield i


async def read_with_idle_timeout(n: int, delay: float, idle: float) -> list[int]:
    got: list[int] = []
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(idle) as cm:
            async for chunk in stream_chunks(n, delay):
                got.append(chunk)
                cm.reschedule(loop.time() + idle)
    except TimeoutError:
        print("idle timeout after", got, "expired:", cm.expired())
    else:
        print("read all, expired:", cm.expired())
    return got


async def unbounded(limit: float | None) -> None:
    async with asyncio.timeout(limit) as cm:
        await asyncio.sleep(0.01)
        print("no deadline:", cm.when() is None)


async def main() -> None:
    # 4 chunks 0.01 s apart, 0.1 s idle allowed: all read.
    print(await read_with_idle_timeout(4, 0.01, 0.1))
    # chunks 0.2 s apart, 0.05 s idle allowed: the first one never comes.
    print(await read_with_idle_timeout(4, 0.2, 0.05))
    await unbounded(None)
    await unbounded(5)


if __name__ == "__main__":
    asyncio.run(main())
