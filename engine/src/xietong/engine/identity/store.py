"""People, groups, roles and clients in the engine's database (``engine.db``, tables ``identity_*``).

Kept beside the engine's state in the same SQLite file, on a connection of its own (WAL lets the
engine and ``xietong users`` write at the same time). Ids follow Camunda's identity rules
(``^[a-zA-Z0-9_~@.+-]+$``) so that the same people and groups can be created on a cluster.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

from xietong.engine.identity.passwords import hash_password, new_token, token_digest

ID_PATTERN = re.compile(r"^[a-zA-Z0-9_~@.+-]+$")
MAX_ID_LENGTH = 256
MEMO_LIMIT = 10_000  # looked-up tokens kept per generation (wrong ones too: fuzzing must not grow it)
T = TypeVar("T")

#: The four roles of the issue; Camunda's roles API may add others, which grant nothing here.
ROLES: dict[str, tuple[str, str]] = {
    "clerk": ("经办人", "Works on the user tasks of their groups (departments)."),
    "supervisor": ("督办人", "Reads every case of their jurisdiction, fixes variables, resolves incidents."),
    "admin": ("管理员", "Deploys, deletes resources, manages people, cancels cases; all a supervisor may."),
    "worker": ("作业客户端", "Machine clients: job workers and integrators starting cases."),
}

SCHEMA = """
-- one row, bumped by every identity write (from the engine or from `xietong users` beside it): readers
-- cache what they looked up until it changes
CREATE TABLE IF NOT EXISTS identity_generation (
  id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL
);
INSERT OR IGNORE INTO identity_generation VALUES (1, 0);
CREATE TABLE IF NOT EXISTS identity_users (
  username TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS identity_groups (
  group_id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS identity_group_members (
  group_id TEXT NOT NULL, username TEXT NOT NULL, PRIMARY KEY (group_id, username));
CREATE TABLE IF NOT EXISTS identity_roles (
  role_id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS identity_role_members (
  role_id TEXT NOT NULL, member TEXT NOT NULL, member_type TEXT NOT NULL,
  PRIMARY KEY (role_id, member, member_type));
CREATE TABLE IF NOT EXISTS identity_clients (
  client_id TEXT PRIMARY KEY, token_digest TEXT NOT NULL UNIQUE, enabled INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS identity_client_groups (
  group_id TEXT NOT NULL, client_id TEXT NOT NULL, PRIMARY KEY (group_id, client_id));
"""


class IdentityError(ValueError):
    """A request the identity store refuses; ``status`` is the HTTP status Camunda would answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def check_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH or not ID_PATTERN.match(value):
        raise IdentityError(
            f"The provided {what} contains illegal characters. It must match the pattern "
            f"'{ID_PATTERN.pattern}'."
            if value
            else f"No {what} provided."
        )
    return value


@dataclass(frozen=True)
class User:
    username: str
    name: str
    email: str
    password_hash: str = field(repr=False)
    enabled: bool
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Client:
    client_id: str
    enabled: bool
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()  # a supervisor's console client needs its jurisdiction's group


@dataclass(frozen=True)
class Group:
    group_id: str
    name: str
    description: str


@dataclass(frozen=True)
class RoleRow:
    role_id: str
    name: str
    description: str


class IdentityStore:
    """All reads and writes of people, groups, roles and clients; safe to share between threads."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "engine.db"
        self._lock = threading.Lock()
        self._cache: dict[tuple[object, ...], object] = {}
        self._cache_generation: object = None
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._db.executemany(
            "INSERT OR IGNORE INTO identity_roles (role_id, name, description) VALUES (?, ?, ?)",
            [(role, name, text) for role, (name, text) in ROLES.items()],
        )

    def close(self) -> None:
        self._db.close()

    def _memo(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """What a request looks up on every call (is identity configured? whose token is this?), read
        once per identity generation: one indexed row per call instead of several queries."""
        generation = self._all("SELECT generation FROM identity_generation WHERE id = 1")[0][0]
        if generation != self._cache_generation or len(self._cache) > MEMO_LIMIT:
            self._cache, self._cache_generation = {}, generation
        if key not in self._cache:
            self._cache[key] = compute()
        return cast(T, self._cache[key])

    def _all(self, sql: str, args: Iterable[object] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, tuple(args)).fetchall()

    def _write(self, statements: list[tuple[str, tuple[object, ...]]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    self._db.execute(sql, args)
                self._db.execute("UPDATE identity_generation SET generation = generation + 1 WHERE id = 1")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # -- is identity configured at all? -----------------------------------------------------------
    def is_empty(self) -> bool:
        def count() -> bool:
            users = self._all("SELECT COUNT(*) FROM identity_users")[0][0]
            clients = self._all("SELECT COUNT(*) FROM identity_clients")[0][0]
            return users == 0 and clients == 0

        return self._memo(("empty",), count)

    # -- users ------------------------------------------------------------------------------------
    def add_user(
        self,
        username: str,
        password: str,
        *,
        name: str = "",
        email: str = "",
        roles: Iterable[str] = (),
        groups: Iterable[str] = (),
    ) -> User:
        check_id(username, "username")
        roles, groups = list(roles), list(groups)
        for role in roles:
            self._require_role(role)
        for group in groups:
            check_id(group, "groupId")
        if self._all("SELECT 1 FROM identity_users WHERE username = ?", (username,)):
            raise IdentityError(f"A user with username '{username}' already exists.", 409)
        statements: list[tuple[str, tuple[object, ...]]] = [
            (
                "INSERT INTO identity_users (username, name, email, password_hash) VALUES (?, ?, ?, ?)",
                (username, name, email, hash_password(password)),
            )
        ]
        statements += [self._group_row(group) for group in groups]
        statements += [
            ("INSERT OR IGNORE INTO identity_group_members VALUES (?, ?)", (group, username))
            for group in groups
        ]
        statements += [
            ("INSERT OR IGNORE INTO identity_role_members VALUES (?, ?, 'USER')", (role, username))
            for role in roles
        ]
        self._write(statements)
        user = self.user(username)
        assert user is not None
        return user

    def user(self, username: str) -> User | None:
        rows = self._all(
            "SELECT username, name, email, password_hash, enabled FROM identity_users WHERE username = ?",
            (username,),
        )
        if not rows:
            return None
        login, name, email, password_hash, enabled = rows[0]
        return User(
            str(login),
            str(name),
            str(email),
            str(password_hash),
            bool(enabled),
            self._roles_of(str(login), "USER"),
            self.groups_of(str(login)),
        )

    def users(self) -> list[User]:
        names = [str(row[0]) for row in self._all("SELECT username FROM identity_users ORDER BY username")]
        return [user for user in (self.user(name) for name in names) if user is not None]

    def update_user(
        self, username: str, *, name: str | None = None, email: str | None = None, password: str | None = None
    ) -> User:
        self._require_user(username)
        statements: list[tuple[str, tuple[object, ...]]] = []
        if name is not None:
            statements.append(("UPDATE identity_users SET name = ? WHERE username = ?", (name, username)))
        if email is not None:
            statements.append(("UPDATE identity_users SET email = ? WHERE username = ?", (email, username)))
        if password is not None:
            statements.append(
                (
                    "UPDATE identity_users SET password_hash = ? WHERE username = ?",
                    (hash_password(password), username),
                )
            )
        self._write(statements)
        user = self.user(username)
        assert user is not None
        return user

    def set_enabled(self, username: str, enabled: bool) -> None:
        self._require_user(username)
        self._write([("UPDATE identity_users SET enabled = ? WHERE username = ?", (int(enabled), username))])

    def delete_user(self, username: str) -> None:
        self._require_user(username)
        self._write(
            [
                ("DELETE FROM identity_users WHERE username = ?", (username,)),
                ("DELETE FROM identity_group_members WHERE username = ?", (username,)),
                ("DELETE FROM identity_role_members WHERE member = ? AND member_type = 'USER'", (username,)),
            ]
        )

    def _require_user(self, username: str) -> None:
        if not self._all("SELECT 1 FROM identity_users WHERE username = ?", (username,)):
            raise IdentityError(f"User with username '{username}' not found", 404)

    # -- groups -----------------------------------------------------------------------------------
    @staticmethod
    def _group_row(group_id: str, name: str = "", description: str = "") -> tuple[str, tuple[object, ...]]:
        return (
            "INSERT OR IGNORE INTO identity_groups (group_id, name, description) VALUES (?, ?, ?)",
            (group_id, name or group_id, description),
        )

    def add_group(
        self, group_id: str, name: str = "", description: str = "", *, exist_ok: bool = False
    ) -> Group:
        check_id(group_id, "groupId")
        if self.group(group_id) is not None:
            if not exist_ok:
                raise IdentityError(f"A group with id '{group_id}' already exists.", 409)
            if name:
                self._write([("UPDATE identity_groups SET name = ? WHERE group_id = ?", (name, group_id))])
        else:
            self._write([self._group_row(group_id, name, description)])
        group = self.group(group_id)
        assert group is not None
        return group

    def group(self, group_id: str) -> Group | None:
        rows = self._all(
            "SELECT group_id, name, description FROM identity_groups WHERE group_id = ?", (group_id,)
        )
        return Group(*(str(v) for v in rows[0])) if rows else None

    def groups(self) -> list[Group]:
        rows = self._all("SELECT group_id, name, description FROM identity_groups ORDER BY group_id")
        return [Group(*(str(v) for v in row)) for row in rows]

    def update_group(self, group_id: str, name: str, description: str) -> Group:
        self._require_group(group_id)
        self._write(
            [
                (
                    "UPDATE identity_groups SET name = ?, description = ? WHERE group_id = ?",
                    (name, description, group_id),
                )
            ]
        )
        group = self.group(group_id)
        assert group is not None
        return group

    def delete_group(self, group_id: str) -> None:
        self._require_group(group_id)
        self._write(
            [
                ("DELETE FROM identity_groups WHERE group_id = ?", (group_id,)),
                ("DELETE FROM identity_group_members WHERE group_id = ?", (group_id,)),
            ]
        )

    def _require_group(self, group_id: str) -> None:
        if self.group(group_id) is None:
            raise IdentityError(f"Group with id '{group_id}' not found", 404)

    def add_to_group(self, username: str, group_id: str) -> None:
        self._require_user(username)
        check_id(group_id, "groupId")
        self._write(
            [
                self._group_row(group_id),
                ("INSERT OR IGNORE INTO identity_group_members VALUES (?, ?)", (group_id, username)),
            ]
        )

    def remove_from_group(self, username: str, group_id: str) -> None:
        self._require_group(group_id)
        self._write(
            [("DELETE FROM identity_group_members WHERE group_id = ? AND username = ?", (group_id, username))]
        )

    def groups_of(self, username: str) -> tuple[str, ...]:
        rows = self._all(
            "SELECT group_id FROM identity_group_members WHERE username = ? ORDER BY group_id", (username,)
        )
        return tuple(str(row[0]) for row in rows)

    def members_of_group(self, group_id: str) -> list[str]:
        self._require_group(group_id)
        rows = self._all(
            "SELECT username FROM identity_group_members WHERE group_id = ? ORDER BY username", (group_id,)
        )
        return [str(row[0]) for row in rows]

    # -- roles ------------------------------------------------------------------------------------
    def _require_role(self, role_id: str) -> None:
        if not self._all("SELECT 1 FROM identity_roles WHERE role_id = ?", (role_id,)):
            raise IdentityError(
                f"Role with id '{role_id}' not found (roles: {', '.join(r.role_id for r in self.roles())})",
                404,
            )

    def roles(self) -> list[RoleRow]:
        rows = self._all("SELECT role_id, name, description FROM identity_roles ORDER BY role_id")
        return [RoleRow(*(str(v) for v in row)) for row in rows]

    def role(self, role_id: str) -> RoleRow | None:
        rows = self._all(
            "SELECT role_id, name, description FROM identity_roles WHERE role_id = ?", (role_id,)
        )
        return RoleRow(*(str(v) for v in rows[0])) if rows else None

    def add_role(self, role_id: str, name: str, description: str = "") -> RoleRow:
        check_id(role_id, "roleId")
        if self.role(role_id) is not None:
            raise IdentityError(f"A role with id '{role_id}' already exists.", 409)
        self._write([("INSERT INTO identity_roles VALUES (?, ?, ?)", (role_id, name, description))])
        role = self.role(role_id)
        assert role is not None
        return role

    def assign_role(self, role_id: str, member: str, member_type: str = "USER") -> None:
        self._require_role(role_id)
        if member_type == "USER":
            self._require_user(member)
        self._write(
            [("INSERT OR IGNORE INTO identity_role_members VALUES (?, ?, ?)", (role_id, member, member_type))]
        )

    def unassign_role(self, role_id: str, member: str, member_type: str = "USER") -> None:
        self._require_role(role_id)
        self._write(
            [
                (
                    "DELETE FROM identity_role_members WHERE role_id = ? AND member = ? AND member_type = ?",
                    (role_id, member, member_type),
                )
            ]
        )

    def members_of_role(self, role_id: str, member_type: str = "USER") -> list[str]:
        self._require_role(role_id)
        rows = self._all(
            "SELECT member FROM identity_role_members WHERE role_id = ? AND member_type = ? ORDER BY member",
            (role_id, member_type),
        )
        return [str(row[0]) for row in rows]

    def _roles_of(self, member: str, member_type: str) -> tuple[str, ...]:
        rows = self._all(
            "SELECT role_id FROM identity_role_members WHERE member = ? AND member_type = ? ORDER BY role_id",
            (member, member_type),
        )
        return tuple(str(row[0]) for row in rows)

    # -- clients (machine callers with bearer tokens) -------------------------------------------------
    def add_client(
        self, client_id: str, role: str, token: str | None = None, groups: Iterable[str] = ()
    ) -> str:
        """Creates a client bound to ``role`` (and ``groups``, which give a supervisor client its
        jurisdiction); returns its token (shown once, stored only as a digest)."""
        check_id(client_id, "clientId")
        self._require_role(role)
        groups = [check_id(group, "groupId") for group in groups]
        if self._all("SELECT 1 FROM identity_clients WHERE client_id = ?", (client_id,)):
            raise IdentityError(f"A client with id '{client_id}' already exists.", 409)
        token = token or new_token()
        if len(token) < 16:
            raise IdentityError("a client token needs at least 16 characters")
        self._write(
            [
                (
                    "INSERT INTO identity_clients (client_id, token_digest) VALUES (?, ?)",
                    (client_id, token_digest(token)),
                ),
                ("INSERT OR IGNORE INTO identity_role_members VALUES (?, ?, 'CLIENT')", (role, client_id)),
                *[
                    ("INSERT OR IGNORE INTO identity_client_groups VALUES (?, ?)", (g, client_id))
                    for g in groups
                ],
            ]
        )
        return token

    def _client_groups(self, client_id: str) -> tuple[str, ...]:
        rows = self._all(
            "SELECT group_id FROM identity_client_groups WHERE client_id = ? ORDER BY group_id", (client_id,)
        )
        return tuple(str(row[0]) for row in rows)

    def _client(self, client_id: str, enabled: object) -> Client:
        return Client(
            client_id, bool(enabled), self._roles_of(client_id, "CLIENT"), self._client_groups(client_id)
        )

    def client_by_digest(self, digest: str) -> tuple[Client, str] | None:
        def look_up() -> tuple[Client, str] | None:
            rows = self._all(
                "SELECT client_id, enabled, token_digest FROM identity_clients WHERE token_digest = ?",
                (digest,),
            )
            if not rows:
                return None
            client_id, enabled, stored = rows[0]
            return self._client(str(client_id), enabled), str(stored)

        return self._memo(("client", digest), look_up)

    def clients(self) -> list[Client]:
        rows = self._all("SELECT client_id, enabled FROM identity_clients ORDER BY client_id")
        return [self._client(str(c), e) for c, e in rows]

    def delete_client(self, client_id: str) -> None:
        self._write(
            [
                ("DELETE FROM identity_clients WHERE client_id = ?", (client_id,)),
                ("DELETE FROM identity_client_groups WHERE client_id = ?", (client_id,)),
                (
                    "DELETE FROM identity_role_members WHERE member = ? AND member_type = 'CLIENT'",
                    (client_id,),
                ),
            ]
        )

    def set_client_enabled(self, client_id: str, enabled: bool) -> None:
        if not self._all("SELECT 1 FROM identity_clients WHERE client_id = ?", (client_id,)):
            raise IdentityError(f"Client with id '{client_id}' not found", 404)
        self._write(
            [("UPDATE identity_clients SET enabled = ? WHERE client_id = ?", (int(enabled), client_id))]
        )
