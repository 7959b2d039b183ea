"""The few calls of Camunda's Orchestration Cluster REST API (v2) the console reads.

The embedded engine serves them on ``engine serve --rest-address``; a Camunda 8.8 cluster serves the
same paths, so the console reads a cluster without change (its bearer token from the settings).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

import httpx

PAGE_SIZE = 200


class OrchestrationApiError(RuntimeError):
    """The REST API could not be reached or refused a call; the message says which and why."""


class OrchestrationApi:
    def __init__(self, base_url: str, token: str | None = None, verify: str | bool = True) -> None:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=30, verify=verify)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OrchestrationApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise OrchestrationApiError(f"{self.base_url}: 无应答 no answer ({error})") from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail") or response.text
            except ValueError:
                detail = response.text
            raise OrchestrationApiError(f"{self.base_url}{path}: {response.status_code} {detail}".strip())
        return response.json() if response.content else None

    def _search(self, path: str, filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
        start = 0
        while True:
            page = self._call("POST", path, {"filter": filters, "page": {"from": start, "limit": PAGE_SIZE}})
            items = page.get("items") or []
            yield from items
            start += len(items)
            if not items or start >= page.get("page", {}).get("totalItems", 0):
                return

    def open_user_tasks(self) -> list[dict[str, Any]]:
        return list(self._search("/v2/user-tasks/search", {"state": "CREATED"}))

    def open_process_instances(self) -> list[dict[str, Any]]:
        return list(self._search("/v2/process-instances/search", {"state": "ACTIVE"}))

    def finished_process_instances(self, limit: int) -> list[dict[str, Any]]:
        """The latest finished instances: Camunda 8.8's ``state`` filter with ``$in`` (a finished case is
        COMPLETED, or TERMINATED when it was cancelled), newest end first."""
        body = {
            "filter": {"state": {"$in": ["COMPLETED", "TERMINATED"]}},
            "sort": [{"field": "endDate", "order": "DESC"}],
            "page": {"from": 0, "limit": limit},
        }
        return list(self._call("POST", "/v2/process-instances/search", body).get("items") or [])

    def active_incidents(self) -> list[dict[str, Any]]:
        return list(self._search("/v2/incidents/search", {"state": "ACTIVE"}))

    def case_ids(self, instance_keys: Iterable[int]) -> dict[int, str]:
        """The ``caseId`` variable of each instance that has one at its root scope: cases the workers
        have not recorded are still named as the case's starter named them."""
        keys = sorted({str(key) for key in instance_keys})
        found: dict[int, str] = {}
        for start in range(0, len(keys), PAGE_SIZE):
            filters = {"name": "caseId", "processInstanceKey": {"$in": keys[start : start + PAGE_SIZE]}}
            for variable in self._search("/v2/variables/search", filters):
                if str(variable.get("scopeKey")) != str(variable.get("processInstanceKey")):
                    continue  # a local caseId of some inner scope, not the case's
                try:
                    value = json.loads(variable.get("value") or "null")
                except ValueError:
                    continue
                if isinstance(value, str) and value.strip():
                    found[int(variable["processInstanceKey"])] = value.strip()
        return found

    def now(self) -> dt.datetime:
        """The engine's clock where the API shows it (the embedded engine does), else this machine's."""
        try:
            clock = self._call("GET", "/v2/clock")
        except OrchestrationApiError:
            clock = None
        if isinstance(clock, dict) and isinstance(clock.get("timestamp"), int):
            return dt.datetime.fromtimestamp(clock["timestamp"] / 1000, dt.UTC)
        return dt.datetime.now(dt.UTC)
