"""``xietong users …``: people, their departments (groups) and roles, and machine clients.

Everything is kept in the engine's database in ``--data`` (the same folder as ``engine serve``);
a running engine sees the changes at once. Passwords are read from standard input (one line), never
from the command line, so they do not show in a process list or a shell history.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from xietong.engine.identity.passwords import MIN_PASSWORD_LENGTH, WeakPassword
from xietong.engine.identity.store import ROLES, IdentityError, IdentityStore

DATA = click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The engine's data directory (as for `xietong engine serve --data`).",
)


def _store(data_dir: Path, create: bool = False) -> IdentityStore:
    """The engine's people; only the commands that add someone may make a new database (a typo in
    --data must not leave an empty engine.db behind a `list` or `disable`)."""
    if not create and not (data_dir / "engine.db").is_file():
        raise click.ClickException(f"{data_dir}: no engine data here (expected engine.db)")
    try:
        return IdentityStore(data_dir)
    except Exception as error:  # sqlite3.Error, OSError: say which folder
        raise click.ClickException(f"{data_dir}: cannot open the engine's database ({error})") from None


def _password() -> str:
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise click.UsageError(
            "no password on standard input (e.g. `printf '%s\\n' \"$PW\" | xietong users …`)"
        )
    return password


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except (IdentityError, WeakPassword) as error:
        raise click.ClickException(str(error)) from None


@click.group()
def users() -> None:
    """Manage the people (clerks, supervisors, admins) and clients (workers) the engine lets in."""


@users.command("add")
@click.argument("login")
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice(sorted(ROLES)), help="Role(s)."
)
@click.option(
    "--group", "groups", multiple=True, help="Department group id, e.g. siyang.justice (repeatable)."
)
@click.option("--name", default="", help="Display name, e.g. 张三.")
@click.option("--email", default="", help="E-mail address.")
@DATA
def add(
    login: str, roles: tuple[str, ...], groups: tuple[str, ...], name: str, email: str, data_dir: Path
) -> None:
    """Add a person LOGIN; the password is read from standard input."""
    password = _password()
    if len(password) < MIN_PASSWORD_LENGTH:  # refused before anything is written
        raise click.ClickException(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    store = _store(data_dir, create=True)
    user = _run(store.add_user, login, password, name=name, email=email, roles=roles, groups=groups)
    click.echo(f"added {user.username} ({', '.join(user.roles)}; groups: {', '.join(user.groups) or '-'})")


@users.command("list")
@DATA
def list_users(data_dir: Path) -> None:
    """List people and clients with their roles and groups."""
    store = _store(data_dir)
    for user in store.users():
        state = "" if user.enabled else "  [disabled]"
        groups = ",".join(user.groups) or "-"
        click.echo(f"{user.username}\t{','.join(user.roles) or '-'}\t{groups}\t{user.name}{state}")
    for client in store.clients():
        state = "" if client.enabled else "  [disabled]"
        groups = ",".join(client.groups) or "-"
        click.echo(f"{client.client_id}\t{','.join(client.roles)}\t{groups}\t(client){state}")


@users.command("set-password")
@click.argument("login")
@DATA
def set_password(login: str, data_dir: Path) -> None:
    """Set LOGIN's password from standard input."""
    _run(_store(data_dir).update_user, login, password=_password())
    click.echo(f"password of {login} changed")


@users.command("disable")
@click.argument("login")
@DATA
def disable(login: str, data_dir: Path) -> None:
    """Disable LOGIN: every call with their credentials is refused (User is disabled)."""
    _run(_store(data_dir).set_enabled, login, False)
    click.echo(f"{login} disabled")


@users.command("enable")
@click.argument("login")
@DATA
def enable(login: str, data_dir: Path) -> None:
    """Enable a disabled LOGIN again."""
    _run(_store(data_dir).set_enabled, login, True)
    click.echo(f"{login} enabled")


@users.command("add-to-group")
@click.argument("login")
@click.argument("group")
@click.option("--group-name", default="", help="Display name of the group if it is new (e.g. 泗阳县司法局).")
@DATA
def add_to_group(login: str, group: str, group_name: str, data_dir: Path) -> None:
    """Make LOGIN a member of GROUP (a department group id such as siyang.justice)."""
    store = _store(data_dir)
    if group_name:
        _run(store.add_group, group, group_name, exist_ok=True)
    _run(store.add_to_group, login, group)
    click.echo(f"{login} is in {group}")


@users.command("add-client")
@click.argument("client_id")
@click.option(
    "--role", required=True, type=click.Choice(sorted(ROLES)), help="worker for job workers and integrators."
)
@click.option("--group", "groups", multiple=True, help="Group(s): siyang.command_centre for a console.")
@DATA
def add_client(client_id: str, role: str, groups: tuple[str, ...], data_dir: Path) -> None:
    """Add a machine client; prints its bearer token once (only a digest is kept)."""
    token = _run(_store(data_dir, create=True).add_client, client_id, role, groups=groups)
    click.echo(token)


@users.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DATA
def import_file(file: Path, data_dir: Path) -> None:
    """Create groups and people from a YAML FILE (see docs/identity.md); all or nothing.

    \b
    groups: [{id: siyang.justice, name: 泗阳县司法局}]
    users:  [{login: zhang, name: 张三, role: clerk, groups: [siyang.justice], password_env: ZHANG_PW}]
    """
    import os

    import yaml

    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{file}: not YAML ({error})") from None
    if not isinstance(data, dict) or set(data) - {"groups", "users"}:
        raise click.ClickException(f"{file}: expected a mapping with 'groups' and 'users'")
    problems, people = [], []
    for index, entry in enumerate(data.get("users") or []):
        where = f"{file}: users[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("login"), str):
            problems.append(f"{where}: needs a login")
            continue
        unknown = set(entry) - {"login", "name", "email", "role", "roles", "groups", "password_env"}
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        roles = entry.get("roles") or ([entry["role"]] if entry.get("role") else [])
        bad_roles = [r for r in roles if r not in ROLES]
        if not roles or bad_roles:
            problems.append(f"{where}.role: one of {', '.join(sorted(ROLES))} (got {bad_roles or 'none'})")
        env = entry.get("password_env")
        password = os.environ.get(env) if isinstance(env, str) else None
        if not password:
            problems.append(f"{where}.password_env: names no set environment variable (got {env!r})")
        people.append((entry, roles, password))
    if problems:
        raise click.ClickException("\n".join(problems))
    store = _store(data_dir, create=True)
    for index, group in enumerate(data.get("groups") or []):
        if not isinstance(group, dict) or not isinstance(group.get("id"), str):
            raise click.ClickException(f"{file}: groups[{index}]: needs an id")
        _run(store.add_group, group["id"], str(group.get("name") or ""), exist_ok=True)
    for entry, roles, password in people:
        _run(
            store.add_user,
            entry["login"],
            password,
            name=str(entry.get("name") or ""),
            email=str(entry.get("email") or ""),
            roles=roles,
            groups=[str(g) for g in entry.get("groups") or []],
        )
    click.echo(f"imported {len(people)} people and {len(data.get('groups') or [])} groups")
