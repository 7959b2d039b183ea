"""The embedded engine: one processing thread, group commit to SQLite, futures resolved after commit.

Like one Zeebe partition: commands queue up, a single writer applies them in order against the
in-memory state, and every batch is committed in one SQLite transaction before any of its commands
is acknowledged. On start the state is loaded back and whatever came due while down fires at once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar, cast

import structlog

from xietong.engine.clock import Clock
from xietong.engine.collector import CollectorPolicy
from xietong.engine.errors import EngineError, ResourceExhausted, Unavailable
from xietong.engine.job_push import JobPush, JobStream
from xietong.engine.keys import KeyGenerator
from xietong.engine.processing.command_handlers import DEFERRED
from xietong.engine.processing.processor import Processor
from xietong.engine.queries import Queries
from xietong.engine.settings import EngineSettings
from xietong.engine.state import history
from xietong.engine.state.record_buffer import RecordBuffer
from xietong.engine.state.state import State
from xietong.engine.state.store import Store
from xietong.engine.storable_text import check_command_text
from xietong.engine.watchdog import Watchdog

log = structlog.get_logger("xietong.engine")
# The longest the engine thread sleeps at once: a due time centuries ahead (or a stored one that
# threading cannot wait for, past ~292 years) is then just looked at again later.
MAX_WAIT_S = 3600.0

# An engine that processed a batch less than this long ago is busy: its next command goes to the
# engine thread, where the commands arriving meanwhile join it in one batch (a burst of 32 job
# completions after one activation is then one commit, not 32). At idle, a 10-task instance's steps
# come ~2 ms apart and each is taken inline on the gateway's loop.
QUIET_BEFORE_INLINE_S = 0.001

_TICK = object()
_T = TypeVar("_T")


class _Query:
    """A read executed on the processing thread, so it sees a consistent state."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Processor], Any]) -> None:
        self.fn = fn


