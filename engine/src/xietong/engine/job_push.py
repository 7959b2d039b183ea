"""Job push: a job created for a type with open streams is activated for one of them in the batch that
created it, and handed to that stream once the batch is committed (Zeebe's job push).

Streams of a type take turns (round-robin, one job at a time). A stream that says it cannot take
more (its client stopped reading and its buffer is full, or it is closing) is skipped; when no stream
of the type can take a job, the job stays activatable for ActivateJobs and long polls (the fallback),
and the skipped stream is told so that it polls itself once it drains. A job pushed to a stream that
never delivers it is not lost: it times out like any activated job and becomes activatable again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from xietong.engine import commands as c
from xietong.engine.errors import EngineError

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor

log = structlog.get_logger("xietong.engine")


@dataclass(eq=False)
class JobStream:
    """One open job stream. ``ready`` and ``push`` are called by the engine (on its thread or the gateway's
    loop) and must not block:
    ``ready`` says whether the stream takes jobs now, ``push`` hands it jobs already activated for it."""

    type: str
    worker: str
    timeout_ms: int
    push: Callable[[tuple[c.ActivatedJob, ...]], None]
    ready: Callable[[], bool]
    fetch_variables: tuple[str, ...] = ()
    tenant_ids: tuple[str, ...] = (c.DEFAULT_TENANT,)
    skipped: bool = False  # a job was left for polling while this stream was not ready
    _command: c.ActivateJobs | None = field(default=None, repr=False)

    def command(self, max_jobs: int = 1) -> c.ActivateJobs:
        if self._command is None or self._command.max_jobs_to_activate != max_jobs:
            self._command = c.ActivateJobs(
                self.type, self.worker, self.timeout_ms, max_jobs, self.fetch_variables, self.tenant_ids
            )
        return self._command


class JobPush:
    """The open streams per job type; activation by the engine (its thread or, idle, the loop's),
    registration from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: dict[str, list[JobStream]] = {}
        self._turn: dict[str, int] = {}

    def add(self, stream: JobStream) -> None:
        stream.command()  # validated once, here, rather than per job
        with self._lock:
            self._streams[stream.type] = [*self._streams.get(stream.type, ()), stream]

    def remove(self, stream: JobStream) -> None:
        with self._lock:
            remaining = [s for s in self._streams.get(stream.type, ()) if s is not stream]
            if remaining:
                self._streams[stream.type] = remaining
            else:
                self._streams.pop(stream.type, None)

    def activate(self, p: Processor, types: set[str]) -> list[tuple[JobStream, list[c.ActivatedJob]]]:
        """Before the commit: activate the activatable jobs of ``types`` for their streams, in turn.
        Types whose jobs all went to streams are taken out of ``types`` (nobody needs to poll)."""
        pushed: dict[int, tuple[JobStream, list[c.ActivatedJob]]] = {}
        for job_type in list(types):
            streams: Sequence[JobStream] = self._streams.get(job_type, ())
            if not streams:
                continue
            listed = p.state.activatable.get(job_type)
            # each turn takes an even share of what is waiting: one job each when streams outnumber jobs,
            # everything in one activation for a lone stream
            share = -(-len(listed) // len(streams)) if listed else 1
            turn = self._turn.get(job_type, 0)
            idle = 0  # streams in a row that took nothing
            while listed and idle < len(streams):
                stream = streams[turn % len(streams)]
                turn += 1
                if not stream.ready():
                    stream.skipped = True
                    idle += 1
                    continue
                try:
                    jobs = p.commands.process(stream.command(share), None)
                except EngineError as error:  # a stream the engine refuses (its own ActivateJobs fails too)
                    log.warning("job stream refused", type=job_type, worker=stream.worker, reason=str(error))
                    streams = [s for s in streams if s is not stream]
                    self.remove(stream)
                    if not streams:
                        break
                    continue
                if not jobs:  # none of its tenants' jobs are waiting
                    idle += 1
                    continue
                idle = 0
                pushed.setdefault(id(stream), (stream, []))[1].extend(jobs)
            self._turn[job_type] = turn
            if not listed:
                types.discard(job_type)
        return list(pushed.values())

    @staticmethod
    def deliver(pushed: list[tuple[JobStream, list[Any]]]) -> None:
        """After the commit: hand each stream its jobs."""
        for stream, jobs in pushed:
            try:
                stream.push(tuple(jobs))
            except Exception:  # the jobs time out and come back
                log.exception("pushing jobs to a stream failed", type=stream.type, worker=stream.worker)
