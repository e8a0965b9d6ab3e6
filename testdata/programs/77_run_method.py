"""The program's entry point is a method of an object made for it.

`asyncio.run(Counter(3).run("tick"))` becomes
`anyio.run(Counter(3).run, "tick")` (AM001): the object is made before the
loop starts in both, and the coroutine function gets the same argument.
"""
# e2e-backends: asyncio trio
# e2e-expect: anyio.run(Counter(3).run, "tick")
# e2e-absent: asyncio

import asyncio


class Counter:
    def __init__(self, n: int) -> None:
        self.n = n
        print("made", n)

    async def run(self, word: str) -> None:
        for i in range(self.n):
            await asyncio.sleep(0)
            print(word, i)


asyncio.run(Counter(3).run("tick"))
