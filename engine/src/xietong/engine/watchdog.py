"""Reports a batch of commands that keeps the engine's thread longer than a bound.

The engine has one processing thread (like a Zeebe partition); a command that runs away stops
every client. The watchdog cannot stop it, but it makes it visible: a warning in the log naming
the commands and for how long, health NOT_SERVING while it lasts (the gateway listens), and an
info line when the thread is free again. ``XIETONG_ENGINE_WATCHDOG_SECONDS`` sets the bound.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import structlog

log = structlog.get_logger("xietong.engine")


class Watchdog:
    def __init__(self, bound_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.bound_s = bound_s
        self._clock = clock
        self._started: float | None = None
        self._batch: tuple[str, ...] = ()
        self._reported = False
        self._listeners: list[Callable[[str | None], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- called by the engine thread (cheap: two assignments) --------------------------------------
    def begin(self, batch: list[tuple[Any, Any]]) -> None:
        self._batch = tuple(type(command).__name__ for command, _ in batch[:5])
        self._started = self._clock()

    def end(self) -> None:
        self._started = None
        if self._reported:
            self._reported = False
            log.info("engine thread free again", commands=list(self._batch))
            self._notify(None)

    # -- the watchdog's own thread -----------------------------------------------------------------
    def add_listener(self, callback: Callable[[str | None], None]) -> None:
        """``callback(problem)`` with a description when a batch overruns, None when it is over."""
        self._listeners.append(callback)

    def stalled(self) -> str | None:
        """The overrun now, described, or None."""
        started = self._started
        if started is None:
            return None
        running = self._clock() - started
        if running <= self.bound_s:
            return None
        return (
            f"the engine thread has been processing {', '.join(self._batch) or 'a batch'} for "
            f"{running:.0f} s (bound {self.bound_s:g} s)"
        )

    def check(self) -> None:
        problem = self.stalled()
        if problem is not None and not self._reported:
            self._reported = True
            log.warning("engine command running too long", problem=problem)
            self._notify(problem)

    def _notify(self, problem: str | None) -> None:
        for listener in list(self._listeners):
            try:
                listener(problem)
            except Exception:
                log.exception("watchdog listener failed")

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="xietong-engine-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _watch(self) -> None:
        interval = min(1.0, self.bound_s / 4)
        while not self._stop.wait(interval):
            self.check()
