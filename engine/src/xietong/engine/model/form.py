"""A Camunda Form resource (``.form``): the form-js JSON schema a user task links by its ``id``.

The engine reads only what Zeebe reads from a form (its ``id`` and ``versionTag``); the schema is
kept as deployed and handed to task lists (``GET /v2/user-tasks/{key}/form``), which render it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

FORM_SUFFIX = ".form"


@dataclass(frozen=True)
class FormResource:
    form_id: str
    version_tag: str
    schema: str  # the JSON text as deployed


def parse_form(resource_name: str, content: bytes) -> tuple[FormResource | None, list[str]]:
    """The form, or the problems Zeebe reports for it (worded as Zeebe words them)."""
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        return None, [f"Failed to parse formId from form JSON. '{resource_name}': {err}"]
    if not isinstance(data, dict):
        return None, [f"Failed to parse formId from form JSON. '{resource_name}': expected a JSON object"]
    form_id = data.get("id")
    if form_id is None:
        return None, [f"'{resource_name}': Expected the form id to be present, but none given"]
    if not isinstance(form_id, str):
        return None, [
            f"Failed to parse formId from form JSON. '{resource_name}': the form id must be a string"
        ]
    if not form_id.strip():
        return None, [f"'{resource_name}': Expected the form id to be filled, but it is blank"]
    version_tag = data.get("versionTag")
    if version_tag is not None and not isinstance(version_tag, str):
        return None, [
            f"Failed to parse formId from form JSON. '{resource_name}': versionTag must be a string"
        ]
    return FormResource(form_id, version_tag or "", content.decode("utf-8")), []
