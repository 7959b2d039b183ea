"""Restart recovers every committed change; timers that came due while the engine was down fire on start."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from xietong.engine import Engine
from xietong.engine.commands import CompleteJob, PublishMessage
from xietong.engine.testing import Harness, bpmn, guarded, one_task, pinned_clock, service_task

MODEL = bpmn(
    guarded(
        "t",
        service_task("t", "work"),
        "late",
        '<bpmn:boundaryEvent id="late" attachedToRef="t"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>",
        "escalate",
    )
)


def test_state_survives_restart_and_due_timers_fire_on_start(tmp_path: Path) -> None:
    clock = pinned_clock()
    with Engine(tmp_path, clock=clock) as engine:
        h = Harness(engine)
        h.deploy(MODEL)
        done = h.start(variables={"n": 1})
        waiting = h.start(variables={"n": 2})
        timed = h.start(variables={"n": 3})
        jobs = {j.process_instance_key: j for j in h.jobs("work")}
        engine.execute(CompleteJob(jobs[done].key, {"ok": True}))
        engine.execute(PublishMessage("later", "k", 3_600_000, "id-1"))
    clock.add(timedelta(hours=2))  # the engine is down while the boundary timers come due
    with Engine(tmp_path, clock=clock) as engine:
        h = Harness(engine)
        assert h.state(done) == "COMPLETED" and h.variables(done) == {"n": 1, "ok": True}
        # both waiting instances' timers fired at start: the activated jobs were cancelled
        assert sorted(j.process_instance_key for j in h.jobs("escalate")) == sorted([waiting, timed])
        assert h.jobs("work") == ()
        new = h.start()
        assert new > timed  # the key generator continued, no key reused
        records = engine.queries.records(waiting)
        positions = [r.position for r in records]
        assert positions == sorted(positions) and len(set(positions)) == len(positions)


def test_activated_jobs_stay_activated_across_restart(tmp_path: Path) -> None:
    clock = pinned_clock()
    with Engine(tmp_path, clock=clock) as engine:
        h = Harness(engine)
        h.deploy(bpmn(one_task("work")))
        h.start()
        (job,) = h.jobs("work", timeout_ms=60_000)
    with Engine(tmp_path, clock=clock) as engine:
        h = Harness(engine)
        assert h.jobs("work") == ()  # still activated: not handed out twice
        clock.add(timedelta(minutes=1))
        (again,) = h.jobs("work")
        assert again.key == job.key
