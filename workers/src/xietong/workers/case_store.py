"""The case store: every case the workers have touched and what happened to it, for supervisors.

The engine keeps process state; the case store keeps the business record (受理, 派单, 指令, 督办,
上报, 归档) that outlives process instances and is queried by case, not by instance key. One
schema serves SQLite (a file, the default) and PostgreSQL (``postgresql://…``): timestamps are ISO
8601 text in UTC, details JSON text, so the two never diverge in meaning.

Jobs are delivered at least once, so recording is idempotent per job: an event is unique by
(job key, kind), and a redelivered job gets back the event (and the ids) of its first delivery.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import structlog

log = structlog.get_logger(__name__)


class EventKind(StrEnum):
    REGISTERED = "registered"
    DEADLINE_SET = "deadline_set"
    TRIAGED = "triaged"
    DISPATCHED = "dispatched"
    ORDER_SENT = "order_sent"
    TRANSFERRED = "transferred"
    NOTIFIED = "notified"
    SUPERVISED = "supervised"
    ESCALATED = "escalated"
    SUMMARIZED = "summarized"
    ARCHIVED = "archived"


class CaseStatus(StrEnum):
    OPEN = "open"
    ARCHIVED = "archived"


class CaseStoreError(Exception):
    """A case-store operation that cannot be done as asked (not a connection failure)."""


@dataclass(frozen=True)
class Source:
    """The job an event comes from: which engine instance, model and step acted."""

    job_key: int | None = None
    process_instance_key: int | None = None
    bpmn_process_id: str | None = None
    mechanism_id: str | None = None
    step_id: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class Case:
    case_id: str
    mechanism_id: str
    status: CaseStatus
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    process_instance_key: int | None
    bpmn_process_id: str | None


@dataclass(frozen=True)
class CaseSummary:
    """One line of the supervisors' view: a case, how often it was urged or escalated, its last event."""

    case: Case
    events: int
    supervised: int
    escalated: int
    last_kind: EventKind | None
    last_at: dt.datetime | None


@dataclass(frozen=True)
class CaseEvent:
    id: int
    case_id: str
    kind: EventKind
    at: dt.datetime
    job_key: int | None
    process_instance_key: int | None
    step_id: str | None
    department: str | None
    detail: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Schema. Each migration is applied once, in its own transaction, and recorded in
# schema_migrations; statements are also written to be harmless if re-run.
# ---------------------------------------------------------------------------------------------

MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        1,
        "cases, case events, case-id counters",
        (
            """CREATE TABLE IF NOT EXISTS cases (
                case_id TEXT PRIMARY KEY,
                mechanism_id TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'archived')),
                opened_at TEXT NOT NULL,
                closed_at TEXT,
                process_instance_key BIGINT,
                bpmn_process_id TEXT
            )""",
            "CREATE INDEX IF NOT EXISTS cases_by_status ON cases (status, opened_at)",
            """CREATE TABLE IF NOT EXISTS case_events (
                {id_column},
                case_id TEXT NOT NULL REFERENCES cases (case_id),
                kind TEXT NOT NULL,
                at TEXT NOT NULL,
                job_key BIGINT,
                process_instance_key BIGINT,
                step_id TEXT,
                department TEXT,
                detail TEXT NOT NULL,
                UNIQUE (job_key, kind)
            )""",
            "CREATE INDEX IF NOT EXISTS case_events_by_case ON case_events (case_id, id)",
            """CREATE TABLE IF NOT EXISTS case_counters (
                scope TEXT PRIMARY KEY,
                last_value BIGINT NOT NULL
            )""",
        ),
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
APPLICATION_NAME = "xietong-case-store"  # how the store's PostgreSQL sessions show in pg_stat_activity

_CASE_COLUMNS = "case_id, mechanism_id, status, opened_at, closed_at, process_instance_key, bpmn_process_id"
_EVENT_COLUMNS = "id, case_id, kind, at, job_key, process_instance_key, step_id, department, detail"


