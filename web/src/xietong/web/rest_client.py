"""Calls of Camunda's Orchestration Cluster REST API v2, made as the person who is logged in.

Every call carries that person's credentials (HTTP basic), so the engine's or the cluster's
authorizations decide what they see and may do; the web app itself has no rights of its own.
Answers other than 2xx become :class:`ApiError` with the problem document's title and detail.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from typing import Any

import httpx


class ApiError(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status, self.title, self.detail = status, title, detail


class Api:
    """One person's view of the REST API (``auth`` None: no credentials, an unprotected engine)."""

    def __init__(
        self, http: httpx.AsyncClient, auth: tuple[str, str] | None, token: str | None = None
    ) -> None:
        self._http = http
        self._auth = httpx.BasicAuth(*auth) if auth else None
        self._headers = {"authorization": f"Bearer {token}"} if token and not auth else {}

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = await self._http.request(
                method, path, json=body, auth=self._auth or httpx.USE_CLIENT_DEFAULT, headers=self._headers
            )
        except httpx.HTTPError as error:
            raise ApiError(503, "UNAVAILABLE", f"REST API {self._http.base_url} 无应答（{error}）") from None
        if response.status_code >= 400:
            try:
                problem = response.json()
                title, detail = str(problem.get("title", "")), str(problem.get("detail", ""))
            except ValueError:
                title, detail = "", response.text[:300]
            raise ApiError(response.status_code, title, detail)
        if not response.content:
            return None
        if response.headers.get("content-type", "").startswith(("text/xml", "application/xml")):
            return response.text
        return response.json()

    async def search(
        self,
        path: str,
        filter: dict[str, Any] | None = None,
        sort: Sequence[dict[str, str]] = (),
        start: int = 0,
        limit: int = 100,
    ) -> tuple[list[dict[str, Any]], int]:
        body: dict[str, Any] = {"page": {"from": start, "limit": limit}}
        if filter:
            body["filter"] = filter
        if sort:
            body["sort"] = list(sort)
        answer = await self.call("POST", path, body)
        return list(answer.get("items") or []), int((answer.get("page") or {}).get("totalItems", 0))

    async def search_all(
        self,
        path: str,
        filter: dict[str, Any] | None = None,
        cap: int = 2000,
        sort: Sequence[dict[str, str]] = (),
    ) -> list[dict]:
        """Every row up to ``cap``, in pages of at most 1000."""
        items, total = await self.search(path, filter, sort, limit=min(cap, 1000))
        while len(items) < min(total, cap):
            more, _ = await self.search(
                path, filter, sort, start=len(items), limit=min(cap - len(items), 1000)
            )
            if not more:
                break
            items += more
        return items

    async def variables_of(
        self, instance_keys: Iterable[str], names: Sequence[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Root variables by process instance, decoded (for a page of tasks or cases in one call);
        ``names`` None: all of them."""
        keys = sorted(set(instance_keys))
        if not keys:
            return {}
        filter_: dict[str, Any] = {"processInstanceKey": {"$in": keys}}
        if names is not None:
            filter_["name"] = {"$in": list(names)}
        rows = await self.search_all(
            "/v2/variables/search", filter_, cap=len(keys) * (len(names) * 4 if names is not None else 200)
        )
        found: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row.get("scopeKey") != row.get("processInstanceKey"):
                continue
            try:
                value = json.loads(row.get("value", "null"))
            except ValueError:
                value = row.get("value")
            found.setdefault(str(row["processInstanceKey"]), {})[row["name"]] = value
        return found

    async def gather(self, *calls: Any) -> list[Any]:
        return list(await asyncio.gather(*calls))

    async def now_ms(self) -> int | None:
        """The engine's clock (``GET /v2/clock`` is the embedded engine's); None on a cluster."""
        try:
            clock = await self.call("GET", "/v2/clock")
        except ApiError:
            return None
        return clock.get("timestamp") if isinstance(clock, dict) else None
