"""The one table of who may call what: every REST v2 endpoint and every gRPC RPC has a rule here.

A rule names the roles that may call (an admin may call everything), Camunda's permission and
resource type (they word the 403 / PERMISSION_DENIED message, as Camunda's does), and the scope:
what the call's key names, so that the caller's visibility of that task, case or incident is
checked before the handler runs (``ROWS``: a search whose rows are filtered). The matrix test
walks every route and RPC and fails on one without a rule; at run time such a route is refused
to everyone but an admin. See /work/reports/identity-api.md (how to add a rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    NONE = "none"  # no per-object check (role only)
    ROWS = "rows"  # a search: rows the caller may not see are dropped before paging
    TASK = "task"  # the key is a userTaskKey
    INSTANCE = "instance"  # a processInstanceKey
    ELEMENT_INSTANCE = "element_instance"  # an elementInstanceKey (or a processInstanceKey)
    INCIDENT = "incident"  # an incidentKey
    DEFINITION = "definition"  # a processDefinitionKey
    JOB = "job"  # a jobKey
    RESULT = "result"  # a single row answered (a variable): checked as a search row after the handler


CLERK, SUPERVISOR, ADMIN, WORKER = "clerk", "supervisor", "admin", "worker"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    permission: str
    resource: str
    scope: Scope = Scope.NONE
    param: str = "key"
    public: bool = False  # no credentials asked (Camunda's UNPROTECTED_API_PATHS: status, license)

    def forbidden_message(self) -> str:
        return (
            f"Insufficient permissions to perform operation '{self.permission}' on resource '{self.resource}'"
        )


def _rule(roles: set[str], permission: str, resource: str, scope: Scope, param: str) -> Rule:
    return Rule(frozenset(roles | {ADMIN}), permission, resource, scope, param)


def anyone(permission: str = "READ", resource: str = "SYSTEM") -> Rule:
    """Any authenticated caller (topology, who am I)."""
    return _rule({CLERK, SUPERVISOR, WORKER}, permission, resource, Scope.NONE, "key")


def read(scope: Scope, permission: str, resource: str = "PROCESS_DEFINITION", param: str = "key") -> Rule:
    """Reads of cases: everyone, each seeing what their scope allows."""
    return _rule({CLERK, SUPERVISOR, WORKER}, permission, resource, scope, param)


def task(scope: Scope, permission: str, param: str = "key", supervisor: bool = False) -> Rule:
    """People's work on user tasks: clerks (their groups' tasks), and supervisors where said."""
    roles = {CLERK, SUPERVISOR} if supervisor else {CLERK}
    return _rule(roles, permission, "PROCESS_DEFINITION", scope, param)


def supervise(
    scope: Scope, permission: str, resource: str = "PROCESS_DEFINITION", param: str = "key"
) -> Rule:
    """Fixing a case of one's jurisdiction: supervisors and admins."""
    return _rule({SUPERVISOR}, permission, resource, scope, param)


def machine(permission: str, resource: str = "PROCESS_DEFINITION", scope: Scope = Scope.NONE) -> Rule:
    """Job workers and integrators (worker clients) and admins."""
    return _rule({WORKER}, permission, resource, scope, "key")


def public(permission: str = "READ", resource: str = "SYSTEM") -> Rule:
    """Anyone, signed in or not: what a load balancer's health check and a license banner read."""
    return Rule(frozenset({CLERK, SUPERVISOR, WORKER, ADMIN}), permission, resource, Scope.NONE, "key", True)


def admin_only(permission: str, resource: str) -> Rule:
    return _rule(set(), permission, resource, Scope.NONE, "key")


#: Applied to a route that has no rule: nobody but an admin (and the matrix test fails).
UNLISTED = admin_only("UNLISTED", "UNLISTED_ENDPOINT")

