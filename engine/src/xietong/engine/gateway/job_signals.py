"""Wakes waiting ActivateJobs calls and open job streams when jobs of their type appear.

The engine calls ``notify`` after a commit, on its own thread (then the notification is coalesced
and handed to the event loop with one ``call_soon_threadsafe``) or, when it processed an idle
command inline, on the loop's thread (then with a plain ``call_soon``); it never blocks.

Waiters of one type queue in arrival order and a notification wakes only the oldest, so ten
workers of one type do not all rush the engine for one job. A woken waiter that filled its batch
passes the signal on (``notify_local``), because more jobs may be waiting; one that leaves without
acting on its wake-up passes it on as well, so no signal is lost to a cancelled call.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field


@dataclass(eq=False)
class Waiter:
    """One waiting call; ``acted`` records that it went on to look for jobs after being woken."""

    event: asyncio.Event = field(default_factory=asyncio.Event)
    acted: bool = False

    async def wait(self, timeout: float | None) -> bool:
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
        except TimeoutError:
            return False
        self.acted = True
        return True


class JobSignals:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._waiters: dict[str, deque[Waiter]] = {}
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._scheduled = False
        self.closed = False

    def close(self) -> None:
        """Shutdown: wake every waiter so long polls answer (empty) and streams end at once."""
        self.closed = True
        for queue in self._waiters.values():
            for waiter in queue:
                waiter.event.set()

    def notify(self, job_type: str) -> None:
        """Engine (its thread or the loop's): jobs of ``job_type`` may have become activatable."""
        if threading.get_ident() == self._loop_thread:
            self._pending.add(job_type)
            if not self._scheduled:
                self._scheduled = True
                self._loop.call_soon(self._deliver)
            return
        with self._lock:
            self._pending.add(job_type)
            if self._scheduled:
                return
            self._scheduled = True
        with suppress(RuntimeError):  # the loop is closed: the gateway is shutting down
            self._loop.call_soon_threadsafe(self._deliver)

    def notify_local(self, job_type: str) -> None:
        """Event loop: wake the next waiter of ``job_type``, if any."""
        queue = self._waiters.get(job_type)
        while queue:
            waiter = queue.popleft()
            if not waiter.event.is_set():
                waiter.event.set()
                return

    def waiting(self, job_type: str) -> int:
        return len(self._waiters.get(job_type, ()))

    @contextmanager
    def watch(self, job_type: str, event: asyncio.Event | None = None) -> Iterator[Waiter]:
        """Register before looking for jobs, so a job created in between still wakes us; ``event``:
        one the caller also sets for other reasons (a job stream's pushes)."""
        waiter = Waiter() if event is None else Waiter(event)
        self._waiters.setdefault(job_type, deque()).append(waiter)
        try:
            yield waiter
        finally:
            queue = self._waiters.get(job_type)
            if queue is not None:
                if waiter in queue:
                    queue.remove(waiter)
                if not queue:
                    del self._waiters[job_type]
            if waiter.event.is_set() and not waiter.acted:
                self.notify_local(job_type)

    def _deliver(self) -> None:
        with self._lock:
            job_types, self._pending = self._pending, set()
            self._scheduled = False
        for job_type in job_types:
            self.notify_local(job_type)
