import asyncio

from pkg.wait import main


def test_main():
    assert asyncio.run(main()) == ["waited", "locked"]
