"""/cases: the supervisors' board, and /cases/{processInstanceKey}: one case with its diagram.

The board lists every open process instance from REST process-instance search — also those no
worker has recorded yet — with where each waits (its open user tasks), for which department, due,
overdue, 督办 (from the case store where one is configured) and incidents. The case page draws the
model with bpmn-js and overlays what the REST API says of the instance (statistics, sequence flows
taken), and lets a supervisor set a variable, resolve an incident (with job retries for a job's
incident) or cancel the case (after confirming).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xietong.web.rest_client import ApiError
from xietong.web.site import TIMELINE_LABELS, Web, json_response, not_found, page_number, parse_instant
from xietong.web.tasks import VARIABLE_LABELS, due_of, like_text, matter_of, step_variable_labels

STATES = {"": "全部", "incident": "有事件（故障）", "overdue": "已逾期", "finished": "已结束（办结、撤销）"}
#: Camunda 8.8's process-instance states of a finished case, as the board names them.
ENDED = {"COMPLETED": "已办结", "TERMINATED": "已撤销"}


async def board(web: Web, request: Request) -> Response:
    session = web.session(request)
    api = web.api(session)
    params = request.query_params
    jurisdiction, process = params.get("jurisdiction", "").strip(), params.get("process", "").strip()
    department, state = params.get("department", "").strip(), params.get("state", "")
    query = params.get("q", "").strip()
    now = await web.now(api)
    finished = state == "finished"
    # 8.8's process-instance state filter takes an operator: a finished case is COMPLETED or TERMINATED
    filters: dict[str, Any] = {"state": {"$in": sorted(ENDED)} if finished else "ACTIVE"}
    if process:
        filters["processDefinitionId"] = process
    elif jurisdiction:
        filters["processDefinitionId"] = {"$like": f"{like_text(jurisdiction)}_*"}
    if state == "incident":
        filters["hasIncident"] = True
    if query:
        filters["variables"] = [{"name": "caseId", "value": {"$like": f"*{like_text(query)}*"}}]
    narrowed: set[str] | None = None
    if department:  # open cases waiting for the department; finished ones it had a step in
        task_filter: dict[str, Any] = {"candidateGroup": department}
        if not finished:
            task_filter["state"] = "CREATED"
        tasks = await api.search_all("/v2/user-tasks/search", task_filter, cap=10_000)
        narrowed = {str(t["processInstanceKey"]) for t in tasks}
    if state == "overdue":
        late = await _overdue_instances(api, now)
        narrowed = late if narrowed is None else narrowed & late
    if narrowed is not None:
        filters["processInstanceKey"] = {"$in": sorted(narrowed)}
    size = web.settings.page_size
    page_no = page_number(request)
    instances: list[dict[str, Any]]
    if narrowed is not None and not narrowed:
        instances, total = [], 0
    else:
        instances, total = await api.search(
            "/v2/process-instances/search",
            filters,
            sort=[{"field": "endDate", "order": "DESC"}]  # the latest finished first
            if finished
            else [{"field": "hasIncident", "order": "DESC"}, {"field": "startDate", "order": "ASC"}],
            start=(page_no - 1) * size,
            limit=size,
        )
    keys = [str(i["processInstanceKey"]) for i in instances]
    variables, incidents = await api.gather(
        api.variables_of(keys),  # all of the page's root variables: case id, matter and due_<step> at once
        _incidents(api, [str(i["processInstanceKey"]) for i in instances if i.get("hasIncident")]),
    )
    waiting = await _waiting(api, keys, variables)
    case_ids = [str(variables.get(k, {}).get("caseId")) for k in keys if variables.get(k, {}).get("caseId")]
    events = await web.case_events(case_ids)
    rows = []
    for instance in instances:
        key = str(instance["processInstanceKey"])
        values = variables.get(key, {})
        case_id = str(values.get("caseId") or "")
        steps = waiting.get(key, [])
        for task in steps:
            task["_due"] = due_of(task, values)
        dues = [t["_due"] for t in steps if t["_due"] is not None]
        rows.append(
            {
                "instance": instance,
                "case_id": case_id,
                "matter": matter_of(values),
                "steps": steps,
                "due": min(dues) if dues else None,
                "overdue": any(d < now for d in dues),
                "supervised": sum(1 for e in events.get(case_id, []) if str(e.kind) == "supervised"),
                "incidents": incidents.get(key, []),
            }
        )
    definitions = await web.cached(  # the filter's choices; deployments are rare
        session, "definitions", 60.0,
        lambda: api.search_all("/v2/process-definitions/search", {"isLatestVersion": True}),
    )  # fmt: skip
    jurisdictions = sorted({d["processDefinitionId"].split("_")[0] for d in definitions})
    query_string = urlencode({k: v for k, v in params.items() if k != "page"})
    return web.render(
        request,
        "cases.html",
        rows=rows,
        total=total,
        page=page_no,
        pages=max((total + size - 1) // size, 1),
        states=STATES,
        state=state,
        finished=finished,
        ended=ENDED,
        jurisdiction=jurisdiction,
        process=process,
        department=department,
        query=query,
        definitions=sorted(definitions, key=lambda d: d["processDefinitionId"]),
        jurisdictions=jurisdictions,
        departments=web.departments(jurisdiction or (process.split("_")[0] if process else "")),
        query_string=query_string,
        now=now,
        store=web.case_store() is not None,
    )


async def _overdue_instances(api: Any, now: Any) -> set[str]:
    """Open instances with a step past its due: the deadline worker's ``due_<step>`` variables (or a
    task's own due date) whose step still has an open user task."""
    rows = await api.search_all("/v2/variables/search", {"name": {"$like": "due_*"}}, cap=20_000)
    late: dict[str, set[str]] = {}
    for row in rows:
        try:
            due = parse_instant(json.loads(row.get("value", "null")))
        except ValueError:
            due = None
        if due is not None and due < now:
            late.setdefault(str(row["processInstanceKey"]), set()).add(row["name"].removeprefix("due_"))
    dated = await api.search_all(
        "/v2/user-tasks/search",
        {"state": "CREATED", "dueDate": {"$lt": now.isoformat().replace("+00:00", "Z")}},
        cap=10_000,
    )
    found = {str(t["processInstanceKey"]) for t in dated}
    waiting = await _waiting(api, sorted(set(late) - found))
    for key, steps in waiting.items():
        if any(t.get("elementId") in late[key] for t in steps):
            found.add(key)
    return found


