"""The engine database is versioned: stamped when made, migrated forward, a newer one refused, and
every stored entity's fields pinned to the schema version that reads them."""

from __future__ import annotations

import inspect
import sqlite3
from pathlib import Path

import pytest

from xietong.engine.state import entities, history
from xietong.engine.state.schema import MIGRATIONS, SCHEMA_VERSION, read_version
from xietong.engine.state.store import StorageError, Store

# Entity rows are JSON arrays of these fields, in this order (Entity.to_row). Changing a list without a
# new schema version and a migration makes existing databases unreadable or, worse, misread.
PINNED_FIELDS: dict[int, dict[str, tuple[str, ...]]] = {
    1: {
        "def": ("key", "bpmn_process_id", "version", "resource_name", "checksum", "tenant_id",
                "deployment_key", "resource", "deleted", "version_tag"),
        "ei": ("key", "pi_key", "def_key", "element_id", "scope_key", "state", "kind", "flags",
               "loop_counter", "joins", "mi_items", "mi_completed", "ref_key", "parent_ei_key"),
        "form": ("key", "form_id", "version", "resource_name", "checksum", "tenant_id", "deployment_key",
                 "resource", "version_tag"),
        "inc": ("key", "error_type", "error_message", "state", "ei_key", "pi_key", "element_id",
                "bpmn_process_id", "def_key", "created_ms", "tenant_id", "job_key"),
        "job": ("key", "type", "state", "retries", "ei_key", "pi_key", "def_key", "element_id",
                "bpmn_process_id", "version", "headers", "tenant_id", "worker", "deadline_ms", "backoff_ms",
                "error_message"),
        "msg": ("key", "name", "correlation_key", "deadline_ms", "message_id", "variables", "tenant_id",
                "correlated"),
        "pi": ("key", "bpmn_process_id", "version", "def_key", "state", "start_ms", "end_ms", "tenant_id",
               "parent_pi_key", "parent_ei_key", "correlation_key"),
        "sub": ("key", "type", "name", "correlation_key", "ei_key", "element_id", "pi_key", "bpmn_process_id",
                "tenant_id"),
        "timer": ("key", "ei_key", "element_id", "def_key", "pi_key", "due_ms", "repetitions", "interval",
                  "tenant_id"),
        "ut": ("key", "ei_key", "pi_key", "def_key", "element_id", "name", "bpmn_process_id", "version",
               "state", "assignee", "candidate_groups", "candidate_users", "due_date", "follow_up_date",
               "form_key", "priority", "created_ms", "tenant_id", "completed_ms", "external_form_reference"),
    },
}


PINNED_FIELDS[2] = PINNED_FIELDS[1]  # version 2 moved finished instances; no entity changed
PINNED_FIELDS[3] = {**PINNED_FIELDS[2], "form": (*PINNED_FIELDS[2]["form"], "deleted")}


def stored_entities() -> dict[str, tuple[str, ...]]:
    return {
        cls.KIND: cls.FIELDS
        for _, cls in inspect.getmembers(entities, inspect.isclass)
        if issubclass(cls, entities.Entity) and cls is not entities.Entity and cls.KIND
    }


def test_every_stored_entity_has_the_fields_its_schema_version_pins() -> None:
    assert SCHEMA_VERSION in PINNED_FIELDS, (
        f"schema version {SCHEMA_VERSION} has no pinned fields: add them to PINNED_FIELDS"
    )
    assert stored_entities() == PINNED_FIELDS[SCHEMA_VERSION], (
        "an entity's stored fields changed: add a Migration in xietong.engine.state.schema that rewrites "
        "the stored rows, and pin the new fields under the new schema version"
    )


def test_migrations_are_numbered_one_step_at_a_time() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_a_new_database_is_stamped_with_the_current_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "engine.db")
    store.close()
    with sqlite3.connect(tmp_path / "engine.db") as db:
        assert read_version(db) == SCHEMA_VERSION


def test_a_database_from_before_versioning_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "engine.db"
    store = Store(path)
    store.commit({("pi", 7): '[7, "p", 1, 3, "ACTIVE", 0, null, "<default>", -1, -1, ""]'}, [], {"k": "v"})
    store.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 0")
    store = Store(path)
    try:
        assert [(kind, key) for kind, key, _ in store.load_state()] == [("pi", 7)]
        assert store.load_meta()["k"] == "v"
        assert read_version(store.db) == SCHEMA_VERSION
    finally:
        store.close()


def test_a_database_written_by_a_newer_engine_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "engine.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StorageError) as caught:
        Store(path)
    assert str(caught.value) == (
        f"{path}: written by a newer engine (schema version {SCHEMA_VERSION + 1}; this engine reads up to "
        f"{SCHEMA_VERSION}). Upgrade xietong-engine, or start with another --data folder."
    )
    with sqlite3.connect(path) as db:
        assert read_version(db) == SCHEMA_VERSION + 1


def summary_row(key: int, state: str) -> str:
    return entities.ProcessInstanceSummary(
        key=key, bpmn_process_id="case", version=1, def_key=3, state=state, start_ms=0,
        end_ms=None if state == "ACTIVE" else 5_000, tenant_id="<default>", parent_pi_key=-1,
        parent_ei_key=-1, correlation_key="",
    ).to_row()


def test_version_2_moves_finished_instances_out_of_the_live_state(tmp_path: Path) -> None:
    path = tmp_path / "engine.db"
    store = Store(path)
    store.commit(
        {
            ("pi", 16): summary_row(16, "COMPLETED"),
            ("var", 16): '{"caseId": "WY-1"}',
            ("pi", 32): summary_row(32, "ACTIVE"),
            ("var", 32): '{"caseId": "WY-2"}',
        },
        [],
        {},
    )
    store.close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE history")
        db.execute("PRAGMA user_version = 1")
    store = Store(path)
    try:
        assert sorted((kind, key) for kind, key, _ in store.load_state()) == [("pi", 32), ("var", 32)]
        (value,) = store.db.execute("SELECT value FROM history WHERE process_instance_key = 16").fetchone()
        kept = history.FinishedInstance.from_value(value)
        assert (kept.summary.state, kept.variables) == ("COMPLETED", {"caseId": "WY-1"})
        assert read_version(store.db) == SCHEMA_VERSION
    finally:
        store.close()