def _timestamp(at: dt.datetime) -> str:
    if at.tzinfo is None:
        raise ValueError(f"timestamp {at.isoformat()} has no UTC offset")
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _parse_timestamp(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _case(row: Sequence[Any]) -> Case:
    opened = _parse_timestamp(row[3])
    assert opened is not None
    return Case(row[0], row[1], CaseStatus(row[2]), opened, _parse_timestamp(row[4]), row[5], row[6])


def _event(row: Sequence[Any]) -> CaseEvent:
    at = _parse_timestamp(row[3])
    assert at is not None
    detail = json.loads(row[8])
    return CaseEvent(row[0], row[1], EventKind(row[2]), at, row[4], row[5], row[6], row[7], detail)


class _Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def fetchone(self) -> Sequence[Any] | None: ...
    def fetchall(self) -> Sequence[Sequence[Any]]: ...


class _Tx:
    """One transaction: SQL written with ``?`` placeholders, translated for the driver."""

    def __init__(self, cursor: _Cursor, placeholder: str) -> None:
        self._cursor = cursor
        self._placeholder = placeholder

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Tx:
        if self._placeholder != "?":
            sql = sql.replace("?", self._placeholder)
        self._cursor.execute(sql, tuple(params))
        return self

    def one(self) -> Sequence[Any] | None:
        return self._cursor.fetchone()

    def all(self) -> list[Sequence[Any]]:
        return list(self._cursor.fetchall())


class _Backend(ABC):
    id_column: str
    placeholder: str

    @abstractmethod
    def transaction(self) -> AbstractContextManager[_Tx]: ...

    @abstractmethod
    def lock_migrations(self, tx: _Tx) -> None:
        """Serialises concurrent migrations (several worker processes starting together)."""

    @abstractmethod
    def close(self) -> None: ...


class _SQLite(_Backend):
    id_column = "id INTEGER PRIMARY KEY AUTOINCREMENT"
    placeholder = "?"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[_Tx]:
        with self._lock:
            cursor = self._conn.cursor()
            cursor.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlocks
            try:
                yield _Tx(cursor, self.placeholder)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def lock_migrations(self, tx: _Tx) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the database's single write lock."""

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class _Postgres(_Backend):
    id_column = "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    placeholder = "%s"

    def __init__(self, url: str) -> None:
        import psycopg  # only needed, and only imported, when PostgreSQL is configured

        def connect() -> psycopg.Connection[tuple[Any, ...]]:
            return psycopg.connect(url, autocommit=True, application_name=APPLICATION_NAME)

        self._connect = connect
        self._conn = self._connect()
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[_Tx]:
        with self._lock:
            # A server restart or a dropped connection fails the transaction that meets it (the job
            # is retried after its back-off); the next one connects again instead of failing for ever.
            if self._conn.closed or self._conn.broken:
                log.warning("case store connection lost; reconnecting")
                self._conn = self._connect()
            with self._conn.transaction(), self._conn.cursor() as cursor:
                yield _Tx(cursor, self.placeholder)

    def lock_migrations(self, tx: _Tx) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?)", (0x78696574_6F6E67,))  # "xietong"

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _backend(url: str) -> _Backend:
    if url.startswith("sqlite:///"):
        return _SQLite(Path(url.removeprefix("sqlite:///")))
    if url.startswith(("postgresql://", "postgres://")):
        return _Postgres(url)
    raise CaseStoreError(f"case store URL {url!r}: expected sqlite:///PATH or postgresql://…")


