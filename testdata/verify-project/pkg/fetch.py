import asyncio


async def connect():
    await asyncio.sleep(0)
    # The connection's own timeout, not wait_for's.
    raise TimeoutError("connect timed out")


async def poll(results):
    try:
        await asyncio.wait_for(connect(), 5)
    except TimeoutError:
        pass
    results.append("polled")