REST_RULES: dict[tuple[str, str], Rule] = {
    # cluster, clock, who am I
    ("GET", "/v2/topology"): anyone(),
    ("GET", "/v2/authentication/me"): anyone(),
    ("GET", "/v2/clock"): anyone(),
    ("PUT", "/v2/clock"): admin_only("UPDATE", "SYSTEM"),
    ("POST", "/v2/clock/add"): admin_only("UPDATE", "SYSTEM"),
    ("POST", "/v2/clock/reset"): admin_only("UPDATE", "SYSTEM"),
    # user tasks
    ("POST", "/v2/user-tasks/search"): task(Scope.ROWS, "READ_USER_TASK", supervisor=True),
    ("GET", "/v2/user-tasks/{key}"): task(Scope.TASK, "READ_USER_TASK", supervisor=True),
    ("GET", "/v2/user-tasks/{key}/form"): task(Scope.TASK, "READ_USER_TASK", supervisor=True),
    ("PATCH", "/v2/user-tasks/{key}"): task(Scope.TASK, "UPDATE_USER_TASK", supervisor=True),
    ("POST", "/v2/user-tasks/{key}/assignment"): task(Scope.TASK, "UPDATE_USER_TASK"),
    ("DELETE", "/v2/user-tasks/{key}/assignee"): task(Scope.TASK, "UPDATE_USER_TASK"),
    ("POST", "/v2/user-tasks/{key}/completion"): task(Scope.TASK, "UPDATE_USER_TASK"),
    # process instances, messages, incidents
    ("POST", "/v2/process-instances"): machine("CREATE_PROCESS_INSTANCE"),
    ("POST", "/v2/process-instances/search"): read(Scope.ROWS, "READ_PROCESS_INSTANCE"),
    ("GET", "/v2/process-instances/{key}"): read(Scope.INSTANCE, "READ_PROCESS_INSTANCE"),
    ("POST", "/v2/process-instances/{key}/cancellation"): admin_only(
        "UPDATE_PROCESS_INSTANCE", "PROCESS_DEFINITION"
    ),
    ("POST", "/v2/messages/publication"): machine("CREATE", "MESSAGE"),
    ("POST", "/v2/incidents/search"): read(Scope.ROWS, "READ_PROCESS_INSTANCE"),
    ("POST", "/v2/incidents/{key}/resolution"): supervise(Scope.INCIDENT, "UPDATE_PROCESS_INSTANCE"),
    ("POST", "/v2/user-tasks/{key}/variables/search"): task(Scope.TASK, "READ_USER_TASK", supervisor=True),
    # process definitions (diagrams), element instances, variables, jobs: what a task list and a console read
    ("POST", "/v2/process-definitions/search"): read(Scope.ROWS, "READ_PROCESS_DEFINITION"),
    ("GET", "/v2/process-definitions/{key}"): read(Scope.DEFINITION, "READ_PROCESS_DEFINITION"),
    ("GET", "/v2/process-definitions/{key}/xml"): read(Scope.DEFINITION, "READ_PROCESS_DEFINITION"),
    ("POST", "/v2/process-definitions/{key}/statistics/element-instances"): _rule(
        {SUPERVISOR, WORKER}, "READ_PROCESS_INSTANCE", "PROCESS_DEFINITION", Scope.DEFINITION, "key"
    ),
    ("GET", "/v2/process-instances/{key}/statistics/element-instances"): read(
        Scope.INSTANCE, "READ_PROCESS_INSTANCE"
    ),
    ("GET", "/v2/process-instances/{key}/sequence-flows"): read(Scope.INSTANCE, "READ_PROCESS_INSTANCE"),
    ("POST", "/v2/process-instances/{key}/incidents/search"): read(Scope.INSTANCE, "READ_PROCESS_INSTANCE"),
    ("POST", "/v2/element-instances/search"): read(Scope.ROWS, "READ_PROCESS_INSTANCE"),
    ("GET", "/v2/element-instances/{key}"): read(Scope.ELEMENT_INSTANCE, "READ_PROCESS_INSTANCE"),
    ("PUT", "/v2/element-instances/{key}/variables"): supervise(
        Scope.ELEMENT_INSTANCE, "UPDATE_PROCESS_INSTANCE"
    ),
    ("POST", "/v2/variables/search"): read(Scope.ROWS, "READ_PROCESS_INSTANCE"),
    ("GET", "/v2/variables/{key}"): read(Scope.RESULT, "READ_PROCESS_INSTANCE"),
    ("GET", "/v2/incidents/{key}"): read(Scope.INCIDENT, "READ_PROCESS_INSTANCE"),
    ("POST", "/v2/jobs/search"): read(Scope.ROWS, "READ_PROCESS_INSTANCE"),
    ("PATCH", "/v2/jobs/{key}"): _rule(
        {WORKER, SUPERVISOR}, "UPDATE_PROCESS_INSTANCE", "PROCESS_DEFINITION", Scope.JOB, "key"
    ),
    # the commands of job workers and integrators, as their gRPC twins (GRPC_RULES) allow them
    ("POST", "/v2/jobs/activation"): machine("UPDATE_PROCESS_INSTANCE"),
    ("POST", "/v2/jobs/{key}/completion"): machine("UPDATE_PROCESS_INSTANCE"),
    ("POST", "/v2/jobs/{key}/failure"): machine("UPDATE_PROCESS_INSTANCE"),
    ("POST", "/v2/jobs/{key}/error"): machine("UPDATE_PROCESS_INSTANCE"),
    ("POST", "/v2/signals/broadcast"): machine("CREATE", "SIGNAL"),
    ("POST", "/v2/messages/correlation"): machine("CREATE", "MESSAGE"),
    ("POST", "/v2/process-instances/{key}/modification"): admin_only(
        "UPDATE_PROCESS_INSTANCE", "PROCESS_DEFINITION"
    ),
    ("POST", "/v2/process-instances/{key}/migration"): admin_only(
        "UPDATE_PROCESS_INSTANCE", "PROCESS_DEFINITION"
    ),
    # deployments and resources: admins only, as DeployResource and DeleteResource
    ("POST", "/v2/deployments"): admin_only("CREATE", "RESOURCE"),
    ("POST", "/v2/resources/{key}/deletion"): admin_only("DELETE_RESOURCE", "RESOURCE"),
    ("GET", "/v2/resources/{key}"): admin_only("READ", "RESOURCE"),
    ("GET", "/v2/resources/{key}/content"): admin_only("READ", "RESOURCE"),
    ("GET", "/v2/process-definitions/{key}/form"): read(Scope.DEFINITION, "READ_PROCESS_DEFINITION"),
    ("GET", "/v2/status"): public(),
    ("GET", "/v2/license"): public(),
    # audit (who did what in a case)
    ("POST", "/v2/audit-logs/search"): read(Scope.ROWS, "READ_PROCESS_INSTANCE"),
    # people, groups, roles (Camunda 8.8's identity paths)
    ("POST", "/v2/users"): admin_only("CREATE", "USER"),
    ("POST", "/v2/users/search"): admin_only("READ", "USER"),
    ("GET", "/v2/users/{username}"): admin_only("READ", "USER"),
    ("PUT", "/v2/users/{username}"): admin_only("UPDATE", "USER"),
    ("DELETE", "/v2/users/{username}"): admin_only("DELETE", "USER"),
    ("POST", "/v2/groups"): admin_only("CREATE", "GROUP"),
    ("POST", "/v2/groups/search"): admin_only("READ", "GROUP"),
    ("GET", "/v2/groups/{groupId}"): admin_only("READ", "GROUP"),
    ("PUT", "/v2/groups/{groupId}"): admin_only("UPDATE", "GROUP"),
    ("DELETE", "/v2/groups/{groupId}"): admin_only("DELETE", "GROUP"),
    ("POST", "/v2/groups/{groupId}/users/search"): admin_only("READ", "GROUP"),
    ("PUT", "/v2/groups/{groupId}/users/{username}"): admin_only("UPDATE", "GROUP"),
    ("DELETE", "/v2/groups/{groupId}/users/{username}"): admin_only("UPDATE", "GROUP"),
    ("POST", "/v2/roles"): admin_only("CREATE", "ROLE"),
    ("POST", "/v2/roles/search"): admin_only("READ", "ROLE"),
    ("GET", "/v2/roles/{roleId}"): admin_only("READ", "ROLE"),
    ("POST", "/v2/roles/{roleId}/users/search"): admin_only("READ", "ROLE"),
    ("PUT", "/v2/roles/{roleId}/users/{username}"): admin_only("UPDATE", "ROLE"),
    ("DELETE", "/v2/roles/{roleId}/users/{username}"): admin_only("UPDATE", "ROLE"),
}

