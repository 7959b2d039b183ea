"""Cron expressions in timeCycle (Zeebe's Spring-style six fields)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from xietong.engine.commands import Deploy
from xietong.engine.cron import CronError, parse_cron
from xietong.engine.errors import DeploymentRejected
from xietong.engine.testing import Harness, bpmn, chain, service_task


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 0 9 * * MON-FRI", "2025-03-07T09:00:00", "2025-03-10T09:00:00"),  # Friday 09:00 -> Monday
        ("0 */15 * * * *", "2025-03-03T10:07:30", "2025-03-03T10:15:00"),
        ("0 0 0 1 1/3 ?", "2025-02-10T00:00:00", "2025-04-01T00:00:00"),  # quarterly
        ("30 0 8 15 * *", "2025-03-15T08:00:30", "2025-04-15T08:00:30"),
    ],
)
def test_next_fire_time(expression: str, after: str, expected: str) -> None:
    assert parse_cron(expression).next_after(at(after)) == at(expected)


@pytest.mark.parametrize("expression", ["0 0 9 * *", "0 0 25 * * *", "0 0 9 L * ?", "x 0 9 * * *"])
def test_bad_cron_is_refused(expression: str) -> None:
    with pytest.raises(CronError):
        parse_cron(expression)


def test_cron_timer_start_event_fires_on_schedule(h: Harness) -> None:
    h.deploy(
        bpmn(
            '<bpmn:startEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeCycle>0 0 9 * * MON-FRI'
            "</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>"
            + service_task("t", "daily")
            + '<bpmn:endEvent id="e"/>'
            + chain("tick", "t", "e"),
            process_id="daily",
        )
    )
    # the pinned clock starts on Monday 2025-03-03 09:00: next fires Tue..Fri 09:00, then the next Monday
    for _ in range(7):
        h.engine.clock.add(timedelta(days=1))
    assert len(h.engine.queries.search_process_instances(bpmn_process_id="daily")) == 5


def test_bad_cron_in_a_model_is_a_deployment_problem(h: Harness) -> None:
    model = bpmn(
        '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="c"><bpmn:timerEventDefinition>'
        "<bpmn:timeCycle>0 0 99 * * *</bpmn:timeCycle></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>" + chain("s", "c")
    )
    expected = r"- Element: c\n    - ERROR: Invalid timer cycle expression \(hours"
    with pytest.raises(DeploymentRejected, match=expected):
        h.engine.execute(Deploy((("cron.bpmn", model),)))
