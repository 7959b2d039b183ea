"""``GET /v2/user-tasks/{key}/form``: the Camunda form linked to a user task, as Camunda 8.8 answers.

8.8's FormResult is ``{tenantId, formId, schema, version, formKey}`` with the schema as a JSON
object and keys as strings; a task without a linked form is 204 (no body), an unknown task 404. A
task whose form version was deleted after it was created has a form key but no form: 404 naming it.
Kept apart from ``rest`` (which routes here after parsing the key) so the two do not import each other.
"""

from __future__ import annotations

import asyncio
import json

from starlette.responses import JSONResponse, Response

from xietong.engine import errors
from xietong.engine.queries import Queries


async def user_task_form(queries: Queries, key: int) -> Response:
    exists, form_key, form = await asyncio.to_thread(queries.get_user_task_form, key)
    if not exists:
        raise errors.NotFound(f"User Task with key '{key}' not found")
    if form_key is None:
        return Response(status_code=204)
    if form is None:
        raise errors.NotFound(f"Form with key '{form_key}' not found")
    return JSONResponse(
        {
            "tenantId": form.tenant_id,
            "formId": form.form_id,
            "schema": json.loads(form.schema),
            "version": form.version,
            "formKey": str(form.form_key),
        }
    )
