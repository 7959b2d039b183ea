"""The engine's processing on an event loop (as ``engine serve`` runs it): commands, queries from
other threads, timers on the engine clock and on the real clock, and closing with work queued."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from xietong.engine import Clock, Engine
from xietong.engine.commands import CreateProcessInstance, Deploy
from xietong.engine.errors import ResourceExhausted
from xietong.engine.testing import START, Harness, bpmn, chain, service_task

WAIT = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait">'
    "<bpmn:timerEventDefinition><bpmn:timeDuration>=waitFor</bpmn:timeDuration></bpmn:timerEventDefinition>"
    "</bpmn:intermediateCatchEvent>"
    + service_task("t", "after")
    + '<bpmn:endEvent id="e"/>'
    + chain("s", "wait", "t", "e")
)


def pinned() -> Clock:
    clock = Clock()
    clock.pin(START)
    return clock


def test_commands_are_processed_on_the_loop_thread_and_from_other_threads(tmp_path: Path) -> None:
    async def scenario() -> None:
        engine = Engine(tmp_path / "data", clock=pinned()).start(loop=asyncio.get_running_loop())
        try:
            assert not [t for t in threading.enumerate() if t.name == "xietong-engine"]
            assert (
                engine.query(lambda p: threading.get_ident()) == threading.get_ident()
            )  # inline, no deadlock
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
        finally:
            engine.close()

    asyncio.run(scenario())


def test_a_timer_on_the_real_clock_fires_without_any_command(tmp_path: Path) -> None:
    async def scenario() -> None:
        engine = Engine(tmp_path / "data").start(loop=asyncio.get_running_loop())
        created: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        engine.add_job_listener(lambda job_type: created.done() or created.set_result(job_type))
        try:
            Harness(engine).deploy(WAIT)
            await asyncio.wrap_future(
                engine.submit(CreateProcessInstance(bpmn_process_id="p", variables={"waitFor": "PT0.05S"}))
            )
            assert (
                await asyncio.wait_for(created, 10) == "after"
            )  # armed with call_later, nothing else woke it
        finally:
            engine.close()

    asyncio.run(scenario())


def test_closing_processes_what_is_queued_and_refuses_what_comes_after(tmp_path: Path) -> None:
    async def scenario() -> None:
        engine = Engine(tmp_path / "data", clock=pinned()).start(loop=asyncio.get_running_loop())
        Harness(engine).deploy(WAIT)
        queued = [
            engine.submit(CreateProcessInstance(bpmn_process_id="p", variables={"waitFor": "PT1H"}))
            for _ in range(3)
        ]
        engine.close()  # before the loop ran the scheduled step
        assert all(f.result(0).process_instance_key > 0 for f in queued)
        with pytest.raises(ResourceExhausted):
            engine.submit(Deploy((("again.bpmn", WAIT),))).result(0)

    asyncio.run(scenario())
