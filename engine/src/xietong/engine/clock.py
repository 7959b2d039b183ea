"""The engine's clock: real time by default, pinned or shifted by tests and drills.

Every engine decision about time (timer due dates, job deadlines, message TTL) reads this clock, so
tests move time forward instead of sleeping. Moving it notifies the engine, which processes what
came due before any command submitted afterwards.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock:
    """``now()`` is real UTC time plus an offset, or a pinned instant."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pinned: datetime | None = None
        self._offset = timedelta(0)
        self._offset_ms = 0
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        pinned = self._pinned
        if pinned is not None:
            return pinned
        return datetime.now(UTC) + self._offset

    def now_ms(self) -> int:
        pinned = self._pinned
        if pinned is not None:
            return int(pinned.timestamp() * 1000)
        return time.time_ns() // 1_000_000 + self._offset_ms  # read once per command: no datetime

    def pin(self, instant: datetime) -> None:
        """Stop time at ``instant`` (aware); it moves only with ``add``/``pin`` until ``reset``."""
        if instant.tzinfo is None:
            raise ValueError("Clock.pin needs an aware datetime (e.g. datetime(..., tzinfo=UTC))")
        with self._lock:
            self._pinned = instant.astimezone(UTC)
        self._changed()

    def add(self, delta: timedelta) -> None:
        """Move time forward (pinned or not); the engine then fires everything that came due."""
        with self._lock:
            if self._pinned is not None:
                self._pinned = self._pinned + delta
            else:
                self._offset = self._offset + delta
                self._offset_ms = self._offset // timedelta(milliseconds=1)
        self._changed()

    def reset(self) -> None:
        with self._lock:
            self._pinned = None
            self._offset = timedelta(0)
            self._offset_ms = 0
        self._changed()

    @property
    def is_pinned(self) -> bool:
        return self._pinned is not None

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()
