"""The audit log of a case, read from its record log (``AUDIT`` records), as REST rows.

The shape follows Camunda's audit log (8.9's ``/v2/audit-logs/search``): entityType,
operationType, actorType, actorId, timestamp, processInstanceKey; ``details`` carries what was
done (the variables a clerk completed a task with, the assignee, the element).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xietong.engine import commands as cmd
from xietong.engine.identity.visibility import current_principal

if TYPE_CHECKING:
    from xietong.engine.engine import Engine


def audit_rows(engine: Engine, process_instance_key: int) -> list[dict[str, Any]]:
    rows = []
    for record in engine.queries.records(process_instance_key):
        if record.value_type != "AUDIT":
            continue
        value = dict(record.value)
        rows.append(
            {
                "auditLogKey": str(record.position),
                "entityKey": str(record.key),
                "entityType": value.pop("entityType", ""),
                "operationType": value.pop("operationType", record.intent),
                "actorId": value.pop("actorId", ""),
                "actorType": value.pop("actorType", ""),
                "processInstanceKey": str(process_instance_key),
                "timestamp": record.timestamp,
                "result": "SUCCESS",
                "details": value,
            }
        )
    return rows


def audited(command: Any) -> cmd.Audited:
    """The command on behalf of the current caller (REST request or gRPC call), so that the case's
    record log says who did it."""
    principal = current_principal()
    actor_type = "CLIENT" if principal.kind == "client" else "USER"
    return cmd.Audited(command, principal.name or "anonymous", actor_type)
