"""The demo's urgent chapter: the two paths issue 14 asks to see running, on the same engine and clock.

- 武义 案件移送 (003: 情况紧急的…并在24小时内移送): the clerk decides 情况紧急, the deadline worker counts
  24 clock hours from the discovery (not 3 working days, not from the decision), and when the engine clock
  passes that instant the 督办 goes out while the transfer stays open;
- 泗阳 紧急事件 (附件2 牵头单位 5): the lead reports to 县委县政府 (及时上报, read as 2 clock hours), the
  county approves, and the lead organises the collaborators, who enforce beside it.

Like the main story it acts through the county's interfaces only: cases start over gRPC, each clerk
completes their own department's tasks over REST with their own password, the workers do the rest.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import SecretStr
from pyzeebe import ZeebeClient

from xietong.demo.narrator import Narrator
from xietong.demo.people import DemoPeople
from xietong.engine.gateway.local_server import LocalServer, PinnedClock
from xietong.workers.calendar import CHINA, TimeLimit, WorkingDayCalendar
from xietong.workers.case_store import CaseEvent, CaseStore, EventKind
from xietong.workers.connection import open_channel
from xietong.workers.settings import WorkerSettings

WUYI_CASE_ID = "WY-2025-0001"
WUYI_PROCESS_ID = "wuyi_case_transfer"
WUYI_INITIATOR = "wuyi.agriculture"  # finds a violation that is 综合行政执法局's to handle
WUYI_RECEIVER = "wuyi.comprehensive_enforcement"
WUYI_GROUPS = [WUYI_INITIATOR, WUYI_RECEIVER]
SIYANG_CASE_ID = "SY-2025-0002"
SIYANG_PROCESS_ID = "siyang_joint_enforcement"

#: What the clerks decide (element id → variables on completion).
DECISIONS: dict[str, dict[str, Any]] = {
    "assess_urgency": {"urgency": "urgent"},
    "leader_approval": {"transferApproval": "approved"},
    "accept_case": {"jurisdictionView": "accepted"},
    "county_approval": {"emergencyApproval": "approved"},
}
DECISION_LABELS = {"urgent": "情况紧急", "approved": "同意", "accepted": "接收"}


def china(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).astimezone(CHINA)


class UrgentChapter:
    """Runs both cases to their end on a running engine with its workers and pinned clock."""

    def __init__(
        self,
        server: LocalServer,
        people: DemoPeople,
        store: CaseStore,
        clock: PinnedClock,
        say: Narrator,
        wait_for: Callable[[str, Callable[[], Any], str], Any],
        log_hint: str,
        failed: Callable[[str], Exception],
    ) -> None:
        self.server, self.people, self.store, self.clock, self.say = server, people, store, clock, say
        self._wait_for = wait_for
        self.log_hint = log_hint
        self.failed = failed  # the story's own failure, which `xietong demo` reports without a traceback
        self.names = {person.group: person.group_name for person in people.people}

    def run(self) -> None:
        self.say.chapter(
            "Urgent", "an urgent 武义 transfer and a 泗阳 emergency, on the same engine and clock"
        )
        self.urgent_wuyi_transfer()
        self.siyang_emergency()

    # -- the two cases ----------------------------------------------------------------------

    def urgent_wuyi_transfer(self) -> None:
        key = self.start(
            WUYI_PROCESS_ID,
            {
                "caseId": WUYI_CASE_ID,
                "initiator": WUYI_INITIATOR,
                "competentParty": WUYI_RECEIVER,
            },
        )
        self.say.line(
            f"(a) 武义 {WUYI_CASE_ID} 案件移送 (process instance {key}): "
            f"{self.names[WUYI_INITIATOR]} finds a violation for {self.names[WUYI_RECEIVER]}"
        )
        self.advance(dt.timedelta(hours=3), "the urgency is judged three hours after discovery")
        for element in ("assess_urgency", "order_stop", "prepare_materials", "leader_approval"):
            self.complete(key, element)
        due_event = self.wait_event(WUYI_CASE_ID, EventKind.DEADLINE_SET, "transfer_case")
        started, due = china(due_event.detail["startedAt"]), china(due_event.detail["due"])
        task = self.open_tasks(key, "transfer_case")[0]
        working = WorkingDayCalendar().due_date(
            started, TimeLimit.parse({"amount": 3, "unit": "workingDays"})
        )
        self.say.event(
            self.clock.now,
            "worker: deadline_set",
            f"「{task['name']}」 due {due:%m-%d %H:%M} = 24 hours from discovery "
            f"{started:%m-%d %H:%M} (not 3 working days: {working.at.astimezone(CHINA):%m-%d %H:%M})",
        )
        self.advance(
            due - self.clock.now + dt.timedelta(hours=1), "24 hours after discovery pass, not yet sent"
        )
        supervised = self.wait_event(WUYI_CASE_ID, EventKind.SUPERVISED, "transfer_case")
        self.say.event(
            supervised.at.astimezone(CHINA),
            "worker: supervised",
            f"督办 「{task['name']}」 to {self.name_of(supervised.detail.get('department'))}; "
            f"the transfer stays open",
        )
        for element in ("transfer_case", "accept_case", "handle_case"):
            self.complete(key, element)
        self.finish(key, WUYI_CASE_ID)

    def siyang_emergency(self) -> None:
        key = self.start(
            SIYANG_PROCESS_ID, {"caseId": SIYANG_CASE_ID, "entry": "emergency_lead", "itemNumber": 1}
        )
        report = self.open_tasks(key, "report_emergency")[0]
        lead = self.name_of(report["candidateGroups"][0])
        self.say.line(
            f"(b) 泗阳 {SIYANG_CASE_ID} 突发紧急事件 (process instance {key}): "
            f"{lead} must report it to 县委县政府 at once"
        )
        # the model's timer: 及时上报 read as 2 clock hours (config/policy.yaml, promptly_report)
        due = china(report["dueDate"])
        self.say.event(
            self.clock.now,
            "engine: due date",
            f"「{report['name']}」 due {due:%m-%d %H:%M} "
            f"(及时上报 = {(due - self.clock.now) // dt.timedelta(hours=1)} clock hours, a policy reading)",
        )
        self.advance(due - self.clock.now + dt.timedelta(minutes=1), "the report to 县委县政府 is late")
        supervised = self.wait_event(SIYANG_CASE_ID, EventKind.SUPERVISED, "report_emergency")
        self.say.event(
            supervised.at.astimezone(CHINA),
            "worker: supervised",
            f"督办 「{report['name']}」 to {self.name_of(supervised.detail.get('department'))}",
        )
        for element in ("report_emergency", "county_approval", "emergency_organise"):
            self.complete(key, element)
        while not self.ended(key):  # the joint action, the documents, the results report and the archive
            tasks = self.wait(
                "the next task of the emergency", lambda: self.open_tasks(key) or self.ended(key)
            )
            if tasks is True:
                break
            self.complete(key, tasks[0]["elementId"])
        self.finish(key, SIYANG_CASE_ID)

    # -- engine and store -------------------------------------------------------------------

    def wait(self, what: str, probe: Callable[[], Any]) -> Any:
        return self._wait_for(what, probe, self.log_hint)

    def start(self, process_id: str, variables: dict[str, Any]) -> int:
        async def create() -> int:
            settings = WorkerSettings(
                zeebe_address=self.server.address, zeebe_token=SecretStr(self.people.worker_token)
            )
            channel = open_channel(settings)  # starting cases: the worker role, as the main case
            try:
                return (await ZeebeClient(channel).run_process(process_id, variables)).process_instance_key
            finally:
                await channel.close()

        return asyncio.run(create())

    def advance(self, delta: dt.timedelta, why: str) -> None:
        before = self.clock.now
        self.clock.advance(delta)
        self.say.clock(before, self.clock.now, why)

    def open_tasks(self, key: int, element: str | None = None) -> list[dict[str, Any]]:
        def probe() -> list[dict[str, Any]]:
            response = self.server.rest.post(
                "/v2/user-tasks/search", json={"filter": {"state": "CREATED", "processInstanceKey": str(key)}}
            )
            response.raise_for_status()
            items: list[dict[str, Any]] = response.json()["items"]
            wanted = element or (items[0]["elementId"] if items else None)
            return [task for task in items if task["elementId"] == wanted]

        if element is None:
            return probe()
        found: list[dict[str, Any]] = self.wait(f"the task {element} of instance {key}", probe)
        return found

    def complete(self, key: int, element: str) -> None:
        """Completes every open task of ``element`` as its department's clerk; one line per step."""
        tasks = self.open_tasks(key, element)
        variables = DECISIONS.get(element, {})
        departments = []
        for task in tasks:
            group = (task.get("candidateGroups") or ["?"])[0]
            clerk = self.people.clerk_of(group)
            if clerk is None:
                raise self.failed(f"no clerk of group {group} for the task {element}")
            with httpx.Client(
                base_url=self.server.rest_url, auth=(clerk.login, clerk.password), timeout=30
            ) as rest:
                response = rest.post(
                    f"/v2/user-tasks/{task['userTaskKey']}/completion", json={"variables": variables}
                )
            if response.status_code != 204:
                raise self.failed(f"completing {element} answered {response.status_code}: {response.text}")
            departments.append(clerk.group_name)
        decided = "".join(f" → {DECISION_LABELS.get(str(v), v)}" for v in variables.values())
        who = departments[0] if len(departments) == 1 else f"{len(departments)} 配合单位"
        verb = "completes" if len(departments) == 1 else "complete"
        self.say.event(self.clock.now, who, f"{verb} 「{tasks[0]['name']}」{decided}")

    def ended(self, key: int) -> bool:
        state = self.server.rest.get(f"/v2/process-instances/{key}").json().get("state")
        return state not in ("ACTIVE", None)

    def finish(self, key: int, case_id: str) -> None:
        self.wait(f"the end of {case_id}", lambda: self.ended(key))
        state = self.server.rest.get(f"/v2/process-instances/{key}").json().get("state")
        incidents = self.server.rest.post(
            "/v2/incidents/search", json={"filter": {"processInstanceKey": str(key)}}
        ).json()["items"]
        supervised = sum(1 for e in self.store.events(case_id) if e.kind is EventKind.SUPERVISED)
        self.say.line(f"    {case_id}: {state}; incidents: {len(incidents)}; 督办 ×{supervised}")

    def wait_event(self, case_id: str, kind: EventKind, step: str) -> CaseEvent:
        def probe() -> CaseEvent | None:
            return next((e for e in self.store.events(case_id) if e.kind is kind and e.step_id == step), None)

        found: CaseEvent = self.wait(f"{kind.value} of {step} in {case_id}", probe)
        return found

    def name_of(self, groups: object) -> str:
        """Department names for the group ids a worker recorded (comma-separated when several)."""
        return "、".join(self.names.get(g, g) for g in str(groups).split(","))
