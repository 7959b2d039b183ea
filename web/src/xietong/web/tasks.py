"""/tasks: a clerk's inbox, and /tasks/{userTaskKey}: one task, its case, its form, completion.

The inbox lists open user tasks of the clerk's groups (candidate groups ``$in`` theirs), those
assigned to them, or the overdue ones, most urgent first (due date, then age), searchable by case id
(``processInstanceVariables`` ``$like``). A task is completed with its form's data (form-js) or,
without a form, with one of the outcomes its next gateway decides on — checked here again, so a
wrong code never reaches the engine. Two clerks completing the same task: the engine takes the first;
the second is told so and sees what they had entered.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xietong.web.case_values import form_labels
from xietong.web.rest_client import ApiError
from xietong.web.site import TIMELINE_LABELS, Web, form_fields, page_number, parse_instant

CASE_VARIABLES = ("caseId", "matter", "title", "subject", "itemName", "itemNumber", "jointItem", "applicant")
VIEWS = {"group": "我的部门", "mine": "我认领的", "overdue": "已逾期"}
#: The case's usual variables as a clerk reads them (the variable's own name stays beside the label).
VARIABLE_LABELS = {
    "caseId": "案件编号", "caseMatter": "事项", "matter": "事项", "title": "标题", "applicant": "申请单位",
    "entry": "启动方式", "itemNumber": "事项序号", "jointItem": "联动事项", "sourceClause": "本步骤依据",
    "opinion": "意见", "outcome": "办理结果", "result": "办理情况", "transferId": "移送编号",
    "town": "属地乡镇", "collaborator": "配合单位", "collaborators": "配合单位",
    # what the workers write (registeredAt, results, … in workers/handlers)
    "registeredAt": "登记时间", "assignedAt": "派单时间", "supervisedAt": "督办时间",
    "escalatedAt": "上报时间", "notifiedAt": "通知时间", "archivedAt": "归档时间", "results": "反馈结果",
    "summary": "汇总",
}  # fmt: skip
#: the deadline worker's per-step variables: ``due_<step>``, ``clock_<step>``, ``due_<step>Provisional``
STEP_VARIABLE = re.compile(r"^(due|clock)_(\w+?)(Provisional)?$")
STEP_VARIABLE_WORDS = {("due", ""): "时限", ("clock", ""): "计时起点", ("due", "Provisional"): "时限暂定"}
INBOX_CAP = 1000


def variable_labels(form_schema: Any) -> dict[str, str]:
    """A variable's label on the task page: the form's header words (``**申请人：** {{applicant}}``) first,
    then the usual labels, then the form's own questions (a value an earlier step set is not the answer
    to this step's question)."""
    views, fields = form_labels(form_schema)
    return {**fields, **VARIABLE_LABELS, **views}


def step_variable_labels(variables: Iterable[str], step_names: Mapping[str, str]) -> dict[str, str]:
    """The deadline worker's variables by their step's name: ``due_review`` reads as 初审：时限."""
    labels = {}
    for variable in variables:
        found = STEP_VARIABLE.match(variable)
        if found is None or found.group(2) not in step_names:
            continue
        words = STEP_VARIABLE_WORDS.get((found.group(1), found.group(3) or ""))
        if words is not None:
            labels[variable] = f"{step_names[found.group(2)]}：{words}"
    return labels


def due_of(task: dict[str, Any], variables: dict[str, Any]) -> dt.datetime | None:
    """When the step falls due: the task's due date, else the deadline worker's ``due_<step>``."""
    return parse_instant(task.get("dueDate")) or parse_instant(variables.get(f"due_{task.get('elementId')}"))


