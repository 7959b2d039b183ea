"""The demo's story: one 泗阳 joint-enforcement case, end to end, on the embedded engine.

Everything goes through the interfaces a county would use: the catalog and the generated BPMN from
this repository, the engine as a separate process reached over Zeebe's gRPC protocol (deploy, start
a case) and the REST API (people's user tasks, the engine clock), and the project's real workers.
The only stand-in is the people: the story plays each department's clerk, deciding as the script
below says, and it moves the engine's clock instead of waiting days for a deadline.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr
from pyzeebe import ZeebeClient

from xietong.catalog.loader import load_catalog_or_raise
from xietong.console.board import read_board
from xietong.console.orchestration_api import OrchestrationApi
from xietong.console.views import render_text
from xietong.demo.clock import StoryTime
from xietong.demo.narrator import Narrator, pad
from xietong.demo.people import DemoPeople, add_clerks, create_people, story_groups
from xietong.demo.urgent import WUYI_GROUPS, UrgentChapter
from xietong.engine.gateway.local_server import LocalServer, PinnedClock
from xietong.generator.generate import build_outputs
from xietong.settings import Settings
from xietong.web.department_names import department_names
from xietong.workers.app import WorkerApp
from xietong.workers.background import BackgroundWorkers
from xietong.workers.calendar import CHINA
from xietong.workers.case_store import CaseEvent, CaseStore, EventKind
from xietong.workers.connection import open_channel
from xietong.workers.deploy import DeployedProcess, models_below, plan_calls
from xietong.workers.deploy import deploy as deploy_calls
from xietong.workers.settings import WorkerSettings

#: Monday before 国庆 2025: the 5-working-day limit for results then runs across the holiday.
STORY_START = dt.datetime(2025, 9, 29, 9, 0, tzinfo=CHINA)
PROCESS_ID = "siyang_joint_enforcement"
MECHANISM_ID = "siyang_command_flow"  # the catalog mechanism the model implements
CASE_ID = "SY-2025-0001"
OPEN_CASE_ID = "SY-2025-0100"  # started in --serve mode and left at its first step for a newcomer
ITEM_NUMBER = 1  # 农贸市场安全方面的综合执法: 市场监管局 leads, seven departments collaborate
WAIT_S = 60.0

#: What each clerk decides at each user task (element id → variables on completion).
DECISIONS: dict[str, dict[str, Any]] = {
    "apply": {},
    "initial_review": {"outcome": "eligible"},
    "legal_review": {"outcome": "passed"},
    "submit_for_approval": {"outcome": "approved"},
}
#: Steps at which the story lets a deadline pass before the clerks finish (element id → delay).
LATE_STEPS: dict[str, dt.timedelta] = {"collaborator_documents": dt.timedelta(days=2)}

T = TypeVar("T")


class StoryFailed(RuntimeError):
    """Something the story waited for did not happen; the message says what and where to look."""


def wait_for(what: str, probe: Callable[[], T | None], log_hint: str) -> T:
    """Polls until ``probe`` returns something truthy, failing after WAIT_S with what was awaited."""
    deadline = time.monotonic() + WAIT_S
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise StoryFailed(f"timed out waiting for {what} (see {log_hint})")
        time.sleep(0.05)  # polling interval; the loop ends on the awaited state


@dataclass
class StoryPaths:
    data_dir: Path

    @property
    def engine_data(self) -> Path:
        return self.data_dir / "engine"

    @property
    def engine_log(self) -> Path:
        return self.data_dir / "engine.log"

    @property
    def workers_log(self) -> Path:
        return self.data_dir / "workers.log"

    @property
    def case_store_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'cases.db'}"


class JointEnforcementStory:
    def __init__(self, settings: Settings, paths: StoryPaths, say: Narrator, serve: bool = False) -> None:
        self.settings = settings
        self.paths = paths
        self.say = say
        self.serve = serve  # keep engine, workers and web pages running after the story (Ctrl-C ends)
        self.seen_events: set[int] = set()

    # -- chapters ---------------------------------------------------------------------------

    def run(self) -> None:
        self.say.title(
            "xietong demo — a 泗阳县 joint-enforcement case (联动执法), end to end on the embedded engine"
        )
        models = self.show_catalog_and_models()
        self.people = self.create_people()
        server = LocalServer(
            self.paths.engine_data,
            self.paths.engine_log,
            token=self.people.admin_token,
            env={"XIETONG_WEB_CASE_STORE_URL": self.paths.case_store_url},  # the web pages' timeline
        )
        self.say.chapter("Engine", "starting `xietong engine serve` as a separate process …")
        server.start()
        try:
            self.say.line(
                f"gRPC (Zeebe gateway protocol) on {server.address}, REST API v2 on {server.rest_url}"
            )
            self.say.line(f"data in {self.paths.engine_data}, log in {self.paths.engine_log}")
            clerk = self.people.people[-1]
            self.say.line(
                f"protected: every call authenticated (try `curl -u {clerk.login}:{clerk.password} "
                f"{server.rest_url}/v2/authentication/me`)"
            )
            clock = PinnedClock(server, STORY_START)
            self.say.line(
                f"engine clock pinned to {STORY_START:%Y-%m-%d %H:%M} (Asia/Shanghai), the Monday before 国庆"
            )
            self.deploy(server, models)
            with CaseStore(self.paths.case_store_url) as store:
                workers_time = StoryTime(clock)
                workers = self.start_workers(server, store, workers_time)
                try:
                    key = self.start_case(server)
                    self.play_clerks(server, store, clock, key)
                    self.show_supervisor_view(server, store, key)
                    log_hint = str(self.paths.engine_log)
                    urgent = UrgentChapter(server, self.people, store, clock, self.say, wait_for, log_hint,
                                           StoryFailed)
                    urgent.run()  # an urgent 武义 transfer and a 泗阳 emergency (issue 14)
                    self.show_web(server, workers_time)
                finally:
                    workers.stop()
        finally:
            code = server.stop()
            if code != 0:
                self.say.warn(f"engine exited with {code}; see {self.paths.engine_log}")
        self.say.chapter("Next", "look further:")
        xietong = Path(sys.executable).with_name("xietong")
        self.say.line(f"{xietong} engine inspect --data {self.paths.engine_data} {CASE_ID}")
        self.say.line(f"{xietong} catalog show {MECHANISM_ID}   (the mechanism behind the model)")
        self.say.line(f"{xietong} users list --data {self.paths.engine_data}   (the people above)")
        self.say.line(
            f"{self.settings.bpmn_dir / 'siyang' / (PROCESS_ID + '.bpmn')}   (open it in Camunda Modeler)"
        )

    def show_web(self, server: LocalServer, workers_time: StoryTime) -> None:
        """Where the clerks' task list and the supervisors' case console are, and how to log in; with
        ``--serve`` the engine and the workers go back to real time and a fresh case waits."""
        clerk = next((p for p in self.people.people if p.role == "clerk"), None)
        supervisor = self.people.supervisor
        web = server.rest_url
        self.say.chapter("Web", f"the task list and case console: {web}/ (served by engine serve)")
        if clerk is not None:
            who = f"{clerk.login} / {clerk.password}"
            self.say.line(f"  as a clerk ({clerk.group_name}):  {who}  → {web}/tasks")
        self.say.line(f"  as the supervisor:  {supervisor.login} / {supervisor.password}  → {web}/cases")
        self.say.line(f"  this case: {web}/cases/by-id/{CASE_ID}")
        if not self.serve:
            self.say.line("the engine stops with the demo: `scripts/demo --serve` keeps it and the pages up")
            return
        # the story's clock was the story's: what happens from here on happens today
        workers_time.back_to_real_time(server)
        self.say.line("  engine clock reset to real time (POST /v2/clock/reset); the workers read it too")
        # the story's case has ended: a fresh one waits at its first step, so there is work to click on
        fresh = self.start_case(server, OPEN_CASE_ID)
        [task] = wait_for("the fresh case's first task", lambda: self._open_tasks(server, fresh)[:1],
                          str(self.paths.engine_log))
        owner = next((self.people.clerk_of(g) for g in task.get("candidateGroups") or ()
                      if self.people.clerk_of(g) is not None), None)
        self.say.line(f"  a fresh case waits at 「{task.get('name')}」: {web}/cases/by-id/{OPEN_CASE_ID}")
        if owner is not None:
            who = f"{owner.login} / {owner.password}"
            self.say.line(f"    its clerk ({owner.group_name}):  {who}  → {web}/tasks")
        self.say.line("engine, workers and web pages keep running: open the address above; Ctrl-C stops them")
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while not stop.is_set():
                stop.wait(1.0)  # a signal handler runs between waits: Ctrl-C or SIGTERM sets ``stop``
            self.say.line("stopping …")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def create_people(self) -> DemoPeople:
        """The case's clerks, a supervisor and the clients, with random passwords, before the engine."""
        catalog = load_catalog_or_raise(self.settings.config_dir)
        groups = story_groups(catalog, "siyang", PROCESS_ID, ITEM_NUMBER)
        people = create_people(self.paths.engine_data, catalog, "siyang", groups)
        add_clerks(self.paths.engine_data, catalog, "wuyi", WUYI_GROUPS, people)  # the urgent 武义 transfer
        self.say.chapter(
            "People", f"{len(people.people)} people, each with a random password (nothing has a default one)"
        )
        for person in people.people:
            role = pad(person.role, 10)
            self.say.line(f"  {pad(person.login, 30)} {person.password}  {role} {person.group_name}")
        self.say.line("an admin client deploys and moves the clock; the workers use a worker client's token")
        self.say.line(f"more people: printf '%s\\n' \"$PW\" | xietong users add LOGIN --role clerk "
                      f"--group siyang.justice --data {self.paths.engine_data}")
        return people

    @staticmethod
    def channel(server: LocalServer, token: str) -> Any:
        """A gRPC channel carrying ``token`` (plaintext on loopback, as the workers connect)."""
        return open_channel(WorkerSettings(zeebe_address=server.address, zeebe_token=SecretStr(token)))

    def show_catalog_and_models(self) -> list[Path]:
        catalog = load_catalog_or_raise(self.settings.config_dir)
        counts = catalog.counts()
        self.say.chapter("Catalog", f"{self.settings.config_dir} validated")
        self.say.line(
            f"{counts['jurisdictions']} jurisdictions, {counts['mechanisms']} mechanisms, "
            f"{counts['departments']} departments, {counts['policies']} policies for vague time limits"
        )
        per_jurisdiction: dict[str, int] = {}
        for mechanism in catalog.mechanisms.values():
            per_jurisdiction[mechanism.jurisdiction] = per_jurisdiction.get(mechanism.jurisdiction, 0) + 1
        for jurisdiction, count in sorted(per_jurisdiction.items()):
            self.say.line(f"  {pad(catalog.jurisdictions[jurisdiction].name, 16)} {count:>3} mechanisms")
        self.say.line(
            f"duty lists: {counts['basic_duties']} basic, {counts['coordinating_duties']} coordinating, "
            f"{counts['taken_back_items']} taken-back items"
        )

        generated = build_outputs(catalog)
        outputs = [o for o in generated if o.path.endswith(".bpmn")]
        bpmn_dir = self.settings.bpmn_dir
        stale = [o.path for o in outputs if not (bpmn_dir / o.path).is_file()
                 or (bpmn_dir / o.path).read_bytes() != o.content]  # fmt: skip
        self.say.chapter(
            "BPMN", f"{len(outputs)} Zeebe 8.8 models generated from the catalog into {bpmn_dir}"
        )
        if stale:
            self.say.warn(f"{len(stale)} files differ from the catalog (hand-edited?), e.g. {stale[0]}")
        else:
            self.say.line("bpmn/ is exactly what `xietong bpmn generate` makes from config/")
        # the models with their forms: user tasks link their forms by deployment (generator/forms.py)
        return [bpmn_dir / o.path for o in generated if o.path.endswith((".bpmn", ".form"))]

    def deploy(self, server: LocalServer, models: list[Path]) -> None:
        """Deployed as ``xietong deploy`` deploys bpmn/: Zeebe's duplicate check compares resource
        names too, so the same names (paths below bpmn/) make a later ``xietong deploy`` find every
        model unchanged instead of deploying version 2 of each."""
        calls = plan_calls(models_below(self.settings.bpmn_dir, models))

        async def deploy_all() -> int:
            channel = self.channel(server, self.people.admin_token)  # only an admin deploys
            try:
                deployed = await deploy_calls(channel, calls)
                return sum(isinstance(d, DeployedProcess) for d in deployed)
            finally:
                await channel.close()

        count = asyncio.run(deploy_all())
        self.say.chapter("Deploy", f"{count} processes deployed over gRPC as `xietong deploy` does")

    def start_workers(self, server: LocalServer, store: CaseStore, clock: StoryTime) -> BackgroundWorkers:
        token = SecretStr(self.people.worker_token)
        settings = WorkerSettings(
            zeebe_address=server.address, zeebe_rest_address=server.rest_url, zeebe_token=token
        )
        app = WorkerApp(settings, store, clock=clock)
        workers = BackgroundWorkers(app)
        self.say.chapter("Workers", "the project's pyzeebe workers poll the engine for every task type")
        self.say.line(f"case store: {self.paths.case_store_url}, log in {self.paths.workers_log}")
        return workers

    def start_case(self, server: LocalServer, case_id: str = CASE_ID) -> int:
        variables: dict[str, Any] = {
            "caseId": case_id,
            "entry": "application",
            "itemNumber": ITEM_NUMBER,
            "applicant": "siyang.market_regulation",  # the applying department's group id
        }

        async def create() -> int:
            channel = self.channel(server, self.people.worker_token)  # starting cases: the worker role
            try:
                return (await ZeebeClient(channel).run_process(PROCESS_ID, variables)).process_instance_key
            finally:
                await channel.close()

        key = asyncio.run(create())
        if case_id == CASE_ID:
            self.say.chapter(
                "Case", f"{CASE_ID} started over gRPC (CreateProcessInstance) → process instance {key}"
            )
            self.say.line(f"variables: {variables}")
        return key

    def play_clerks(self, server: LocalServer, store: CaseStore, clock: PinnedClock, key: int) -> None:
        """Completes each open user task as its department's clerk would, until the case ends."""
        late_done: set[str] = set()
        while True:
            tasks: Any = wait_for(  # the open tasks, or True once the case ended
                "a user task or the end of the case",
                lambda: self._open_tasks(server, key) or self._ended(server, key),
                str(self.paths.engine_log),
            )
            self.report_worker_events(store)
            if tasks is True:
                return
            element = tasks[0]["elementId"]
            delay = LATE_STEPS.get(element)
            if delay is not None and element not in late_done:
                late_done.add(element)
                self.let_deadline_pass(store, clock, delay, element, tasks[0]["name"])
                self.show_console(server, store)
            for task in tasks:
                self._complete(server, task, clock.now)

    def let_deadline_pass(
        self, store: CaseStore, clock: PinnedClock, delay: dt.timedelta, element: str, name: str
    ) -> None:
        """Moves the engine's clock past a step's limit and waits for the 督办 its timer triggers."""
        before = clock.now
        clock.advance(delay)
        self.say.clock(before, clock.now, f"the deadline of 「{name}」 passes unmet")
        wait_for(
            "the 督办 from the step's boundary timer",
            lambda: self._count(store, EventKind.SUPERVISED, element) > 0,
            str(self.paths.engine_log),
        )
        self.report_worker_events(store)

    def show_console(self, server: LocalServer, store: CaseStore) -> None:
        """What ``xietong console`` shows the 指挥中心 at this moment: the case late, its 督办 sent."""
        with OrchestrationApi(server.rest_url, token=self.people.admin_token) as api:
            rows, now = read_board(store, api)
        self.say.line("supervisor's console (`xietong console`):")
        for line in render_text(rows, now, department_names(self.settings.config_dir)):
            self.say.line("  " + line)

    def report_worker_events(self, store: CaseStore) -> None:
        for event in store.events(CASE_ID):
            if event.id in self.seen_events:
                continue
            self.seen_events.add(event.id)
            self.say.event(event.at.astimezone(CHINA), "worker: " + event.kind.value, describe(event))

    def show_supervisor_view(self, server: LocalServer, store: CaseStore, key: int) -> None:
        case = store.get(CASE_ID)
        instance = server.rest.get(f"/v2/process-instances/{key}").json()
        incidents = server.rest.post(
            "/v2/incidents/search", json={"filter": {"processInstanceKey": str(key)}}
        )
        events = store.events(CASE_ID)
        self.say.chapter("Supervisor", "what the 指挥中心 sees afterwards")
        self.say.line(
            f"process instance {key}: {instance.get('state')}; incidents: {len(incidents.json()['items'])}"
        )
        if case is not None:
            opened = case.opened_at.astimezone(CHINA)
            closed = f", closed {case.closed_at.astimezone(CHINA):%m-%d %H:%M}" if case.closed_at else ""
            self.say.line(f"case {case.case_id}: {case.status.value}, opened {opened:%m-%d %H:%M}{closed}")
        kinds: dict[str, int] = {}
        for event in events:
            kinds[event.kind.value] = kinds.get(event.kind.value, 0) + 1
        self.say.line("case events: " + ", ".join(f"{k} ×{n}" for k, n in kinds.items()))

    # -- REST helpers -----------------------------------------------------------------------

    def _open_tasks(self, server: LocalServer, key: int) -> list[dict[str, Any]]:
        response = server.rest.post(
            "/v2/user-tasks/search", json={"filter": {"state": "CREATED", "processInstanceKey": str(key)}}
        )
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        if not items:
            return []
        first = items[0]["elementId"]
        return [task for task in items if task["elementId"] == first]

    def _ended(self, server: LocalServer, key: int) -> bool:
        state = server.rest.get(f"/v2/process-instances/{key}").json().get("state")
        if state in ("ACTIVE", None):
            incidents = server.rest.post(
                "/v2/incidents/search", json={"filter": {"processInstanceKey": str(key), "state": "ACTIVE"}}
            ).json()["items"]
            if incidents:
                raise StoryFailed(f"incident at {incidents[0]['elementId']}: {incidents[0]['errorMessage']}")
            return False
        return True

    def _complete(self, server: LocalServer, task: dict[str, Any], now: dt.datetime) -> None:
        variables = DECISIONS.get(task["elementId"], {})
        group = (task.get("candidateGroups") or ["?"])[0]
        clerk = self.people.clerk_of(group)
        if clerk is None:
            raise StoryFailed(f"no clerk of group {group} for the task {task['elementId']}")
        # the clerk's own credentials: the engine checks the task is their department's, and records who
        with httpx.Client(base_url=server.rest_url, auth=(clerk.login, clerk.password), timeout=30) as rest:
            response = rest.post(
                f"/v2/user-tasks/{task['userTaskKey']}/completion", json={"variables": variables}
            )
        if response.status_code != 204:
            raise StoryFailed(
                f"completing {task['elementId']} answered {response.status_code}: {response.text}"
            )
        decided = f" → {variables['outcome']}" if "outcome" in variables else ""
        self.say.event(now, clerk.group_name, f"{clerk.login} completes 「{task['name']}」{decided}")

    @staticmethod
    def _count(store: CaseStore, kind: EventKind, step: str) -> int:
        return sum(1 for e in store.events(CASE_ID) if e.kind is kind and e.step_id == step)


def describe(event: CaseEvent) -> str:
    detail = event.detail
    if event.kind is EventKind.DEADLINE_SET:
        limit = detail.get("limit", {})
        return f"{event.step_id}: {limit.get('amount')} {limit.get('unit')} → due {detail.get('due')}"
    if event.kind is EventKind.SUPERVISED:
        department = str(event.department or detail.get("department")).replace(",", "、")
        return f"督办 {event.step_id} by {detail.get('supervisor')} to {department}"
    if event.kind is EventKind.ARCHIVED:
        return f"{event.step_id}: the case is filed (结案归档)"
    if event.kind is EventKind.TRANSFERRED:
        return f"{event.step_id} → {detail.get('to')}"
    return f"{event.step_id or ''} {detail}".strip()
