"""How long-polling waiters are woken: oldest first, one per signal, nothing lost on the way."""

from __future__ import annotations

import asyncio
import threading

from xietong.engine.gateway.job_signals import JobSignals


def test_a_signal_wakes_the_oldest_waiter_only() -> None:
    async def main() -> None:
        signals = JobSignals(asyncio.get_running_loop())
        with signals.watch("a") as first, signals.watch("a") as second, signals.watch("b") as other:
            signals.notify_local("a")
            assert first.event.is_set()
            assert not second.event.is_set() and not other.event.is_set()
            signals.notify_local("a")
            assert second.event.is_set()
            assert signals.waiting("a") == 0 and signals.waiting("b") == 1

    asyncio.run(main())


def test_a_waiter_woken_but_gone_without_acting_passes_the_wake_up_on() -> None:
    async def main() -> None:
        signals = JobSignals(asyncio.get_running_loop())
        older_watch = signals.watch("a")
        older = older_watch.__enter__()
        with signals.watch("a") as newer:
            signals.notify_local("a")
            assert older.event.is_set() and not newer.event.is_set()
            older_watch.__exit__(None, None, None)  # e.g. the client cancelled its call
            assert newer.event.is_set()

    asyncio.run(main())


def test_a_waiter_that_acted_on_its_wake_up_keeps_it() -> None:
    async def main() -> None:
        signals = JobSignals(asyncio.get_running_loop())
        older_watch = signals.watch("a")
        older = older_watch.__enter__()
        with signals.watch("a") as newer:
            signals.notify_local("a")
            assert await older.wait(1.0)
            older_watch.__exit__(None, None, None)
            assert not newer.event.is_set()

    asyncio.run(main())


def test_engine_thread_notifications_reach_the_loop() -> None:
    async def main() -> None:
        signals = JobSignals(asyncio.get_running_loop())
        with signals.watch("a") as waiter:
            threads = [threading.Thread(target=signals.notify, args=("a",)) for _ in range(5)]
            for thread in threads:
                thread.start()
            assert await waiter.wait(5.0)
            for thread in threads:
                thread.join()
        assert waiter.acted

    asyncio.run(main())


def test_close_wakes_every_waiter() -> None:
    async def main() -> None:
        signals = JobSignals(asyncio.get_running_loop())
        with signals.watch("a") as first, signals.watch("a") as second, signals.watch("b") as third:
            signals.close()
            assert all(w.event.is_set() for w in (first, second, third))
        assert signals.closed

    asyncio.run(main())
