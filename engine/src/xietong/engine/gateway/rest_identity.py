"""Identity over REST: the guard every route passes, ``/v2/authentication/me``, and Camunda 8.8's
paths for users, groups, roles and their memberships, plus the audit log of a case.

Bodies and answers are those of Camunda 8.8 (@camunda8/orchestration-cluster-api 8.8): created
201 with the created object, updated 200, assignments and deletions 204, searches
``{"items": […], "page": {"totalItems": n}}``; refusals problem+json (401 ``Unauthorized``, 403
``FORBIDDEN``), as Camunda's AuthFailureHandler and its engine's FORBIDDEN rejections answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from xietong.engine.gateway.rest_body import SEARCH, STRING, Check, read_body
from xietong.engine.gateway.rest_common import Problem, key_of, page_of, problem_response
from xietong.engine.identity.audit import audit_rows
from xietong.engine.identity.guard import Denied, Guard
from xietong.engine.identity.passwords import WeakPassword
from xietong.engine.identity.principal import Principal
from xietong.engine.identity.rules import Rule, Scope
from xietong.engine.identity.store import IdentityError, IdentityStore
from xietong.engine.identity.visibility import current_principal, current_viewer

if TYPE_CHECKING:
    from xietong.engine.gateway.rest import RestApi

Handler = Callable[[Request], Awaitable[Response]]
TITLES = {401: "Unauthorized", 403: "FORBIDDEN", 429: "TOO_MANY_REQUESTS"}

#: What each role may open, as Camunda's ``authorizedComponents`` names its web components.
COMPONENTS = {"admin": ["*"], "supervisor": ["operate", "tasklist"], "clerk": ["tasklist"], "worker": []}


def guarded(handler: Handler, rule: Rule, guard: Guard) -> Handler:
    """Authenticate, check the rule (role, then the task/case/incident the path names), run."""

    async def wrapper(request: Request) -> Response:
        if not guard.protected or rule.public:
            return await handler(request)
        address = request.client.host if request.client else ""
        try:
            principal = await guard.authenticate(request.headers.get("authorization"), address)
            viewer = await guard.admit(rule, principal, request.path_params.get(rule.param))
        except Denied as denied:
            title = TITLES.get(denied.status, "FORBIDDEN")
            return problem_response(Problem(denied.status, title, denied.message), request.url.path)
        token = current_viewer.set(viewer)
        try:
            response = await handler(request)
        finally:
            current_viewer.reset(token)
        if rule.scope is Scope.RESULT and response.status_code == 200 and not viewer.sees_everything:
            row = json.loads(bytes(response.body))
            if not isinstance(row, dict) or not await asyncio.to_thread(viewer.row, row):
                problem = Problem(403, "FORBIDDEN", rule.forbidden_message())
                return problem_response(problem, request.url.path)
        return response

    return wrapper


def camunda_user(principal: Principal) -> dict[str, Any]:
    """``GET /v2/authentication/me`` as Camunda 8.8 answers it (CamundaUserResult)."""
    components = sorted({c for role in principal.roles for c in COMPONENTS.get(role, [])})
    return {
        "username": principal.name or "anonymous",
        "displayName": principal.display_name or principal.name or "anonymous",
        "email": principal.email or None,
        "authorizedComponents": ["*"] if "*" in components else components,
        "tenants": [],
        "groups": sorted(principal.groups),
        "roles": sorted(principal.roles),
        "salesPlanType": "",
        "c8Links": {},
        "canLogout": principal.kind == "user",
    }


class IdentityEndpoints:
    """The routes; ``store`` None (no data directory) answers 404 for people, as no one exists."""

    def __init__(self, api: RestApi, store: IdentityStore | None) -> None:
        self._api = api
        self._store = store

    async def _body(self, request: Request, properties: Mapping[str, tuple[str, Check]]) -> dict[str, Any]:
        return await read_body(request, properties, 1024 * 1024)

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:

        if self._store is None:
            raise Problem(404, "NOT_FOUND", "this engine keeps no people (no data directory)")
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except IdentityError as error:
            titles = {404: "NOT_FOUND", 409: "ALREADY_EXISTS"}
            raise Problem(error.status, titles.get(error.status, "INVALID_ARGUMENT"), str(error)) from None
        except WeakPassword as error:  # a bad request, not the server's fault
            raise Problem(400, "INVALID_ARGUMENT", str(error)) from None

    @property
    def store(self) -> IdentityStore:
        assert self._store is not None
        return self._store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("/v2/authentication/me", "GET", self.me),
            ("/v2/audit-logs/search", "POST", self.search_audit),
            ("/v2/users", "POST", self.create_user),
            ("/v2/users/search", "POST", self.search_users),
            ("/v2/users/{username}", "GET", self.get_user),
            ("/v2/users/{username}", "PUT", self.update_user),
            ("/v2/users/{username}", "DELETE", self.delete_user),
            ("/v2/groups", "POST", self.create_group),
            ("/v2/groups/search", "POST", self.search_groups),
            ("/v2/groups/{groupId}", "GET", self.get_group),
            ("/v2/groups/{groupId}", "PUT", self.update_group),
            ("/v2/groups/{groupId}", "DELETE", self.delete_group),
            ("/v2/groups/{groupId}/users/search", "POST", self.group_users),
            ("/v2/groups/{groupId}/users/{username}", "PUT", self.add_group_user),
            ("/v2/groups/{groupId}/users/{username}", "DELETE", self.remove_group_user),
            ("/v2/roles", "POST", self.create_role),
            ("/v2/roles/search", "POST", self.search_roles),
            ("/v2/roles/{roleId}", "GET", self.get_role),
            ("/v2/roles/{roleId}/users/search", "POST", self.role_users),
            ("/v2/roles/{roleId}/users/{username}", "PUT", self.add_role_user),
            ("/v2/roles/{roleId}/users/{username}", "DELETE", self.remove_role_user),
        ]

    def _page(self, rows: list[dict[str, Any]], body: dict[str, Any]) -> JSONResponse:

        filters = body.get("filter") or {}
        wanted = {k: v for k, v in filters.items() if isinstance(v, str | int)}
        rows = [row for row in rows if all(str(row.get(k)) == str(v) for k, v in wanted.items())]
        return JSONResponse(page_of(rows, {k: v for k, v in body.items() if k != "filter"}))

    # -- who am I -------------------------------------------------------------------------------
    async def me(self, request: Request) -> Response:
        return JSONResponse(camunda_user(current_principal()))

    # -- audit ----------------------------------------------------------------------------------
    async def search_audit(self, request: Request) -> Response:

        body = await self._body(request, SEARCH)
        filters = body.get("filter") or {}
        key = filters.get("processInstanceKey")
        if key is None:
            raise Problem(400, "INVALID_ARGUMENT", "filter.processInstanceKey is required")
        pi_key = key_of(key, "processInstanceKey")
        rows = await asyncio.to_thread(audit_rows, self._api._engine, pi_key)
        return JSONResponse(page_of(rows, {k: v for k, v in body.items() if k != "filter"}))

    # -- users ----------------------------------------------------------------------------------
    @staticmethod
    def _user(user: Any) -> dict[str, Any]:
        return {"username": user.username, "name": user.name, "email": user.email}

    async def create_user(self, request: Request) -> Response:
        body = await self._body(
            request, {"username": STRING, "password": STRING, "name": STRING, "email": STRING}
        )
        user = await self._call(
            self.store.add_user,
            body.get("username") or "",
            body.get("password") or "",
            name=body.get("name") or "",
            email=body.get("email") or "",
        )
        return JSONResponse(self._user(user), status_code=201)

    async def search_users(self, request: Request) -> Response:
        body = await self._body(request, SEARCH)
        users = await self._call(self.store.users)
        return self._page([self._user(u) for u in users], body)

    async def get_user(self, request: Request) -> Response:

        username = request.path_params["username"]
        user = await self._call(self.store.user, username)
        if user is None:
            raise Problem(404, "NOT_FOUND", f"User with username '{username}' not found")
        return JSONResponse(self._user(user))

    async def update_user(self, request: Request) -> Response:
        body = await self._body(request, {"password": STRING, "name": STRING, "email": STRING})
        user = await self._call(
            self.store.update_user,
            request.path_params["username"],
            name=body.get("name"),
            email=body.get("email"),
            password=body.get("password"),
        )
        return JSONResponse(self._user(user))

    async def delete_user(self, request: Request) -> Response:
        await self._call(self.store.delete_user, request.path_params["username"])
        return Response(status_code=204)

    # -- groups ---------------------------------------------------------------------------------
    @staticmethod
    def _group(group: Any) -> dict[str, Any]:
        return {"groupId": group.group_id, "name": group.name, "description": group.description}

    async def create_group(self, request: Request) -> Response:
        body = await self._body(request, {"groupId": STRING, "name": STRING, "description": STRING})
        group = await self._call(
            self.store.add_group,
            body.get("groupId") or "",
            body.get("name") or "",
            body.get("description") or "",
        )
        return JSONResponse(self._group(group), status_code=201)

    async def search_groups(self, request: Request) -> Response:
        body = await self._body(request, SEARCH)
        return self._page([self._group(g) for g in await self._call(self.store.groups)], body)

    async def get_group(self, request: Request) -> Response:

        group_id = request.path_params["groupId"]
        group = await self._call(self.store.group, group_id)
        if group is None:
            raise Problem(404, "NOT_FOUND", f"Group with id '{group_id}' not found")
        return JSONResponse(self._group(group))

    async def update_group(self, request: Request) -> Response:
        body = await self._body(request, {"name": STRING, "description": STRING})
        group = await self._call(
            self.store.update_group,
            request.path_params["groupId"],
            body.get("name") or "",
            body.get("description") or "",
        )
        return JSONResponse(self._group(group))

    async def delete_group(self, request: Request) -> Response:
        await self._call(self.store.delete_group, request.path_params["groupId"])
        return Response(status_code=204)

    async def group_users(self, request: Request) -> Response:
        body = await self._body(request, SEARCH)
        members = await self._call(self.store.members_of_group, request.path_params["groupId"])
        return self._page([{"username": m} for m in members], body)

    async def add_group_user(self, request: Request) -> Response:
        await self._call(
            self.store.add_to_group, request.path_params["username"], request.path_params["groupId"]
        )
        return Response(status_code=204)

    async def remove_group_user(self, request: Request) -> Response:
        await self._call(
            self.store.remove_from_group, request.path_params["username"], request.path_params["groupId"]
        )
        return Response(status_code=204)

    # -- roles ----------------------------------------------------------------------------------
    @staticmethod
    def _role(role: Any) -> dict[str, Any]:
        return {"roleId": role.role_id, "name": role.name, "description": role.description}

    async def create_role(self, request: Request) -> Response:
        body = await self._body(request, {"roleId": STRING, "name": STRING, "description": STRING})
        role = await self._call(
            self.store.add_role,
            body.get("roleId") or "",
            body.get("name") or "",
            body.get("description") or "",
        )
        return JSONResponse(self._role(role), status_code=201)

    async def search_roles(self, request: Request) -> Response:
        body = await self._body(request, SEARCH)
        return self._page([self._role(r) for r in await self._call(self.store.roles)], body)

    async def get_role(self, request: Request) -> Response:

        role_id = request.path_params["roleId"]
        role = await self._call(self.store.role, role_id)
        if role is None:
            raise Problem(404, "NOT_FOUND", f"Role with id '{role_id}' not found")
        return JSONResponse(self._role(role))

    async def role_users(self, request: Request) -> Response:
        body = await self._body(request, SEARCH)
        members = await self._call(self.store.members_of_role, request.path_params["roleId"])
        return self._page([{"username": m} for m in members], body)

    async def add_role_user(self, request: Request) -> Response:
        await self._call(
            self.store.assign_role, request.path_params["roleId"], request.path_params["username"]
        )
        return Response(status_code=204)

    async def remove_role_user(self, request: Request) -> Response:
        await self._call(
            self.store.unassign_role, request.path_params["roleId"], request.path_params["username"]
        )
        return Response(status_code=204)
