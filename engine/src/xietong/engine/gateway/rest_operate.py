"""The REST API v2 reads a task list and a case console need (Camunda's Tasklist and Operate views).

Process definitions (search, get, XML, per-element statistics), process-instance statistics,
sequence flows and incidents, element instances (search, get, setting variables), variables,
incidents, jobs and a user task's variables — paths, bodies, filters, sorting and paging as in
Camunda 8.8. User-task and process-instance search take 8.8's filter operators here too
(``$in``, ``$like``, date ranges, ``processInstanceVariables`` …). State is read through the
engine's query layer (:mod:`xietong.engine.operate_queries`), never its tables.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from xietong.engine import commands as cmd
from xietong.engine.gateway import rest_filter as rf
from xietong.engine.gateway.rest_body import BOOLEAN, INTEGER, OBJECT, SEARCH, VARIABLES
from xietong.engine.gateway.rest_common import Problem, invalid, key_of, to_json, variables_of
from xietong.engine.identity.audit import audited
from xietong.engine.operate_queries import OperateQueries

if TYPE_CHECKING:  # the app that includes these routes; only its type is needed here
    from xietong.engine.gateway.rest import RestApi

try:  # the identity layer drops the rows a caller may not see, before paging
    from xietong.engine.identity.visibility import visible_rows
except ImportError:  # an engine without identity shows every row

    def visible_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return rows


Handler = Callable[[Request], Awaitable[Response]]
Row = dict[str, Any]
Fields = Mapping[str, tuple[str, str]]
S, K, N, D, B, E = rf.STRING, rf.KEY, rf.INTEGER, rf.DATE, rf.BOOLEAN, rf.ENUM
# plain-value-only fields, as 8.8 declares them
PS, PK, PN, PE = (rf.plain_kind(kind) for kind in (S, K, N, E))


def _same(**kinds: str) -> dict[str, tuple[str, str]]:
    return {name: (kind, name) for name, kind in kinds.items()}


# fmt: off
PROCESS_DEFINITION_FIELDS = _same(
    name=S, isLatestVersion=B, resourceName=PS, version=PN, versionTag=PS, processDefinitionId=S,
    tenantId=PS, processDefinitionKey=PK, hasStartForm=B,
)
PROCESS_INSTANCE_FIELDS = _same(
    startDate=D, endDate=D, state=E, hasIncident=B, tenantId=S, processInstanceKey=K,
    parentProcessInstanceKey=K, parentElementInstanceKey=K, processDefinitionId=S,
    processDefinitionName=S, processDefinitionVersion=N, processDefinitionVersionTag=S,
    processDefinitionKey=K,
)
USER_TASK_FIELDS = {
    **_same(
        state=E, assignee=S, priority=N, elementId=PS, name=PS, tenantId=S, processDefinitionId=PS,
        creationDate=D, completionDate=D, followUpDate=D, dueDate=D, userTaskKey=PK,
        processDefinitionKey=PK, processInstanceKey=PK, elementInstanceKey=PK,
    ),
    "candidateGroup": (S, "candidateGroups"),
    "candidateUser": (S, "candidateUsers"),
}
ELEMENT_INSTANCE_FIELDS = {
    **_same(
        processDefinitionId=PS, state=E, type=PE, elementId=PS, elementName=PS, hasIncident=B,
        tenantId=PS, elementInstanceKey=PK, processInstanceKey=PK, processDefinitionKey=PK,
        incidentKey=PK, startDate=D, endDate=D,
    ),
    "elementInstanceScopeKey": (PK, "flowScopeKey"),
}
VARIABLE_FIELDS = _same(
    name=S, value=S, tenantId=PS, isTruncated=B, variableKey=K, scopeKey=K, processInstanceKey=K
)
INCIDENT_FIELDS = _same(
    processDefinitionId=PS, errorType=PE, errorMessage=PS, elementId=PS, creationTime=D, state=PE,
    tenantId=PS, incidentKey=PK, processDefinitionKey=PK, processInstanceKey=PK,
    elementInstanceKey=PK, jobKey=PK,
)
JOB_FIELDS = _same(
    deadline=D, elementId=S, elementInstanceKey=K, errorMessage=S, hasFailedWithRetriesLeft=B,
    jobKey=K, kind=E, listenerEventType=E, processDefinitionId=S, processDefinitionKey=K,
    processInstanceKey=K, retries=N, state=E, tenantId=S, type=S, worker=S,
)
# fmt: on

SORTS: dict[str, tuple[str, ...]] = {
    "processDefinition": (
        "processDefinitionKey",
        "name",
        "resourceName",
        "version",
        "versionTag",
        "processDefinitionId",
        "tenantId",
    ),
    "processInstance": (
        "processInstanceKey",
        "processDefinitionId",
        "processDefinitionName",
        "processDefinitionVersion",
        "processDefinitionVersionTag",
        "processDefinitionKey",
        "parentProcessInstanceKey",
        "parentElementInstanceKey",
        "startDate",
        "endDate",
        "state",
        "hasIncident",
        "tenantId",
    ),
    "userTask": ("creationDate", "completionDate", "followUpDate", "dueDate", "priority", "name"),
    "elementInstance": (
        "elementInstanceKey",
        "processInstanceKey",
        "processDefinitionKey",
        "processDefinitionId",
        "startDate",
        "endDate",
        "elementId",
        "elementName",
        "type",
        "state",
        "incidentKey",
        "tenantId",
    ),
    "variable": ("value", "name", "tenantId", "variableKey", "scopeKey", "processInstanceKey"),
    "incident": (
        "incidentKey",
        "processDefinitionKey",
        "processDefinitionId",
        "processInstanceKey",
        "errorType",
        "errorMessage",
        "elementId",
        "elementInstanceKey",
        "creationTime",
        "state",
        "jobKey",
        "tenantId",
    ),
    "job": (
        "deadline",
        "elementId",
        "elementInstanceKey",
        "errorMessage",
        "jobKey",
        "kind",
        "listenerEventType",
        "processDefinitionId",
        "processDefinitionKey",
        "processInstanceKey",
        "retries",
        "state",
        "tenantId",
        "type",
        "worker",
    ),
}
_DATES = {
    "startDate",
    "endDate",
    "creationDate",
    "completionDate",
    "followUpDate",
    "dueDate",
    "creationTime",
    "deadline",
}
PAGE_LIMIT_MAX = 10_000


def _sort_value(field: str, value: Any) -> Any:
    if field in _DATES and isinstance(value, str):
        if len(value) == 24 and value.endswith("Z"):  # the engine's own form: sorts as text, no parsing
            return value
        try:  # any other offset: the same instant in the engine's form
            moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return "~"  # after every date
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if field.endswith("Key") and isinstance(value, str) and value.isdigit():
        return int(value)
    return value


class OperateEndpoints:
    """Handlers bound to a :class:`RestApi`, whose body reading, problems and engine client they use."""

    def __init__(self, api: RestApi) -> None:
        self.api = api
        self.queries = OperateQueries(api._engine)

    # -- shared machinery ---------------------------------------------------------------------
    def _invalid(self, detail: str) -> Exception:
        return invalid(detail)

    def _not_found(self, label: str, key: int) -> Exception:
        return Problem(404, "NOT_FOUND", f"{label} with key '{key}' not found")

    def _key(self, request: Request, name: str) -> int:
        return key_of(request.path_params["key"], name)

    def _filter(self, body: Mapping[str, Any], fields: Fields, extra: tuple[str, ...] = ()) -> rf.RowFilter:
        filters = body.get("filter") or {}
        try:
            return rf.RowFilter(filters, fields, extra)
        except rf.FilterProblem as problem:
            raise self._invalid(str(problem)) from None

    def _variables_test(
        self, filters: Mapping[str, Any], field: str
    ) -> Callable[[Mapping[str, Any]], bool] | None:
        if filters.get(field) is None:
            return None
        try:
            return rf.variable_predicate(field, filters[field])
        except rf.FilterProblem as problem:
            raise self._invalid(str(problem)) from None

    def page(self, rows: list[Row], body: Mapping[str, Any], sortable: tuple[str, ...]) -> Row:
        page = body.get("page") or {}
        unknown = sorted(set(page) - {"from", "limit", "after", "before"})
        if unknown:
            raise self._invalid(f"page: unknown property {unknown[0]}; use from and limit")
        start, limit = page.get("from", 0), page.get("limit", 100)
        if (
            isinstance(start, bool)
            or isinstance(limit, bool)
            or not isinstance(start, int)
            or not isinstance(limit, int)
            or start < 0
            or limit < 1
        ):
            raise self._invalid("page.from must be a non-negative integer and page.limit a positive one")
        if limit > PAGE_LIMIT_MAX:
            raise self._invalid(f"page.limit {limit} is over the maximum of {PAGE_LIMIT_MAX}")
        if "after" in page or "before" in page:
            raise self._invalid(
                "page: cursor paging (after/before) is not supported here; use from and limit"
            )
        for key in reversed(body.get("sort") or []):
            field = key.get("field")
            if field not in sortable:
                raise self._invalid(f"sort: unknown field {field!r}; sortable: {', '.join(sortable)}")
            order = str(key.get("order", "ASC")).upper()
            if order not in ("ASC", "DESC"):
                raise self._invalid(f"sort: order {key.get('order')!r} must be ASC or DESC")
            present = [row for row in rows if row.get(field) is not None]
            absent = [row for row in rows if row.get(field) is None]
            try:
                present.sort(key=lambda row: _sort_value(field, row[field]), reverse=order == "DESC")
            except TypeError:
                raise self._invalid(f"sort: the values of {field!r} cannot be ordered") from None
            rows = present + absent
        rows = visible_rows(rows)
        return {
            "items": [without_nulls(row) for row in rows[start : start + limit]],
            "page": {"totalItems": len(rows)},
        }

    async def _search_body(self, request: Request) -> dict[str, Any]:
        return await self.api._body(request, SEARCH)

    async def _q(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await self.api._query(fn, *args)

    # -- process definitions ------------------------------------------------------------------
    async def search_process_definitions(self, request: Request) -> Response:
        body = await self._search_body(request)
        test = self._filter(body, PROCESS_DEFINITION_FIELDS)
        rows = [row for row in await self._q(self.queries.process_definitions) if test(row)]
        for row in rows:
            row.pop("isLatestVersion", None)
        return JSONResponse(self.page(rows, body, SORTS["processDefinition"]))

    async def _definition(self, key: int) -> Row:
        rows: list[Row] = await self._q(self.queries.process_definitions)
        for row in rows:
            if row["processDefinitionKey"] == str(key):
                row.pop("isLatestVersion", None)
                return row
        raise self._not_found("Process definition", key)

    async def get_process_definition(self, request: Request) -> Response:
        return JSONResponse(without_nulls(await self._definition(self._key(request, "processDefinitionKey"))))

    async def get_process_definition_xml(self, request: Request) -> Response:
        key = self._key(request, "processDefinitionKey")
        xml = await self._q(self.api._engine.queries.process_definition_xml, key)
        if xml is None:
            raise self._not_found("Process definition", key)
        return Response(xml, media_type="text/xml; charset=utf-8")

    async def process_definition_statistics(self, request: Request) -> Response:
        key = self._key(request, "processDefinitionKey")
        body = await self.api._body(request, {"filter": OBJECT})
        instance_keys = None
        if body.get("filter"):
            rows = await self._instances({"filter": {**body["filter"], "processDefinitionKey": str(key)}})
            instance_keys = {int(row["processInstanceKey"]) for row in rows}
        items = await self._q(self.queries.definition_statistics, key, instance_keys)
        if items is None:
            raise self._not_found("Process definition", key)
        return JSONResponse({"items": items})

    # -- process instances --------------------------------------------------------------------
    async def _instances(self, body: Mapping[str, Any]) -> list[Row]:
        filters = body.get("filter") or {}
        if not isinstance(filters, dict):
            raise self._invalid("filter must be a JSON object")
        alternatives = filters.get("$or") or []
        if not isinstance(alternatives, list) or not all(isinstance(a, dict) for a in alternatives):
            raise self._invalid("filter.$or must be a list of filter objects")
        base = {name: value for name, value in filters.items() if name not in ("$or", "variables")}
        test = self._filter({"filter": base}, PROCESS_INSTANCE_FIELDS)
        ors = [
            self._filter(
                {"filter": {k: v for k, v in a.items() if k != "variables"}}, PROCESS_INSTANCE_FIELDS
            )
            for a in alternatives
        ]
        or_vars = [self._variables_test(a, "variables") for a in alternatives]
        variables_test = self._variables_test(filters, "variables")
        state = rf.plain(filters, "state")
        process_id = rf.plain(filters, "processDefinitionId")
        rows: list[Row]
        if state == "ACTIVE":  # the board's search: running instances, rows built on the engine's thread
            rows = await self._q(
                self.queries.running_instance_rows,
                process_id if isinstance(process_id, str) else None,
                _key_set(filters, "processInstanceKey"),
            )
            applied = {"state"}  # what the read applied exactly; the rest is tested here
            if isinstance(process_id, str):
                applied.add("processDefinitionId")
            if _key_set(filters, "processInstanceKey") is not None:
                applied.add("processInstanceKey")
            rest = self._filter(
                {"filter": {k: v for k, v in base.items() if k not in applied}}, PROCESS_INSTANCE_FIELDS
            )
            if rest:
                rows = [row for row in rows if rest(row)]
        else:
            views = await self._q(
                self.api._engine.queries.search_process_instances,
                state if isinstance(state, str) else None,
                process_id if isinstance(process_id, str) else None,
            )
            names = await self._q(self.queries.process_names)
            rows = []
            for view in views:
                row = to_json(view)
                row["processDefinitionName"] = names.get(view.process_definition_key) or view.bpmn_process_id
                if test(row):
                    rows.append(row)
        needs_variables = variables_test is not None or any(v is not None for v in or_vars)
        variables = (
            await self._q(self.queries.root_variables, [int(r["processInstanceKey"]) for r in rows])
            if needs_variables
            else {}
        )
        if variables_test is not None:
            rows = [r for r in rows if variables_test(variables.get(int(r["processInstanceKey"]), {}))]
        if alternatives:
            rows = [
                r
                for r in rows
                if any(
                    t(r) and (v is None or v(variables.get(int(r["processInstanceKey"]), {})))
                    for t, v in zip(ors, or_vars, strict=True)
                )
            ]
        return rows

    async def search_process_instances(self, request: Request) -> Response:
        body = await self._search_body(request)
        rows = await self._instances(body)
        return JSONResponse(self.page(rows, body, SORTS["processInstance"]))

    async def get_process_instance(self, request: Request) -> Response:
        """8.8's ProcessInstanceResult: with the process's name, and no null properties."""
        key = self._key(request, "processInstanceKey")
        view = await self._q(self.api._engine.queries.get_process_instance, key)
        if view is None:
            raise self._not_found("Process Instance", key)
        row = to_json(view)
        names = await self._q(self.queries.process_names)
        row["processDefinitionName"] = names.get(view.process_definition_key) or view.bpmn_process_id
        return JSONResponse(without_nulls(row))

    async def process_instance_statistics(self, request: Request) -> Response:
        key = self._key(request, "processInstanceKey")
        items = await self._q(self.queries.instance_statistics, key)
        if items is None:
            raise self._not_found("Process Instance", key)
        return JSONResponse({"items": items})

    async def sequence_flows(self, request: Request) -> Response:
        key = self._key(request, "processInstanceKey")
        items = await self._q(self.queries.sequence_flows, key)
        if items is None:
            raise self._not_found("Process Instance", key)
        return JSONResponse({"items": items})

    async def _incident_rows(self) -> list[Row]:

        return [to_json(view) for view in await self._q(self.api._engine.queries.search_incidents)]

    async def process_instance_incidents(self, request: Request) -> Response:
        key = self._key(request, "processInstanceKey")
        body = await self.api._body(request, {"page": OBJECT, "sort": SEARCH["sort"]})
        family = await self._q(self.queries.descendants, key)
        if family is None:
            raise self._not_found("Process Instance", key)
        wanted = {str(k) for k in family}
        rows = [row for row in await self._incident_rows() if row["processInstanceKey"] in wanted]
        return JSONResponse(self.page(rows, body, SORTS["incident"]))

    # -- element instances --------------------------------------------------------------------
    async def search_element_instances(self, request: Request) -> Response:
        body = await self._search_body(request)
        filters = body.get("filter") or {}
        test = self._filter(body, ELEMENT_INSTANCE_FIELDS)
        instance = rf.plain(filters, "processInstanceKey")
        if isinstance(instance, str | int) and str(instance).isdigit():
            rows = await self._q(self.queries.element_instances, int(instance)) or []
        else:
            rows = await self._q(self.queries.active_element_instances, None)
        rows = [row for row in rows if test(row)]
        for row in rows:
            row.pop("flowScopeKey", None)
        return JSONResponse(self.page(rows, body, SORTS["elementInstance"]))

    async def get_element_instance(self, request: Request) -> Response:
        key = self._key(request, "elementInstanceKey")
        row = await self._q(self.queries.element_instance, key)
        if row is None:
            raise self._not_found("Element instance", key)
        row.pop("flowScopeKey", None)
        return JSONResponse(without_nulls(row))

    async def set_element_instance_variables(self, request: Request) -> Response:

        key = self._key(request, "elementInstanceKey")
        body = await self.api._body(
            request, {"variables": VARIABLES, "local": BOOLEAN, "operationReference": INTEGER}
        )
        if "variables" not in body:
            raise self._invalid("No variables provided.")
        await self.api._client.call(
            audited(  # the case's audit log names who set them
                cmd.SetVariables(
                    element_instance_key=key, variables=variables_of(body), local=body.get("local", False)
                )
            )
        )
        return Response(status_code=204)

    # -- variables, incidents, jobs -----------------------------------------------------------
    async def search_variables(self, request: Request) -> Response:
        body = await self._search_body(request)
        filters = body.get("filter") or {}
        test = self._filter(body, VARIABLE_FIELDS)
        rows = await self._q(
            self.queries.variables, _key_set(filters, "processInstanceKey"), _key_set(filters, "scopeKey")
        )
        return JSONResponse(self.page([r for r in rows if test(r)], body, SORTS["variable"]))

    async def get_variable(self, request: Request) -> Response:
        key = self._key(request, "variableKey")
        row = await self._q(self.queries.variable, key)
        if row is None:
            raise self._not_found("Variable", key)
        row.pop("isTruncated", None)
        return JSONResponse(without_nulls(row))

    async def user_task_variables(self, request: Request) -> Response:
        key = self._key(request, "userTaskKey")
        body = await self._search_body(request)
        test = self._filter(body, _same(name=S))
        rows = await self._q(self.queries.user_task_variables, key)
        if rows is None:
            raise self._not_found("User Task", key)
        return JSONResponse(self.page([r for r in rows if test(r)], body, SORTS["variable"]))

    async def get_incident(self, request: Request) -> Response:
        key = self._key(request, "incidentKey")
        for row in await self._incident_rows():
            if row["incidentKey"] == str(key):
                return JSONResponse(without_nulls(row))
        raise self._not_found("Incident", key)

    async def search_incidents(self, request: Request) -> Response:
        body = await self._search_body(request)
        test = self._filter(body, INCIDENT_FIELDS)
        rows = [row for row in await self._incident_rows() if test(row)]
        return JSONResponse(self.page(rows, body, SORTS["incident"]))

    async def search_jobs(self, request: Request) -> Response:
        body = await self._search_body(request)
        test = self._filter(body, JOB_FIELDS)
        rows = [row for row in await self._q(self.queries.jobs) if test(row)]
        return JSONResponse(self.page(rows, body, SORTS["job"]))

    async def update_job(self, request: Request) -> Response:
        key = self._key(request, "jobKey")
        body = await self.api._body(request, {"changeset": OBJECT, "operationReference": INTEGER})
        changeset = body.get("changeset")
        if not isinstance(changeset, dict) or not changeset:
            raise self._invalid("No changeset provided.")
        unknown = sorted(set(changeset) - {"retries", "timeout"})
        if unknown:
            raise self._invalid(f"changeset: unknown attribute(s) {unknown}; allowed: ['retries', 'timeout']")
        for name in ("retries", "timeout"):
            value = changeset.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise self._invalid(f"changeset.{name} must be a non-negative integer, got {value!r}")
        if changeset.get("retries") is not None:
            await self.api._client.call(cmd.UpdateJobRetries(job_key=key, retries=changeset["retries"]))
        if changeset.get("timeout") is not None:
            await self.api._client.call(cmd.UpdateJobTimeout(job_key=key, timeout_ms=changeset["timeout"]))
        return Response(status_code=204)

    # -- user tasks ---------------------------------------------------------------------------
    async def search_user_tasks(self, request: Request) -> Response:

        body = await self._search_body(request)
        filters = body.get("filter") or {}
        test = self._filter(body, USER_TASK_FIELDS, ("processInstanceVariables", "localVariables"))
        instance_vars = self._variables_test(filters, "processInstanceVariables")
        local_vars = self._variables_test(filters, "localVariables")
        state, group = rf.plain(filters, "state"), rf.plain(filters, "candidateGroup")
        assignee, instance = rf.plain(filters, "assignee"), rf.plain(filters, "processInstanceKey")
        if state == "CREATED":  # a task list's search: open tasks, narrowed and built on the engine's thread
            rows = await self._q(
                self.queries.open_user_task_rows,
                _string_set(filters, "candidateGroup"),
                assignee if isinstance(assignee, str) else None,
                int(instance) if isinstance(instance, str | int) and str(instance).isdigit() else None,
                instance_vars,
            )
            rows = [row for row in rows if test(row)]
            instance_vars = None  # applied above
        else:
            views = await self._q(
                self.api._engine.queries.search_user_tasks,
                state if isinstance(state, str) else None,
                group if isinstance(group, str) else None,
                assignee if isinstance(assignee, str) else None,
                int(instance) if isinstance(instance, str | int) and str(instance).isdigit() else None,
            )
            names = await self._q(self.queries.process_names)
            rows = []
            for view in views:
                row = to_json(view)
                if test(row):
                    row["processName"] = names.get(view.process_definition_key) or None
                    rows.append(row)
        if instance_vars is not None:
            variables = await self._q(
                self.queries.root_variables, [int(r["processInstanceKey"]) for r in rows]
            )
            rows = [r for r in rows if instance_vars(variables.get(int(r["processInstanceKey"]), {}))]
        if local_vars is not None:
            kept = []
            for row in rows:
                local = await self._q(self.queries.variables, None, {int(row["elementInstanceKey"])})
                if local_vars({v["name"]: _loads(v["value"]) for v in local}):
                    kept.append(row)
            rows = kept
        return JSONResponse(self.page(rows, body, SORTS["userTask"]))

    def extend(self, table: list[tuple[str, str, Handler]]) -> list[tuple[str, str, Handler]]:
        """The REST table with these routes: a path both serve is served here (with 8.8's operators)."""
        mine = self.routes()
        served = {(path, method) for path, method, _ in mine}
        return [entry for entry in table if (entry[0], entry[1]) not in served] + mine

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("/v2/user-tasks/search", "POST", self.search_user_tasks),
            ("/v2/process-instances/search", "POST", self.search_process_instances),
            ("/v2/process-instances/{key}", "GET", self.get_process_instance),
            ("/v2/incidents/search", "POST", self.search_incidents),
            ("/v2/jobs/{key}", "PATCH", self.update_job),
            ("/v2/process-definitions/search", "POST", self.search_process_definitions),
            ("/v2/process-definitions/{key}", "GET", self.get_process_definition),
            ("/v2/process-definitions/{key}/xml", "GET", self.get_process_definition_xml),
            (
                "/v2/process-definitions/{key}/statistics/element-instances",
                "POST",
                self.process_definition_statistics,
            ),
            (
                "/v2/process-instances/{key}/statistics/element-instances",
                "GET",
                self.process_instance_statistics,
            ),
            ("/v2/process-instances/{key}/sequence-flows", "GET", self.sequence_flows),
            ("/v2/process-instances/{key}/incidents/search", "POST", self.process_instance_incidents),
            ("/v2/element-instances/search", "POST", self.search_element_instances),
            ("/v2/element-instances/{key}", "GET", self.get_element_instance),
            ("/v2/element-instances/{key}/variables", "PUT", self.set_element_instance_variables),
            ("/v2/variables/search", "POST", self.search_variables),
            ("/v2/variables/{key}", "GET", self.get_variable),
            ("/v2/incidents/{key}", "GET", self.get_incident),
            ("/v2/jobs/search", "POST", self.search_jobs),
            ("/v2/user-tasks/{key}/variables/search", "POST", self.user_task_variables),
        ]


