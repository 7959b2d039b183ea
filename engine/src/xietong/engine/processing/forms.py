"""Which deployed form a Camunda user task shows: ``zeebe:formDefinition formId`` resolved by binding.

As in Zeebe: ``deployment`` takes the form deployed together with the process, ``latest`` the
newest version of the id, ``versionTag`` the newest version carrying that tag. A form that cannot
be found is an incident (FORM_NOT_FOUND) with Zeebe's message; resolving it retries the activation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xietong.engine.model.elements import UserTaskDef
from xietong.engine.processing.transitions import IncidentError
from xietong.engine.state.entities import ElementInstance, Form

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor

FORM_NOT_FOUND = "FORM_NOT_FOUND"


def linked_form(
    p: Processor, ei: ElementInstance, definition: UserTaskDef, form_id: Any, tenant: str
) -> Form:
    if not isinstance(form_id, str):
        raise IncidentError(
            "EXTRACT_VALUE_ERROR", f"Expected result of the expression to be 'STRING', but was {form_id!r}"
        )
    versions = p.state.form_versions(form_id, tenant)
    if definition.form_binding == "deployment":
        deployment_key = p.state.definitions[ei.def_key].deployment_key
        found = [f for f in versions if f.deployment_key == deployment_key]
        if not found:
            raise IncidentError(
                FORM_NOT_FOUND,
                f"Expected to use a form with id '{form_id}' with binding type 'deployment', but no such "
                f"form found in the deployment with key {deployment_key} which contained the current "
                "process. To resolve this incident, migrate the process instance to a process definition "
                "that is deployed together with the intended form to use.",
            )
        return found[-1]
    if definition.form_binding == "versionTag":
        tag = definition.form_version_tag
        found = [f for f in versions if f.version_tag == tag]
        if not found:
            raise IncidentError(
                FORM_NOT_FOUND,
                f"Expected to use a form with id '{form_id}' and version tag '{tag}', but no such form "
                "found. To resolve the incident, deploy a form with the given id and version tag.",
            )
        return found[-1]
    if not versions:
        raise IncidentError(
            FORM_NOT_FOUND,
            f"Expected to find a form with id '{form_id}', but no form with this id is found, at least a "
            "form with this id should be available. To resolve the Incident please deploy a form with "
            "the same id",
        )
    return versions[-1]
