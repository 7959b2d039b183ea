"""How the gateway's event loop hands commands to the engine and gets their results back.

An idle engine processes a command on the gateway's loop (``Engine.start(loop=…)``), so its result
arrives on the loop's thread and resolves the waiter at once. A busy engine resolves each command's
future on its own thread; handing every resolution to the loop on its own (``asyncio.wrap_future``)
costs a self-pipe write, a loop wake-up and two chained futures per command, so those resolutions
are queued and the loop is woken once per engine batch.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from contextlib import suppress
from functools import partial
from typing import Any

from xietong.engine import errors


class EngineClient:
    """Submits commands to the engine from the event loop, refusing work beyond a queue limit."""

    def __init__(self, engine: Any, max_inflight: int) -> None:
        self.engine = engine
        self._max_inflight = max_inflight
        self._inflight = 0
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._lock = threading.Lock()
        self._resolved: list[tuple[asyncio.Future[Any], Future[Any]]] = []
        self._delivery_scheduled = False

    async def call(self, command: Any) -> Any:
        if self._inflight >= self._max_inflight:
            raise errors.ResourceExhausted(
                f"Expected to handle the request, but the gateway has {self._inflight} commands in flight "
                "(back-pressure); retry later"
            )
        waiter: asyncio.Future[Any] = self._loop.create_future()
        # a caller that gives up (deadline, cancelled stream) cancels only ``waiter``: the command
        # itself is already the engine's, which processes it and resolves its own future regardless
        self.engine.submit(command).add_done_callback(partial(self._on_engine_result, waiter))
        self._inflight += 1
        try:
            return await waiter
        finally:
            self._inflight -= 1

    def _on_engine_result(self, waiter: asyncio.Future[Any], result: Future[Any]) -> None:
        """On the loop: resolve now. Engine thread: queue it, wake the loop once per batch."""
        if threading.get_ident() == self._loop_thread:
            _resolve(waiter, result)
            return
        with self._lock:
            self._resolved.append((waiter, result))
            if self._delivery_scheduled:
                return
            self._delivery_scheduled = True
        with suppress(RuntimeError):  # the loop is closed: the gateway has stopped, nobody waits
            self._loop.call_soon_threadsafe(self._deliver)

    def _deliver(self) -> None:
        with self._lock:
            resolved, self._resolved = self._resolved, []
            self._delivery_scheduled = False
        for waiter, result in resolved:
            _resolve(waiter, result)


def _resolve(waiter: asyncio.Future[Any], result: Future[Any]) -> None:
    if waiter.done():
        return
    if result.cancelled():
        waiter.cancel()
    elif (error := result.exception()) is not None:
        waiter.set_exception(error)
    else:
        waiter.set_result(result.result())
