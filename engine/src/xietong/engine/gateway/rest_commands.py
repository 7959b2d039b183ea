"""The commands of Camunda 8.8's REST API v2 that a job worker or an integrator sends: jobs (activation
with long polling, completion, failure, thrown errors), signals, message correlation and the
modification and migration of a process instance.

Each turns into the engine command its gRPC twin sends (``gateway.service``), so rejections carry the
same Zeebe wording; the request checks in front of them word their 400s as Camunda's REST validators
do (``No type provided.``, ``The value for timeout is '0' but must be greater than 0.``: the violations
joined with ``. ``, as ``RequestValidator.createProblemDetail`` joins them). Keys travel as strings.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from xietong.engine import commands as cmd
from xietong.engine import errors
from xietong.engine.gateway.job_signals import JobSignals
from xietong.engine.gateway.rest_body import INTEGER, KEY, OBJECT, OBJECTS, STRING, STRINGS, VARIABLES, Check
from xietong.engine.gateway.rest_common import Problem, invalid, key_of, variables_of
from xietong.engine.gateway.service import tenant, tenants

if TYPE_CHECKING:  # the app that includes these routes; only its type is needed here
    from xietong.engine.gateway.rest import RestApi

Handler = Callable[[Request], Awaitable[Response]]
Body = Mapping[str, tuple[str, Check]]

ACTIVATE_JOBS: Body = {
    "type": STRING,
    "worker": STRING,
    "timeout": INTEGER,
    "maxJobsToActivate": INTEGER,
    "fetchVariable": STRINGS,
    "requestTimeout": INTEGER,
    "tenantIds": STRINGS,
}
COMPLETE_JOB: Body = {"variables": VARIABLES, "result": OBJECT}
FAIL_JOB: Body = {"retries": INTEGER, "errorMessage": STRING, "retryBackOff": INTEGER, "variables": VARIABLES}
THROW_ERROR: Body = {"errorCode": STRING, "errorMessage": STRING, "variables": VARIABLES}
BROADCAST_SIGNAL: Body = {"signalName": STRING, "variables": VARIABLES, "tenantId": STRING}
CORRELATE_MESSAGE: Body = {
    "name": STRING,
    "correlationKey": STRING,
    "variables": VARIABLES,
    "tenantId": STRING,
}
MODIFY_INSTANCE: Body = {
    "operationReference": INTEGER,
    "activateInstructions": OBJECTS,
    "terminateInstructions": OBJECTS,
}
MIGRATE_INSTANCE: Body = {
    "targetProcessDefinitionKey": KEY,
    "mappingInstructions": OBJECTS,
    "operationReference": INTEGER,
}
DISCONNECT_CHECK_S = 1.0  # how often a long poll looks whether its client is still there


def violations(found: Sequence[str]) -> Problem:
    """Camunda's REST validators: every violation, joined with '. ', ending with a full stop."""
    text = ". ".join(found)
    return invalid(text if text.endswith(".") else text + ".")


def empty(name: str) -> str:
    return f"No {name} provided"


def not_above(name: str, value: Any, bound: str) -> str:
    return f"The value for {name} is '{value}' but must be {bound}"


def activated_job(job: cmd.ActivatedJob) -> dict[str, Any]:
    """8.8's ActivatedJobResult: keys as strings, headers and variables as objects."""
    return {
        "type": job.type,
        "processDefinitionId": job.bpmn_process_id,
        "processDefinitionVersion": job.process_definition_version,
        "elementId": job.element_id,
        "customHeaders": dict(job.custom_headers),
        "worker": job.worker,
        "retries": job.retries,
        "deadline": job.deadline_ms,
        "variables": job.variables,
        "tenantId": job.tenant_id,
        "jobKey": str(job.key),
        "processInstanceKey": str(job.process_instance_key),
        "processDefinitionKey": str(job.process_definition_key),
        "elementInstanceKey": str(job.element_instance_key),
        "kind": "BPMN_ELEMENT",  # the engine has no execution or task listeners
        "listenerEventType": "UNSPECIFIED",
    }


