"""The worker app on its own event loop in a background thread.

For programs that are not asyncio themselves (the demo, tests, benchmarks) but want the real
workers in-process, next to code that drives the engine synchronously. Stopping it is what SIGTERM
does to ``xietong workers run``: the pollers stop, jobs in hand finish, the channel closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType

from xietong.workers.app import WorkerApp


class BackgroundWorkers:
    """Runs ``app`` from construction until :meth:`stop`; what the app raised is raised there."""

    def __init__(self, app: WorkerApp, stop_timeout_s: float = 60.0) -> None:
        self.app = app
        self._stop_timeout_s = stop_timeout_s
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="xietong-workers", daemon=True)
        self._thread.start()

    def _main(self) -> None:
        try:
            self._loop.run_until_complete(self.app.run(self._stop))
        except BaseException as error:  # handed to the caller by wait()
            self._error = error
        finally:
            self._loop.close()

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):  # the app already returned and closed its loop
            self._loop.call_soon_threadsafe(self._stop.set)
        self.wait()

    def wait(self) -> None:
        """Waits for the app to return (by itself, or after stop()); re-raises what it raised."""
        self._thread.join(timeout=self._stop_timeout_s)
        if self._thread.is_alive():
            raise TimeoutError(f"the workers did not stop within {self._stop_timeout_s} s")
        if self._error is not None:
            raise self._error

    def __enter__(self) -> BackgroundWorkers:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
