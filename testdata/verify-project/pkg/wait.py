import asyncio


async def wait_a_little(event, results):
    try:
        await asyncio.wait_for(event.wait(), 0.05)
    except TimeoutError:
        pass
    results.append("waited")


async def guarded(results):
    lock = asyncio.Lock()
    async with lock:
        await asyncio.sleep(0.01)
        results.append("locked")


async def main():
    results = []
    event = asyncio.Event()
    await wait_a_little(event, results)
    await guarded(results)
    return results
