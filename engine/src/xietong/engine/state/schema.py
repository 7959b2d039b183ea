"""The engine database's schema version and the migrations between versions.

A county's engine keeps its database across upgrades, so the layout on disk is versioned like the
case store's: ``PRAGMA user_version`` holds the version, each migration moves one version forward
inside the opening transaction, and a database written by a newer engine is refused rather than
misread. Entity rows are JSON arrays of the dataclass fields in order (``Entity.to_row``), so changing
an entity's fields is a schema change: ``tests/engine/test_schema_version.py`` pins them per version.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Migration:
    version: int  # the version the database has after this step
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _unversioned_to_v1(db: sqlite3.Connection) -> None:
    """Databases from before versioning already have version 1's layout: nothing to change."""


def _finished_instances_to_history(db: sqlite3.Connection) -> None:
    """Version 2 keeps finished instances in the ``history`` table, not among the live entities: move
    each completed or cancelled instance's summary, root variables, user tasks and incidents there."""
    from xietong.engine.state import history
    from xietong.engine.state.entities import Incident, ProcessInstanceSummary, UserTask, decode_json

    for statement in history.SCHEMA.split(";"):  # not executescript: it would end the migration's transaction
        if statement.strip():
            db.execute(statement)  # CREATE … IF NOT EXISTS: the store may have made it already
    finished: dict[int, ProcessInstanceSummary] = {}
    doomed: list[tuple[int]] = []
    for row_id, value in db.execute("SELECT id, value FROM state WHERE kind = 'pi'").fetchall():
        summary = ProcessInstanceSummary.from_row(value)
        if summary.state != "ACTIVE":
            finished[summary.key] = summary
            doomed.append((row_id,))
    if not finished:
        return
    tasks: dict[int, list[UserTask]] = {}
    incidents: dict[int, list[Incident]] = {}
    for row_id, kind, value in db.execute("SELECT id, kind, value FROM state WHERE kind IN ('ut', 'inc')"):
        if kind == "ut":
            task = UserTask.from_row(value)
            if task.pi_key in finished:
                tasks.setdefault(task.pi_key, []).append(task)
                doomed.append((row_id,))
        else:
            incident = Incident.from_row(value)
            if incident.pi_key in finished:
                incidents.setdefault(incident.pi_key, []).append(incident)
                doomed.append((row_id,))
    rows = []
    for key, summary in finished.items():
        variables_row = db.execute("SELECT id, value FROM state WHERE kind = 'var' AND id >> 4 = ?", (key,))
        variables = {}
        for row_id, value in variables_row:
            variables = decode_json(value)
            doomed.append((row_id,))
        rows.append(
            history.FinishedInstance(summary, variables, tasks.get(key, []), incidents.get(key, [])).to_row()
        )
    history.write(db, rows)
    db.executemany("DELETE FROM state WHERE id = ?", doomed)


def _forms_keep_deleted_versions(db: sqlite3.Connection) -> None:
    """Version 3 adds ``deleted`` to form rows (a deleted version stays, so its number is not reused);
    rows written before end one field early and read as not deleted: nothing to rewrite."""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "state, records, meta; entity rows as JSON arrays of their fields", _unversioned_to_v1),
    Migration(2, "finished instances kept in a history table", _finished_instances_to_history),
    Migration(3, "deleted form versions kept as tombstones", _forms_keep_deleted_versions),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


class SchemaError(RuntimeError):
    """The database's schema is one this engine cannot use; the message names the file and what to do."""


def read_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, path: Path, *, fresh: bool) -> int:
    """Brings ``db`` to ``SCHEMA_VERSION``; returns the version it had. A fresh database is stamped."""
    found = read_version(db)
    if fresh:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return SCHEMA_VERSION
    if found > SCHEMA_VERSION:
        raise SchemaError(
            f"{path}: written by a newer engine (schema version {found}; this engine reads up to "
            f"{SCHEMA_VERSION}). Upgrade xietong-engine, or start with another --data folder."
        )
    pending = [m for m in MIGRATIONS if m.version > found]
    if not pending:
        return found
    db.execute("BEGIN IMMEDIATE")
    try:
        for migration in pending:
            migration.apply(db)
            db.execute(f"PRAGMA user_version = {migration.version}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return found
