"""Who is calling: a person (HTTP basic), a client (bearer token) or anyone (unprotected mode)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


def jurisdiction_of_group(group_id: str) -> str | None:
    """``siyang.command_centre`` → ``siyang``: department group ids are ``<jurisdiction>.<department>``."""
    head, dot, _ = group_id.partition(".")
    return head if dot else None


def jurisdiction_of_process(bpmn_process_id: str) -> str:
    """``siyang_joint_enforcement`` → ``siyang``: mechanism ids start with their jurisdiction's id."""
    return bpmn_process_id.partition("_")[0]


@dataclass(frozen=True)
class Principal:
    kind: Literal["user", "client", "anonymous"]
    name: str
    roles: frozenset[str]
    groups: frozenset[str] = frozenset()
    display_name: str = ""
    email: str = ""

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def sees_everything(self) -> bool:
        """Admins, worker clients and the unprotected mode's anonymous caller read every case."""
        return self.is_admin or "worker" in self.roles

    @property
    def jurisdictions(self) -> frozenset[str]:
        return frozenset(j for j in (jurisdiction_of_group(g) for g in self.groups) if j)

    def has_any(self, roles: frozenset[str]) -> bool:
        return self.is_admin or bool(self.roles & roles)


#: Every call when no identity is configured (Camunda's ``unprotectedApi: true``).
UNPROTECTED = Principal("anonymous", "", frozenset({"admin"}))
