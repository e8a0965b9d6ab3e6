import asyncio

from loops import loop_name


async def test_runs_on_the_loop_its_id_names(request):
    await asyncio.sleep(0)
    assert request.node.name.endswith(f"[{loop_name()}]")


async def test_fixtures_run_on_the_tests_loop(fixture_loop_name):
    assert fixture_loop_name == loop_name()


def test_sync_tests_run_once():
    assert True