class Engine:
    def __init__(
        self, data_dir: Path, *, clock: Clock | None = None, settings: EngineSettings | None = None
    ) -> None:
        self.data_dir = Path(data_dir)
        self.clock = clock or Clock()
        self.settings = settings or EngineSettings()
        self._queue: deque[tuple[Any, Future[Any] | None]] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # where an idle engine processes inline
        self._loop_thread = 0
        self._inline_scheduled = False
        self._last_step_s = 0.0  # when the last batch ended (monotonic)
        self._thread_due_ms: int | None = None  # the due time the sleeping engine thread will wake for
        self._step_lock = threading.Lock()  # one batch at a time, on the engine thread or the loop's
        self._stopping = False
        self._running = False
        self._listeners: list[Callable[[str], None]] = []
        self._processor: Processor | None = None
        self._store: Store | None = None
        self._failure: BaseException | None = None
        self._failure_listeners: list[Callable[[BaseException], None]] = []
        self._prune_listeners: list[Callable[[int], None]] = []
        self._pruned_at = 0.0  # monotonic time and engine time of the last look for expired history
        self._pruned_clock_ms = 0
        self._prune_more = False  # the last step deleted a full batch: more is waiting
        self._collector = CollectorPolicy()
        self._push = JobPush()
        self.queries = Queries(self.query, lambda: self._store)
        self.watchdog = Watchdog(self.settings.watchdog_seconds)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> Engine:
        """Processing runs on the engine's thread; given ``loop`` (the gateway's), an idle engine
        processes a command submitted on that loop right there.

        At idle that saves the two thread wake-ups of a hand-off per command (a 10-task round trip
        through gRPC is a fifth shorter); under load the engine thread is busy committing, commands
        queue up meanwhile and it takes them as one batch, as before (figures in docs/engine.md).
        """
        if self._running:
            return self
        store = Store(self.data_dir / "engine.db", self.settings.synchronous)
        meta = store.load_meta()
        state = State()
        state.load(store.load_state())
        self._collector.after_load()  # the loaded state is frozen: full collections never walk it
        keys = KeyGenerator(int(meta.get("next_key", "1")))
        self._processor = Processor(state, keys, int(meta.get("position", "0")))
        self._store = store
        self._stopping = False
        self._running = True
        self.clock.subscribe(self._on_clock)
        if loop is not None:
            self._loop, self._loop_thread = loop, threading.get_ident()
        self._thread = threading.Thread(target=self._run_guarded, name="xietong-engine", daemon=True)
        self._thread.start()
        self.watchdog.start()
        log.info(
            "engine started",
            data_dir=str(self.data_dir),
            instances=sum(1 for s in state.instances.values() if s.state == "ACTIVE"),
        )
        return self

    def close(self) -> None:
        if not self._running:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join()
        self.clock.unsubscribe(self._on_clock)
        self.watchdog.stop()
        self._running = False
        if self._processor is not None:  # await-result requests die with the engine, as in Zeebe
            for waiting in self._processor.awaiting.values():
                for future, _ in waiting:
                    if not future.done():
                        future.set_exception(
                            ResourceExhausted("the engine stopped before the instance completed")
                        )
            self._processor.awaiting.clear()
        if self._store is not None:
            self._store.close()
        log.info("engine stopped", data_dir=str(self.data_dir))

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- API -----------------------------------------------------------------------------------
    def submit(self, command: Any) -> Future[Any]:
        check_command_text(command)  # INVALID_ARGUMENT naming the field, before anything is queued
        future: Future[Any] = Future()
        if not self._running or self._stopping:
            future.set_exception(
                Unavailable(f"the engine stopped after a storage failure: {self._failure}")
                if self._failure is not None
                else ResourceExhausted("the engine is not running")
            )
            return future
        with self._cond:
            if len(self._queue) >= self.settings.queue_limit:
                future.set_exception(
                    ResourceExhausted(
                        f"the engine's command queue is full ({self.settings.queue_limit}); retry later"
                    )
                )
                return future
            self._queue.append((command, future))
            idle = len(self._queue) == 1
            inline = (
                idle
                and self._loop is not None
                and threading.get_ident() == self._loop_thread
                and time.monotonic() - self._last_step_s > QUIET_BEFORE_INLINE_S
            )
            if idle and not inline:
                self._cond.notify()
        if inline:
            self._schedule_inline()
        return future

    def execute(self, command: Any, timeout: float | None = None) -> Any:
        return self._wait(self.submit(command), timeout)

    def query(self, fn: Callable[[Processor], _T], timeout: float | None = 30) -> _T:
        return cast("_T", self._wait(self.submit(_Query(fn)), timeout))

    def _wait(self, future: Future[_T], timeout: float | None) -> _T:
        if self._loop is not None and threading.get_ident() == self._loop_thread:
            with self._cond:  # the step scheduled on the loop cannot run while the loop waits here
                self._cond.notify()
        return future.result(timeout)

    @property
    def failure(self) -> BaseException | None:
        """Why the engine stopped processing (a storage failure), or None while it is healthy."""
        return self._failure

    @property
    def healthy(self) -> bool:
        """Neither failed nor held past the watchdog's bound by one batch (what health reports)."""
        return self._failure is None and self.watchdog.stalled() is None

    def add_failure_listener(self, callback: Callable[[BaseException], None]) -> None:
        """Called once, on the engine's thread, when a storage failure stops the engine."""
        self._failure_listeners.append(callback)

    def add_prune_listener(self, callback: Callable[[int], None]) -> None:
        """Called on the engine's thread after a background step deleted expired history (with the count)."""
        self._prune_listeners.append(callback)

    def prune_history(self, limit: int = 200) -> int:
        """Delete one batch of history older than the retention now (on the engine thread); the count."""
        return self.query(lambda p: self._prune_step(limit))

    @property
    def queued(self) -> int:
        """Commands waiting for the engine thread: 0 when it is idle (the gateway batches only under load)."""
        return len(self._queue)

    def settled(self) -> Future[None]:
        """Resolved once everything submitted before it has been processed and committed."""
        return self.submit(_Query(lambda p: None))

    def add_job_stream(self, stream: JobStream) -> None:
        """Jobs of the stream's type are activated for it (in turn with other streams) when created."""
        self._push.add(stream)

    def remove_job_stream(self, stream: JobStream) -> None:
        self._push.remove(stream)

    def add_job_listener(self, callback: Callable[[str], None]) -> None:
        self._listeners.append(callback)

    def remove_job_listener(self, callback: Callable[[str], None]) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def _on_clock(self) -> None:
        with self._cond:
            self._queue.append((_TICK, None))
            self._cond.notify()

    # -- inline processing on the gateway's loop -------------------------------------------------
    def _schedule_inline(self) -> None:
        if not self._inline_scheduled:
            self._inline_scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._inline_step)

    def _inline_step(self) -> None:
        """Process what is queued here if the engine thread is idle; if it is busy, it takes the queue
        after its batch (woken here in case it has just gone to sleep)."""
        self._inline_scheduled = False
        due = None
        if self._step_lock.acquire(blocking=False):
            try:
                batch = self._take_batch()
                if batch and self._failure is None and self._step(batch, housekeeping=False):
                    assert self._loop is not None  # background work once the answers are on their way
                    self._loop.call_soon(self._inline_housekeeping)
                if self._processor is not None:  # read under the lock: the thread may be processing next
                    due = self._processor.state.next_due_ms()
            except BaseException as err:  # as on the engine thread: never a silently stuck engine
                log.exception("engine processing failed; the engine accepts no more commands")
                self._stop_failed(err)
            finally:
                self._step_lock.release()
        sleeping_until = self._thread_due_ms
        if self._queue or (due is not None and (sleeping_until is None or due < sleeping_until)):
            with self._cond:  # more to do, or a timer due before the thread would wake: its turn
                self._cond.notify()

    def _inline_housekeeping(self) -> None:
        if self._failure is None and self._step_lock.acquire(blocking=False):  # else the thread does it
            try:
                self._housekeeping()
            except Exception:
                log.exception("background work after a batch failed")
            finally:
                self._step_lock.release()

    def _take_batch(self) -> list[tuple[Any, Future[Any] | None]]:
        with self._cond:
            return [self._queue.popleft() for _ in range(min(self.settings.max_batch, len(self._queue)))]

    # -- processing thread ---------------------------------------------------------------------
    def _wait_timeout(self) -> float | None:
        assert self._processor is not None
        if self._prune_more:
            return 0.01  # expired history is waiting: come back for it while nothing else is to do
        due = self._thread_due_ms = self._processor.state.next_due_ms()
        if due is None:
            return None if self.clock.is_pinned else 60.0  # look for expired history now and then
        remaining = (due - self.clock.now_ms()) / 1000
        if self.clock.is_pinned and remaining > 0:
            return None  # only pin/add moves a pinned clock, and they wake us
        return min(max(remaining, 0.0), MAX_WAIT_S)

    def _run_guarded(self) -> None:
        """The engine thread: an error outside a command's own handling is never a silent dead thread."""
        try:
            self._run()
        except BaseException as err:
            log.exception("engine thread failed; the engine accepts no more commands")
            self._stop_failed(err)

    def _stop_failed(self, err: BaseException) -> None:
        self._failure = err
        self._stopping = True
        self._fail_pending(err)
        for listener in list(self._failure_listeners):
            try:
                listener(err)
            except Exception:
                log.exception("failure listener failed")

    def _run(self) -> None:
        first = True
        while True:
            with self._cond:
                while not self._queue and not self._stopping and not first:
                    timeout = self._wait_timeout()
                    if timeout == 0.0:
                        break
                    self._cond.wait(timeout)
                    if timeout is not None and not self._queue:
                        break
                first = False
            with self._step_lock:  # the batch is taken under the lock, so batches keep their order
                batch = self._take_batch()
                stopping = self._stopping and not self._queue
                if not self._step(batch):
                    return
            if stopping:
                self._fail_pending(None)
                return

    def _step(self, batch: list[tuple[Any, Future[Any] | None]], housekeeping: bool = True) -> bool:
        """One batch processed and committed, then background work; False after a storage failure."""
        self.watchdog.begin(batch)
        try:
            self._process(batch)
        except BaseException as err:  # storage failure: nothing more can be acknowledged
            log.error("engine stopped after a storage failure", error=str(err))
            stopped = Unavailable(f"the engine stopped after a storage failure: {err}")
            for _, future in batch:
                if future is not None and not future.done():
                    future.set_exception(stopped)
            self._stop_failed(err)
            return False
        self.watchdog.end()
        self._last_step_s = time.monotonic()
        if housekeeping:
            self._housekeeping()
        return True

    def _housekeeping(self) -> None:
        self._prune_in_background()
        self._collector.between_batches(idle=not self._queue)

    def _prune_in_background(self) -> None:
        """Retention: one small step of deleting expired history when nothing is queued (or at least once
        a second under constant load), never more than one step between two batches of commands."""
        now = time.monotonic()
        busy = bool(self._queue)
        elapsed = now - self._pruned_at
        if busy and elapsed < 1.0:
            return
        if not self._prune_more and elapsed < 1.0 and self.clock.now_ms() - self._pruned_clock_ms < 1000:
            return  # looked less than a second ago (by either clock) and found nothing more
        try:
            deleted = self._prune_step(200)
        except Exception:  # never fatal: the next step retries
            log.exception("pruning the history failed")
            deleted = 0
        if deleted:
            for listener in list(self._prune_listeners):
                try:
                    listener(deleted)
                except Exception:
                    log.exception("prune listener failed")

    def _prune_step(self, limit: int) -> int:
        assert self._store is not None
        self._pruned_at = time.monotonic()
        self._pruned_clock_ms = self.clock.now_ms()
        cutoff = self._pruned_clock_ms - int(self.settings.history_retention.total_seconds() * 1000)
        deleted = history.prune(self._store.db, cutoff, limit)
        self._prune_more = deleted >= limit
        if deleted:
            history.release_free_pages(self._store.db)
        return deleted

    def _tick(self, p: Processor, rows: dict[tuple[str, int], str | None]) -> Processor:
        """Fire what came due; a bug while doing so is logged and its partial changes discarded."""
        records_mark, position_mark = len(p.records), p.position
        try:
            p.commands.tick()
        except Exception:
            log.exception("firing due timers failed; their partial changes are discarded")
            p.records.truncate(records_mark)
            p.position = position_mark
            return self._reload(p, rows)
        p.state.flush(rows)
        return p

    def _reload(self, broken: Processor, rows: dict[tuple[str, int], str | None]) -> Processor:
        """After a processing bug: rebuild the state from what is committed plus the batch's earlier commands,
        so the failed command leaves nothing half-done behind."""
        assert self._store is not None
        merged: dict[tuple[str, int], str | None] = {
            (kind, key): value for kind, key, value in self._store.load_state()
        }
        merged.update(rows)
        state = State()
        state.load((kind, key, value) for (kind, key), value in merged.items() if value is not None)
        fresh = Processor(state, broken.keys, broken.position)
        fresh.records = broken.records
        fresh.models = broken.models
        fresh.awaiting = broken.awaiting
        fresh.after_commit = broken.after_commit
        fresh.notify_types = broken.notify_types
        self._processor = fresh
        return fresh

    def _fail_pending(self, err: BaseException | None) -> None:
        with self._cond:
            pending = list(self._queue)
            self._queue.clear()
        for _, future in pending:
            if future is not None and not future.done():
                future.set_exception(
                    ResourceExhausted("the engine is shutting down")
                    if err is None
                    else Unavailable(f"the engine stopped after a storage failure: {err}")
                )

    def _process(self, batch: list[tuple[Any, Future[Any] | None]]) -> None:
        p = self._processor
        store = self._store
        assert p is not None and store is not None
        rows: dict[tuple[str, int], str | None] = {}  # changed rows of the batch, per command
        p.now_ms = self.clock.now_ms()
        p = self._tick(p, rows)
        answers: list[tuple[Future[Any] | None, Any, bool]] = []  # no future: a tick
        for command, future in batch:
            p.now_ms = self.clock.now_ms()
            if command is _TICK:
                p = self._tick(p, rows)
                continue
            if isinstance(command, _Query):
                try:
                    answers.append((future, command.fn(p), True))
                except Exception as err:  # a failing read only fails its caller
                    answers.append((future, err, False))
                continue
            records_mark, position_mark = len(p.records), p.position
            try:
                result = p.commands.process(command, future)
                p.drain()
                changed: dict[tuple[str, int], str | None] = {}
                p.state.flush(changed)  # may fail on a value that cannot be stored: then as a bug
                rows.update(changed)
            except EngineError as err:  # rejected before anything changed
                p.followups.clear()
                answers.append((future, err, False))
                continue
            except Exception as err:
                log.exception(
                    "command failed; its partial changes are discarded", command=type(command).__name__
                )
                p.records.truncate(records_mark)
                p.position = position_mark
                p = self._reload(p, rows)
                answers.append(
                    (future, EngineError(f"internal error processing {type(command).__name__}: {err}"), False)
                )
                continue
            if result is not DEFERRED:
                answers.append((future, result, True))
        pushed = self._push.activate(p, p.notify_types) if p.notify_types else []
        if pushed:  # activated for open streams in this batch, committed with it (Zeebe's job push)
            p.state.flush(rows)
        if rows or p.records:
            store.commit(rows, p.records, {"next_key": str(p.keys.next_n), "position": str(p.position)})
            p.state.history_committed()
            p.records = RecordBuffer()
        if pushed:  # the next job on its way to a worker before the answer that made it
            self._push.deliver(pushed)
        for future, value, ok in answers:
            if future is None or future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        callbacks, p.after_commit = p.after_commit, []
        for callback in callbacks:
            callback()
        if p.notify_types:
            types, p.notify_types = p.notify_types, set()
            for job_type in types:
                for listener in list(self._listeners):
                    try:
                        listener(job_type)
                    except Exception:
                        log.exception("job listener failed", job_type=job_type)
