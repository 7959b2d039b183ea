"""The worker process: one pyzeebe ZeebeWorker serving every task type of the catalog.

The workers know the engine only through Zeebe's gateway protocol, so the same process serves the
embedded engine and a Camunda 8 cluster; only ``XIETONG_ZEEBE_ADDRESS`` changes.

Failures: input the model should have supplied (a :class:`JobInputError`, a bad time limit, a
calendar year without data, a case-store refusal) cannot be fixed by retrying, so the job is failed
with no retries left and the engine raises an incident at once, carrying the message. Anything
else (a database that is down) is failed with one retry fewer and a back-off, as Zeebe intends.
"""

# No ``from __future__ import annotations`` here: pyzeebe finds the job parameter of a task
# function by comparing its annotation with the Job class itself, not with the string "Job".

import asyncio
import datetime as dt
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from pyzeebe import Job, ZeebeWorker
from pyzeebe.job.job import JobController

from xietong.workers import pyzeebe_logging
from xietong.workers.calendar import WorkingDayCalendar
from xietong.workers.case_store import CaseStore, CaseStoreError
from xietong.workers.connection import open_channel
from xietong.workers.handlers import HANDLERS, JobContext, Registration, unhandled_task_types
from xietong.workers.oauth_token import BearerAuth, OAuthToken
from xietong.workers.open_parts import OpenParts, RestOpenParts
from xietong.workers.settings import WorkerSettings

log = structlog.get_logger("xietong.workers")

Clock = Callable[[], dt.datetime]


