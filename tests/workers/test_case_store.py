"""The case store on a real SQLite file, and on PostgreSQL when one is configured."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest

from xietong.workers.calendar import CHINA
from xietong.workers.case_store import (
    SCHEMA_VERSION,
    CaseStatus,
    CaseStore,
    CaseStoreError,
    EventKind,
    Source,
)
from xietong.workers.settings import CaseStoreSettings

AT = dt.datetime(2025, 9, 30, 10, 15, tzinfo=CHINA)


def source(job_key: int, step: str = "register", department: str = "县综合指挥调度中心") -> Source:
    model = "siyang_joint_enforcement"
    return Source(job_key, 2251799813685250, model, model, step, department)


def test_migrations_are_idempotent(store_url: str) -> None:
    with CaseStore(store_url) as first:
        assert first.schema_version() == SCHEMA_VERSION
        assert first.migrate() == []
    with CaseStore(store_url) as second:  # reopening an up-to-date store applies nothing
        assert second.migrate() == []
        assert second.schema_version() == SCHEMA_VERSION


def test_register_assigns_sequential_ids_per_mechanism_and_day(store: CaseStore) -> None:
    first, _ = store.register(None, "siyang_joint_enforcement", source(1), AT, {})
    second, _ = store.register(None, "siyang_joint_enforcement", source(2), AT, {})
    other, _ = store.register(None, "wuyi_case_transfer", source(3), AT, {})
    next_day, _ = store.register(None, "siyang_joint_enforcement", source(4), AT + dt.timedelta(days=1), {})
    assert first.case_id == "siyang_joint_enforcement-20250930-0001"
    assert second.case_id == "siyang_joint_enforcement-20250930-0002"
    assert other.case_id == "wuyi_case_transfer-20250930-0001"
    assert next_day.case_id == "siyang_joint_enforcement-20251001-0001"
    assert first.status is CaseStatus.OPEN
    assert first.opened_at == AT
    assert first.process_instance_key == 2251799813685250


def test_case_id_day_is_the_day_in_china() -> None:
    late_utc = dt.datetime(2025, 9, 30, 17, 0, tzinfo=dt.UTC)  # already 1 Oct in China
    with CaseStore("sqlite:///:memory:") as store:
        case, _ = store.register(None, "m", source(1), late_utc, {})
    assert case.case_id == "m-20251001-0001"


def test_redelivered_registration_returns_the_first_case(store: CaseStore) -> None:
    case, event = store.register(None, "siyang_joint_enforcement", source(7), AT, {"n": 1})
    again, again_event = store.register(None, "siyang_joint_enforcement", source(7), AT, {"n": 2})
    assert again.case_id == case.case_id
    assert again_event.id == event.id
    assert again_event.detail == {"n": 1}
    assert [e.kind for e in store.events(case.case_id)] == [EventKind.REGISTERED]


def test_given_case_id_is_kept(store: CaseStore) -> None:
    case, event = store.register("12345-2025-000817", "siyang_joint_enforcement", source(1), AT, {})
    assert case.case_id == "12345-2025-000817"
    assert event.case_id == case.case_id


def test_events_in_order_with_details(store: CaseStore) -> None:
    case, _ = store.register(None, "siyang_joint_enforcement", source(1), AT, {})
    store.record(
        case.case_id,
        EventKind.ORDER_SENT,
        source(2, "joint_order", "泗阳县市场监督管理局"),
        AT + dt.timedelta(minutes=5),
        {"to": "泗阳县公安局", "orderId": "X-1"},
    )
    store.record(
        case.case_id,
        EventKind.SUPERVISED,
        source(3, "report_results"),
        AT + dt.timedelta(days=8),
        {"supervisor": "泗阳县综合指挥调度中心", "level": 1},
    )
    events = store.events(case.case_id)
    assert [e.kind for e in events] == [EventKind.REGISTERED, EventKind.ORDER_SENT, EventKind.SUPERVISED]
    assert events[1].detail == {"to": "泗阳县公安局", "orderId": "X-1"}
    assert events[1].department == "泗阳县市场监督管理局"
    assert events[1].step_id == "joint_order"
    assert events[1].at == AT + dt.timedelta(minutes=5)
    assert events[2].detail["level"] == 1


def test_recording_is_idempotent_per_job_and_kind(store: CaseStore) -> None:
    first = store.record("C-1", EventKind.DISPATCHED, source(9), AT, {"to": "A"})
    again = store.record("C-1", EventKind.DISPATCHED, source(9), AT + dt.timedelta(hours=1), {"to": "B"})
    assert again.id == first.id
    assert again.detail == {"to": "A"}
    assert len(store.events("C-1")) == 1


def test_first_event_of_an_unregistered_case_opens_it(store: CaseStore) -> None:
    store.record("SY-1", EventKind.SUPERVISED, source(5), AT, {})
    case = store.get("SY-1")
    assert case is not None
    assert case.status is CaseStatus.OPEN
    assert case.mechanism_id == "siyang_joint_enforcement"
    assert [c.case_id for c in store.cases(CaseStatus.OPEN)] == ["SY-1"]


def test_archive_closes_the_case_once(store: CaseStore) -> None:
    case, _ = store.register("C-9", "m", source(1), AT, {})
    closed, _ = store.archive(case.case_id, source(2), AT + dt.timedelta(days=2), {})
    assert closed.status is CaseStatus.ARCHIVED
    assert closed.closed_at == AT + dt.timedelta(days=2)
    again, _ = store.archive(case.case_id, source(3), AT + dt.timedelta(days=3), {})
    assert again.closed_at == AT + dt.timedelta(days=2)
    assert store.cases(CaseStatus.OPEN) == []
    assert [c.case_id for c in store.cases(CaseStatus.ARCHIVED)] == ["C-9"]


def test_registering_an_archived_case_id_again_is_refused(store: CaseStore) -> None:
    store.register("C-9", "m", source(1), AT, {})
    store.archive("C-9", source(2), AT, {})
    with pytest.raises(CaseStoreError, match="'C-9' was archived"):
        store.register("C-9", "m", source(3), AT, {})


def test_failed_transaction_leaves_nothing_half_written(store: CaseStore) -> None:
    with pytest.raises(TypeError):
        store.register("C-2", "m", source(1), AT, {"bad": object()})  # detail not JSON: fails mid-way
    assert store.get("C-2") is None
    assert store.events("C-2") == []


def test_register_and_record_reject_misuse(store: CaseStore) -> None:
    with pytest.raises(CaseStoreError, match="non-empty"):
        store.record("", EventKind.NOTIFIED, source(1), AT, {})
    with pytest.raises(CaseStoreError, match="archive"):
        store.record("C-1", EventKind.ARCHIVED, source(1), AT, {})
    with pytest.raises(ValueError, match="no UTC offset"):
        store.record("C-1", EventKind.NOTIFIED, source(1), dt.datetime(2025, 1, 1), {})


def test_concurrent_registrations_get_distinct_ids(store_url: str) -> None:
    with CaseStore(store_url) as store:
        ids: list[str] = []
        lock = threading.Lock()

        def register(n: int) -> None:
            case, _ = store.register(None, "m", source(100 + n), AT, {})
            with lock:
                ids.append(case.case_id)

        threads = [threading.Thread(target=register, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(ids) == [f"m-20250930-{n:04d}" for n in range(1, 9)]


def test_two_processes_share_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    with CaseStore(url) as one, CaseStore(url) as two:
        a, _ = one.register(None, "m", source(1), AT, {})
        b, _ = two.register(None, "m", source(2), AT, {})
        assert {a.case_id, b.case_id} == {"m-20250930-0001", "m-20250930-0002"}
        assert two.get(a.case_id) == a
    rows = sqlite3.connect(tmp_path / "cases.db").execute("SELECT version FROM schema_migrations").fetchall()
    assert rows == [(SCHEMA_VERSION,)]


def test_settings_read_the_url_and_reject_unknown_schemes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XIETONG_CASE_STORE_URL", "sqlite:///var/cases.db")
    assert CaseStoreSettings().url == "sqlite:///var/cases.db"
    monkeypatch.setenv("XIETONG_CASE_STORE_URL", "mysql://localhost/cases")
    with pytest.raises(ValueError, match="XIETONG_CASE_STORE_URL"):
        CaseStoreSettings()


def test_postgres_store_reconnects_after_the_server_drops_it(postgres_url: str) -> None:
    import psycopg

    from xietong.workers.case_store import APPLICATION_NAME

    with CaseStore(postgres_url) as store:
        store.record("C-1", EventKind.NOTIFIED, source(1), AT, {})
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND datname = current_database()",
                (APPLICATION_NAME,),
            ).fetchall()
        assert killed == [(True,)]
        with pytest.raises(psycopg.OperationalError):
            store.record("C-1", EventKind.NOTIFIED, source(2), AT, {})  # the job meeting the drop fails
        store.record("C-1", EventKind.NOTIFIED, source(2), AT, {})  # its retry reconnects
        assert [e.job_key for e in store.events("C-1")] == [1, 2]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://xt:s3cret@db:5432/cases", "postgresql://xt:***@db:5432/cases"),
        (
            "postgresql://db/cases?sslmode=require&password=s3cret",
            "postgresql://db/cases?sslmode=require&password=***",
        ),
        ("postgresql://xt@db/cases", "postgresql://xt@db/cases"),
        ("sqlite:////var/lib/xietong/cases.db", "sqlite:////var/lib/xietong/cases.db"),
    ],
)
def test_logged_urls_hide_passwords(url: str, shown: str) -> None:
    from xietong.workers.case_store import redact_url

    assert redact_url(url) == shown


def test_a_store_from_a_newer_version_is_refused(store_url: str) -> None:
    # As a later xietong's migration would leave the store:
    with CaseStore(store_url) as store, store._db.transaction() as tx:
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (SCHEMA_VERSION + 1, "from the future", "2030-01-01T00:00:00.000000+00:00"),
        )
    with pytest.raises(CaseStoreError, match=f"schema version {SCHEMA_VERSION + 1}, newer than"):
        CaseStore(store_url)


def test_summaries_count_the_urging_per_case(store: CaseStore) -> None:
    store.register("C-1", "m", source(1), AT, {})
    store.record("C-1", EventKind.SUPERVISED, source(2), AT + dt.timedelta(days=2), {"level": 1})
    store.record("C-1", EventKind.SUPERVISED, source(3), AT + dt.timedelta(days=3), {"level": 1})
    store.record("C-1", EventKind.ESCALATED, source(4), AT + dt.timedelta(days=4), {"level": 2})
    store.register("C-2", "m", source(5), AT + dt.timedelta(hours=1), {})
    store.archive("C-2", source(6), AT + dt.timedelta(days=1), {})
    first, second = store.summaries()
    assert (first.case.case_id, first.events, first.supervised, first.escalated) == ("C-1", 4, 2, 1)
    assert (first.last_kind, first.last_at) == (EventKind.ESCALATED, AT + dt.timedelta(days=4))
    assert (second.case.case_id, second.supervised, second.last_kind) == ("C-2", 0, EventKind.ARCHIVED)
    assert [s.case.case_id for s in store.summaries(CaseStatus.OPEN)] == ["C-1"]
