import asyncio

import pytest
import pytest_asyncio

from tagged import TaggedPolicy


# Every test runs once per policy (the plugin's own `event_loop_policy` is
# autouse), synchronous tests too.
@pytest.fixture(params=["default", "tagged"])
def event_loop_policy(request):
    if request.param == "tagged":
        return TaggedPolicy()
    return asyncio.DefaultEventLoopPolicy()


@pytest.fixture
def expected_loop(event_loop_policy):
    return "tagged policy" if isinstance(event_loop_policy, TaggedPolicy) else "default"


@pytest_asyncio.fixture
async def fixture_loop():
    yield asyncio.get_running_loop()
