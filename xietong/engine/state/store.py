"""SQLite (WAL) persistence: a state table of entity rows and an append-only record log.

The processing thread is the only writer. Each batch of commands becomes one transaction (group
commit): changed entity rows are upserted, removed ones deleted, records appended, and the key
generator's position saved. Only after ``commit`` returns are the commands acknowledged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from xietong.engine.state.entities import encode_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (
  kind TEXT NOT NULL, key INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
  position INTEGER PRIMARY KEY,
  process_instance_key INTEGER NOT NULL,
  key INTEGER NOT NULL,
  value_type TEXT NOT NULL,
  intent TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_instance ON records (process_instance_key, position);
"""

Record = tuple[int, int, int, str, str, int, dict[str, Any]]


class Store:
    def __init__(self, path: Path, synchronous: str = "FULL") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={synchronous}")
        self.db.execute("PRAGMA wal_autocheckpoint=4000")  # fewer, larger checkpoints under load
        self.db.executescript(SCHEMA)

    def load_meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT name, value FROM meta").fetchall())

    def load_state(self) -> Iterable[tuple[str, int, str]]:
        return self.db.execute("SELECT kind, key, value FROM state")

    def commit(
        self, rows: dict[tuple[str, int], str | None], records: list[Record], meta: dict[str, str]
    ) -> None:
        """One transaction: entity rows (None deletes) and records; all or nothing."""
        upserts = [(kind, key, value) for (kind, key), value in rows.items() if value is not None]
        deletes = [ident for ident, value in rows.items() if value is None]
        db = self.db
        db.execute("BEGIN")
        try:
            if deletes:
                db.executemany("DELETE FROM state WHERE kind = ? AND key = ?", deletes)
            if upserts:
                db.executemany("INSERT OR REPLACE INTO state (kind, key, value) VALUES (?, ?, ?)", upserts)
            if records:
                db.executemany(
                    "INSERT INTO records (position, process_instance_key, key, value_type, intent, "
                    "timestamp, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(p, pi, k, vt, it, ts, encode_json(v)) for p, pi, k, vt, it, ts, v in records],
                )
            db.executemany("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", list(meta.items()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()


def open_read_only(path: Path) -> sqlite3.Connection:
    """A reader for ``inspect`` that never blocks or modifies a running engine's database."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
