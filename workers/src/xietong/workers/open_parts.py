"""Whose parts of a multi-instance step are still open, asked of the Orchestration Cluster REST API (v2).

A step several departments do at once (a parallel multi-instance over ``collaborators``) has one
deadline: its boundary timer sits on the multi-instance body, and the 督办 after it runs beside the
body, where no variable says which inner instances are done (Zeebe keeps the output collection local to
the body until it completes). A 督办 must reach only the departments still working, so the supervise
worker asks the engine, as Operate would:

1. ``POST /v2/element-instances/search`` — the step's active element instances: the body
   (``MULTI_INSTANCE_BODY``) and its open inner instances;
2. ``GET /v2/process-definitions/{key}/xml`` — the step's ``inputElement`` (``collaborator``), read
   once per process definition;
3. ``POST /v2/variables/search`` — that variable at each open inner instance's scope: the departments.

The same calls answer on the embedded engine and on a Camunda 8.8 cluster.
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ElementTree
from typing import Any, Protocol

import httpx

from xietong.workers.oauth_token import TokenUnavailable

BODY = "MULTI_INSTANCE_BODY"
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"
_PAGE = 1000


class OpenPartsError(RuntimeError):
    """The REST API did not answer, or refused; the job is retried (the engine may be restarting)."""


class OpenParts(Protocol):
    def of(self, process_instance_key: int, process_definition_key: int, element_id: str) -> list[str] | None:
        """The departments (input elements) of the step's open inner instances, in loop order; None when
        the step is not a multi-instance whose body is active (a single department's step)."""
        ...


class RestOpenParts:
    """:class:`OpenParts` over REST v2 with the workers' credentials (a static bearer token or the OAuth
    token the gRPC channel uses, ``auth``; a CA file)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        verify: str | bool = True,
        auth: httpx.Auth | None = None,
    ) -> None:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/").removesuffix("/v2")
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=30, verify=verify, auth=auth
        )
        self._input_elements: dict[tuple[int, str], str | None] = {}
        self._lock = threading.Lock()  # handlers run on worker threads

    def close(self) -> None:
        self._http.close()

    def of(self, process_instance_key: int, process_definition_key: int, element_id: str) -> list[str] | None:
        active = self._search(
            "/v2/element-instances/search",
            {"processInstanceKey": str(process_instance_key), "elementId": element_id, "state": "ACTIVE"},
        )
        if not any(item.get("type") == BODY for item in active):
            return None
        inner = sorted(int(item["elementInstanceKey"]) for item in active if item.get("type") != BODY)
        name = self._input_element(process_definition_key, element_id)
        if name is None or not inner:
            return None if name is None else []
        found = self._search(
            "/v2/variables/search",
            {
                "processInstanceKey": str(process_instance_key),
                "name": name,
                "scopeKey": {"$in": [str(key) for key in inner]},
            },
        )
        by_scope = {int(item["scopeKey"]): _text(item.get("value")) for item in found}
        return [by_scope[key] for key in inner if key in by_scope]

    def _input_element(self, process_definition_key: int, element_id: str) -> str | None:
        cache_key = (process_definition_key, element_id)
        with self._lock:
            if cache_key in self._input_elements:
                return self._input_elements[cache_key]
        response = self._call("GET", f"/v2/process-definitions/{process_definition_key}/xml")
        name = input_element_of(response.text, element_id)
        with self._lock:
            self._input_elements[cache_key] = name
        return name

    def _search(self, path: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            body = {"filter": filters, "page": {"from": len(items), "limit": _PAGE}}
            page = self._call("POST", path, body).json()
            more = page.get("items") or []
            items.extend(more)
            if not more or len(items) >= int(page.get("page", {}).get("totalItems", 0)):
                return items

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise OpenPartsError(
                f"REST API at {self.base_url} (XIETONG_ZEEBE_REST_ADDRESS) did not answer {path}: {error}"
            ) from None
        except TokenUnavailable as error:
            raise OpenPartsError(f"REST API at {self.base_url}: {error}") from None
        if response.status_code >= 400:
            answer = f"{response.status_code}: {response.text[:300]}"
            raise OpenPartsError(f"REST API at {self.base_url} answered {path} with {answer}")
        return response


def input_element_of(xml: str, element_id: str) -> str | None:
    """The ``zeebe:loopCharacteristics inputElement`` of the element ``element_id``, if it has one."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return None
    for element in root.iter():
        if element.get("id") != element_id:
            continue
        zeebe = element.find(
            f"{_BPMN}multiInstanceLoopCharacteristics/{_BPMN}extensionElements/{_ZEEBE}loopCharacteristics"
        )
        return (zeebe.get("inputElement") or None) if zeebe is not None else None
    return None


def _text(value: Any) -> str:
    """A variable's value (JSON text) as a department: a string as it is, anything else as JSON."""
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    return parsed if isinstance(parsed, str) else json.dumps(parsed, ensure_ascii=False)
