import asyncio

import pytest


@pytest.fixture
def event_loop():
    # A fresh default loop per test, as old suites wrote it.
    loop = asyncio.get_event_loop_policy().new_event_loop()
    yield loop
    loop.close()
