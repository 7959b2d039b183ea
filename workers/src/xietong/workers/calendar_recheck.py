"""After a year's notice is entered: the open cases whose due dates were provisional, and moving them.

The deadline worker records every due date it sets (``deadline_set`` in the case store, with the
limit, the start and whether it was provisional). Recounting those on the calendar as it is now
gives each one's exact date. Where it differs, the engine's boundary timer still waits for the old
instant, because Zeebe evaluates a ``timeDate`` once, when the task is entered.

How a timer is moved — Zeebe's own protocol, no engine internals (works on a Camunda 8.8 cluster):

1. ``POST /v2/user-tasks/search`` (REST v2) finds the step's open user task and its element instance;
2. ``ModifyProcessInstance`` (gRPC) terminates that element instance and activates the same element
   again, with a variable instruction (empty scope id: the process instance's root scope) that sets
   the due variable to the exact date and ``<dueVariable>Provisional`` to false. Entering the task
   again evaluates its boundary timer with the new date. The task gets a new key; an assignee it
   had is assigned again (``POST /v2/user-tasks/{key}/assignment``).
3. A step no longer waiting only gets the variables (``SetVariables`` on the instance).

Each move is recorded as a new ``deadline_set`` event, so a second recheck finds nothing to do.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from xietong.workers.calendar import DueDate, TimeLimit, WorkingDayCalendar
from xietong.workers.case_store import CaseStatus, CaseStore, EventKind, Source
from xietong.workers.handlers.job import china_time, parse_date_time
from xietong.workers.oauth_token import BearerAuth, OAuthToken
from xietong.workers.settings import WorkerSettings

MAX_OPEN_CASES = 100_000


def provisional_flag(due_variable: str) -> str:
    """The variable beside the due date that says whether it was counted provisionally."""
    return f"{due_variable}Provisional"


@dataclass(frozen=True)
class ProvisionalDeadline:
    case_id: str
    process_instance_key: int | None
    step_id: str
    due_variable: str
    recorded_due: str
    started_at: str
    limit: dict[str, Any]
    now: DueDate

    @property
    def changed(self) -> bool:
        return china_time(self.now.at) != self.recorded_due

    @property
    def still_provisional(self) -> bool:
        return self.now.provisional


def provisional_deadlines(store: CaseStore, calendar: WorkingDayCalendar) -> Iterator[ProvisionalDeadline]:
    """Each open case's latest due date per due variable that was counted provisionally, recounted."""
    for summary in store.summaries(CaseStatus.OPEN, limit=MAX_OPEN_CASES):
        latest: dict[tuple[int | None, str], Any] = {}
        for event in store.events(summary.case.case_id):
            variable = event.detail.get("dueVariable")
            if event.kind == EventKind.DEADLINE_SET and isinstance(variable, str):
                latest[(event.process_instance_key, variable)] = event
        for (instance, variable), event in latest.items():
            if not event.detail.get("provisional"):
                continue
            started = parse_date_time(str(event.detail.get("startedAt")), ValueError)
            limit = TimeLimit.parse(event.detail.get("limit"), field="recorded limit")
            yield ProvisionalDeadline(
                case_id=summary.case.case_id,
                process_instance_key=instance,
                step_id=event.step_id or "",
                due_variable=variable,
                recorded_due=str(event.detail.get("due")),
                started_at=str(event.detail.get("startedAt")),
                limit=dict(event.detail.get("limit") or {}),
                now=calendar.due_date(started, limit),
            )


@dataclass(frozen=True)
class Move:
    deadline: ProvisionalDeadline
    outcome: str  # "timer moved", "variables set (step not waiting)"


