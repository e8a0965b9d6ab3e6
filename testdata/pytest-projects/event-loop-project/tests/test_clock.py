import asyncio


async def test_the_loop_keeps_time(event_loop):
    before = event_loop.time()
    await asyncio.sleep(0.01)
    assert event_loop.time() > before


async def test_without_the_loop():
    await asyncio.sleep(0)


def test_sync():
    assert True
