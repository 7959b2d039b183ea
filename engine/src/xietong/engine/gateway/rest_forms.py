"""``GET /v2/user-tasks/{key}/form``: the Camunda form linked to a user task, as Camunda 8.8 answers.

8.8's FormResult is ``{tenantId, formId, schema, version, formKey}`` with the schema as a JSON
object; a task without a linked form is 204 (no body), an unknown task 404. A task whose form
version was deleted after it was created has a form key but no form: 404 naming the form key.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

if TYPE_CHECKING:
    from xietong.engine.gateway.rest import RestApi


async def user_task_form(api: RestApi, request: Request) -> Response:
    from xietong.engine.gateway.rest import Problem, key_of, to_json  # rest imports this module

    key = key_of(request.path_params["key"], "userTaskKey")
    exists, form_key, form = await asyncio.to_thread(api._engine.queries.get_user_task_form, key)
    if not exists:
        raise Problem(404, "NOT_FOUND", f"User Task with key '{key}' not found")
    if form_key is None:
        return Response(status_code=204)
    if form is None:
        raise Problem(404, "NOT_FOUND", f"Form with key '{form_key}' not found")
    answer = to_json(form)
    answer["schema"] = json.loads(form.schema)
    return JSONResponse(answer)