async def _waiting(
    api: Any, keys: list[str], variables: dict[str, dict[str, Any]] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Open user tasks per instance: one search for the page's case ids (``processInstanceVariables``
    ``$in``; 8.8 filters a user task's ``processInstanceKey`` by one value only), then one search per
    instance that has no case id."""
    variables = variables or {}
    waiting: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
    ids = sorted({json.dumps(v["caseId"], ensure_ascii=False) for k, v in variables.items()
                  if k in waiting and v.get("caseId") is not None})  # fmt: skip
    if ids:
        tasks = await api.search_all(
            "/v2/user-tasks/search",
            {"state": "CREATED", "processInstanceVariables": [{"name": "caseId", "value": {"$in": ids}}]},
            cap=20 * len(keys),
        )
        for task in tasks:
            if str(task["processInstanceKey"]) in waiting:
                waiting[str(task["processInstanceKey"])].append(task)
    rest = [key for key in keys if variables.get(key, {}).get("caseId") is None]
    answers = await api.gather(
        *[
            api.search("/v2/user-tasks/search", {"state": "CREATED", "processInstanceKey": key}, limit=20)
            for key in rest
        ]
    )
    for key, (items, _) in zip(rest, answers, strict=True):
        waiting[key] = items
    return waiting


async def _incidents(api: Any, keys: list[str]) -> dict[str, list[dict[str, Any]]]:
    answers = await api.gather(
        *[
            api.search("/v2/incidents/search", {"state": "ACTIVE", "processInstanceKey": key}, limit=20)
            for key in keys
        ]
    )
    return {key: items for key, (items, _) in zip(keys, answers, strict=True)}


async def by_case_id(web: Web, request: Request) -> Response:
    session = web.session(request)
    case_id = request.path_params["case_id"]
    items, _ = await web.api(session).search(
        "/v2/process-instances/search",
        {"variables": [{"name": "caseId", "value": json.dumps(case_id, ensure_ascii=False)}]},
        sort=[{"field": "startDate", "order": "DESC"}],
        limit=1,
    )
    if not items:
        return not_found(request, web, f"没有案件编号为 {case_id} 的案件。")
    return RedirectResponse(f"/cases/{items[0]['processInstanceKey']}", status_code=303)


async def case_page(web: Web, request: Request) -> Response:
    session = web.session(request)
    api = web.api(session)
    key = request.path_params["key"]
    instance = await api.call("GET", f"/v2/process-instances/{key}")
    variable_rows, incidents_page, elements, tasks = await api.gather(
        api.search_all("/v2/variables/search", {"processInstanceKey": str(key)}),
        api.call(
            "POST", f"/v2/process-instances/{key}/incidents/search", {"page": {"from": 0, "limit": 100}}
        ),
        api.search_all("/v2/element-instances/search", {"processInstanceKey": str(key)}),
        api.search_all("/v2/user-tasks/search", {"processInstanceKey": str(key)}),
    )
    variables = []
    for row in variable_rows:
        if str(row.get("scopeKey")) == str(key):
            variables.append(row)
    variables.sort(key=lambda r: r["name"])
    values = {}
    for row in variables:
        try:
            values[row["name"]] = json.loads(row["value"])
        except ValueError:
            values[row["name"]] = row["value"]
    incidents = [i for i in incidents_page.get("items", []) if i.get("state") == "ACTIVE"]
    jobs = {}
    for incident in incidents:
        if incident.get("jobKey"):
            found, _ = await api.search("/v2/jobs/search", {"jobKey": str(incident["jobKey"])}, limit=1)
            if found:
                jobs[str(incident["jobKey"])] = found[0]
    case_id = str(values.get("caseId") or "")
    events = (await web.case_events([case_id])).get(case_id, []) if case_id else []
    now = await web.now(api)
    open_tasks = [t for t in tasks if t.get("state") == "CREATED"]
    for task in open_tasks:
        task["_due"] = due_of(task, values)
        task["_overdue"] = task["_due"] is not None and task["_due"] < now
    model = await web.process_model(api, str(instance["processDefinitionKey"]))
    instance["processDefinitionName"] = instance.get("processDefinitionName") or model.name
    return web.render(
        request,
        "case.html",
        instance=instance,
        variables=variables,
        incidents=incidents,
        jobs=jobs,
        case_id=case_id,
        matter=matter_of(values),
        events=events,
        labels=TIMELINE_LABELS,
        elements=[e for e in elements if e.get("type") not in ("PROCESS", "SEQUENCE_FLOW")],
        open_tasks=open_tasks,
        now=now,
        names=model.names,
        gateway_roles=model.gateway_roles,
        notice=request.query_params.get("notice", ""),
        store=web.case_store() is not None,
        overdue=any(t["_overdue"] for t in open_tasks),
        values=values,
        variable_labels={**VARIABLE_LABELS, **step_variable_labels(values, model.names)},
    )


async def case_diagram(web: Web, request: Request) -> Response:
    """The model and what to overlay on it, for static/diagram.js."""
    session = web.session(request)
    api = web.api(session)
    key = request.path_params["key"]
    instance = await api.call("GET", f"/v2/process-instances/{key}")
    xml, statistics, flows = await api.gather(
        web.process_xml(api, str(instance["processDefinitionKey"])),
        api.call("GET", f"/v2/process-instances/{key}/statistics/element-instances"),
        api.call("GET", f"/v2/process-instances/{key}/sequence-flows"),
    )
    return json_response(
        {
            "xml": xml,
            "elements": {s["elementId"]: s for s in statistics.get("items", [])},
            "flows": [f.get("sequenceFlowId") or f.get("elementId") for f in flows.get("items", [])],
        }
    )


def _done(key: Any, notice: str) -> Response:
    return RedirectResponse(f"/cases/{key}?notice={quote(notice)}", status_code=303)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: taken as the words they are


def _finite(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range")  # 1e999: taken as words, not infinity
    return number


async def set_variable(web: Web, request: Request) -> Response:
    session, form = await web.form(request)
    key = request.path_params["key"]
    name = str(form.get("name") or "").strip()
    text = str(form.get("value") or "")
    if not name:
        return _done(key, "请填写变量名。")
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        return _done(key, "新值嵌套过深，未修改。")
    except ValueError:
        value = text  # plain words are a string; numbers, true/false, lists and objects are JSON
    await web.api(session).call("PUT", f"/v2/element-instances/{key}/variables", {"variables": {name: value}})
    return _done(key, f"已设置变量 {name}。")


async def resolve_incident(web: Web, request: Request) -> Response:
    session, form = await web.form(request)
    key, incident_key = request.path_params["key"], request.path_params["incident"]
    api = web.api(session)
    incident = await api.call("GET", f"/v2/incidents/{incident_key}")
    if incident.get("jobKey"):
        retries_text = str(form.get("retries") or "1")
        retries = int(retries_text) if retries_text.isdigit() and int(retries_text) > 0 else 1
        await api.call("PATCH", f"/v2/jobs/{incident['jobKey']}", {"changeset": {"retries": retries}})
    await api.call("POST", f"/v2/incidents/{incident_key}/resolution", {})
    # Zeebe retries the element at once: an unfixed cause raises the same incident again
    element = str(incident.get("elementId") or "")
    again, _ = await api.search(
        "/v2/incidents/search",
        {"state": "ACTIVE", "processInstanceKey": str(key), "elementId": element},
        limit=1,
    )
    if again:
        return _done(key, f"已重试，但事件仍在：{again[0].get('errorMessage') or ''}（请先修正变量）")
    return _done(key, "已解决事件，流程继续。")


async def cancel(web: Web, request: Request) -> Response:
    session, form = await web.form(request)
    key = request.path_params["key"]
    if form.get("confirm") != "yes":
        return _done(key, "撤销前请勾选确认。")
    try:
        await web.api(session).call("POST", f"/v2/process-instances/{key}/cancellation", {})
    except ApiError as error:
        if error.status != 404:
            raise
        return _done(key, "案件已结束，无需撤销。")
    return _done(key, "案件已撤销。")


ROUTES = [
    ("/cases", "GET", board),
    ("/cases/by-id/{case_id}", "GET", by_case_id),
    ("/cases/{key:int}", "GET", case_page),
    ("/cases/{key:int}/diagram", "GET", case_diagram),
    ("/cases/{key:int}/variables", "POST", set_variable),
    ("/cases/{key:int}/incidents/{incident:int}/resolve", "POST", resolve_incident),
    ("/cases/{key:int}/cancel", "POST", cancel),
]
