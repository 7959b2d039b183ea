"""With the real clock (not pinned) the engine wakes up by itself when the next timer is due."""

from __future__ import annotations

import threading
from pathlib import Path

from xietong.engine import Engine
from xietong.engine.testing import Harness, bpmn, chain, service_task


def test_timer_fires_on_real_time_without_any_command(tmp_path: Path) -> None:
    model = bpmn(
        '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT0.2S</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>"
        + service_task("t", "after")
        + '<bpmn:endEvent id="e"/>'
        + chain("s", "wait", "t", "e")
    )
    with Engine(tmp_path) as engine:
        created = threading.Event()
        engine.add_job_listener(lambda job_type: created.set() if job_type == "after" else None)
        h = Harness(engine)
        h.deploy(model)
        pi = h.start()
        assert created.wait(timeout=30), "the timer never fired"
        assert h.active_elements(pi) == ["t"]
