import asyncio

from tagged import where_am_i


async def test_runs_on_the_policys_loop(expected_loop):
    assert await where_am_i() == expected_loop


async def test_fixtures_share_the_tests_loop(fixture_loop, expected_loop):
    assert fixture_loop is asyncio.get_running_loop()
    assert await where_am_i() == expected_loop


def test_sync_tests_run_once_per_policy(request):
    assert request.node.name.endswith(("[default]", "[tagged]"))
