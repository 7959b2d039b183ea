"""What is still open on an engine a county is leaving: the drain path to a cluster.

Moving a running county from the embedded engine to Camunda 8 keeps every open case where it
started: new cases go to the cluster from a cut-over time, open ones finish on the old engine
(the same workers serve both), and the old engine is retired once nothing is open there. Why not
re-create open cases on the cluster with ``startInstructions``: Zeebe refuses them inside a
multi-instance (our collaborators' steps), a token already waiting at a parallel join would be
lost, timers would start counting again, and every process instance key would change under the
case store. See docs/cluster.md.

Only Camunda's REST API v2 is read (``POST /v2/process-instances/search``,
``POST /v2/user-tasks/search``), so the same report works against the embedded engine or a cluster.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

PAGE = 500


class DrainError(Exception):
    """The engine could not be read; the message names the URL and what it answered."""


@dataclass(frozen=True)
class OpenCase:
    """One active process instance on the old engine and the human steps it waits at."""

    process_instance_key: str
    process_definition_id: str
    version: int
    started: dt.datetime | None
    has_incident: bool
    waiting_at: tuple[str, ...] = ()

    def started_after(self, cutover: dt.datetime) -> bool:
        return self.started is not None and self.started > cutover


@dataclass(frozen=True)
class DrainReport:
    """Open cases on the old engine, and those started after the cut-over (they should not exist)."""

    url: str
    cases: tuple[OpenCase, ...]
    cutover: dt.datetime | None = None
    by_process: Counter[str] = field(default_factory=Counter)

    @property
    def drained(self) -> bool:
        return not self.cases

    @property
    def late(self) -> tuple[OpenCase, ...]:
        """Cases started on the old engine after the cut-over: something still sends new cases there."""
        if self.cutover is None:
            return ()
        cutover = self.cutover
        return tuple(case for case in self.cases if case.started_after(cutover))

    @property
    def incidents(self) -> int:
        return sum(case.has_incident for case in self.cases)


def parse_time(value: str | None) -> dt.datetime | None:
    """An API v2 date (ISO 8601, ``Z`` or an offset) as an aware datetime; naive ones are UTC."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _search(
    client: httpx.Client, path: str, filters: dict[str, Any], page: int = PAGE
) -> Iterator[dict[str, Any]]:
    """Every item of an API v2 search, page by page (``page.from``/``page.limit``)."""
    start = 0
    while True:
        body = {"filter": filters, "page": {"from": start, "limit": page}}
        try:
            response = client.post(path, json=body)
        except httpx.HTTPError as error:
            raise DrainError(f"{client.base_url}{path}: {error}") from None
        if response.status_code != 200:
            detail = response.text.strip().replace("\n", " ")[:300]
            raise DrainError(f"{client.base_url}{path} answered {response.status_code}: {detail}")
        document = response.json()
        items = document.get("items", [])
        yield from items
        start += len(items)
        total = document.get("page", {}).get("totalItems", 0)
        if not items or start >= total:
            return


def drain_report(
    url: str,
    token: str | None = None,
    cutover: dt.datetime | None = None,
    page: int = PAGE,
) -> DrainReport:
    """Read the open cases of the engine at ``url`` (its REST API root, e.g. http://engine:8080)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=30) as client:
        waiting: dict[str, list[str]] = {}
        for task in _search(client, "/v2/user-tasks/search", {"state": "CREATED"}, page):
            label = task.get("name") or task.get("elementId") or "?"
            groups = task.get("candidateGroups") or []
            waiting.setdefault(str(task["processInstanceKey"]), []).append(
                f"{label} ({', '.join(groups)})" if groups else label
            )
        cases = tuple(
            OpenCase(
                process_instance_key=str(item["processInstanceKey"]),
                process_definition_id=item.get("processDefinitionId", "?"),
                version=int(item.get("processDefinitionVersion") or 0),
                started=parse_time(item.get("startDate")),
                has_incident=bool(item.get("hasIncident")),
                waiting_at=tuple(waiting.get(str(item["processInstanceKey"]), ())),
            )
            for item in _search(client, "/v2/process-instances/search", {"state": "ACTIVE"}, page)
        )
    return DrainReport(
        url=url,
        cases=cases,
        cutover=cutover,
        by_process=Counter(case.process_definition_id for case in cases),
    )
