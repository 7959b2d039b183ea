"""``gateway_protocol.Gateway`` served over gRPC on top of the in-process engine.

Each RPC turns its request into one engine command, awaits the command's future (resolved after
the effects are durable) and turns the result back into Zeebe's response message. What a Zeebe
gateway adds on top of its broker lives here too: long polling for ActivateJobs, job streams,
the request timeout of CreateProcessInstanceWithResult, request validation with Zeebe's messages,
and back-pressure when too many commands are waiting.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import grpc
import structlog
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc

from xietong.engine import commands as cmd
from xietong.engine import errors
from xietong.engine.commands import DEFAULT_TENANT
from xietong.engine.gateway.engine_client import EngineClient
from xietong.engine.gateway.job_signals import JobSignals
from xietong.engine.gateway.method_handlers import UndecodableRequest
from xietong.engine.gateway.settings import GatewaySettings
from xietong.engine.gateway.status import status_for
from xietong.engine.gateway.variables import dump_variables, parse_variables
from xietong.engine.identity.audit import audited
from xietong.engine.job_push import JobStream

log = structlog.get_logger("xietong.gateway")

STREAM_BATCH = 8  # jobs a stream takes per engine call; small so several streams of a type share work
STREAM_BUFFER = 32  # pushes (engine batches) held for a client that is not reading; then it takes none
T = TypeVar("T")


def tenant(tenant_id: str, rpc: str) -> str:
    """Multi-tenancy is disabled, as on a default Zeebe cluster: only the default tenant exists."""
    if tenant_id in ("", DEFAULT_TENANT):
        return DEFAULT_TENANT
    raise errors.InvalidArgument(
        f"Expected to handle gRPC request {rpc} with tenant identifier '{tenant_id}', "
        "but multi-tenancy is disabled"
    )


def tenants(tenant_ids: Any, rpc: str) -> tuple[str, ...]:
    for tenant_id in tenant_ids:
        tenant(tenant_id, rpc)
    return (DEFAULT_TENANT,)


def _unary(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Engine errors become the gRPC status Zeebe would send, with its message: a rejected command's
    reason behind ``Command '<INTENT>' rejected with code '<TYPE>': `` as Zeebe's GrpcErrorMapper puts it."""

    @functools.wraps(method)
    async def wrapper(self: GatewayService, request: Any, context: grpc.aio.ServicerContext) -> T:
        if isinstance(request, UndecodableRequest):
            await context.abort(grpc.StatusCode.INTERNAL, request.detail)
        try:
            return await method(self, request, context)
        except errors.EngineError as error:
            log.debug("rpc rejected", rpc=method.__name__, code=status_for(error).name, reason=str(error))
            await context.abort(status_for(error), errors.gateway_message(error))
        raise AssertionError("unreachable: abort raises")

    return wrapper


