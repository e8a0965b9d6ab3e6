"""put_nowait / get_nowait with QueueEmpty (AM401): WouldBlock replaces it."""
# e2e-flags: --unsafe
# e2e-expect: except anyio.WouldBlock:
# e2e-expect: q_receive.receive_nowait()
# e2e-absent: asyncio
# e2e-backends: asyncio trio

import asyncio


async def main() -> None:
    q = asyncio.Queue()
    for word in ["alpha", "beta"]:
        q.put_nowait(word)
    print("empty?", q.empty(), "size", q.qsize())
    seen = []
    while True:
        try:
            seen.append(q.get_nowait())
        except asyncio.QueueEmpty:
            break
    print("seen", seen, "empty?", q.empty())


asyncio.run(main())
