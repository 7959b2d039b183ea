"""The part of Camunda 8.8's Orchestration Cluster REST API (v2) that the embedded engine serves.

Camunda user tasks, incident and instance searches and the engine clock are REST-only on a
cluster, so the same paths, bodies and problem+json errors are served here; tests, the console
and integrators then work unchanged against either. Keys travel as strings, as in API v2.
Two clock calls are additions of ours (``POST /v2/clock/add``, ``GET /v2/clock``): a cluster only
pins and resets, which is enough to move time but not to read it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from xietong.engine import commands as cmd
from xietong.engine import errors
from xietong.engine.gateway.job_signals import JobSignals
from xietong.engine.gateway.rest_body import (
    BOOLEAN,
    INTEGER,
    KEY,
    OBJECT,
    OBJECTS,
    SEARCH,
    STRING,
    STRINGS,
    VARIABLES,
    BodyProblem,
    Check,
    read_body,
)
from xietong.engine.gateway.rest_commands import CommandEndpoints
from xietong.engine.gateway.rest_common import (  # noqa: F401  (re-exported: the REST modules' shared names)
    Problem,
    camel,
    filter_value,
    filters_of,
    invalid,
    key_of,
    matching,
    page_of,
    problem_response,
    to_json,
    variables_of,
    view_fields,
)
from xietong.engine.gateway.rest_forms import user_task_form
from xietong.engine.gateway.rest_identity import IdentityEndpoints, guarded
from xietong.engine.gateway.rest_operate import OperateEndpoints
from xietong.engine.gateway.rest_resources import ResourceEndpoints
from xietong.engine.gateway.service import EngineClient, tenant
from xietong.engine.gateway.status import HTTP_STATUS, status_for
from xietong.engine.identity.audit import audited  # re-exported: handlers elsewhere use it too
from xietong.engine.identity.authentication import Authenticator
from xietong.engine.identity.guard import Guard
from xietong.engine.identity.rules import UNLISTED, rest_rule
from xietong.engine.queries import IncidentView, ProcessInstanceView, UserTaskView

log = structlog.get_logger("xietong.gateway.rest")

Handler = Callable[[Request], Awaitable[Response]]


def endpoint(handler: Handler) -> Handler:
    """Engine errors and malformed bodies become problem+json with Camunda's status and title."""

    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except Problem as problem:
            return problem_response(problem, request.url.path)
        except BodyProblem as problem:
            title = "PAYLOAD_TOO_LARGE" if problem.status == 413 else "INVALID_ARGUMENT"
            return problem_response(Problem(problem.status, title, problem.detail), request.url.path)
        except errors.EngineError as error:  # titled by Zeebe's rejection type, as RestErrorMapper does
            code = status_for(error)
            title = code.name if error.intent is None else error.rejection_type
            return problem_response(
                Problem(HTTP_STATUS.get(code, 500), title, errors.gateway_message(error)), request.url.path
            )

    return wrapper


LATEST_CLOCK_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z, the end of Python's calendar
CREATE_PROCESS_INSTANCE: Mapping[str, tuple[str, Check]] = {
    "processDefinitionId": STRING,
    "processDefinitionKey": KEY,
    "processDefinitionVersion": INTEGER,
    "variables": VARIABLES,
    "startInstructions": OBJECTS,
    "awaitCompletion": BOOLEAN,
    "fetchVariables": STRINGS,
    "requestTimeout": INTEGER,
    "tenantId": STRING,
    "operationReference": INTEGER,
}
PUBLISH_MESSAGE: Mapping[str, tuple[str, Check]] = {
    "name": STRING,
    "correlationKey": STRING,
    "timeToLive": INTEGER,
    "messageId": STRING,
    "variables": VARIABLES,
    "tenantId": STRING,
}