class CommandEndpoints:
    """Handlers bound to a :class:`RestApi`, whose body reading and engine client they use."""

    def __init__(self, api: RestApi, signals: JobSignals | None, long_polling_timeout_ms: int) -> None:
        self.api = api
        self._signals = signals
        self._long_polling_timeout_ms = long_polling_timeout_ms

    def _job_signals(self) -> JobSignals:
        """The gateway's (shared with gRPC long polls); an app built without one makes its own."""
        if self._signals is None:
            self._signals = JobSignals(asyncio.get_running_loop())
            self.api._engine.add_job_listener(self._signals.notify)
        return self._signals

    async def _call(self, command: Any) -> Any:
        return await self.api._client.call(command)

    # -- jobs ---------------------------------------------------------------------------------
    async def activate_jobs(self, request: Request) -> Response:
        body = await self.api._body(request, ACTIVATE_JOBS)
        found = []
        job_type, timeout, max_jobs = body.get("type"), body.get("timeout"), body.get("maxJobsToActivate")
        if job_type is None or not job_type.strip():
            found.append(empty("type"))
        if timeout is None:
            found.append(empty("timeout"))
        elif timeout < 1:
            found.append(not_above("timeout", timeout, "greater than 0"))
        if max_jobs is None:
            found.append(empty("maxJobsToActivate"))
        elif max_jobs < 1:  # Camunda 8.8's JobRequestValidator quotes the timeout here, not the count
            found.append(not_above("maxJobsToActivate", timeout, "greater than 0"))
        if found:
            raise violations(found)
        assert isinstance(job_type, str) and isinstance(timeout, int) and isinstance(max_jobs, int)
        command = cmd.ActivateJobs(
            type=job_type,
            worker=body.get("worker") or "",
            timeout_ms=timeout,
            max_jobs_to_activate=max_jobs,
            fetch_variables=tuple(body.get("fetchVariable") or ()),
            tenant_ids=tenants(body.get("tenantIds") or (), "ActivateJobs"),
        )
        jobs = await self._activate(command, body.get("requestTimeout", 0), request)
        return JSONResponse({"jobs": [activated_job(job) for job in jobs]})

    async def _activate(
        self, command: cmd.ActivateJobs, request_timeout_ms: int, request: Request
    ) -> Sequence[Any]:
        """Long polling as the gRPC ActivateJobs does it: answer once jobs exist, else when the request
        timeout (0: the gateway's default; below 0: no waiting) runs out, with none. A client that
        hangs up while waiting takes no jobs (they would only time out unseen)."""
        if request_timeout_ms < 0:
            return tuple(await self._call(command))
        signals = self._job_signals()
        deadline = time.monotonic() + (request_timeout_ms or self._long_polling_timeout_ms) / 1000
        jobs: tuple[Any, ...] = ()
        while not jobs and not signals.closed:
            if await request.is_disconnected():
                return ()
            with signals.watch(command.type) as waiter:
                jobs = tuple(await self._call(command))
                if jobs:
                    break
                woken = False
                while not woken:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or await request.is_disconnected():
                        return ()
                    woken = await waiter.wait(min(remaining, DISCONNECT_CHECK_S))
        if jobs and len(jobs) >= command.max_jobs_to_activate:
            signals.notify_local(command.type)  # a full batch: more may be waiting for another call
        return jobs

    async def complete_job(self, request: Request) -> Response:
        key = key_of(request.path_params["key"], "jobKey")
        body = await self.api._body(request, COMPLETE_JOB)
        result = body.get("result")
        if result:
            _refuse_job_result(result)
        await self._call(cmd.CompleteJob(job_key=key, variables=variables_of(body)))
        return Response(status_code=204)

    async def fail_job(self, request: Request) -> Response:
        key = key_of(request.path_params["key"], "jobKey")
        body = await self.api._body(request, FAIL_JOB)
        await self._call(
            cmd.FailJob(
                job_key=key,
                retries=body.get("retries", 0),
                error_message=body.get("errorMessage") or "",
                retry_backoff_ms=body.get("retryBackOff", 0),
                variables=variables_of(body),
            )
        )
        return Response(status_code=204)

    async def throw_job_error(self, request: Request) -> Response:
        key = key_of(request.path_params["key"], "jobKey")
        body = await self.api._body(request, THROW_ERROR)
        code = body.get("errorCode")
        if code is None or not code.strip():
            raise violations([empty("errorCode")])
        await self._call(
            cmd.ThrowError(
                job_key=key,
                error_code=code,
                error_message=body.get("errorMessage") or "",
                variables=variables_of(body),
            )
        )
        return Response(status_code=204)

    # -- signals and messages -----------------------------------------------------------------
    async def broadcast_signal(self, request: Request) -> Response:
        body = await self.api._body(request, BROADCAST_SIGNAL)
        if body.get("signalName") is None:
            raise violations([empty("signalName")])
        broadcast = await self._call(
            cmd.BroadcastSignal(
                signal_name=body["signalName"],
                variables=variables_of(body),
                tenant_id=tenant(body.get("tenantId") or "", "BroadcastSignal"),
            )
        )
        return JSONResponse({"tenantId": broadcast.tenant_id, "signalKey": str(broadcast.key)})

    async def correlate_message(self, request: Request) -> Response:
        """Zeebe's correlate: to the subscriptions open now, never buffered; none is NOT_FOUND."""
        body = await self.api._body(request, CORRELATE_MESSAGE)
        name = body.get("name")
        if name is None or not name.strip():
            raise violations([empty("messageName")])
        correlated = await self._call(
            cmd.CorrelateMessage(
                name=name,
                correlation_key=body.get("correlationKey") or "",
                variables=variables_of(body),
                tenant_id=tenant(body.get("tenantId") or "", "CorrelateMessage"),
            )
        )
        answer = {"tenantId": correlated.tenant_id, "messageKey": str(correlated.key)}
        if correlated.process_instance_key > 0:
            answer["processInstanceKey"] = str(correlated.process_instance_key)
        return JSONResponse(answer)

    # -- process instances --------------------------------------------------------------------
    async def modify_process_instance(self, request: Request) -> Response:
        key = key_of(request.path_params["key"], "processInstanceKey")
        body = await self.api._body(request, MODIFY_INSTANCE)
        activate_list = body.get("activateInstructions") or []
        terminate_list = body.get("terminateInstructions") or []
        found = []
        if not all(isinstance(i.get("elementId"), str) for i in activate_list):
            found.append(empty("elementId"))
        variable_lists = [i.get("variableInstructions") or [] for i in activate_list]
        if not all(isinstance(v, list) and all(isinstance(x, dict) for x in v) for v in variable_lists):
            raise invalid("activateInstructions[].variableInstructions must be a list of objects")
        if not all(x.get("variables") for v in variable_lists for x in v):
            found.append(empty("variables"))
        if not all(i.get("elementInstanceKey") is not None for i in terminate_list):
            found.append(empty("elementInstanceKey"))
        reference = body.get("operationReference")
        if reference is not None and reference < 1:
            found.append(not_above("operationReference", reference, "> 0"))
        if found:
            raise violations(found)
        activate = tuple(
            cmd.ActivateElement(
                element_id=instruction["elementId"],
                ancestor_element_instance_key=_ancestor(instruction.get("ancestorElementInstanceKey")),
                variables=tuple(
                    (str(v.get("scopeId") or ""), variables_of(v))
                    for v in instruction.get("variableInstructions") or []
                ),
            )
            for instruction in activate_list
        )
        terminate = tuple(
            key_of(i["elementInstanceKey"], "terminateInstructions[].elementInstanceKey")
            for i in terminate_list
        )
        await self._call(
            cmd.ModifyProcessInstance(process_instance_key=key, activate=activate, terminate=terminate)
        )
        return Response(status_code=204)

    async def migrate_process_instance(self, request: Request) -> Response:
        """Answered as the gRPC MigrateProcessInstance is: the engine does not migrate instances."""
        key = key_of(request.path_params["key"], "processInstanceKey")
        body = await self.api._body(request, MIGRATE_INSTANCE)
        found = []
        if body.get("targetProcessDefinitionKey") is None:
            found.append(empty("targetProcessDefinitionKey"))
        mappings = body.get("mappingInstructions") or []
        if not mappings:
            found.append(empty("mappingInstructions"))
        elif not all(m.get("sourceElementId") and m.get("targetElementId") for m in mappings):
            found.append("All fields in [sourceElementId, targetElementId] are required")
        reference = body.get("operationReference")
        if reference is not None and reference < 1:
            found.append(not_above("operationReference", reference, "> 0"))
        if found:
            raise violations(found)
        key_of(body["targetProcessDefinitionKey"], "targetProcessDefinitionKey")
        if await self.api._query(self.api._engine.queries.get_process_instance, key) is None:
            raise errors.NotFound(
                f"Expected to migrate process instance but no process instance found with key '{key}'"
            )
        raise errors.FailedPrecondition(
            f"Expected to migrate process instance '{key}', but the embedded engine (xietong) does not "
            "support process instance migration; migrate on a Zeebe cluster or use the modification"
        )

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("/v2/jobs/activation", "POST", self.activate_jobs),
            ("/v2/jobs/{key}/completion", "POST", self.complete_job),
            ("/v2/jobs/{key}/failure", "POST", self.fail_job),
            ("/v2/jobs/{key}/error", "POST", self.throw_job_error),
            ("/v2/signals/broadcast", "POST", self.broadcast_signal),
            ("/v2/messages/correlation", "POST", self.correlate_message),
            ("/v2/process-instances/{key}/modification", "POST", self.modify_process_instance),
            ("/v2/process-instances/{key}/migration", "POST", self.migrate_process_instance),
        ]


def _refuse_job_result(result: dict[str, Any]) -> None:
    """A job result steers a task listener or an ad-hoc sub-process, neither of which the engine has:
    say so rather than complete the job as if the result had been applied."""
    kind = result.get("type")
    if kind not in ("userTask", "adHocSubProcess"):
        raise invalid(f"result.type must be 'userTask' or 'adHocSubProcess', got {kind!r}")
    meaningful = {k: v for k, v in result.items() if k != "type" and v not in (None, False, [], {})}
    if meaningful:
        raise invalid(
            f"result: {', '.join(sorted(meaningful))} not supported here — the embedded engine has no "
            "user task listeners or ad-hoc sub-processes whose job a result could steer"
        )


def _ancestor(value: Any) -> int:
    """8.8 takes a key, or -1 for 'an existing instance of the flow scope'."""
    if value is None or value in (-1, "-1"):
        return -1
    return key_of(value, "activateInstructions[].ancestorElementInstanceKey")
