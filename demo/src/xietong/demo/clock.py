"""The workers' "now" in the demo: the story's pinned engine clock while the story runs, real time after.

The story pins the engine's clock and moves it past deadlines; the workers must read the same time or
their due dates and 督办 drift from the engine's timers. With ``--serve`` the engine keeps running after
the story, its clock reset to real time (``POST /v2/clock/reset``, Camunda 8.8), and the workers must
follow it there too: a case started then is registered, timed and urged on today's date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from xietong.engine.gateway.local_server import LocalServer, LocalServerError, PinnedClock


class StoryTime:
    """A worker clock that follows ``pinned`` until :meth:`back_to_real_time`, then reads real time."""

    def __init__(self, pinned: PinnedClock, real: Callable[[], dt.datetime] | None = None) -> None:
        self._pinned: PinnedClock | None = pinned
        self._real = real or (lambda: dt.datetime.now(dt.UTC))

    def __call__(self) -> dt.datetime:
        return self._pinned() if self._pinned is not None else self._real()

    @property
    def pinned(self) -> bool:
        return self._pinned is not None

    def back_to_real_time(self, server: LocalServer) -> None:
        """Resets the engine's clock (an admin's call) and lets the workers read real time from then on."""
        response = server.rest.post("/v2/clock/reset")
        if response.status_code != 204:
            raise LocalServerError(f"POST /v2/clock/reset answered {response.status_code}: {response.text}")
        self._pinned = None