GRPC_RULES: dict[str, Rule] = {
    "Topology": anyone(),
    "ActivateJobs": machine("UPDATE_PROCESS_INSTANCE"),
    "StreamActivatedJobs": machine("UPDATE_PROCESS_INSTANCE"),
    "CompleteJob": machine("UPDATE_PROCESS_INSTANCE"),
    "FailJob": machine("UPDATE_PROCESS_INSTANCE"),
    "ThrowError": machine("UPDATE_PROCESS_INSTANCE"),
    "UpdateJobTimeout": machine("UPDATE_PROCESS_INSTANCE"),
    "UpdateJobRetries": _rule(
        {WORKER, SUPERVISOR}, "UPDATE_PROCESS_INSTANCE", "PROCESS_DEFINITION", Scope.JOB, "jobKey"
    ),
    "CreateProcessInstance": machine("CREATE_PROCESS_INSTANCE"),
    "CreateProcessInstanceWithResult": machine("CREATE_PROCESS_INSTANCE"),
    "PublishMessage": machine("CREATE", "MESSAGE"),
    "BroadcastSignal": machine("CREATE", "SIGNAL"),
    "EvaluateDecision": machine("CREATE_DECISION_INSTANCE", "DECISION_DEFINITION"),
    "SetVariables": _rule(
        {WORKER, SUPERVISOR},
        "UPDATE_PROCESS_INSTANCE",
        "PROCESS_DEFINITION",
        Scope.ELEMENT_INSTANCE,
        "elementInstanceKey",
    ),
    "ResolveIncident": supervise(Scope.INCIDENT, "UPDATE_PROCESS_INSTANCE", param="incidentKey"),
    "CancelProcessInstance": admin_only("UPDATE_PROCESS_INSTANCE", "PROCESS_DEFINITION"),
    "ModifyProcessInstance": admin_only("UPDATE_PROCESS_INSTANCE", "PROCESS_DEFINITION"),
    "MigrateProcessInstance": admin_only("UPDATE_PROCESS_INSTANCE", "PROCESS_DEFINITION"),
    "DeployProcess": admin_only("CREATE", "RESOURCE"),
    "DeployResource": admin_only("CREATE", "RESOURCE"),
    "DeleteResource": admin_only("DELETE_RESOURCE", "RESOURCE"),
}


def rest_rule(method: str, path: str) -> Rule | None:
    return REST_RULES.get((method.upper(), path))
