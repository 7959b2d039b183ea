"""``xietong calendar recheck --apply`` against a real engine: a deadline counted provisionally for
2027 is recounted once the 2027 notice is entered, and the step's boundary timer moves to the exact
date (ProcessInstanceModification over gRPC, the task found through REST v2)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.gateway import models
from tests.workers.test_calendar_notice import MADE_UP_2027
from xietong.engine.gateway.local_server import LocalServer, PinnedClock
from xietong.workers.calendar import CHINA, WorkingDayCalendar
from xietong.workers.calendar_entry import add_year
from xietong.workers.calendar_notice import parse_notice
from xietong.workers.case_store import CaseStore
from xietong.workers.handlers import HANDLERS, JobContext

XIETONG = Path(sys.executable).with_name("xietong")
START = dt.datetime(2027, 2, 3, 10, 0, tzinfo=CHINA)  # Wednesday before 春节 2027

MODEL = models.process(
    "recheck_case",
    [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:serviceTask id="step_due"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="xietong.deadline"/><zeebe:taskHeaders>'
        '<zeebe:header key="dueVariable" value="due_step"/><zeebe:header key="stepId" value="step"/>'
        '<zeebe:header key="mechanismId" value="recheck_case"/>'
        "</zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask>",
        '<bpmn:userTask id="step" name="移送案件"><bpmn:extensionElements><zeebe:userTask/>'
        '<zeebe:assignmentDefinition candidateGroups="移送方"/></bpmn:extensionElements></bpmn:userTask>',
        '<bpmn:boundaryEvent id="overdue" cancelActivity="false" attachedToRef="step">'
        "<bpmn:timerEventDefinition><bpmn:timeDate>=due_step</bpmn:timeDate></bpmn:timerEventDefinition>"
        "</bpmn:boundaryEvent>",
        models.service_task("supervise", "recheck.supervise"),
        '<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/>',
        models.flow("f1", "start", "step_due"),
        models.flow("f2", "step_due", "step"),
        models.flow("f3", "step", "end"),
        models.flow("f4", "overdue", "supervise"),
        models.flow("f5", "supervise", "end2"),
    ],
)


def supervise_jobs(gateway: GatewayStub) -> list[pb.ActivatedJob]:
    request = pb.ActivateJobsRequest(
        type="recheck.supervise", worker="t", timeout=60_000, maxJobsToActivate=5, requestTimeout=-1
    )
    return [job for response in gateway.ActivateJobs(request, timeout=10) for job in response.jobs]


def test_recheck_moves_the_timer_of_a_provisional_deadline(tmp_path: Path) -> None:
    supplements = tmp_path / "china.yaml"
    supplements.write_text("years: {}\n", encoding="utf-8")
    store_url = f"sqlite:///{tmp_path / 'cases.db'}"
    with (
        LocalServer(tmp_path / "data", tmp_path / "engine.log") as server,
        grpc.insecure_channel(server.address) as channel,
    ):
        clock = PinnedClock(server, START)
        gateway = GatewayStub(channel)
        gateway.DeployResource(
            pb.DeployResourceRequest(resources=[pb.Resource(name="r.bpmn", content=MODEL)])
        )
        variables = {"caseId": "WY-9", "limit": {"amount": 5, "unit": "workingDays"}}
        instance = gateway.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(
                bpmnProcessId="recheck_case", version=-1, variables=json.dumps(variables)
            )
        ).processInstanceKey
        (job,) = [
            job
            for response in gateway.ActivateJobs(
                pb.ActivateJobsRequest(
                    type="xietong.deadline", worker="t", timeout=60_000, maxJobsToActivate=1
                ),
                timeout=10,
            )
            for job in response.jobs
        ]
        with CaseStore(store_url) as store:
            context = JobContext(
                job_key=job.key,
                task_type="xietong.deadline",
                process_instance_key=instance,
                bpmn_process_id="recheck_case",
                element_id="step_due",
                variables=json.loads(job.variables),
                headers=json.loads(job.customHeaders),
                store=store,
                calendar=WorkingDayCalendar(supplements),
                now=START,
            )
            output = HANDLERS["xietong.deadline"].handle(context)
        # 春节 2027 counted on the statute: 5–10 Feb off, so 5 working days end on Tue 16 Feb
        assert output == {"due_step": "2027-02-16T23:59:59+08:00", "due_stepProvisional": True}
        gateway.CompleteJob(pb.CompleteJobRequest(jobKey=job.key, variables=json.dumps(output)))

        add_year(supplements, parse_notice(MADE_UP_2027, "2027.txt"))
        env = {**os.environ, "XIETONG_CALENDAR_SUPPLEMENTS": str(supplements), "XIETONG_LOG_LEVEL": "WARNING"}
        command = [
            str(XIETONG), "calendar", "recheck", "--apply", "--case-store", store_url,
            "--rest-url", server.rest_url, "--address", server.address,
        ]  # fmt: skip
        moved = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        assert moved.returncode == 0, moved.stderr
        assert moved.stdout.strip().split("\t") == [
            "WY-9", str(instance), "step", "due_step",
            "2027-02-16T23:59:59+08:00", "2027-02-17T23:59:59+08:00", "timer moved",
        ]  # fmt: skip
        assert server.rest.get(f"/v2/process-instances/{instance}").json()["state"] == "ACTIVE"

        # past the provisional date nothing fires; past the exact one the 督办 starts
        clock.advance(dt.datetime(2027, 2, 17, 9, tzinfo=CHINA) - START)
        assert supervise_jobs(gateway) == []
        clock.advance(dt.timedelta(days=1))
        assert len(supervise_jobs(gateway)) == 1

        again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        assert again.returncode == 0 and again.stdout.strip() == "no open case has a provisional due date"