def without_nulls(row: Row) -> Row:
    """A row as 8.8 answers it: an optional property without a value is absent, never null."""
    return {name: value for name, value in row.items() if value is not None}


def _string_set(filters: Mapping[str, Any], field: str) -> set[str] | None:
    """The values a plain, ``$eq`` or ``$in`` string filter allows (to narrow the engine's read)."""
    value = filters.get(field)
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict) and len(value) == 1:
        if isinstance(value.get("$eq"), str):
            return {value["$eq"]}
        if isinstance(value.get("$in"), list) and all(isinstance(v, str) for v in value["$in"]):
            return set(value["$in"])
    return None


def _key_set(filters: Mapping[str, Any], field: str) -> set[int] | None:
    """The keys a plain, ``$eq`` or ``$in`` key filter allows (to narrow the engine's read), else None."""
    value = filters.get(field)
    if isinstance(value, dict):
        if set(value) == {"$eq"}:
            value = value["$eq"]
        elif set(value) == {"$in"} and isinstance(value["$in"], list):
            keys = [str(v) for v in value["$in"]]
            return {int(k) for k in keys} if all(k.isdigit() for k in keys) else None
        else:
            return None
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).isdigit():
        return {int(value)}
    return None


def _loads(text: str) -> Any:
    return json.loads(text)
