"""What a handler sees of a job, independent of the Zeebe client, so handlers are plain functions
tested with a real case store and no engine.

A handler reads the job's variables and headers as the task-type catalog declares them
(``xietong/task_types.py``), records what it did in the case store, and returns the output
variables. Input the model should have supplied but did not is a :class:`JobInputError` with a
message naming the task, the element and the variable or header: retrying cannot fix it, so the
worker fails the job without waiting and the engine raises an incident a person can read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog

from xietong.workers.calendar import CHINA, WorkingDayCalendar
from xietong.workers.case_store import CaseStore, Source
from xietong.workers.open_parts import OpenParts

log = structlog.get_logger("xietong.workers")
_REFERENCE = re.compile(r"=\s*(?P<path>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*")


class JobInputError(ValueError):
    """The job lacks, or has malformed, a variable or header the catalog requires."""


@dataclass(frozen=True)
class JobContext:
    job_key: int
    task_type: str
    process_instance_key: int
    bpmn_process_id: str
    element_id: str
    variables: Mapping[str, Any]
    headers: Mapping[str, str]
    store: CaseStore
    calendar: WorkingDayCalendar
    now: dt.datetime
    process_definition_key: int = 0
    #: Asks the engine whose parts of a multi-instance step are still open (None: it cannot be asked).
    open_parts: OpenParts | None = None

    def fail(self, message: str) -> JobInputError:
        return JobInputError(f"{self.task_type} at {self.bpmn_process_id}/{self.element_id}: {message}")

    def header(self, key: str) -> str:
        value = self.optional_header(key)
        if value is None:
            raise self.fail(f"task header {key!r} is missing (the catalog requires it)")
        return value

    def descriptive_header(self, key: str, required: bool = True) -> str | None:
        """A header that only describes (the acting department, the supervisor). One whose variable
        the instance lacks, or that holds an expression, is recorded as unknown with a warning:
        a label must not stop the due date or the 督办 it labels."""
        if required and key not in self.headers:
            raise self.fail(f"task header {key!r} is missing (the catalog requires it)")
        try:
            return self.optional_header(key)
        except JobInputError as error:
            log.warning("task header not resolved; recorded as unknown", header=key, reason=str(error))
            return None

    def optional_header(self, key: str) -> str | None:
        """A header's value; ``=name`` (or ``=a.b``) stands for that variable's value.

        Zeebe hands headers to workers verbatim, never evaluating them, so a model whose acting
        department depends on the case (``department = "=industryAuthority"``) relies on the
        worker to look the variable up. Only such references are resolved: any other FEEL in a
        header fails the job, naming it.
        """
        raw = self.headers.get(key)
        if raw is None or not str(raw).strip():
            return None
        text = str(raw).strip()
        if not text.startswith("="):
            return text
        reference = _REFERENCE.fullmatch(text)
        if reference is None:
            raise self.fail(
                f"task header {key!r} is the expression {text!r}: Zeebe passes headers verbatim and the "
                "workers resolve only =variable references"
            )
        value: Any = self.variables
        for part in reference["path"].split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            value = ",".join(value)
        if isinstance(value, bool) or not isinstance(value, str | int | float) or not str(value).strip():
            shown = "no value" if value is None else f"the value {value!r}"
            raise self.fail(f"task header {key!r} refers to {reference['path']!r}, which has {shown}")
        return str(value).strip()

    def int_header(self, key: str) -> int:
        text = self.header(key)
        try:
            return int(text)
        except ValueError:
            raise self.fail(f"task header {key!r} must be a whole number, got {text!r}") from None

    def list_header(self, key: str) -> list[str]:
        """Comma-separated values; the Chinese comma and 、 separate too, as designers type them."""
        items = [item.strip() for item in re.split(r"[,，、]", self.header(key))]
        return [item for item in items if item]

    def string_variable(self, name: str) -> str:
        value = self.variables.get(name)
        if not isinstance(value, str) or not value.strip():
            shown = "missing" if value is None else f"not a non-empty string ({value!r})"
            raise self.fail(f"variable {name!r} is {shown}")
        return value.strip()

    def optional_string_variable(self, name: str) -> str | None:
        if self.variables.get(name) is None:
            return None
        return self.string_variable(name)

    @property
    def case_id(self) -> str:
        return self.string_variable("caseId")

    def source(self) -> Source:
        return Source(
            job_key=self.job_key,
            process_instance_key=self.process_instance_key,
            bpmn_process_id=self.bpmn_process_id,
            mechanism_id=self.optional_header("mechanismId") or self.bpmn_process_id,
            step_id=self.optional_header("stepId") or self.element_id,
            department=self.descriptive_header("department", required=False),
        )

    def date_time_variable(self, name: str) -> dt.datetime | None:
        """A FEEL ``date and time`` as Zeebe serialises it; local times are China time."""
        value = self.variables.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"variable {name!r} must be an ISO 8601 date-time string, got {value!r}")
        return parse_date_time(value, lambda message: self.fail(f"variable {name!r}: {message}"))


def parse_date_time(text: str, error: Callable[[str], Exception]) -> dt.datetime:
    """ISO 8601 with an offset, a zone id (``…[Asia/Shanghai]``, as FEEL writes them) or neither."""
    match = re.fullmatch(r"(?P<local>[^\[]+)(?:\[(?P<zone>[^\]]+)\])?", text.strip())
    if not match:
        raise error(f"not an ISO 8601 date-time: {text!r}")
    try:
        parsed = dt.datetime.fromisoformat(match["local"])
    except ValueError:
        raise error(f"not an ISO 8601 date-time: {text!r}") from None
    if match["zone"]:
        try:
            zone = ZoneInfo(match["zone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise error(f"unknown time zone {match['zone']!r} in {text!r}") from None
        parsed = parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed.astimezone(zone)
    elif parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA)
    return parsed


def china_time(at: dt.datetime) -> str:
    """How every date-time leaves a worker: ISO 8601 with the +08:00 offset, to the second."""
    return at.astimezone(CHINA).isoformat(timespec="seconds")


Handler = Callable[[JobContext], dict[str, Any]]