class RestApi:
    def __init__(
        self,
        client: EngineClient,
        topology: Callable[[], dict[str, Any]],
        tokens: Sequence[str] = (),
        request_timeout_ms: int = 15_000,
        max_body_bytes: int = 4 * 1024 * 1024,
        guard: Guard | None = None,
        signals: JobSignals | None = None,
        long_polling_timeout_ms: int = 10_000,
    ) -> None:
        self._signals = signals  # the gateway's, shared with gRPC long polls (None: the app makes its own)
        self._long_polling_timeout_ms = long_polling_timeout_ms
        self._request_timeout_ms = request_timeout_ms
        self._max_body_bytes = max_body_bytes
        self._client = client
        self._engine = client.engine
        self._topology = topology
        self._guard = guard or Guard(client.engine, Authenticator(None, tokens))

    async def _body(self, request: Request, properties: Mapping[str, tuple[str, Check]]) -> dict[str, Any]:
        return await read_body(request, properties, self._max_body_bytes)

    async def _query(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(method, *args, **kwargs)

    # --- cluster and clock ------------------------------------------------------------------

    async def get_topology(self, request: Request) -> Response:
        return JSONResponse(self._topology())

    async def get_clock(self, request: Request) -> Response:
        now = await self._query(self._engine.clock.now)
        pinned = getattr(self._engine.clock, "is_pinned", None)
        return JSONResponse(
            {"timestamp": int(now.timestamp() * 1000), "iso": now.isoformat(), "pinned": pinned}
        )

    async def pin_clock(self, request: Request) -> Response:
        timestamp = (await self._body(request, {"timestamp": INTEGER})).get("timestamp")
        if timestamp is None or timestamp < 0:
            raise invalid("The required timestamp parameter is missing or it is negative.")
        if timestamp > LATEST_CLOCK_MS:
            raise invalid(f"timestamp {timestamp} is after the year 9999 ({LATEST_CLOCK_MS} at the most)")
        await self._query(self._engine.clock.pin, datetime.fromtimestamp(timestamp / 1000, tz=UTC))
        return Response(status_code=204)

    async def add_clock(self, request: Request) -> Response:
        millis = (await self._body(request, {"milliseconds": INTEGER})).get("milliseconds")
        if millis is None or millis < 0:
            raise invalid("The required milliseconds parameter is missing or it is negative.")
        now = await self._query(self._engine.clock.now)
        if millis > LATEST_CLOCK_MS - int(now.timestamp() * 1000):
            raise invalid(f"milliseconds {millis} would move the clock past the year 9999")
        await self._query(self._engine.clock.add, timedelta(milliseconds=millis))
        return Response(status_code=204)

    async def reset_clock(self, request: Request) -> Response:
        await self._query(self._engine.clock.reset)
        return Response(status_code=204)

    # --- user tasks -------------------------------------------------------------------------

    async def search_user_tasks(self, request: Request) -> Response:
        body = await self._body(request, SEARCH)
        applied = ("state", "candidateGroup", "assignee", "processInstanceKey")
        filters = filters_of(body, applied + view_fields(UserTaskView))
        instance = filter_value(filters, "processInstanceKey")
        tasks = await self._query(
            self._engine.queries.search_user_tasks,
            state=filter_value(filters, "state"),
            candidate_group=filter_value(filters, "candidateGroup"),
            assignee=filter_value(filters, "assignee"),
            process_instance_key=None if instance is None else key_of(instance, "processInstanceKey"),
        )
        return JSONResponse(page_of(list(tasks), body, filters, applied))

    async def _get_one(
        self, request: Request, query: Callable[[int], Any], key_name: str, label: str
    ) -> Response:
        key = key_of(request.path_params["key"], key_name)
        view = await self._query(query, key)
        if view is None:
            raise Problem(404, "NOT_FOUND", f"{label} with key '{key}' not found")
        return JSONResponse(to_json(view))

    async def get_user_task(self, request: Request) -> Response:
        return await self._get_one(request, self._engine.queries.get_user_task, "userTaskKey", "User Task")

    async def get_user_task_form(self, request: Request) -> Response:
        return await user_task_form(self._engine.queries, key_of(request.path_params["key"], "userTaskKey"))

    async def assign_user_task(self, request: Request) -> Response:
        body = await self._body(request, {"assignee": STRING, "allowOverride": BOOLEAN, "action": STRING})
        assignee = body.get("assignee")
        if not isinstance(assignee, str) or not assignee:
            raise invalid("No assignee provided.")
        await self._client.call(
            cmd.AssignUserTask(
                user_task_key=key_of(request.path_params["key"], "userTaskKey"),
                assignee=assignee,
                action=body.get("action") or "assign",
                allow_override=body.get("allowOverride", True) is not False,
            )
        )
        return Response(status_code=204)

    async def unassign_user_task(self, request: Request) -> Response:
        await self._body(request, {})
        await self._client.call(
            cmd.AssignUserTask(
                user_task_key=key_of(request.path_params["key"], "userTaskKey"),
                assignee=None,
                action="unassign",
            )
        )
        return Response(status_code=204)

    async def update_user_task(self, request: Request) -> Response:
        body = await self._body(request, {"changeset": OBJECT, "action": STRING})
        changeset = body.get("changeset") or {}
        if not isinstance(changeset, dict):
            raise invalid("changeset must be a JSON object")
        allowed = {"dueDate", "followUpDate", "candidateGroups", "candidateUsers", "priority"}
        unknown = set(changeset) - allowed
        if unknown:
            raise invalid(f"changeset: unknown attribute(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        problems = changeset_problems(body.get("action"), changeset)
        if problems:  # RequestValidator.createProblemDetail: joined by ". ", ending in "."
            raise invalid(". ".join(problems).removesuffix(".") + ".")
        await self._client.call(
            cmd.UpdateUserTask(
                user_task_key=key_of(request.path_params["key"], "userTaskKey"),
                changeset=changeset,
                action=body.get("action") or "update",
            )
        )
        return Response(status_code=204)

    async def complete_user_task(self, request: Request) -> Response:
        body = await self._body(request, {"variables": VARIABLES, "action": STRING})
        await self._client.call(
            audited(
                cmd.CompleteUserTask(
                    user_task_key=key_of(request.path_params["key"], "userTaskKey"),
                    variables=variables_of(body),
                    action=body.get("action") or "complete",
                )
            )
        )
        return Response(status_code=204)

    # --- process instances, messages, incidents ---------------------------------------------

    async def create_process_instance(self, request: Request) -> Response:
        body = await self._body(request, CREATE_PROCESS_INSTANCE)
        definition_key = body.get("processDefinitionKey")
        definition_id = body.get("processDefinitionId")
        if definition_key is None and not definition_id:
            raise invalid("At least one of [processDefinitionId, processDefinitionKey] is required.")
        version = body.get("processDefinitionVersion", -1)
        if isinstance(version, bool) or not isinstance(version, int):
            raise invalid("processDefinitionVersion must be an integer")
        instructions = body.get("startInstructions") or []
        if not isinstance(instructions, list) or not all(
            isinstance(i, dict) and isinstance(i.get("elementId"), str) for i in instructions
        ):
            raise invalid("startInstructions must be a list of objects with an elementId")
        await_result = body.get("awaitCompletion", False)
        command = cmd.CreateProcessInstance(
            bpmn_process_id=None if definition_key is not None else definition_id,
            version=version if version > 0 else -1,
            process_definition_key=None
            if definition_key is None
            else key_of(definition_key, "processDefinitionKey"),
            variables=variables_of(body),
            start_instructions=tuple(i["elementId"] for i in instructions),
            tenant_id=tenant(body.get("tenantId") or "", "CreateProcessInstance"),
            await_result=await_result,
            fetch_variables=tuple(body.get("fetchVariables") or ()),
        )
        timeout_ms = body.get("requestTimeout") or 0
        if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or timeout_ms < 0:
            raise invalid("requestTimeout must be a non-negative integer (milliseconds)")
        if await_result and not timeout_ms:
            timeout_ms = self._request_timeout_ms  # never wait for ever for an instance that may not end
        try:
            created = await asyncio.wait_for(
                self._client.call(command), timeout_ms / 1000 if timeout_ms else None
            )
        except TimeoutError:
            raise Problem(
                504, "DEADLINE_EXCEEDED", f"Expected the process instance to complete within {timeout_ms} ms"
            ) from None
        result = {
            "processDefinitionId": created.bpmn_process_id,
            "processDefinitionVersion": created.version,
            "processDefinitionKey": str(created.process_definition_key),
            "processInstanceKey": str(created.process_instance_key),
            "tenantId": created.tenant_id,
        }
        # 8.8 always answers with variables: the result's when awaited, else none ({})
        result["variables"] = created.variables if await_result else {}
        return JSONResponse(result)

    async def cancel_process_instance(self, request: Request) -> Response:
        await self._body(request, {"operationReference": INTEGER})
        await self._client.call(
            audited(
                cmd.CancelProcessInstance(
                    process_instance_key=key_of(request.path_params["key"], "processInstanceKey")
                )
            )
        )
        return Response(status_code=204)

    async def search_process_instances(self, request: Request) -> Response:
        body = await self._body(request, SEARCH)
        applied = ("state", "processDefinitionId")
        filters = filters_of(body, view_fields(ProcessInstanceView))
        instances = await self._query(
            self._engine.queries.search_process_instances,
            state=filter_value(filters, "state"),
            bpmn_process_id=filter_value(filters, "processDefinitionId"),
        )
        return JSONResponse(page_of(list(instances), body, filters, applied))

    async def publish_message(self, request: Request) -> Response:
        body = await self._body(request, PUBLISH_MESSAGE)
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise invalid("No name provided.")
        ttl = body.get("timeToLive", 0)
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
            raise invalid("timeToLive must be a non-negative integer (milliseconds)")
        published = await self._client.call(
            cmd.PublishMessage(
                name=name,
                correlation_key=str(body.get("correlationKey") or ""),
                time_to_live_ms=ttl,
                message_id=str(body.get("messageId") or ""),
                variables=variables_of(body),
                tenant_id=tenant(body.get("tenantId") or "", "PublishMessage"),
            )
        )
        return JSONResponse({"messageKey": str(published.key), "tenantId": published.tenant_id})

    async def search_incidents(self, request: Request) -> Response:
        body = await self._body(request, SEARCH)
        applied = ("processInstanceKey", "state")
        filters = filters_of(body, view_fields(IncidentView))
        instance = filter_value(filters, "processInstanceKey")
        incidents = await self._query(
            self._engine.queries.search_incidents,
            process_instance_key=None if instance is None else key_of(instance, "processInstanceKey"),
            state=filter_value(filters, "state"),
        )
        return JSONResponse(page_of(list(incidents), body, filters, applied))

    async def resolve_incident(self, request: Request) -> Response:
        await self._body(request, {"operationReference": INTEGER})
        await self._client.call(
            audited(cmd.ResolveIncident(incident_key=key_of(request.path_params["key"], "incidentKey")))
        )
        return Response(status_code=204)

    def app(self) -> Starlette:
        table: list[tuple[str, str, Handler]] = [
            ("/v2/topology", "GET", self.get_topology),
            ("/v2/clock", "GET", self.get_clock),
            ("/v2/clock", "PUT", self.pin_clock),
            ("/v2/clock/add", "POST", self.add_clock),
            ("/v2/clock/reset", "POST", self.reset_clock),
            ("/v2/user-tasks/search", "POST", self.search_user_tasks),
            ("/v2/user-tasks/{key}", "GET", self.get_user_task),
            ("/v2/user-tasks/{key}", "PATCH", self.update_user_task),
            ("/v2/user-tasks/{key}/form", "GET", self.get_user_task_form),
            ("/v2/user-tasks/{key}/assignment", "POST", self.assign_user_task),
            ("/v2/user-tasks/{key}/assignee", "DELETE", self.unassign_user_task),
            ("/v2/user-tasks/{key}/completion", "POST", self.complete_user_task),
            ("/v2/process-instances", "POST", self.create_process_instance),
            ("/v2/process-instances/search", "POST", self.search_process_instances),
            ("/v2/process-instances/{key}/cancellation", "POST", self.cancel_process_instance),
            ("/v2/messages/publication", "POST", self.publish_message),
            ("/v2/incidents/search", "POST", self.search_incidents),
            ("/v2/incidents/{key}/resolution", "POST", self.resolve_incident),
        ]
        table = OperateEndpoints(self).extend(table)
        table = table + IdentityEndpoints(self, self._guard.authenticator.store).routes()
        table = table + CommandEndpoints(self, self._signals, self._long_polling_timeout_ms).routes()
        table = table + ResourceEndpoints(self).routes()
        # every route passes the identity guard with its rule (identity/rules.py); no rule: admins only
        routes = [
            Route(path, guarded(endpoint(handler), rule, self._guard), methods=[method])
            for path, method, handler in table
            for rule in [rest_rule(method, path) or UNLISTED]
        ]
        return Starlette(
            routes=routes,
            exception_handlers={HTTPException: _http_problem, Exception: _unexpected_problem},
        )


async def _http_problem(request: Request, error: Exception) -> Response:
    """Unknown paths and methods in Camunda's error format, not Starlette's text/plain."""
    assert isinstance(error, HTTPException)
    titles = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
    detail = {
        404: f"No endpoint {request.method} {request.url.path}",
        405: f"Method {request.method} is not supported on {request.url.path}",
    }.get(error.status_code, str(error.detail))
    title = titles.get(error.status_code, "INVALID_ARGUMENT")
    response = problem_response(Problem(error.status_code, title, detail), request.url.path)
    if error.headers:
        response.headers.update(error.headers)  # Allow: … on a 405
    return response


async def _unexpected_problem(request: Request, error: Exception) -> Response:
    log.error("REST request failed", path=request.url.path, method=request.method, error=repr(error))
    return problem_response(
        Problem(500, "INTERNAL", f"Unexpected error while handling the request: {type(error).__name__}"),
        request.url.path,
    )


# Camunda 8.8's REST gateway checks a user task update before any command is sent, in its words
# (camunda/camunda zeebe/gateway-rest/src/main/java/io/camunda/zeebe/gateway/rest/validator/
# UserTaskRequestValidator.java, RequestValidator.validateDate, ErrorMessages.java)
NO_UPDATE = (
    'No update data provided. Provide at least an "action" or a non-null value for a supported attribute '
    'in the "changeset"'
)
# java.time.OffsetDateTime.parse (ISO_OFFSET_DATE_TIME): date, time, an offset
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}(:\d{2})?)", re.I)


def changeset_problems(action: Any, changeset: Mapping[str, Any]) -> list[str]:
    """``UserTaskRequestValidator.validateUpdateRequest``: something to do, and parseable dates."""
    if action is None and all(value is None for value in changeset.values()):
        return [NO_UPDATE]
    problems = []
    for name, label in (("dueDate", "due date"), ("followUpDate", "follow-up date")):
        value = changeset.get(name)
        if isinstance(value, str) and value and not _offset_date_time(value):
            problems.append(
                f"The provided {label} '{value}' cannot be parsed as a date according to RFC 3339, "
                "section 5.6"
            )
    return problems


def _offset_date_time(value: str) -> bool:
    if not RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.upper())
    except ValueError:
        return False
    return True