def checked_form_data(schema: dict[str, Any], data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """What a submitted form may set — only its own fields, as form-js submits them — and the labels of
    its required fields left empty: the server checks what the browser checks, so a page without
    JavaScript, a form not yet loaded or a tampered post cannot complete a step half-filled or
    overwrite the case's other variables."""
    fields = form_fields(schema)
    own = {str(field["key"]).split(".")[0] for field in fields}
    kept = {name: value for name, value in data.items() if name in own}
    missing = []
    for field in fields:
        rules = field.get("validate")
        if not (isinstance(rules, dict) and rules.get("required")) or "." in str(field["key"]):
            continue
        value = kept.get(str(field["key"]))
        if value is None or value == [] or (isinstance(value, str) and not value.strip()):
            missing.append(str(field.get("label") or field["key"]))
    return kept, missing


def urged(task: dict[str, Any], events: list[Any], names: dict[str, str]) -> int:
    """The 督办 sent about this task: about its step (the event's ``stepId``), while it was open (not
    an earlier pass through the step), and — where the 督办 names departments (after a multi-instance
    step: those whose part was still open) — about one of this task's departments, by group id or by
    the department's name. A 督办 that names no department urged the whole step."""
    created = parse_instant(task.get("creationDate"))
    groups = {str(group) for group in task.get("candidateGroups") or ()}
    mine = groups | {names.get(group, group) for group in groups}
    count = 0
    for event in events:
        if str(event.kind) != "supervised" or event.step_id != task.get("elementId"):
            continue
        if created is not None and event.at < created:
            continue
        named = {part.strip() for part in re.split(r"[,，、]", event.department or "") if part.strip()}
        if not named or named & mine:
            count += 1
    return count


def like_text(text: str) -> str:
    """A search term inside Camunda's ``$like`` (``*`` and ``?`` are wildcards; escape them)."""
    return "".join("\\" + c if c in "*?\\" else c for c in text)


def matter_of(variables: dict[str, Any]) -> str:
    for name in ("matter", "title", "subject", "itemName"):
        if variables.get(name):
            return str(variables[name])
    item = variables.get("jointItem")
    if isinstance(item, dict) and item.get("title"):
        return str(item["title"])
    if variables.get("itemNumber") is not None:
        return f"事项 {variables['itemNumber']}"
    return ""


async def task_list(web: Web, request: Request) -> Response:
    session = web.session(request)
    api = web.api(session)
    view = request.query_params.get("view", "group")
    view = view if view in VIEWS else "group"
    query = request.query_params.get("q", "").strip()
    page_no = page_number(request)
    now = await web.now(api)
    filters: dict[str, Any] = {"state": "CREATED"}
    if view == "mine":
        filters["assignee"] = session.username
    elif session.groups:
        filters["candidateGroup"] = {"$in": list(session.groups)}
    else:
        filters["assignee"] = session.username
    if query:
        filters["processInstanceVariables"] = [
            {"name": "caseId", "value": {"$like": f"*{like_text(query)}*"}}
        ]
    size = web.settings.page_size
    # Due dates come from the task (zeebe:taskSchedule) or from the deadline worker's due_<step>
    # variable; REST cannot sort by the latter, so up to INBOX_CAP tasks are ordered here.
    tasks = await api.search_all(
        "/v2/user-tasks/search",
        filters,
        cap=INBOX_CAP,
        sort=[{"field": "dueDate", "order": "ASC"}, {"field": "creationDate", "order": "ASC"}],
    )
    names = sorted({*CASE_VARIABLES, *(f"due_{t.get('elementId')}" for t in tasks)})
    variables = await api.variables_of([t["processInstanceKey"] for t in tasks], names)
    dated = [(task, due_of(task, variables.get(str(task["processInstanceKey"]), {}))) for task in tasks]
    if view == "overdue":
        dated = [(task, due) for task, due in dated if due is not None and due < now]
    never = dt.datetime.max.replace(tzinfo=dt.UTC)
    dated.sort(key=lambda pair: (pair[1] or never, pair[0].get("creationDate") or ""))
    total = len(dated)
    page_rows = dated[(page_no - 1) * size : page_no * size]
    events = await web.case_events(
        [
            str(variables.get(str(t["processInstanceKey"]), {}).get("caseId"))
            for t, _ in page_rows
            if variables.get(str(t["processInstanceKey"]), {}).get("caseId")
        ]
    )
    rows = []
    for task, due in page_rows:
        values = variables.get(str(task["processInstanceKey"]), {})
        case_id = str(values.get("caseId") or "")
        supervised = urged(task, events.get(case_id, []), web.department_names)
        rows.append(
            {
                "task": task,
                "case_id": case_id,
                "matter": matter_of(values),
                "due": due,
                "overdue": due is not None and due < now,
                "supervised": supervised,
                "mine": task.get("assignee") == session.username,
            }
        )
    return web.render(
        request,
        "tasks.html",
        rows=rows,
        total=total,
        view=view,
        views=VIEWS,
        query=query,
        page=page_no,
        pages=max((total + size - 1) // size, 1),
        now=now,
        notice=request.query_params.get("notice", ""),
    )


async def claim(web: Web, request: Request) -> Response:
    session, form = await web.form(request)
    key = request.path_params["key"]
    api = web.api(session)
    try:
        await api.call(
            "POST", f"/v2/user-tasks/{key}/assignment", {"assignee": session.username, "allowOverride": False}
        )
    except ApiError as error:
        if error.status == 404:  # Zeebe forgets a finished task: completed or canceled meanwhile
            return _back(form, "该任务已办结或已撤销。")
        if error.status != 409:
            raise
        return _back(form, "该任务已被他人认领。")
    return _back(form, "已认领。")


async def unclaim(web: Web, request: Request) -> Response:
    session, form = await web.form(request)
    await web.api(session).call("DELETE", f"/v2/user-tasks/{request.path_params['key']}/assignee")
    return _back(form, "已退回部门待办。")


def _back(form: Any, notice: str) -> Response:
    target = str(form.get("back") or "/tasks")
    if not target.startswith("/") or target.startswith("//"):
        target = "/tasks"
    separator = "&" if "?" in target else "?"
    from urllib.parse import quote

    return RedirectResponse(f"{target}{separator}notice={quote(notice)}", status_code=303)


async def _task_context(web: Web, session: Any, key: str) -> dict[str, Any]:
    api = web.api(session)
    task = await api.call("GET", f"/v2/user-tasks/{key}")
    variables_rows = await api.search_all(f"/v2/user-tasks/{key}/variables/search")
    variables = {}
    for row in variables_rows:
        try:
            variables[row["name"]] = json.loads(row["value"])
        except (ValueError, KeyError):
            variables[row.get("name", "?")] = row.get("value")
    model = await web.process_model(api, str(task["processDefinitionKey"]))
    step = model.steps.get(task.get("elementId", ""))
    form_schema = None
    try:
        form = await api.call("GET", f"/v2/user-tasks/{key}/form")
        if isinstance(form, dict) and form.get("schema"):
            schema = form["schema"]
            form_schema = json.loads(schema) if isinstance(schema, str) else schema
    except ApiError as error:
        if error.status not in (404, 405, 501):
            raise
    now = await web.now(api)
    due = due_of(task, variables)
    case_id = str(variables.get("caseId") or "")
    events = (await web.case_events([case_id])).get(case_id, []) if case_id else []
    return {
        "task": task,
        "store": web.case_store() is not None,
        "labels": TIMELINE_LABELS,
        "names": model.names,
        "variables": variables,
        "step": step,
        "process_name": model.name or task.get("processDefinitionId"),
        "form_schema": form_schema,
        "overdue": due is not None and due < now,
        "due": due,
        "case_id": case_id,
        "events": events,
        "open": task.get("state") == "CREATED",
        "mine": task.get("assignee") == session.username,
        "can_work": can_work(session, task),
        "variable_labels": {**step_variable_labels(variables, model.names), **variable_labels(form_schema)},
    }


def can_work(session: Any, task: dict[str, Any]) -> bool:
    """False for a supervisor who is no clerk: the engine lets only clerks (and admins) claim and
    complete, so a supervisor reading the task is not offered 办结 only to be refused. Anyone else
    (a cluster's own roles, an unprotected engine) keeps the buttons; the engine decides."""
    roles = set(session.roles)
    if session.credentials is None or roles & {"clerk", "admin"}:
        return True
    return "supervisor" not in roles


async def task_page(web: Web, request: Request) -> Response:
    session = web.session(request)
    context = await _task_context(web, session, request.path_params["key"])
    return web.render(request, "task.html", **context, error=None, chosen=None, submitted=None)


async def complete(web: Web, request: Request) -> Response:
    session, form = await web.form(request)
    key = request.path_params["key"]
    api = web.api(session)
    context = await _task_context(web, session, key)
    step = context["step"]
    variables: dict[str, Any] = {}
    chosen = str(form.get("outcome") or "")
    submitted = str(form.get("form_data") or "")

    def again(message: str, status: int) -> Response:
        return web.render(
            request, "task.html", status=status, **context, error=message, chosen=chosen, submitted=submitted
        )

    if context["form_schema"] is not None:
        try:
            data = json.loads(submitted or "{}")
        except ValueError:
            return again("表单数据无法读取，请重新填写。", 400)
        if not isinstance(data, dict):
            return again("表单数据无法读取，请重新填写。", 400)
        kept, missing = checked_form_data(context["form_schema"], data)
        if missing:
            return again("请填写必填项：" + "、".join(missing) + "。", 400)
        variables.update(kept)
    if step is not None and step.decision is not None and context["form_schema"] is None:
        codes = {outcome.code for outcome in step.decision.outcomes}
        if chosen not in codes:
            return again("请从列出的办理结果中选择一项。", 400)
        variables[step.decision.variable] = chosen
    elif step is not None and step.decision is not None:
        codes = {outcome.code for outcome in step.decision.outcomes}
        if variables.get(step.decision.variable) not in codes:
            return again("办理结果无效：请从表单列出的选项中选择。", 400)
    task = context["task"]
    if task.get("state") != "CREATED":
        return again("该任务已办结（可能已由他人完成），您的填写未提交。", 409)
    try:
        if not task.get("assignee"):
            await api.call(
                "POST",
                f"/v2/user-tasks/{key}/assignment",
                {"assignee": session.username, "allowOverride": False},
            )
        elif task["assignee"] != session.username:
            return again(f"该任务已由 {task['assignee']} 认领，您的填写未提交。", 409)
        await api.call("POST", f"/v2/user-tasks/{key}/completion", {"variables": variables})
    except ApiError as error:
        if error.status in (404, 409):
            return again(
                "该任务已办结或已被他人认领（可能已由他人完成），您的填写未提交，内容保留如下。", 409
            )
        if error.status == 400:
            return again(f"引擎拒绝了提交：{error.detail}", 400)
        raise
    from urllib.parse import quote

    done = f"已办结：{context['case_id'] or ''} {task.get('name') or ''}".strip()
    return RedirectResponse(f"/tasks?notice={quote(done)}", status_code=303)


ROUTES = [
    ("/tasks", "GET", task_list),
    ("/tasks/{key:int}", "GET", task_page),
    ("/tasks/{key:int}/claim", "POST", claim),
    ("/tasks/{key:int}/unclaim", "POST", unclaim),
    ("/tasks/{key:int}/complete", "POST", complete),
]
