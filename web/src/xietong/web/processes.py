"""/processes: deployed processes by jurisdiction, each with its diagram and per-element counts of
active instances and instances stuck on an incident (REST process-definition statistics)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from xietong.web.rest_client import Api, ApiError
from xietong.web.site import Web, json_response


async def statistics_of(api: Api, key: Any) -> dict[str, Any] | None:
    """Per-element counts of a definition's instances; None where the person may not read them (a
    clerk reads the model of their jurisdiction, not the counts across every case)."""
    try:
        answer = await api.call("POST", f"/v2/process-definitions/{key}/statistics/element-instances", {})
    except ApiError as error:
        if error.status == 403:
            return None
        raise
    return answer if isinstance(answer, dict) else {}


async def process_list(web: Web, request: Request) -> Response:
    session = web.session(request)
    api = web.api(session)
    definitions = await api.search_all("/v2/process-definitions/search", {"isLatestVersion": True})
    statistics = await api.gather(*[statistics_of(api, d["processDefinitionKey"]) for d in definitions])
    groups: dict[str, list[dict[str, Any]]] = {}
    for definition, stats in zip(definitions, statistics, strict=True):
        items = stats.get("items", []) if stats is not None else []
        counted = stats is not None
        definition["_active"] = sum(int(s.get("active") or 0) for s in items) if counted else None
        definition["_incidents"] = sum(int(s.get("incidents") or 0) for s in items) if counted else None
        groups.setdefault(definition["processDefinitionId"].split("_")[0], []).append(definition)
    for items in groups.values():
        items.sort(key=lambda d: d["processDefinitionId"])
    return web.render(request, "processes.html", groups=dict(sorted(groups.items())))


async def process_page(web: Web, request: Request) -> Response:
    session = web.session(request)
    definition = await web.api(session).call("GET", f"/v2/process-definitions/{request.path_params['key']}")
    return web.render(request, "process.html", definition=definition)


async def process_diagram(web: Web, request: Request) -> Response:
    session = web.session(request)
    api = web.api(session)
    key = request.path_params["key"]
    xml, statistics = await api.gather(web.process_xml(api, str(key)), statistics_of(api, key))
    items = (statistics or {}).get("items", [])
    return json_response({"xml": xml, "elements": {s["elementId"]: s for s in items}, "flows": []})


ROUTES = [
    ("/processes", "GET", process_list),
    ("/processes/{key:int}", "GET", process_page),
    ("/processes/{key:int}/diagram", "GET", process_diagram),
]
