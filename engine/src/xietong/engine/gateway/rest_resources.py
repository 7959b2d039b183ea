"""Deployments and resources over Camunda 8.8's REST API v2, a process's start form, and the cluster's
status and license.

``POST /v2/deployments`` takes ``multipart/form-data`` as Camunda's ResourceController does: one or more
``resources`` file parts (each named by its filename) and an optional ``tenantId`` part; the resources
go to the engine's ``Deploy`` command, the one gRPC DeployResource sends, so a rejected deployment is
worded the same on both. ``GET /v2/resources/{key}`` serves the resources Zeebe's ``ResourceFetch``
knows (RPA scripts and the like, which the embedded engine does not deploy), so it answers NOT_FOUND as
Zeebe does for any other key.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from xietong.engine import commands as cmd
from xietong.engine import errors
from xietong.engine.gateway.rest_body import INTEGER, read_bytes
from xietong.engine.gateway.rest_common import Problem, key_of
from xietong.engine.gateway.service import tenant
from xietong.engine.start_form import start_form_id

if TYPE_CHECKING:  # the app that includes these routes; only its type is needed here
    from xietong.engine.gateway.rest import RestApi
    from xietong.engine.processing.processor import Processor

Handler = Callable[[Request], Awaitable[Response]]
MAX_PARTS = 1000
#: a self-managed cluster without a license key, as Camunda's ManagementServices reports it
NO_LICENSE = {"validLicense": False, "licenseType": "unknown", "isCommercial": False, "expiresAt": None}


def spring_problem(status: int, title: str, detail: str) -> Problem:
    """What Spring answers before Camunda's controller runs (a missing part, a wrong media type)."""
    return Problem(status, title, detail)


class ResourceEndpoints:
    """Handlers bound to a :class:`RestApi`, whose body limits and engine client they use."""

    def __init__(self, api: RestApi) -> None:
        self.api = api

    # -- deployments --------------------------------------------------------------------------
    async def _multipart(self, request: Request) -> Any:
        content_type = request.headers.get("content-type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            shown = content_type or "application/octet-stream"
            raise spring_problem(415, "Unsupported Media Type", f"Content-Type '{shown}' is not supported.")
        limit = self.api._max_body_bytes
        raw = await read_bytes(request, limit)
        request._body = raw  # what Starlette's form parser then reads instead of the spent stream
        try:
            return await request.form(max_files=MAX_PARTS, max_fields=MAX_PARTS, max_part_size=limit)
        except (MultiPartException, ValueError, KeyError) as error:
            raise spring_problem(
                400, "Bad Request", f"Failed to parse multipart servlet request: {error}"
            ) from None

    async def deploy(self, request: Request) -> Response:
        form = await self._multipart(request)
        files = [part for part in form.getlist("resources") if isinstance(part, UploadFile)]
        if not files:
            raise spring_problem(400, "Bad Request", "Required part 'resources' is not present.")
        unknown = sorted(set(form.keys()) - {"resources", "tenantId"})
        if unknown:
            raise spring_problem(
                400, "Bad Request", f"Unknown part '{unknown[0]}'; a deployment takes resources and tenantId"
            )
        tenant_part = form.get("tenantId")
        tenant_text = tenant_part if isinstance(tenant_part, str) else ""
        tenant_id = tenant(tenant_text, "DeployResource")
        resources = tuple([(part.filename or "", await part.read()) for part in files])
        result = await self.api._client.call(cmd.Deploy(resources=resources, tenant_id=tenant_id))
        deployments: list[dict[str, Any]] = [
            {
                "processDefinition": {
                    "processDefinitionId": p.bpmn_process_id,
                    "processDefinitionVersion": p.version,
                    "resourceName": p.resource_name,
                    "tenantId": p.tenant_id,
                    "processDefinitionKey": str(p.process_definition_key),
                }
            }
            for p in result.processes
        ]
        deployments += [
            {
                "form": {
                    "formId": f.form_id,
                    "version": f.version,
                    "resourceName": f.resource_name,
                    "tenantId": f.tenant_id,
                    "formKey": str(f.form_key),
                }
            }
            for f in result.forms
        ]
        return JSONResponse(
            {"deploymentKey": str(result.key), "tenantId": tenant_id, "deployments": deployments}
        )

    # -- resources ----------------------------------------------------------------------------
    async def delete_resource(self, request: Request) -> Response:
        key = key_of(request.path_params["key"], "resourceKey")
        await self.api._body(request, {"operationReference": INTEGER})
        await self.api._client.call(cmd.DeleteResource(resource_key=key))
        return Response(status_code=204)

    async def get_resource(self, request: Request) -> Response:
        key = key_of(request.path_params["key"], "resourceKey")
        error = errors.NotFound(f"Expected to fetch resource but no resource found with key `{key}`")
        error.intent = "FETCH"  # ResourceIntent FETCH, as Zeebe's broker rejects it
        raise error

    # -- a process's start form ---------------------------------------------------------------
    async def start_form(self, request: Request) -> Response:
        """8.8's ``getStartProcessForm``: the latest version of the form the none start event links
        (``zeebe:formDefinition formId``), 204 when it links none, 404 for an unknown definition."""
        key = key_of(request.path_params["key"], "processDefinitionKey")
        found = await asyncio.to_thread(self.api._engine.query, lambda p: _start_form(p, key))
        if found is None:
            raise Problem(404, "NOT_FOUND", f"Process definition with key '{key}' not found")
        form_id, form = found
        if form_id is None:
            return Response(status_code=204)
        if form is None:
            raise Problem(404, "NOT_FOUND", f"Form with formId '{form_id}' not found")
        return JSONResponse(form)

    # -- cluster ------------------------------------------------------------------------------
    async def status(self, request: Request) -> Response:
        """204 while the partition has a healthy leader, else 503 (no body), as StatusController."""
        return Response(status_code=204 if self.api._engine.healthy else 503)

    async def license(self, request: Request) -> Response:
        return JSONResponse(NO_LICENSE)

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("/v2/deployments", "POST", self.deploy),
            ("/v2/resources/{key}/deletion", "POST", self.delete_resource),
            ("/v2/resources/{key}", "GET", self.get_resource),
            ("/v2/resources/{key}/content", "GET", self.get_resource),
            ("/v2/process-definitions/{key}/form", "GET", self.start_form),
            ("/v2/status", "GET", self.status),
            ("/v2/license", "GET", self.license),
        ]


def _start_form(p: Processor, key: int) -> tuple[str | None, dict[str, Any] | None] | None:
    """On the engine's thread: None for an unknown definition, else (the linked formId, its latest
    deployed version as 8.8's FormResult)."""
    definition = p.state.definitions.get(key)
    if definition is None or definition.deleted:
        return None
    form_id = start_form_id(definition.resource, definition.bpmn_process_id)
    if form_id is None:
        return None, None
    form = p.state.latest_form(form_id, definition.tenant_id)
    if form is None:
        return form_id, None
    return form_id, {
        "tenantId": form.tenant_id,
        "formId": form.form_id,
        "schema": json.loads(form.resource),
        "version": form.version,
        "formKey": str(form.key),
    }