class GatewayUnreachable(RuntimeError):
    """The worker used up its connection retries (XIETONG_WORKER_MAX_CONNECTION_RETRIES)."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_permanent(error: BaseException) -> bool:
    """Errors a retry cannot fix: bad or missing input, refused by the case store."""
    return isinstance(error, ValueError | CaseStoreError)


def _case_id_of(job: Job) -> str | None:
    value = job.variables.get("caseId")
    return value if isinstance(value, str) else None


class WorkerApp:
    """Builds the ZeebeWorker with every handler and runs it until asked to stop."""

    def __init__(
        self,
        settings: WorkerSettings,
        store: CaseStore,
        calendar: WorkingDayCalendar | None = None,
        clock: Clock = _utc_now,
        open_parts: OpenParts | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.calendar = calendar or WorkingDayCalendar()
        self.clock = clock
        self.open_parts = open_parts  # default: the REST API of the settings, opened by run()
        self._worker: ZeebeWorker | None = None
        self.jobs_completed = 0  # by this app since it was made; logged when it stops
        self.jobs_failed = 0

    def build(self, channel: Any) -> ZeebeWorker:
        worker = ZeebeWorker(
            channel,
            name=self.settings.worker_name,
            request_timeout=self.settings.worker_poll_timeout_ms,
            poll_retry_delay=self.settings.worker_poll_retry_delay_s,
            exception_handler=self._on_failure,
            max_connection_retries=self.settings.worker_max_connection_retries,
        )
        for registration in HANDLERS.values():
            # Every variable is fetched: a header may name one (``=industryAuthority``), and which
            # one is only known once the job is there.
            worker.task(
                registration.task_type,
                variables_to_fetch=[],
                timeout_ms=self.settings.worker_job_timeout_ms,
                max_jobs_to_activate=self.settings.worker_max_jobs,
                max_running_jobs=self.settings.worker_max_jobs,
            )(self._task_function(registration))  # type: ignore[arg-type]  # pyzeebe's task() fixes its ParamSpec before it sees the function
        self._worker = worker
        return worker

    def _task_function(self, registration: Registration) -> Callable[[Job], Awaitable[dict[str, Any]]]:
        async def run_job(job: Job, **_fetched: Any) -> dict[str, Any]:
            context = JobContext(
                job_key=job.key,
                task_type=job.type,
                process_instance_key=job.process_instance_key,
                bpmn_process_id=job.bpmn_process_id,
                element_id=job.element_id,
                variables=job.variables,
                headers=job.custom_headers,
                store=self.store,
                calendar=self.calendar,
                now=self.clock(),
                process_definition_key=job.process_definition_key,
                open_parts=self.open_parts,
            )
            with structlog.contextvars.bound_contextvars(
                case_id=_case_id_of(job),
                process_instance_key=job.process_instance_key,
                job_key=job.key,
                task_type=job.type,
                element_id=job.element_id,
            ):
                # to_thread copies the context, so the handler's own log lines carry the case too.
                outputs = await asyncio.to_thread(registration.handle, context)
                self.jobs_completed += 1
                log.info("job completed", outputs=outputs)
            return outputs

        return run_job

    async def _on_failure(self, error: Exception, job: Job, controller: JobController) -> None:
        self.jobs_failed += 1
        message = f"{type(error).__name__}: {error}"
        with structlog.contextvars.bound_contextvars(
            case_id=_case_id_of(job), process_instance_key=job.process_instance_key, job_key=job.key
        ):
            if is_permanent(error) and self._worker is not None:
                log.error("job failed; no retry can fix it", task_type=job.type, error=message)
                await self._worker.zeebe_adapter.fail_job(
                    job_key=job.key, retries=0, message=message, retry_back_off_ms=0, variables={}
                )
            else:
                log.warning(
                    "job failed; will be retried", task_type=job.type, error=message, retries=job.retries
                )
                await controller.set_failure_status(
                    message, retry_back_off_ms=self.settings.worker_failure_backoff_ms
                )

    async def run(self, stop: asyncio.Event) -> None:
        """Works until ``stop`` is set (or the worker gives up on the gateway), then shuts down:
        pollers stop asking for jobs, running jobs finish, the channel closes."""
        pyzeebe_logging.install(self.settings.zeebe_address)
        missing = unhandled_task_types()
        if missing:
            log.error("catalog task types without a handler", task_types=missing)
        tasks_before = asyncio.all_tasks()
        oauth = OAuthToken(self.settings) if self.settings.uses_oauth else None  # one token, gRPC and REST
        rest = None if self.open_parts is not None else _rest_open_parts(self.settings, oauth)
        self.open_parts = self.open_parts or rest
        channel = open_channel(self.settings, oauth)
        worker = self.build(channel)
        log.info(
            "workers started",
            address=self.settings.zeebe_address,
            rest=self.settings.zeebe_rest_address if rest is not None else None,
            tls=self.settings.uses_tls,
            task_types=sorted(HANDLERS),
            case_store=self.store.redacted_url,
        )
        work = asyncio.create_task(worker.work())
        stopped = asyncio.create_task(stop.wait())
        lost = asyncio.create_task(_connection_lost(worker))
        try:
            await asyncio.wait({work, stopped, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            lost.cancel()
            if not work.done():
                await worker.stop()
            try:
                await work
            finally:
                await channel.close()
                if rest is not None:
                    rest.close()
                    self.open_parts = None
                if oauth is not None:
                    oauth.close()
                await _settle(asyncio.all_tasks() - tasks_before)
                log.info("workers stopped", jobs_completed=self.jobs_completed, jobs_failed=self.jobs_failed)
        if lost.done() and not lost.cancelled():
            raise GatewayUnreachable(
                f"gave up on the gateway at {self.settings.zeebe_address} after "
                f"{self.settings.worker_max_connection_retries} failed calls"
            )


def _rest_open_parts(settings: WorkerSettings, oauth: OAuthToken | None) -> RestOpenParts:
    """The REST API the 督办 and 上报 ask whose parts of a step are open, with the gateway's credentials:
    its static token, or the OAuth token the gRPC channel uses (``oauth``); and its CA."""
    token = settings.zeebe_token.get_secret_value() if settings.zeebe_token else None
    verify: str | bool = str(settings.zeebe_tls_ca) if settings.zeebe_tls_ca else True
    auth = BearerAuth(oauth) if oauth is not None else None
    return RestOpenParts(settings.zeebe_rest_address, token, verify, auth)


async def _connection_lost(worker: ZeebeWorker) -> None:
    """Returns once pyzeebe has given up on the gateway. Its pollers then stop, but ``work()`` keeps
    waiting for a stop that never comes, so without this a worker would idle silently for ever."""
    while worker.zeebe_adapter.connected:
        await asyncio.sleep(1)  # pyzeebe offers no callback for this; once a second is plenty


async def _settle(tasks: set[asyncio.Task[Any]]) -> None:
    """Lets the tasks this worker started finish: closing the channel cancels the pending long
    polls, but gRPC still needs a turn of the loop to record their status, and a loop closed
    before that warns "Task was destroyed but it is pending"."""
    others = {task for task in tasks if task is not asyncio.current_task() and not task.done()}
    if others:
        _, still_pending = await asyncio.wait(others, timeout=5)
        for task in still_pending:
            task.cancel()


async def serve(settings: WorkerSettings, store: CaseStore) -> None:
    """Runs the workers until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await WorkerApp(settings, store).run(stop)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
