"""An engine started with the gateway's event loop (as ``engine serve`` runs it): an idle engine
processes a command from the loop on the loop, a busy one on its thread, in submission order;
blocking calls from the loop, other threads, timers and closing with work queued still work."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from xietong.engine import Clock, Engine
from xietong.engine.commands import CreateProcessInstance, Deploy
from xietong.engine.engine import QUIET_BEFORE_INLINE_S, _Query
from xietong.engine.errors import ResourceExhausted
from xietong.engine.testing import Harness, bpmn, chain, pinned_clock, service_task

WAIT = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait">'
    "<bpmn:timerEventDefinition><bpmn:timeDuration>=waitFor</bpmn:timeDuration></bpmn:timerEventDefinition>"
    "</bpmn:intermediateCatchEvent>"
    + service_task("t", "after")
    + '<bpmn:endEvent id="e"/>'
    + chain("s", "wait", "t", "e")
)


def on_loop(
    tmp_path: Path, scenario: Callable[[Engine], Awaitable[None]], clock: Clock | None = None
) -> None:
    """Runs ``scenario`` on a fresh event loop with an engine started on that loop, as ``engine serve``
    starts it (the real clock unless ``clock``); the engine is closed afterwards, whatever happened."""

    async def main() -> None:
        engine = Engine(tmp_path / "data", clock=clock).start(loop=asyncio.get_running_loop())
        try:
            await scenario(engine)
        finally:
            engine.close()  # a no-op for a scenario that closed it itself

    asyncio.run(main())


def test_an_idle_engine_processes_on_the_loop_and_blocking_calls_do_not_deadlock(tmp_path: Path) -> None:
    async def scenario(engine: Engine) -> None:
        here = threading.get_ident()
        # idle (the engine thread asleep): processed on the loop itself, without a hand-off
        processed_on = set()
        for _ in range(100):  # right after start, or a query, the thread may still be finishing a step
            await asyncio.sleep(QUIET_BEFORE_INLINE_S * 2)  # quiet: what makes the engine idle
            ident = await asyncio.wrap_future(engine.submit(_Query(lambda p: threading.get_ident())))
            processed_on.add(ident)
            if ident == here:
                break
        assert here in processed_on
        # a blocking call from the loop cannot wait for a step on the loop: the engine thread takes it
        assert engine.query(lambda p: threading.get_ident()) != here
        h = Harness(engine)
        h.deploy(WAIT)
        # another thread blocks on its command while the loop, free, processes it
        created = await asyncio.to_thread(
            engine.execute, CreateProcessInstance(bpmn_process_id="p", variables={"waitFor": "PT1H"}), 10
        )
        pi = created.process_instance_key
        assert h.active_elements(pi) == ["wait"]
        await asyncio.to_thread(engine.clock.add, timedelta(minutes=59))
        await asyncio.wrap_future(engine.settled())
        assert h.active_elements(pi) == ["wait"]
        await asyncio.to_thread(engine.clock.add, timedelta(minutes=1))  # the clock wakes the loop
        await asyncio.wrap_future(engine.settled())
        assert h.active_elements(pi) == ["t"]

    on_loop(tmp_path, scenario, pinned_clock())


def test_a_timer_on_the_real_clock_fires_without_any_command(tmp_path: Path) -> None:
    async def scenario(engine: Engine) -> None:
        loop = asyncio.get_running_loop()
        created: asyncio.Future[str] = loop.create_future()
        # the timer fires on the engine thread: the listener hands the news to the loop
        engine.add_job_listener(
            lambda job_type: loop.call_soon_threadsafe(lambda: created.done() or created.set_result(job_type))
        )
        Harness(engine).deploy(WAIT)
        await asyncio.wrap_future(
            engine.submit(CreateProcessInstance(bpmn_process_id="p", variables={"waitFor": "PT0.05S"}))
        )
        assert await asyncio.wait_for(created, 10) == "after"  # armed with call_later, nothing else woke it

    on_loop(tmp_path, scenario)


def test_commands_keep_their_order_whichever_thread_processes_them(tmp_path: Path) -> None:
    async def scenario(engine: Engine) -> None:
        Harness(engine).deploy(WAIT)
        order: list[int] = []
        futures = []
        for i in range(200):  # from the loop and from a thread, interleaved
            if i % 2:
                futures.append(engine.submit(_Query(lambda p, i=i: order.append(i))))
            else:
                futures.append(await asyncio.to_thread(engine.submit, _Query(lambda p, i=i: order.append(i))))
            if i % 7 == 0:
                await asyncio.sleep(0)  # let the loop take a step now and then
        await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))
        assert order == list(range(200))

    on_loop(tmp_path, scenario, pinned_clock())


def test_closing_processes_what_is_queued_and_refuses_what_comes_after(tmp_path: Path) -> None:
    async def scenario(engine: Engine) -> None:
        Harness(engine).deploy(WAIT)
        queued = [
            engine.submit(CreateProcessInstance(bpmn_process_id="p", variables={"waitFor": "PT1H"}))
            for _ in range(3)
        ]
        engine.close()  # before the loop ran the scheduled step
        assert all(f.result(0).process_instance_key > 0 for f in queued)
        with pytest.raises(ResourceExhausted):
            engine.submit(Deploy((("again.bpmn", WAIT),))).result(0)

    on_loop(tmp_path, scenario, pinned_clock())