class TimerMover:
    """Moves a step's deadline through the engine's gRPC gateway and REST API (see the module doc)."""

    def __init__(
        self,
        channel: grpc.Channel,
        rest_url: str,
        token: str | None = None,
        auth: httpx.Auth | None = None,
        verify: str | bool = True,
    ) -> None:
        self._gateway = GatewayStub(channel)
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=rest_url.rstrip("/").removesuffix("/v2"),
            headers=headers,
            timeout=30,
            auth=auth,
            verify=verify,
        )
        self._owned: list[Any] = []  # what open_mover opened for it: the channel, the token source

    def close(self) -> None:
        self._http.close()
        for resource in self._owned:
            resource.close()

    def _open_task(self, instance: int, element_id: str) -> dict[str, Any] | None:
        response = self._http.post(
            "/v2/user-tasks/search",
            json={
                "filter": {"processInstanceKey": str(instance), "state": "CREATED", "elementId": element_id}
            },
        )
        response.raise_for_status()
        items = [item for item in response.json().get("items", []) if item.get("elementId") == element_id]
        return items[0] if items else None

    def move(self, deadline: ProvisionalDeadline) -> Move:
        if deadline.process_instance_key is None:
            raise ValueError(f"case {deadline.case_id}: the recorded due date names no process instance")
        instance = deadline.process_instance_key
        variables = json.dumps(
            {
                deadline.due_variable: china_time(deadline.now.at),
                provisional_flag(deadline.due_variable): False,
            }
        )
        task = self._open_task(instance, deadline.step_id)
        if task is None:
            self._gateway.SetVariables(
                pb.SetVariablesRequest(elementInstanceKey=instance, variables=variables, local=False)
            )
            return Move(deadline, "variables set (step not waiting)")
        self._gateway.ModifyProcessInstance(
            pb.ModifyProcessInstanceRequest(
                processInstanceKey=instance,
                activateInstructions=[
                    pb.ModifyProcessInstanceRequest.ActivateInstruction(
                        elementId=deadline.step_id,
                        variableInstructions=[
                            pb.ModifyProcessInstanceRequest.VariableInstruction(
                                variables=variables, scopeId=""
                            )
                        ],
                    )
                ],
                terminateInstructions=[
                    pb.ModifyProcessInstanceRequest.TerminateInstruction(
                        elementInstanceKey=int(task["elementInstanceKey"])
                    )
                ],
            )
        )
        assignee = task.get("assignee")
        if assignee:
            new_task = self._open_task(instance, deadline.step_id)
            if new_task is not None:
                self._http.post(
                    f"/v2/user-tasks/{new_task['userTaskKey']}/assignment", json={"assignee": assignee}
                ).raise_for_status()
        return Move(deadline, "timer moved")


def open_mover(settings: WorkerSettings, rest_url: str) -> TimerMover:
    """A mover reaching the gateway as the workers do — plaintext, TLS with a static token, or OAuth
    client credentials (one token source for gRPC and REST, ``oauth_token``) — and REST at ``rest_url``
    with the same credentials; closing it closes the channel too."""
    oauth = OAuthToken(settings) if settings.uses_oauth else None
    token = settings.zeebe_token.get_secret_value() if settings.zeebe_token else None
    verify: str | bool = str(settings.zeebe_tls_ca) if settings.zeebe_tls_ca else True
    if settings.uses_tls:
        root = settings.zeebe_tls_ca.read_bytes() if settings.zeebe_tls_ca else None
        credentials = grpc.ssl_channel_credentials(root)
        if oauth is not None:
            credentials = grpc.composite_channel_credentials(credentials, oauth.call_credentials())
        elif token is not None:
            call = grpc.access_token_call_credentials(token)
            credentials = grpc.composite_channel_credentials(credentials, call)
        channel = grpc.secure_channel(settings.zeebe_address, credentials)
    else:
        channel = grpc.insecure_channel(settings.zeebe_address)
    auth = BearerAuth(oauth) if oauth is not None else None
    mover = TimerMover(channel, rest_url, None if oauth else token, auth=auth, verify=verify)
    mover._owned = [channel, *([oauth] if oauth else [])]
    return mover


def record_move(store: CaseStore, move: Move, at: dt.datetime) -> None:
    """The exact date as the case's latest due date for that step (the console reads it from here)."""
    deadline = move.deadline
    store.record(
        deadline.case_id,
        EventKind.DEADLINE_SET,
        Source(process_instance_key=deadline.process_instance_key, step_id=deadline.step_id),
        at,
        {
            "dueVariable": deadline.due_variable,
            "due": china_time(deadline.now.at),
            "startedAt": deadline.started_at,
            "limit": deadline.limit,
            "provisional": deadline.now.provisional,
            "provisionalYears": list(deadline.now.provisional_years),
            "recheck": {"was": deadline.recorded_due, "outcome": move.outcome},
        },
    )