def _streaming(method: Callable[..., AsyncIterator[T]]) -> Callable[..., AsyncIterator[T]]:
    @functools.wraps(method)
    async def wrapper(
        self: GatewayService, request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[T]:
        if isinstance(request, UndecodableRequest):
            await context.abort(grpc.StatusCode.INTERNAL, request.detail)
        try:
            async for item in method(self, request, context):
                yield item
        except errors.EngineError as error:
            log.debug("rpc rejected", rpc=method.__name__, code=status_for(error).name, reason=str(error))
            await context.abort(status_for(error), errors.gateway_message(error))

    return wrapper


def activated_job(job: Any) -> pb.ActivatedJob:
    return pb.ActivatedJob(
        key=job.key,
        type=job.type,
        processInstanceKey=job.process_instance_key,
        bpmnProcessId=job.bpmn_process_id,
        processDefinitionVersion=job.process_definition_version,
        processDefinitionKey=job.process_definition_key,
        elementId=job.element_id,
        elementInstanceKey=job.element_instance_key,
        customHeaders=dump_variables(dict(job.custom_headers)),
        worker=job.worker,
        retries=job.retries,
        deadline=job.deadline_ms,
        variables=dump_variables(job.variables),
        tenantId=job.tenant_id,
    )


def process_metadata(process: Any) -> pb.ProcessMetadata:
    return pb.ProcessMetadata(
        bpmnProcessId=process.bpmn_process_id,
        version=process.version,
        processDefinitionKey=process.process_definition_key,
        resourceName=process.resource_name,
        tenantId=process.tenant_id,
    )


def form_metadata(form: Any) -> pb.FormMetadata:
    return pb.FormMetadata(
        formId=form.form_id,
        version=form.version,
        formKey=form.form_key,
        resourceName=form.resource_name,
        tenantId=form.tenant_id,
    )


class GatewayService(gateway_pb2_grpc.GatewayServicer):
    def __init__(
        self, engine: EngineClient, signals: JobSignals, settings: GatewaySettings, host: str, port: int
    ) -> None:
        self._engine = engine
        self._signals = signals
        self._settings = settings
        self._host = host
        self._port = port

    # --- jobs -------------------------------------------------------------------------------

    def _activate_command(self, request: Any, max_jobs: int, rpc: str) -> cmd.ActivateJobs:
        if not request.type.strip():
            raise errors.InvalidArgument(f"Expected to handle gRPC request {rpc}, but 'type' was blank")
        if request.timeout < 1:
            raise errors.InvalidArgument(
                f"Expected to handle gRPC request {rpc} with 'timeout' greater than 0, "
                f"but was {request.timeout}"
            )
        if max_jobs < 1:
            raise errors.InvalidArgument(
                f"Expected to handle gRPC request {rpc} with 'maxJobsToActivate' greater than 0, "
                f"but was {max_jobs}"
            )
        return cmd.ActivateJobs(
            type=request.type,
            worker=request.worker,
            timeout_ms=request.timeout,
            max_jobs_to_activate=max_jobs,
            fetch_variables=tuple(request.fetchVariable),
            tenant_ids=tenants(request.tenantIds, rpc),
        )

    @_streaming
    async def ActivateJobs(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ActivateJobsResponse]:
        """Long polling: answer as soon as jobs exist, else when requestTimeout runs out (empty)."""
        command = self._activate_command(request, request.maxJobsToActivate, "ActivateJobs")
        if request.requestTimeout < 0:
            for response in self._responses(await self._engine.call(command)):
                yield response
            return
        timeout_ms = request.requestTimeout or self._settings.long_polling_timeout_ms
        client_deadline = context.time_remaining()
        timeout_s = timeout_ms / 1000
        if client_deadline is not None:  # leave the answer time to travel back before the client gives up
            timeout_s = min(timeout_s, max(client_deadline - 0.5, 0.0))
        deadline = time.monotonic() + timeout_s
        jobs: Any = ()
        while not jobs and not self._signals.closed:
            with self._signals.watch(command.type) as waiter:
                jobs = await self._engine.call(command)
                if jobs:
                    # leave the queue before answering: later wake-ups go to calls still waiting; one
                    # that came while the activation ran is passed on (it may announce a job created
                    # after the activation in the same engine batch)
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not await waiter.wait(remaining):
                    return
                await self._batch_window()
        if jobs and len(jobs) >= command.max_jobs_to_activate:
            self._signals.notify_local(command.type)  # a full batch: more may be waiting
        for response in self._responses(jobs):
            yield response

    async def _batch_window(self) -> None:
        """After a wake-up, under load only: let the commands already queued in the engine be processed
        first, so one activation takes the jobs their batch creates. At idle (nothing queued) there is no
        window at all, so a lone worker's round trip carries no wait; nothing to tune.

        Measured with one pyzeebe worker, a fixed 3 ms window halved the ActivateJobs calls under load
        but tripled an idle 10-task round trip (p50 56 ms against 20 ms).
        """
        engine = self._engine.engine
        if engine.queued:
            await asyncio.wrap_future(engine.settled())

    def _responses(self, jobs: Any) -> Iterator[pb.ActivateJobsResponse]:
        """Jobs split over several responses so that none exceeds the message size limit (as Zeebe does)."""
        budget = self._settings.max_message_bytes // 2
        batch: list[pb.ActivatedJob] = []
        size = 0
        for job in jobs:
            message = activated_job(job)
            if batch and size + message.ByteSize() > budget:
                yield pb.ActivateJobsResponse(jobs=batch)
                batch, size = [], 0
            batch.append(message)
            size += message.ByteSize()
        if batch:
            yield pb.ActivateJobsResponse(jobs=batch)

    @_streaming
    async def StreamActivatedJobs(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ActivatedJob]:
        """Jobs are pushed to the stream by the engine when they are created (``xietong.engine.job_push``);
        the stream polls only for what waited before it opened and for what no stream could take."""
        command = self._activate_command(request, STREAM_BATCH, "StreamActivatedJobs")
        loop = asyncio.get_running_loop()
        loop_thread = threading.get_ident()
        inbox: deque[tuple[Any, ...]] = deque()  # pushed batches not yet sent
        wake = asyncio.Event()  # a push, or a wake-up for jobs that no stream took
        closed = False

        def deliver(jobs: tuple[Any, ...]) -> None:
            inbox.append(jobs)
            wake.set()

        def push(jobs: tuple[Any, ...]) -> None:  # engine: on the loop's thread (idle) or its own
            if threading.get_ident() == loop_thread:
                deliver(jobs)
            else:
                loop.call_soon_threadsafe(deliver, jobs)

        def ready() -> bool:  # a client that stopped reading gets no more
            return not closed and len(inbox) < STREAM_BUFFER

        stream = JobStream(
            command.type,
            command.worker,
            command.timeout_ms,
            push,
            ready,
            command.fetch_variables,
            command.tenant_ids,
        )
        engine = self._engine.engine
        engine.add_job_stream(stream)
        log.debug("job stream opened", type=command.type, worker=command.worker)
        try:
            jobs: Any = await self._engine.call(command)  # what was waiting before the stream opened
            polled = True
            while not self._signals.closed:
                for job in jobs:
                    yield activated_job(job)
                if inbox:
                    jobs, polled = inbox.popleft(), False
                    continue
                if stream.skipped or (polled and len(jobs) >= STREAM_BATCH):
                    stream.skipped = False  # jobs were left for polling while this stream was full
                    jobs, polled = await self._engine.call(command), True
                    if jobs:
                        continue
                with self._signals.watch(command.type, wake) as waiter:
                    if not inbox:
                        await wake.wait()
                    wake.clear()
                    if inbox:
                        jobs, polled = inbox.popleft(), False
                        waiter.acted = False  # a wake-up it did not act on goes to the next waiter
                        continue
                    waiter.acted = True  # woken for jobs that no stream took: poll for them
                    jobs, polled = await self._engine.call(command), True
        finally:
            closed = True
            engine.remove_job_stream(stream)
            if inbox:  # pushed but never sent: they time out and come back
                log.debug("job stream closed with undelivered jobs", jobs=len(inbox), type=command.type)
            log.debug("job stream closed", type=command.type, worker=command.worker)

    @_unary
    async def CompleteJob(self, request: Any, context: grpc.aio.ServicerContext) -> pb.CompleteJobResponse:
        await self._engine.call(
            cmd.CompleteJob(job_key=request.jobKey, variables=parse_variables(request.variables))
        )
        return pb.CompleteJobResponse()

    @_unary
    async def FailJob(self, request: Any, context: grpc.aio.ServicerContext) -> pb.FailJobResponse:
        await self._engine.call(
            cmd.FailJob(
                job_key=request.jobKey,
                retries=request.retries,
                error_message=request.errorMessage,
                retry_backoff_ms=request.retryBackOff,
                variables=parse_variables(request.variables),
            )
        )
        return pb.FailJobResponse()

    @_unary
    async def ThrowError(self, request: Any, context: grpc.aio.ServicerContext) -> pb.ThrowErrorResponse:
        if not request.errorCode.strip():
            raise errors.InvalidArgument(
                "Expected to handle gRPC request ThrowError with a non-empty 'errorCode', but it was blank"
            )
        await self._engine.call(
            cmd.ThrowError(
                job_key=request.jobKey,
                error_code=request.errorCode,
                error_message=request.errorMessage,
                variables=parse_variables(request.variables),
            )
        )
        return pb.ThrowErrorResponse()

    @_unary
    async def UpdateJobRetries(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.UpdateJobRetriesResponse:
        if request.retries < 1:
            raise errors.InvalidArgument(
                f"Expected to update job retries with 'retries' greater than 0, but was {request.retries}"
            )
        await self._engine.call(cmd.UpdateJobRetries(job_key=request.jobKey, retries=request.retries))
        return pb.UpdateJobRetriesResponse()

    @_unary
    async def UpdateJobTimeout(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.UpdateJobTimeoutResponse:
        await self._engine.call(cmd.UpdateJobTimeout(job_key=request.jobKey, timeout_ms=request.timeout))
        return pb.UpdateJobTimeoutResponse()

    # --- process instances ------------------------------------------------------------------

    def _create_command(
        self, request: Any, rpc: str, *, await_result: bool = False, fetch_variables: tuple[str, ...] = ()
    ) -> cmd.CreateProcessInstance:
        if request.processDefinitionKey <= 0 and not request.bpmnProcessId:
            raise errors.InvalidArgument(
                f"Expected to handle gRPC request {rpc} with either 'bpmnProcessId' or "
                "'processDefinitionKey', but neither was given"
            )
        by_key = request.processDefinitionKey > 0
        return cmd.CreateProcessInstance(
            bpmn_process_id=None if by_key else request.bpmnProcessId,
            version=request.version if request.version > 0 else -1,
            process_definition_key=request.processDefinitionKey if by_key else None,
            variables=parse_variables(request.variables),
            start_instructions=tuple(instruction.elementId for instruction in request.startInstructions),
            tenant_id=tenant(request.tenantId, rpc),
            await_result=await_result,
            fetch_variables=fetch_variables,
        )

    @_unary
    async def CreateProcessInstance(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.CreateProcessInstanceResponse:
        created = await self._engine.call(self._create_command(request, "CreateProcessInstance"))
        return pb.CreateProcessInstanceResponse(
            processDefinitionKey=created.process_definition_key,
            bpmnProcessId=created.bpmn_process_id,
            version=created.version,
            processInstanceKey=created.process_instance_key,
            tenantId=created.tenant_id,
        )

    @_unary
    async def CreateProcessInstanceWithResult(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.CreateProcessInstanceWithResultResponse:
        command = self._create_command(
            request.request,
            "CreateProcessInstanceWithResult",
            await_result=True,
            fetch_variables=tuple(request.fetchVariables),
        )
        timeout_ms = (
            request.requestTimeout if request.requestTimeout > 0 else self._settings.request_timeout_ms
        )
        try:
            result = await asyncio.wait_for(self._engine.call(command), timeout_ms / 1000)
        except TimeoutError:
            await context.abort(
                grpc.StatusCode.DEADLINE_EXCEEDED,
                f"Time out between gateway and broker: Request ProcessInstanceCreationCommand timed out in "
                f"PT{timeout_ms / 1000:g}S while waiting for the process instance to complete",
            )
        return pb.CreateProcessInstanceWithResultResponse(
            processDefinitionKey=result.process_definition_key,
            bpmnProcessId=result.bpmn_process_id,
            version=result.version,
            processInstanceKey=result.process_instance_key,
            variables=dump_variables(result.variables),
            tenantId=result.tenant_id,
        )

    @_unary
    async def CancelProcessInstance(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.CancelProcessInstanceResponse:
        await self._engine.call(
            audited(cmd.CancelProcessInstance(process_instance_key=request.processInstanceKey))
        )
        return pb.CancelProcessInstanceResponse()

    @_unary
    async def ModifyProcessInstance(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.ModifyProcessInstanceResponse:
        activate = tuple(
            cmd.ActivateElement(
                element_id=instruction.elementId,
                ancestor_element_instance_key=instruction.ancestorElementInstanceKey or -1,
                variables=tuple(
                    (variable.scopeId, parse_variables(variable.variables, "activateInstructions.variables"))
                    for variable in instruction.variableInstructions
                ),
            )
            for instruction in request.activateInstructions
        )
        terminate = tuple(instruction.elementInstanceKey for instruction in request.terminateInstructions)
        await self._engine.call(
            cmd.ModifyProcessInstance(
                process_instance_key=request.processInstanceKey,
                activate=activate,
                terminate=terminate,
            )
        )
        return pb.ModifyProcessInstanceResponse()

    @_unary
    async def MigrateProcessInstance(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.MigrateProcessInstanceResponse:
        """Migration is not implemented by the embedded engine; say so instead of pretending."""
        key = request.processInstanceKey
        if await asyncio.to_thread(self._engine.engine.queries.get_process_instance, key) is None:
            raise errors.NotFound(
                f"Expected to migrate process instance but no process instance found with key '{key}'"
            )
        raise errors.FailedPrecondition(
            f"Expected to migrate process instance '{key}', but the embedded engine (xietong) does not "
            "support process instance migration; migrate on a Zeebe cluster or use ModifyProcessInstance"
        )

    @_unary
    async def SetVariables(self, request: Any, context: grpc.aio.ServicerContext) -> pb.SetVariablesResponse:
        key = await self._engine.call(
            audited(
                cmd.SetVariables(
                    element_instance_key=request.elementInstanceKey,
                    variables=parse_variables(request.variables),
                    local=request.local,
                )
            )
        )
        return pb.SetVariablesResponse(key=key)

    @_unary
    async def ResolveIncident(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.ResolveIncidentResponse:
        await self._engine.call(audited(cmd.ResolveIncident(incident_key=request.incidentKey)))
        return pb.ResolveIncidentResponse()

    # --- resources --------------------------------------------------------------------------

    async def _deploy(self, resources: tuple[tuple[str, bytes], ...], tenant_id: str) -> Any:
        return await self._engine.call(cmd.Deploy(resources=resources, tenant_id=tenant_id))

    @_unary
    async def DeployResource(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.DeployResourceResponse:
        tenant_id = tenant(request.tenantId, "DeployResource")
        result = await self._deploy(tuple((r.name, r.content) for r in request.resources), tenant_id)
        return pb.DeployResourceResponse(
            key=result.key,
            deployments=[pb.Deployment(process=process_metadata(p)) for p in result.processes]
            + [pb.Deployment(form=form_metadata(f)) for f in result.forms],
            tenantId=tenant_id,
        )

    @_unary
    async def DeployProcess(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.DeployProcessResponse:
        """Deprecated since Zeebe 8.0 but still what zbctl's `deploy` sends."""
        result = await self._deploy(tuple((p.name, p.definition) for p in request.processes), DEFAULT_TENANT)
        return pb.DeployProcessResponse(
            key=result.key, processes=[process_metadata(p) for p in result.processes]
        )

    @_unary
    async def DeleteResource(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.DeleteResourceResponse:
        await self._engine.call(cmd.DeleteResource(resource_key=request.resourceKey))
        return pb.DeleteResourceResponse()

    @_unary
    async def EvaluateDecision(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.EvaluateDecisionResponse:
        """No DMN in the embedded engine, so no decision is ever deployed: Zeebe's answer for that."""
        parse_variables(request.variables)
        tenant(request.tenantId, "EvaluateDecision")
        if request.decisionKey > 0:
            detail = (
                f"Expected to evaluate decision with key '{request.decisionKey}', but no such decision found"
            )
        else:
            detail = (
                f"Expected to evaluate decision '{request.decisionId}', "
                f"but no decision found for id '{request.decisionId}'"
            )
        raise errors.NotFound(detail)

    # --- messages and signals ---------------------------------------------------------------

    @_unary
    async def PublishMessage(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.PublishMessageResponse:
        published = await self._engine.call(
            cmd.PublishMessage(
                name=request.name,
                correlation_key=request.correlationKey,
                time_to_live_ms=max(request.timeToLive, 0),
                message_id=request.messageId,
                variables=parse_variables(request.variables),
                tenant_id=tenant(request.tenantId, "PublishMessage"),
            )
        )
        return pb.PublishMessageResponse(key=published.key, tenantId=published.tenant_id)

    @_unary
    async def BroadcastSignal(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> pb.BroadcastSignalResponse:
        broadcast = await self._engine.call(
            cmd.BroadcastSignal(
                signal_name=request.signalName,
                variables=parse_variables(request.variables),
                tenant_id=tenant(request.tenantId, "BroadcastSignal"),
            )
        )
        return pb.BroadcastSignalResponse(key=broadcast.key, tenantId=broadcast.tenant_id)

    # --- cluster ----------------------------------------------------------------------------

    @_unary
    async def Topology(self, request: Any, context: grpc.aio.ServicerContext) -> pb.TopologyResponse:
        return topology(self._host, self._port, self._settings.version, self._engine.engine.healthy)


def topology(host: str, port: int, version: str, healthy: bool = True) -> pb.TopologyResponse:
    """One broker that leads the one partition: what a single-node Zeebe reports."""
    health = pb.Partition.HEALTHY if healthy else pb.Partition.UNHEALTHY
    partition = pb.Partition(partitionId=1, role=pb.Partition.LEADER, health=health)
    broker = pb.BrokerInfo(nodeId=0, host=host, port=port, partitions=[partition], version=version)
    return pb.TopologyResponse(
        brokers=[broker], clusterSize=1, partitionsCount=1, replicationFactor=1, gatewayVersion=version
    )


__all__ = ["EngineClient", "GatewayService", "topology"]
