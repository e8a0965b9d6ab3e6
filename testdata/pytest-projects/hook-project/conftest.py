import asyncio

import pytest


def pytest_asyncio_loop_factories(config, item):
    # Each async test runs once per loop, its id naming the loop.
    from loops import TaggedLoop

    return {
        "default": asyncio.new_event_loop,
        "tagged": TaggedLoop,
    }


@pytest.fixture
async def fixture_loop_name():
    from loops import loop_name

    return loop_name()
