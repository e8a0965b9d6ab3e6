import asyncio

from pkg.fetch import poll


def test_poll_swallows_connect_timeout():
    results = []
    asyncio.run(poll(results))
    assert results == ["polled"]
