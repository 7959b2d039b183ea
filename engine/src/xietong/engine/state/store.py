"""SQLite (WAL) persistence: a state table of entity rows and an append-only record log.

The processing thread is the only writer. Each batch of commands becomes one transaction (group
commit): changed entity rows are upserted, removed ones deleted, records appended, and the key
generator's position saved. Only after ``commit`` returns are the commands acknowledged.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import structlog

from xietong.engine.state import history
from xietong.engine.state.entities import decode_json, encode_json
from xietong.engine.state.record_buffer import RecordBuffer
from xietong.engine.state.schema import SchemaError, migrate

log = structlog.get_logger("xietong.engine")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
-- one row per live entity; id = key * 16 + kind code (keys only grow, so rows append at the end)
CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL);
-- the record log, appended in chunks: one row per process instance per commit; ``records`` is a JSON
-- array of [position, key, valueType, intent, timestamp, value] in log order (instance -1: not tied to one)
CREATE TABLE IF NOT EXISTS records (
  position INTEGER PRIMARY KEY,
  process_instance_key INTEGER NOT NULL,
  records TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_instance ON records (process_instance_key, position);
"""

KIND_CODES = {
    "def": 1,
    "ei": 2,
    "pi": 3,
    "job": 4,
    "inc": 5,
    "timer": 6,
    "sub": 7,
    "msg": 8,
    "ut": 9,
    "var": 10,
    "form": 11,
}


WAL_LIMIT_BYTES = 64 * 1024 * 1024  # the write-ahead log is truncated back past this size
MIN_FREE_BYTES = 1024 * 1024


def disk_full(path: Path) -> str | None:
    """'the disk … is full' when the file system holding ``path`` has (almost) no room left."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return None
    if free >= MIN_FREE_BYTES:
        return None
    return (
        f"the disk holding {path.parent} is full ({free} bytes free); free space, then start the engine again"
    )


class StorageError(RuntimeError):
    """The engine's database cannot be used (not SQLite, not the engine's, unreadable); names the file."""


class Store:
    def __init__(self, path: Path, synchronous: str = "FULL") -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(f"{path.parent}: cannot hold the engine's data ({error.strerror})") from None
        self.path = path
        try:
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise StorageError(f"{path}: cannot open the engine database ({error})") from None
        try:
            # a new database gives pages freed by history pruning back to the file system (no effect on
            # an existing one, which reuses its free pages instead)
            self.db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute(f"PRAGMA synchronous={synchronous}")
            # checkpoints (copying the WAL into the database, with an fsync) run on their own thread, so
            # the processing thread's commits never wait for them
            self.db.execute("PRAGMA wal_autocheckpoint=0")
            # after a checkpoint the WAL file is cut back to this size instead of keeping its largest
            self.db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(state)")}
            if columns and "id" not in columns:
                raise StorageError(
                    f"{path}: written by an older engine storage format; move it away to start afresh"
                )
            self.db.executescript(SCHEMA)
            self.db.executescript(history.SCHEMA)
            migrate(self.db, path, fresh=not columns)
        except SchemaError as error:
            self.db.close()
            raise StorageError(str(error)) from None
        except sqlite3.DatabaseError as error:
            self.db.close()
            full = disk_full(path)
            if full is not None:
                raise StorageError(f"{path}: cannot start: {full}") from None
            raise StorageError(f"{path}: not an engine database ({error})") from None
        except BaseException:
            self.db.close()
            raise
        self._checkpoints = _Checkpointer(path, synchronous)
        self._wal = Path(f"{path}-wal")

    def load_meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT name, value FROM meta").fetchall())

    def load_state(self) -> Iterable[tuple[str, int, str]]:
        return (
            (kind, row_id >> 4, value)
            for row_id, kind, value in self.db.execute("SELECT id, kind, value FROM state")
        )

    def commit(
        self, rows: dict[tuple[str, int], str | None], records: RecordBuffer, meta: dict[str, str]
    ) -> None:
        """One transaction: entity rows (None deletes), finished instances' history rows and records;
        all or nothing."""
        upserts = []
        deletes = []
        finished = []
        for (kind, key), value in rows.items():
            if value is None:
                deletes.append((key << 4 | KIND_CODES[kind],))
            elif kind == history.HISTORY:
                finished.append(value)
            else:
                upserts.append((key << 4 | KIND_CODES[kind], kind, value))
        db = self.db
        db.execute("BEGIN")
        try:
            if deletes:
                db.executemany("DELETE FROM state WHERE id = ?", deletes)
            if upserts:
                db.executemany("INSERT OR REPLACE INTO state (id, kind, value) VALUES (?, ?, ?)", upserts)
            if finished:
                history.write(db, finished)  # type: ignore[arg-type]
            if records:
                db.executemany(
                    "INSERT INTO records (process_instance_key, position, records) VALUES (?, ?, ?)",
                    _chunks(records),
                )
            db.executemany("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", list(meta.items()))
            db.execute("COMMIT")
        except BaseException as error:
            if db.in_transaction:  # SQLite has rolled back itself after some errors (a full disk)
                db.execute("ROLLBACK")
            full = disk_full(self.path) if isinstance(error, sqlite3.Error) else None
            if full is not None:
                raise StorageError(f"{error}; {full}") from error
            raise
        self._bound_wal()

    def _bound_wal(self) -> None:
        """The background checkpoints are passive and cannot reset a WAL that a steady stream of
        commits keeps extending; past WAL_LIMIT_BYTES the writer itself (this thread, so nothing
        waits on a lock) copies the rest into the database and truncates the WAL."""
        try:
            size = self._wal.stat().st_size
        except OSError:
            return
        if size > WAL_LIMIT_BYTES:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Never raises for a full disk: what is committed stays in the WAL and is recovered on start."""
        try:
            self._checkpoints.stop()
        except sqlite3.Error as error:
            full = disk_full(self.path)
            log.error(
                "final checkpoint failed; the WAL keeps the data and the next start recovers it",
                path=str(self.path),
                error=full or str(error),
            )
        self.db.close()


class _Checkpointer(threading.Thread):
    """Runs passive WAL checkpoints about once a second (they never block the writer)."""

    def __init__(self, path: Path, synchronous: str, interval_s: float = 1.0) -> None:
        super().__init__(name="xietong-engine-checkpoint", daemon=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._stopped = threading.Event()
        self._interval_s = interval_s
        self.start()

    def run(self) -> None:
        while not self._stopped.wait(self._interval_s):
            try:
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:  # busy or closing: the next round retries
                continue

    def stop(self) -> None:
        self._stopped.set()
        self.join()
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self._db.close()


def _chunks(records: RecordBuffer) -> list[tuple[int, int, str]]:
    """One row (and one JSON encoding) per process instance: (instance, first position, records)."""
    return [(pi, group[0][0], encode_json(group)) for pi, group in records.groups.items()]


def read_records(db: sqlite3.Connection, pi_key: int) -> list[tuple[int, int, str, str, int, Any]]:
    """The records of one process instance in log order: (position, key, valueType, intent, ts, value)."""
    rows = db.execute(
        "SELECT records FROM records WHERE process_instance_key = ? ORDER BY position", (pi_key,)
    )
    return [tuple(record) for (chunk,) in rows for record in decode_json(chunk)]


def open_read_only(path: Path) -> sqlite3.Connection:
    """A reader for ``inspect`` that never blocks or modifies a running engine's database."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
