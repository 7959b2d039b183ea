"""Timers: intermediate durations and dates, interrupting and non-interrupting boundary timers (cycles
keep firing until the activity ends), timer start events; all driven by the engine clock."""

from __future__ import annotations

from datetime import timedelta

from xietong.engine.testing import Harness, bpmn, chain, guarded, service_task


def timer(kind: str, value: str) -> str:
    return f"<bpmn:timerEventDefinition><bpmn:{kind}>{value}</bpmn:{kind}></bpmn:timerEventDefinition>"


WAIT = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait">'
    + timer("timeDuration", "=waitFor")
    + "</bpmn:intermediateCatchEvent>"
    + service_task("t", "after")
    + '<bpmn:endEvent id="e"/>'
    + chain("s", "wait", "t", "e")
)


def test_intermediate_timer_fires_when_the_clock_reaches_it(h: Harness) -> None:
    h.deploy(WAIT)
    pi = h.start(variables={"waitFor": "PT2H"})
    assert h.active_elements(pi) == ["wait"]
    h.engine.clock.add(timedelta(minutes=119))
    assert h.active_elements(pi) == ["wait"]
    h.engine.clock.add(timedelta(minutes=1))
    assert h.active_elements(pi) == ["t"]
    triggered = [i for i in h.intents(pi, "TIMER") if i.startswith("TIMER:TRIGGERED")]
    assert triggered == ["TIMER:TRIGGERED:wait"]


def test_timer_date(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait">'
            + timer("timeDate", "2025-03-04T09:00:00Z")
            + "</bpmn:intermediateCatchEvent>"
            + '<bpmn:endEvent id="e"/>'
            + chain("s", "wait", "e")
        )
    )
    pi = h.start()
    h.engine.clock.add(timedelta(hours=23, minutes=59))
    assert h.state(pi) == "ACTIVE"
    h.engine.clock.add(timedelta(minutes=1))
    assert h.state(pi) == "COMPLETED"


def boundary(bid: str, attached: str, definition: str, interrupting: bool = True) -> str:
    cancel = "" if interrupting else ' cancelActivity="false"'
    return (
        f'<bpmn:boundaryEvent id="{bid}" attachedToRef="{attached}"{cancel}>{definition}</bpmn:boundaryEvent>'
    )


def test_interrupting_boundary_timer_cancels_the_job(h: Harness) -> None:
    h.deploy(
        bpmn(
            guarded(
                "t",
                service_task("t", "slow"),
                "late",
                boundary("late", "t", timer("timeDuration", "P1D")),
                "escalate",
            )
        )
    )
    pi = h.start()
    assert len(h.jobs("slow")) == 1
    h.engine.clock.add(timedelta(days=1))
    assert h.active_elements(pi) == ["escalate"]
    assert h.engine.queries.jobs(process_instance_key=pi, state="ACTIVATED") == []


def reminding(cycle: str) -> bytes:
    """A slow task whose non-interrupting timer cycle starts a ``notify`` job each time it fires."""
    return bpmn(
        guarded(
            "t",
            service_task("t", "slow"),
            "remind",
            boundary("remind", "t", timer("timeCycle", cycle), interrupting=False),
            "notify",
        )
    )


def test_non_interrupting_cycle_fires_repeatedly_until_the_task_ends(h: Harness) -> None:
    h.deploy(reminding("R3/PT1H"))
    pi = h.start()
    for _ in range(5):
        h.engine.clock.add(timedelta(hours=1))
    assert len(h.jobs("notify")) == 3  # R3: exactly three reminders
    assert "t" in h.active_elements(pi)


def test_cycle_stops_when_the_activity_completes(h: Harness) -> None:
    h.deploy(reminding("R/PT1H"))
    h.start()
    h.engine.clock.add(timedelta(hours=1))
    h.complete("slow")
    h.engine.clock.add(timedelta(hours=5))
    assert len(h.jobs("notify")) == 1


def test_timer_start_event_creates_instances_per_cycle(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="tick">'
            + timer("timeCycle", "R2/PT10M")
            + "</bpmn:startEvent>"
            + service_task("t", "routine")
            + '<bpmn:endEvent id="e"/>'
            + chain("tick", "t", "e"),
            process_id="routine",
        )
    )
    assert h.engine.queries.search_process_instances(bpmn_process_id="routine") == []
    h.engine.clock.add(timedelta(minutes=10))
    h.engine.clock.add(timedelta(minutes=10))
    h.engine.clock.add(timedelta(minutes=10))
    assert len(h.engine.queries.search_process_instances(bpmn_process_id="routine")) == 2


def test_timer_boundary_on_a_sub_process_terminates_everything_inside(h: Harness) -> None:
    h.deploy(
        bpmn(
            guarded(
                "sub",
                '<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
                + service_task("t", "slow")
                + '<bpmn:endEvent id="se"/>'
                + chain("ss", "t", "se")
                + "</bpmn:subProcess>",
                "deadline",
                boundary("deadline", "sub", timer("timeDuration", "P3D")),
                "escalate",
            )
        )
    )
    pi = h.start()
    h.engine.clock.add(timedelta(days=3))
    assert h.active_elements(pi) == ["escalate"]
    assert h.jobs("slow") == ()


def test_signal_boundary_event(h: Harness) -> None:
    from xietong.engine.commands import BroadcastSignal

    h.deploy(
        bpmn(
            guarded(
                "t",
                service_task("t", "work"),
                "stop",
                boundary("stop", "t", '<bpmn:signalEventDefinition signalRef="sig"/>'),
            ),
            extra='<bpmn:signal id="sig" name="停工"/>',
        )
    )
    pi = h.start()
    h.engine.execute(BroadcastSignal("停工"))
    assert h.state(pi) == "COMPLETED"
    assert [i for i in h.intents(pi, "PROCESS_INSTANCE") if i.endswith(":stop")][-1].startswith(
        "PROCESS_INSTANCE:ELEMENT_COMPLETED"
    )
