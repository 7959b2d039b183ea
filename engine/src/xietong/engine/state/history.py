"""What the engine keeps of finished instances: one history row each, plus their records, for a while.

Like Zeebe, a completed or cancelled instance leaves the runtime state (memory and the ``state``
table) in the batch it ends in; what a supervisor still searches — the instance summary, its root
variables, its user tasks and incidents — is written to the ``history`` table in the same
transaction, and its record log stays. Both are deleted once they are older than the retention
(``XIETONG_ENGINE_HISTORY_RETENTION``), a few hundred instances per step, in the engine's idle
moments, so pruning never holds up commands; freed pages go back to the file system by incremental
vacuum so the database stops growing once retention has caught up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from xietong.engine.state.entities import (
    Incident,
    ProcessInstanceSummary,
    UserTask,
    decode_json,
    encode_json,
)

HISTORY = "hist"  # the row kind ``State.flush`` hands to the store for the history table

SCHEMA = """
-- one row per finished process instance: [summary row, root variables, user task rows, incident rows]
CREATE TABLE IF NOT EXISTS history (
  process_instance_key INTEGER PRIMARY KEY,
  end_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  bpmn_process_id TEXT NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_by_end ON history (end_ms);
CREATE INDEX IF NOT EXISTS history_by_process ON history (bpmn_process_id, state);
"""

INSERT = (
    "INSERT OR REPLACE INTO history (process_instance_key, end_ms, state, bpmn_process_id, value) "
    "VALUES (?, ?, ?, ?, ?)"
)


@dataclass(slots=True)
class FinishedInstance:
    """A finished instance as the history keeps it (and as queries read it back)."""

    summary: ProcessInstanceSummary
    variables: dict[str, Any]
    user_tasks: list[UserTask]
    incidents: list[Incident]

    def to_row(self) -> tuple[int, int, str, str, str]:
        s = self.summary
        value = "[%s,%s,[%s],[%s]]" % (  # noqa: UP031 — rows are already JSON text
            s.to_row(),
            encode_json(self.variables),
            ",".join(t.to_row() for t in self.user_tasks),
            ",".join(i.to_row() for i in self.incidents),
        )
        return (s.key, s.end_ms or 0, s.state, s.bpmn_process_id, value)

    @classmethod
    def from_value(cls, text: str) -> FinishedInstance:
        summary, variables, tasks, incidents = decode_json(text)
        return cls(
            ProcessInstanceSummary.from_row(encode_json(summary)),
            variables,
            [UserTask.from_row(encode_json(t)) for t in tasks],
            [Incident.from_row(encode_json(i)) for i in incidents],
        )


def write(db: sqlite3.Connection, rows: Iterable[tuple[int, int, str, str, str]]) -> None:
    db.executemany(INSERT, rows)


def get(db: sqlite3.Connection, pi_key: int) -> FinishedInstance | None:
    row = db.execute("SELECT value FROM history WHERE process_instance_key = ?", (pi_key,)).fetchone()
    return FinishedInstance.from_value(row[0]) if row is not None else None


def search(
    db: sqlite3.Connection, state: str | None = None, bpmn_process_id: str | None = None
) -> list[FinishedInstance]:
    """Finished instances in key order, filtered in SQL on the indexed columns."""
    where, args = [], []
    if state is not None:
        where.append("state = ?")
        args.append(state)
    if bpmn_process_id is not None:
        where.append("bpmn_process_id = ?")
        args.append(bpmn_process_id)
    sql = "SELECT value FROM history"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = db.execute(sql + " ORDER BY process_instance_key", args)
    return [FinishedInstance.from_value(value) for (value,) in rows]


def prune(db: sqlite3.Connection, cutoff_ms: int, limit: int = 200) -> int:
    """Delete up to ``limit`` instances that ended before ``cutoff_ms`` with their records, then old
    chunks of records tied to no instance up to the same limit; one short transaction. Returns how
    many instances and chunks went."""
    keys = [
        (key,)
        for (key,) in db.execute(
            "SELECT process_instance_key FROM history WHERE end_ms < ? ORDER BY end_ms LIMIT ?",
            (cutoff_ms, limit),
        )
    ]
    loose = [
        (position,)
        for position, ts in db.execute(
            "SELECT position, json_extract(records, '$[0][4]') FROM records "
            "WHERE process_instance_key = -1 ORDER BY position LIMIT ?",
            (limit - len(keys),),
        )
        if ts is not None and ts < cutoff_ms
    ]
    if not keys and not loose:
        return 0
    db.execute("BEGIN")
    try:
        db.executemany("DELETE FROM records WHERE process_instance_key = ?", keys)
        db.executemany("DELETE FROM history WHERE process_instance_key = ?", keys)
        db.executemany("DELETE FROM records WHERE position = ?", loose)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return len(keys) + len(loose)


def release_free_pages(db: sqlite3.Connection, max_pages: int = 2048) -> None:
    """Give a bounded number of free pages back to the file system (auto_vacuum=INCREMENTAL databases);
    only when a good share of the file is free, so a steady state reuses pages instead."""
    if db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
        return
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    total = db.execute("PRAGMA page_count").fetchone()[0]
    if free > 1024 and free * 4 > total:
        db.execute(f"PRAGMA incremental_vacuum({max_pages})").fetchall()
