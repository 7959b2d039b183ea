"""The demo's people: a clerk for every department the case reaches, a supervisor, an admin client
and a worker client, each with a fresh random password or token (nothing ships with a default).

They are created in the engine's database before it starts (what `xietong users add` does), so the
engine runs protected from its first call; the story then acts as each of them with their own
credentials: the clerks complete their tasks over REST with HTTP basic, the workers poll with the
worker client's token, deployment and the clock go through the admin client.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from xietong.catalog.loader import Catalog
from xietong.engine.identity.store import IdentityError, IdentityStore


@dataclass(frozen=True)
class Person:
    login: str
    password: str
    role: str
    group: str  # group id ('' for none)
    group_name: str  # the department's display name


@dataclass
class DemoPeople:
    admin_token: str
    worker_token: str
    people: list[Person] = field(default_factory=list)

    def clerk_of(self, group: str) -> Person | None:
        return next((p for p in self.people if p.role == "clerk" and p.group == group), None)

    @property
    def supervisor(self) -> Person:
        return next(p for p in self.people if p.role == "supervisor")


def story_groups(catalog: Catalog, jurisdiction: str, template_id: str, item_number: int) -> list[str]:
    """The departments whose clerks the case reaches: the template's fixed departments, then the item's
    lead and collaborators (the item table of the generated model routes to them)."""
    template = catalog.templates[template_id]
    item = next(
        m
        for m in catalog.mechanisms.values()
        if m.procedure_template == template_id and m.number == item_number
    )
    references = (
        [a.department for a in template.procedure.actors if a.department] + item.lead + item.collaborators
    )
    groups = []
    for reference in references:
        department = catalog.department(jurisdiction, reference)
        if department is not None and department.group_id not in groups:
            groups.append(department.group_id)
    return groups


def create_people(data_dir: Path, catalog: Catalog, jurisdiction: str, groups: list[str]) -> DemoPeople:
    """People in the engine's database under ``data_dir``; run again, they get new passwords."""
    names = {d.group_id: d.name for d in catalog.registries[jurisdiction].departments.values()}
    store = IdentityStore(data_dir)
    try:
        tokens = {}
        for client, role in (("demo-admin", "admin"), ("demo-workers", "worker")):
            store.delete_client(client)
            tokens[role] = store.add_client(client, role)
        people = DemoPeople(tokens["admin"], tokens["worker"])
        command_centre = f"{jurisdiction}.command_centre"
        wanted = [("supervisor", command_centre, "supervisor")]
        wanted += [(f"{group.partition('.')[2]}-clerk", group, "clerk") for group in groups]
        for login, group, role in wanted:
            password = secrets.token_urlsafe(12)
            name = names.get(group, group) + ("督办人" if role == "supervisor" else "经办人")
            store.add_group(group, names.get(group, group), exist_ok=True)
            try:
                store.add_user(login, password, name=name, roles=[role], groups=[group])
            except IdentityError:  # a second run on the same --data: a fresh password
                store.update_user(login, password=password, name=name)
                store.set_enabled(login, True)
            people.people.append(Person(login, password, role, group, names.get(group, group)))
        return people
    finally:
        store.close()


def add_clerks(
    data_dir: Path, catalog: Catalog, jurisdiction: str, groups: list[str], people: DemoPeople
) -> None:
    """Clerks of another jurisdiction's departments (login ``<jurisdiction>-<department>-clerk``), for
    the demo's cases outside the main one."""
    names = {d.group_id: d.name for d in catalog.registries[jurisdiction].departments.values()}
    store = IdentityStore(data_dir)
    try:
        for group in groups:
            login, password = f"{group.replace('.', '-')}-clerk", secrets.token_urlsafe(12)
            name = names.get(group, group)
            store.add_group(group, name, exist_ok=True)
            try:
                store.add_user(login, password, name=name + "经办人", roles=["clerk"], groups=[group])
            except IdentityError:  # a second run on the same --data: a fresh password
                store.update_user(login, password=password, name=name + "经办人")
                store.set_enabled(login, True)
            people.people.append(Person(login, password, "clerk", group, name))
    finally:
        store.close()