class CaseStore:
    """Cases and their events. Thread-safe: worker handlers call it from a thread pool."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._db = _backend(url)
        try:
            self.migrate()
        except BaseException:
            self._db.close()
            raise

    @property
    def redacted_url(self) -> str:
        return redact_url(self.url)

    @classmethod
    def from_settings(cls) -> CaseStore:
        from xietong.workers.settings import CaseStoreSettings

        return cls(CaseStoreSettings().url)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------------

    def migrate(self) -> list[int]:
        """Applies the migrations not yet applied; returns their versions (empty when up to date)."""
        applied_now: list[int] = []
        with self._db.transaction() as tx:
            self._db.lock_migrations(tx)
            tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in tx.execute("SELECT version FROM schema_migrations").all()}
            unknown = sorted(version for version in done if version > SCHEMA_VERSION)
            if unknown:
                raise CaseStoreError(
                    f"case store {self.redacted_url} has schema version {unknown[-1]}, newer than this "
                    f"xietong knows ({SCHEMA_VERSION}): run the workers of the version that migrated it"
                )
            for version, name, statements in MIGRATIONS:
                if version in done:
                    continue
                for statement in statements:
                    tx.execute(statement.format(id_column=self._db.id_column))
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, _timestamp(dt.datetime.now(dt.UTC))),
                )
                applied_now.append(version)
        if applied_now:
            log.info("case store migrated", url=self.redacted_url, versions=applied_now)
        return applied_now

    def schema_version(self) -> int:
        with self._db.transaction() as tx:
            row = tx.execute("SELECT MAX(version) FROM schema_migrations").one()
        return int(row[0]) if row and row[0] is not None else 0

    # -- writing --------------------------------------------------------------------------------

    def register(
        self, case_id: str | None, mechanism_id: str, source: Source, at: dt.datetime, detail: dict[str, Any]
    ) -> tuple[Case, CaseEvent]:
        """Opens a case (with a new id unless one is given) and records its registration.

        A redelivered registration job returns the case of its first delivery, so a retried job
        never opens a second case.
        """
        with self._db.transaction() as tx:
            previous = self._event_of_job(tx, source.job_key, EventKind.REGISTERED)
            if previous is not None:
                case = self._get(tx, previous.case_id)
                assert case is not None
                return case, previous
            if case_id is None:
                case_id = self._new_case_id(tx, mechanism_id, at)
            case = self._ensure_case(tx, case_id, mechanism_id, source, at)
            if case.status is CaseStatus.ARCHIVED:
                raise CaseStoreError(
                    f"case {case_id!r} was archived at {case.closed_at}; a new matter needs a new case id"
                )
            event = self._insert_event(tx, case_id, EventKind.REGISTERED, source, at, detail)
        return case, event

    def record(
        self, case_id: str, kind: EventKind, source: Source, at: dt.datetime, detail: dict[str, Any]
    ) -> CaseEvent:
        """Records one event of a case; a case first seen here is opened (started without 受理登记)."""
        if kind in (EventKind.REGISTERED, EventKind.ARCHIVED):
            raise CaseStoreError(f"use register()/archive() to record {kind.value!r}")
        with self._db.transaction() as tx:
            self._ensure_case(tx, case_id, source.mechanism_id or source.bpmn_process_id or "", source, at)
            return self._insert_event(tx, case_id, kind, source, at, detail)

    def archive(
        self, case_id: str, source: Source, at: dt.datetime, detail: dict[str, Any]
    ) -> tuple[Case, CaseEvent]:
        """Closes the case (结案归档). Archiving an archived case keeps its first closing time."""
        with self._db.transaction() as tx:
            self._ensure_case(tx, case_id, source.mechanism_id or source.bpmn_process_id or "", source, at)
            event = self._insert_event(tx, case_id, EventKind.ARCHIVED, source, at, detail)
            tx.execute(
                "UPDATE cases SET status = ?, closed_at = ? WHERE case_id = ? AND status = ?",
                (CaseStatus.ARCHIVED.value, _timestamp(event.at), case_id, CaseStatus.OPEN.value),
            )
            case = self._get(tx, case_id)
            assert case is not None
        return case, event

    # -- reading --------------------------------------------------------------------------------

    def get(self, case_id: str) -> Case | None:
        with self._db.transaction() as tx:
            return self._get(tx, case_id)

    def events(self, case_id: str) -> list[CaseEvent]:
        with self._db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {_EVENT_COLUMNS} FROM case_events WHERE case_id = ? ORDER BY id", (case_id,)
            ).all()
        return [_event(row) for row in rows]

    def cases(self, status: CaseStatus | None = None, limit: int = 1000) -> list[Case]:
        """Cases, oldest first; ``status=CaseStatus.OPEN`` is the supervisors' list of open cases."""
        where, params = ("WHERE status = ?", [status.value]) if status else ("", [])
        with self._db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {_CASE_COLUMNS} FROM cases {where} ORDER BY opened_at, case_id LIMIT ?",
                (*params, limit),
            ).all()
        return [_case(row) for row in rows]

    def summaries(self, status: CaseStatus | None = None, limit: int = 1000) -> list[CaseSummary]:
        """The supervisors' view, oldest case first: 督办 and escalation counts and the last event."""
        where, params = ("WHERE c.status = ?", [status.value]) if status else ("", [])
        last = "SELECT {column} FROM case_events l WHERE l.case_id = c.case_id ORDER BY l.id DESC LIMIT 1"
        count = "SELECT COUNT(*) FROM case_events n WHERE n.case_id = c.case_id"
        columns = ", ".join(f"c.{column.strip()}" for column in _CASE_COLUMNS.split(","))
        with self._db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {columns}, ({count}), ({count} AND n.kind = ?), ({count} AND n.kind = ?), "
                f"({last.format(column='l.kind')}), ({last.format(column='l.at')}) "
                f"FROM cases c {where} ORDER BY c.opened_at, c.case_id LIMIT ?",
                (EventKind.SUPERVISED.value, EventKind.ESCALATED.value, *params, limit),
            ).all()
        width = len(_CASE_COLUMNS.split(","))
        return [
            CaseSummary(
                _case(row[:width]),
                int(row[width]),
                int(row[width + 1]),
                int(row[width + 2]),
                EventKind(row[width + 3]) if row[width + 3] else None,
                _parse_timestamp(row[width + 4]),
            )
            for row in rows
        ]

    # -- internals ------------------------------------------------------------------------------

    def _get(self, tx: _Tx, case_id: str) -> Case | None:
        row = tx.execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE case_id = ?", (case_id,)).one()
        return _case(row) if row else None

    def _ensure_case(self, tx: _Tx, case_id: str, mechanism_id: str, source: Source, at: dt.datetime) -> Case:
        if not case_id:
            raise CaseStoreError("a case id must be a non-empty string")
        tx.execute(
            f"INSERT INTO cases ({_CASE_COLUMNS}) VALUES (?, ?, ?, ?, NULL, ?, ?) "
            "ON CONFLICT (case_id) DO NOTHING",
            (
                case_id,
                mechanism_id,
                CaseStatus.OPEN.value,
                _timestamp(at),
                source.process_instance_key,
                source.bpmn_process_id,
            ),
        )
        case = self._get(tx, case_id)
        assert case is not None
        return case

    def _new_case_id(self, tx: _Tx, mechanism_id: str, at: dt.datetime) -> str:
        from xietong.workers.calendar import CHINA

        day = at.astimezone(CHINA).strftime("%Y%m%d")
        scope = f"{mechanism_id}-{day}"
        row = tx.execute(
            "INSERT INTO case_counters (scope, last_value) VALUES (?, 1) ON CONFLICT (scope) "
            "DO UPDATE SET last_value = case_counters.last_value + 1 RETURNING last_value",
            (scope,),
        ).one()
        assert row is not None
        return f"{scope}-{int(row[0]):04d}"

    def _event_of_job(self, tx: _Tx, job_key: int | None, kind: EventKind) -> CaseEvent | None:
        if job_key is None:
            return None
        row = tx.execute(
            f"SELECT {_EVENT_COLUMNS} FROM case_events WHERE job_key = ? AND kind = ?", (job_key, kind.value)
        ).one()
        return _event(row) if row else None

    def _insert_event(
        self, tx: _Tx, case_id: str, kind: EventKind, source: Source, at: dt.datetime, detail: dict[str, Any]
    ) -> CaseEvent:
        previous = self._event_of_job(tx, source.job_key, kind)
        if previous is not None:
            return previous
        # ON CONFLICT: a second worker given the same job (after a job timeout) may have recorded it
        # between the look-up and here; then its event is the one.
        row = tx.execute(
            f"INSERT INTO case_events ({_EVENT_COLUMNS.removeprefix('id, ')}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_key, kind) DO NOTHING RETURNING id",
            (
                case_id,
                kind.value,
                _timestamp(at),
                source.job_key,
                source.process_instance_key,
                source.step_id,
                source.department,
                json.dumps(detail, ensure_ascii=False, sort_keys=True),
            ),
        ).one()
        if row is None:
            concurrent = self._event_of_job(tx, source.job_key, kind)
            assert concurrent is not None
            return concurrent
        return CaseEvent(
            int(row[0]),
            case_id,
            kind,
            at.astimezone(dt.UTC),
            source.job_key,
            source.process_instance_key,
            source.step_id,
            source.department,
            detail,
        )


def redact_url(url: str) -> str:
    """The URL without its password (in the user part or a ``password=`` parameter), for logs."""
    password = urlsplit(url).password
    if password is not None:
        url = url.replace(f":{password}@", ":***@", 1)
    return re.sub(r"(?<=[?&])password=[^&]*", "password=***", url)
