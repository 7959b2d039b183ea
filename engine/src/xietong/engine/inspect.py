"""``xietong engine inspect``: what a supervisor needs to see, read straight from the data file.

Reads the SQLite file read-only, so it works while the engine runs (WAL) and after a crash.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from xietong.engine.state.entities import ENTITY_KINDS
from xietong.engine.state.history import FinishedInstance
from xietong.engine.state.store import StorageError, open_read_only, read_records

CHINA = ZoneInfo("Asia/Shanghai")
TIME_NOTE = "times in Asia/Shanghai (北京时间), engine clock"


def _time(ms: int | None) -> str:
    """China time, as every other view shows it; the header of each view says so once."""
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


class Snapshot:
    """The committed state, decoded per kind."""

    def __init__(self, data_dir: Path) -> None:
        path = data_dir / "engine.db"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no engine data here (expected engine.db)")
        self.db = open_read_only(path)
        self.tables: dict[str, dict[int, Any]] = {kind: {} for kind in ENTITY_KINDS}
        self.variables: dict[int, dict[str, Any]] = {}
        try:
            rows = self.db.execute("SELECT id, kind, value FROM state").fetchall()
        except sqlite3.DatabaseError as error:  # not SQLite, or SQLite without the engine's tables
            self.db.close()
            raise StorageError(f"{path}: not an engine database ({error})") from None
        for row_id, kind, value in rows:
            key = row_id >> 4
            if kind == "var":
                self.variables[key] = json.loads(value)
            elif kind in ENTITY_KINDS:
                self.tables[kind][key] = ENTITY_KINDS[kind].from_row(value)
        self._load_history()

    def _load_history(self) -> None:
        """Finished instances kept for the retention (``history`` table; absent in older databases)."""
        try:
            rows = self.db.execute("SELECT value FROM history").fetchall()
        except sqlite3.OperationalError:
            return
        for (value,) in rows:
            entry = FinishedInstance.from_value(value)
            self.tables["pi"][entry.summary.key] = entry.summary
            self.variables[entry.summary.key] = entry.variables
            for task in entry.user_tasks:
                self.tables["ut"][task.key] = task
            for incident in entry.incidents:
                self.tables["inc"][incident.key] = incident

    def records(self, pi_key: int) -> list[tuple[Any, ...]]:
        return read_records(self.db, pi_key)

    def instances_created_with_case_id(self, case_id: str) -> list[int]:
        """Finished instances leave the runtime state; their record log still names the case id."""
        needle = json.dumps(case_id, ensure_ascii=False)
        found = set()
        rows = self.db.execute(
            "SELECT DISTINCT process_instance_key FROM records WHERE records LIKE ? ESCAPE '\\'",
            ("%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
        )
        for (pi_key,) in rows:
            for _, key, value_type, _, _, value in read_records(self.db, pi_key):
                if value_type == "VARIABLE" and key == pi_key and value.get("name") == "caseId" \
                        and value.get("value") == case_id:
                    found.add(pi_key)
        return sorted(found)


def overview(snapshot: Snapshot, state: str | None = None, limit: int = 50) -> list[str]:
    """Counts, then the newest ``limit`` instances (optionally only those in ``state``)."""
    instances = sorted(snapshot.tables["pi"].values(), key=lambda s: s.key)
    incidents = [i for i in snapshot.tables["inc"].values() if i.state == "ACTIVE"]
    with_incident = {i.pi_key for i in incidents}
    active = [s for s in instances if s.state == "ACTIVE"]
    lines = [
        f"Process definitions: {len(snapshot.tables['def'])}   instances: {len(instances)} "
        f"(active {len(active)})   open incidents: {len(incidents)}   open user tasks: "
        f"{sum(1 for t in snapshot.tables['ut'].values() if t.state == 'CREATED')}",
        "",
        f"({TIME_NOTE})",
        f"{'INSTANCE':<20} {'PROCESS':<28} {'VER':>3} {'STATE':<11} {'STARTED':<19} {'ENDED':<19} INCIDENT",
    ]
    shown = [s for s in instances if state is None or s.state == state.upper()][-limit:] if limit else []
    for s in shown:
        lines.append(
            f"{s.key:<20} {s.bpmn_process_id[:28]:<28} {s.version:>3} {s.state:<11} {_time(s.start_ms):<19} "
            f"{_time(s.end_ms):<19} {'yes' if s.key in with_incident else ''}"
        )
    return lines


def element_names(snapshot: Snapshot, def_key: int) -> dict[str, str]:
    """' 「name」' per element id of a process version, for people who know the diagram, not the ids."""
    definition = snapshot.tables["def"].get(def_key)
    if definition is None:
        return {}
    from xietong.engine.model import parse_resource

    processes, _ = parse_resource(definition.resource_name, definition.resource.encode())
    for process in processes:
        if process.id == definition.bpmn_process_id:
            return {eid: f" 「{e.name}」" for eid, e in process.elements.items() if e.name}
    return {}


def find_instance(snapshot: Snapshot, reference: str) -> int:
    """A process instance key, or a case id (the ``caseId`` variable the case was started with)."""
    if reference.isascii() and reference.isdigit():
        return int(reference)
    matches = sorted(
        key
        for key in snapshot.tables["pi"]
        if snapshot.variables.get(key, {}).get("caseId") == reference
    ) or snapshot.instances_created_with_case_id(reference)
    if not matches:
        raise KeyError(f"no process instance with key or case id {reference!r}")
    return matches[-1]  # the newest, if a case id was reused


def instance_detail(snapshot: Snapshot, pi_key: int) -> list[str]:
    summary = snapshot.tables["pi"].get(pi_key)
    if summary is None:
        history = record_log(snapshot, pi_key)
        if not history:
            raise KeyError(f"no process instance with key {pi_key}")
        return [
            f"Instance {pi_key}: finished; its runtime state is released, its record log is kept "
            f"({TIME_NOTE})",
            "",
            "Record log:",
            *history,
        ]
    lines = [
        f"Instance {pi_key}: {summary.bpmn_process_id} v{summary.version} — {summary.state}",
        f"  started {_time(summary.start_ms)}   ended {_time(summary.end_ms)}   ({TIME_NOTE})",
    ]
    if summary.parent_pi_key != -1:
        lines.append(f"  called by instance {summary.parent_pi_key}")
    elements = sorted((e for e in snapshot.tables["ei"].values() if e.pi_key == pi_key), key=lambda e: e.key)
    names = element_names(snapshot, summary.def_key)
    lines += ["", "Active elements:"]
    lines += [
        f"  {e.key}  {e.element_id}{names.get(e.element_id, '')}  ({e.kind}, {e.state})"
        for e in elements
        if e.kind != "process"
    ] or ["  (none)"]
    lines += ["", "Variables:"]
    scopes = [pi_key] + [e.key for e in elements if e.kind != "process"]
    for scope in scopes:
        for name, value in sorted(snapshot.variables.get(scope, {}).items()):
            where = "" if scope == pi_key else f"  [local to {scope}]"
            lines.append(f"  {name} = {json.dumps(value, ensure_ascii=False)}{where}")
    jobs = [j for j in snapshot.tables["job"].values() if j.pi_key == pi_key]
    if jobs:
        lines += ["", "Jobs:"]
        lines += [f"  {j.key}  {j.type} at {j.element_id}: {j.state}, retries {j.retries}" for j in jobs]
    tasks = [t for t in snapshot.tables["ut"].values() if t.pi_key == pi_key]
    if tasks:
        lines += ["", "User tasks:"]
        for t in tasks:
            lines.append(
                f"  {t.key}  {t.element_id} {t.name}: {t.state}, assignee {t.assignee or '-'}, "
                f"groups {','.join(t.candidate_groups) or '-'}, due {t.due_date or '-'}"
            )
    incidents = [i for i in snapshot.tables["inc"].values() if i.pi_key == pi_key]
    lines += ["", "Incidents:"]
    lines += [
        f"  {i.key}  {i.state} {i.error_type} at {i.element_id}: {i.error_message}" for i in incidents
    ] or ["  (none)"]
    return [*lines, "", "Record log:", *record_log(snapshot, pi_key)]


def record_log(snapshot: Snapshot, pi_key: int) -> list[str]:
    lines = []
    for position, key, value_type, intent, ts, detail in snapshot.records(pi_key):
        element = detail.get("elementId") or detail.get("name") or detail.get("messageName") or ""
        if value_type == "VARIABLE":
            element = f"{element} = {json.dumps(detail.get('value'), ensure_ascii=False)[:60]}"
        elif value_type == "INCIDENT" and intent == "CREATED":
            element = f"{element}: {detail.get('errorType')} {detail.get('errorMessage', '')[:80]}"
        lines.append(f"  {position:>8} {_time(ts)} {value_type:<28} {intent:<22} {element} ({key})")
    return lines
