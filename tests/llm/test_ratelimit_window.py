"""The adaptive concurrency window (``llm.ratelimit.AdaptiveWindow``): how many waiting requests each
finished one wakes, that it never admits more than its limit, and that a cancelled waiter leaks no slot.

Wake-ups are counted as the event loop's ``call_soon`` calls (every resumed task and every resolved
future goes through it), so the count does not depend on how the window is built: waking every waiter on
each completion makes it grow with requests x waiters, handing each free slot to one waiter keeps it a
few per request."""

from __future__ import annotations

import asyncio
import random

from llm.ratelimit import AdaptiveWindow


def _loop_callbacks(n: int, k: int) -> int:
    """Callbacks the event loop schedules while ``n`` requests, all queued at once, pass a window of ``k``."""
    loop = asyncio.new_event_loop()
    calls = 0
    call_soon = loop.call_soon

    def counting(*args, **kwargs):
        nonlocal calls
        calls += 1
        return call_soon(*args, **kwargs)

    loop.call_soon = counting

    async def batch() -> None:
        window = AdaptiveWindow(start=k, ceiling=k)

        async def one() -> None:
            async with window:
                await asyncio.sleep(0)  # the request
            await window.succeeded()

        await asyncio.gather(*(one() for _ in range(n)))

    try:
        loop.run_until_complete(batch())
    finally:
        loop.close()
    return calls


def test_each_finished_request_wakes_one_waiter_not_all():
    small, large = _loop_callbacks(400, 4), _loop_callbacks(800, 4)
    assert small <= 10 * 400  # a few per request (waking every waiter: ~21,000)
    assert large <= 2.5 * small  # linear in the requests, not requests x waiters


def test_wakeups_are_one_per_waiting_request():
    async def batch() -> AdaptiveWindow:
        window = AdaptiveWindow(start=3, ceiling=3)

        async def one() -> None:
            async with window:
                await asyncio.sleep(0)
            await window.succeeded()

        await asyncio.gather(*(one() for _ in range(50)))
        return window

    window = asyncio.run(batch())
    assert window.wakeups == 50 - 3 and window.in_flight == 0  # the first 3 never waited


def test_window_never_exceeds_its_limit():
    """Random 429s (inside the slot, as ``llm.transport.send`` reports them) and successes: no more than
    ``ceiling`` in flight, and a new request is admitted only under the current limit (one admitted before
    a halving finishes, as a request already in flight does)."""
    rng = random.Random(7)

    async def batch() -> tuple[int, int]:
        window = AdaptiveWindow(start=4, ceiling=8)
        active, peak, high = 0, 0, 0  # high: the limit before the latest halving, until the window drains

        async def one(i: int) -> None:
            nonlocal active, peak, high
            async with window:
                active += 1
                peak = max(peak, active)
                assert active <= window.ceiling and active <= max(window.limit, high)
                await asyncio.sleep(rng.random() / 1000)
                throttled = rng.random() < 0.15
                if throttled:
                    high = max(high, window.limit)
                    await window.throttled()
                active -= 1
            if window.in_flight <= window.limit:
                high = 0
            if not throttled:
                await window.succeeded()

        await asyncio.gather(*(one(i) for i in range(300)))
        return peak, window.in_flight

    peak, left = asyncio.run(batch())
    assert 1 < peak <= 8 and left == 0


def test_steady_window_fills_to_its_limit_exactly():
    async def batch() -> int:
        window = AdaptiveWindow(start=5, ceiling=5)
        active = peak = 0

        async def one() -> None:
            nonlocal active, peak
            async with window:
                active += 1
                peak = max(peak, active)
                await asyncio.sleep(0.001)
                active -= 1
            await window.succeeded()

        await asyncio.gather(*(one() for _ in range(100)))
        return peak

    assert asyncio.run(batch()) == 5


def test_cancelled_waiters_leak_no_slot():
    """A waiter cancelled while waiting gives up its place; one cancelled after it was handed a slot,
    before it ran, passes the slot on (else the next waiter would wait for a wake-up that never comes)."""

    async def batch() -> tuple[list[str], int]:
        window = AdaptiveWindow(start=1, ceiling=1)
        await window.__aenter__()  # this task holds the only slot
        entered: list[str] = []

        async def one(name: str) -> None:
            async with window:
                entered.append(name)

        a, b, c = (asyncio.create_task(one(n)) for n in "abc")
        await asyncio.sleep(0)  # all three waiting
        b.cancel()
        await asyncio.sleep(0)
        await window.__aexit__(None, None, None)  # the slot goes to a...
        a.cancel()  # ...cancelled before it runs
        await asyncio.wait_for(asyncio.gather(a, b, c, return_exceptions=True), timeout=2)
        return entered, window.in_flight

    entered, left = asyncio.run(batch())
    assert entered == ["c"] and left == 0
