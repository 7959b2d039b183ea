"""Retention: a finished instance leaves the runtime state at once; its history is searchable for the
retention period and then deleted in the background (time moved through the engine's clock)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

from xietong.engine import Clock, Engine
from xietong.engine.commands import CancelProcessInstance, CompleteUserTask
from xietong.engine.settings import EngineSettings
from xietong.engine.state.history import FinishedInstance
from xietong.engine.testing import Harness, bpmn, chain, one_task

SERVICE = bpmn(one_task("work"))
USER_TASK = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:userTask id="review" name="审核"><bpmn:extensionElements>'
    '<zeebe:userTask/><zeebe:assignmentDefinition candidateGroups="城管局"/>'
    '</bpmn:extensionElements></bpmn:userTask><bpmn:endEvent id="e"/>' + chain("s", "review", "e"),
    process_id="u",
)


def _runtime_rows(engine: Engine) -> dict[str, int]:
    db = sqlite3.connect(engine.data_dir / "engine.db")
    try:
        return dict(
            db.execute("SELECT kind, count(*) FROM state WHERE kind != 'def' GROUP BY kind").fetchall()
        )
    finally:
        db.close()


def _history_rows(engine: Engine) -> tuple[int, int]:
    db = sqlite3.connect(engine.data_dir / "engine.db")
    try:
        history = db.execute("SELECT count(*) FROM history").fetchone()[0]
        records = db.execute("SELECT count(*) FROM records WHERE process_instance_key != -1").fetchone()[0]
        return history, records
    finally:
        db.close()


def _in_memory(engine: Engine) -> dict[str, int]:
    def read(p: object) -> dict[str, int]:
        state = p.state  # type: ignore[attr-defined]
        return {kind: len(table) for kind, table in state.tables.items() if kind != "def" and table}

    return engine.query(read)


def test_a_completed_instance_leaves_memory_and_runtime_tables_at_once(h: Harness) -> None:
    h.deploy(SERVICE)
    h.deploy(USER_TASK, "u.bpmn")
    pi = h.start(variables={"caseId": "A-1"})
    assert _in_memory(h.engine)  # waiting on its job
    h.complete("work", {"done": True})
    pu = h.start("u")
    (task,) = h.engine.queries.search_user_tasks(process_instance_key=pu)
    h.engine.execute(CompleteUserTask(task.user_task_key))

    assert _in_memory(h.engine) == {}
    assert _runtime_rows(h.engine) == {}
    # the history answers the console's questions about finished cases
    assert h.state(pi) == "COMPLETED" and h.variables(pi) == {"caseId": "A-1", "done": True}
    assert [v.process_instance_key for v in h.engine.queries.search_process_instances(state="COMPLETED")] == [
        pi,
        pu,
    ]
    assert h.engine.queries.search_process_instances(state="ACTIVE") == []
    (done,) = h.engine.queries.search_user_tasks(state="COMPLETED")
    assert done.user_task_key == task.user_task_key and done.candidate_groups == ("城管局",)
    assert h.engine.queries.get_user_task(task.user_task_key).state == "COMPLETED"
    assert "JOB:COMPLETED:t" in h.intents(pi)
    history, records = _history_rows(h.engine)
    assert history == 2 and records > 0


def test_a_cancelled_instance_leaves_too_and_keeps_its_cancelled_task_in_the_history(h: Harness) -> None:
    h.deploy(USER_TASK, "u.bpmn")
    pi = h.start("u")
    h.engine.execute(CancelProcessInstance(pi))
    assert _in_memory(h.engine) == {} and _runtime_rows(h.engine) == {}
    assert h.state(pi) == "TERMINATED"
    (task,) = h.engine.queries.search_user_tasks(process_instance_key=pi)
    assert task.state == "CANCELED"


def test_history_is_kept_for_the_retention_then_deleted_in_the_background(h: Harness, clock: Clock) -> None:
    h.deploy(SERVICE)
    keys = [h.start(variables={"n": n}) for n in range(5)]
    for _ in keys:
        h.complete("work")
    running = h.start()
    pruned = threading.Event()
    h.engine.add_prune_listener(lambda count: pruned.set())

    clock.add(timedelta(days=29))  # within the default 30 days: everything is still there
    assert h.engine.prune_history() == 0
    assert [
        v.process_instance_key for v in h.engine.queries.search_process_instances(state="COMPLETED")
    ] == keys

    clock.add(timedelta(days=2))  # past it: the engine deletes the history by itself
    assert pruned.wait(10), "the background pruning never ran"
    assert h.engine.queries.search_process_instances(state="COMPLETED") == []
    assert h.engine.queries.get_process_instance(keys[0]) is None
    assert h.engine.queries.records(keys[0]) == []
    assert _history_rows(h.engine)[0] == 0
    # the running instance keeps its records and state however old it is
    assert h.state(running) == "ACTIVE" and h.engine.queries.records(running)


def test_pruning_goes_in_small_batches(tmp_path: Path, clock: Clock) -> None:
    settings = EngineSettings(history_retention=timedelta(hours=1))
    with Engine(tmp_path / "data", clock=clock, settings=settings) as engine:
        h = Harness(engine)
        h.deploy(SERVICE)
        for _ in range(450):
            h.start()
            h.complete("work")
        steps: list[int] = []
        stepped = threading.Event()

        def on_pruned(count: int) -> None:
            steps.append(count)
            stepped.set()

        engine.add_prune_listener(on_pruned)
        clock.add(timedelta(hours=2))
        while sum(steps) < 450:
            assert stepped.wait(10), f"pruning stalled after {steps}"
            stepped.clear()
        assert len(steps) >= 3 and max(steps) <= 200  # several short transactions, not one long one
        assert _history_rows(engine) == (0, 0)


def test_instances_finished_under_an_older_engine_move_to_the_history_on_start(
    tmp_path: Path, clock: Clock
) -> None:
    data = tmp_path / "data"
    with Engine(data, clock=clock) as engine:
        h = Harness(engine)
        h.deploy(SERVICE)
        pi = h.start(variables={"x": 1})
        h.complete("work")
    # what an engine without retention left behind: the summary and root variables in the state table
    db = sqlite3.connect(data / "engine.db")
    entry = FinishedInstance.from_value(db.execute("SELECT value FROM history").fetchone()[0])
    with db:
        db.execute("DELETE FROM history")
        db.execute("INSERT INTO state VALUES (?, 'pi', ?)", (pi << 4 | 3, entry.summary.to_row()))
        db.execute("INSERT INTO state VALUES (?, 'var', ?)", (pi << 4 | 10, '{"x":1}'))
    db.close()
    with Engine(data, clock=clock) as engine:
        engine.query(lambda p: None)  # a batch: the old rows are retired at its end
        assert _in_memory(engine) == {} and _runtime_rows(engine) == {}
        assert engine.queries.get_process_instance(pi).state == "COMPLETED"
        assert engine.queries.variables(pi) == {"x": 1}
