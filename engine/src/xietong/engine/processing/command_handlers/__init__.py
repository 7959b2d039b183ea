"""Command handlers, one module per command family; ``CommandProcessor`` dispatches by type."""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from xietong.engine import commands as c
from xietong.engine.errors import EngineError, InvalidArgument
from xietong.engine.intents import Intent, ValueType
from xietong.engine.processing.command_handlers.audit import audited
from xietong.engine.processing.command_handlers.deployment import DeploymentHandler
from xietong.engine.processing.command_handlers.instances import InstanceHandler
from xietong.engine.processing.command_handlers.jobs import JobHandler
from xietong.engine.processing.command_handlers.messages import MessageHandler
from xietong.engine.processing.command_handlers.operations import OperationHandler
from xietong.engine.processing.command_handlers.user_tasks import ChangesetInvalid, UserTaskHandler

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor

DEFERRED = object()  # the command's future is resolved later (await_result)


class CommandProcessor(InstanceHandler, MessageHandler):
    """Dispatch table from command type to handler. Element processors never call back into it: what
    they share with the handlers (starting and finishing instances, signals) is a behaviour."""

    def __init__(self, p: Processor) -> None:
        self.p = p
        self.deployment = DeploymentHandler(p)
        self.jobs = JobHandler(p)
        self.user_tasks = UserTaskHandler(p)
        self.operations = OperationHandler(p)
        self.dispatch: dict[type, Any] = {
            c.Deploy: self.deployment.deploy,
            c.DeleteResource: self.deployment.delete_resource,
            c.CreateProcessInstance: self.create_instance,
            c.CancelProcessInstance: self.cancel_instance,
            c.ModifyProcessInstance: self.modify_instance,
            c.ActivateJobs: self.jobs.activate,
            c.CompleteJob: self.jobs.complete,
            c.FailJob: self.jobs.fail,
            c.ThrowError: self.jobs.throw_error,
            c.UpdateJobRetries: self.jobs.update_retries,
            c.UpdateJobTimeout: self.jobs.update_timeout,
            c.PublishMessage: self.publish,
            c.CorrelateMessage: self.correlate_message,
            c.BroadcastSignal: self.broadcast_signal,
            c.SetVariables: self.operations.set_variables,
            c.ResolveIncident: self.operations.resolve_incident,
            c.AssignUserTask: self.user_tasks.assign,
            c.UpdateUserTask: self.user_tasks.update,
            c.CompleteUserTask: self.user_tasks.complete,
        }

    def process(self, command: Any, future: Future[Any] | None) -> Any:
        if isinstance(command, c.Audited):
            return audited(self, command, future)
        handler = self.dispatch.get(type(command))
        if handler is None:
            raise InvalidArgument(f"unknown command {type(command).__name__}")
        try:
            if isinstance(command, c.CreateProcessInstance):
                return self.create_instance(command, future)
            return handler(command)
        except EngineError as error:
            if error.intent is None and not isinstance(error, ChangesetInvalid):
                error.intent = zeebe_intent(command)
            raise

    def tick(self) -> None:
        """Fire everything that came due: timers, job deadlines, retry backoffs, message TTLs."""
        p = self.p
        state = p.state
        for due_ms, what, key in state.pop_due(p.now_ms):
            if what == "timer":
                timer = state.timers.get(key)
                if timer is not None and timer.due_ms == due_ms:
                    p.events.fire_timer(timer)
            elif what == "job_deadline":
                job = state.jobs.get(key)
                if job is not None and job.state == "ACTIVATED" and job.deadline_ms == due_ms:
                    p.record(
                        ValueType.JOB,
                        Intent.TIMED_OUT,
                        job.key,
                        job.pi_key,
                        {"type": job.type, "worker": job.worker},
                    )
                    job.worker = ""
                    job.deadline_ms = 0
                    p.jobs.make_activatable(job)
            elif what == "job_backoff":
                job = state.jobs.get(key)
                if job is not None and job.state == "FAILED" and job.backoff_ms == due_ms and job.retries > 0:
                    job.backoff_ms = 0
                    p.record(
                        ValueType.JOB, Intent.RECURRED_AFTER_BACKOFF, job.key, job.pi_key, {"type": job.type}
                    )
                    p.jobs.make_activatable(job)
            elif what == "message_ttl":
                msg = state.messages.get(key)
                if msg is not None and msg.deadline_ms == due_ms:
                    state.remove_message(msg)
                    p.record(
                        ValueType.MESSAGE,
                        Intent.EXPIRED,
                        msg.key,
                        -1,
                        {"name": msg.name, "correlationKey": msg.correlation_key},
                    )
            p.drain()


_INTENTS: dict[type, str] = {
    c.Deploy: "CREATE",  # DeploymentIntent
    c.DeleteResource: "DELETE",  # ResourceDeletionIntent
    c.CancelProcessInstance: "CANCEL",
    c.ModifyProcessInstance: "MODIFY",
    c.ActivateJobs: "ACTIVATE",  # JobBatchIntent
    c.CompleteJob: "COMPLETE",
    c.FailJob: "FAIL",
    c.ThrowError: "THROW_ERROR",
    c.UpdateJobRetries: "UPDATE_RETRIES",
    c.UpdateJobTimeout: "UPDATE_TIMEOUT",
    c.PublishMessage: "PUBLISH",
    c.CorrelateMessage: "CORRELATE",  # MessageCorrelationIntent
    c.BroadcastSignal: "BROADCAST",
    c.SetVariables: "UPDATE",  # VariableDocumentIntent
    c.ResolveIncident: "RESOLVE",
    c.UpdateUserTask: "UPDATE",
    c.CompleteUserTask: "COMPLETE",
}


def zeebe_intent(command: Any) -> str | None:
    """The intent of the Zeebe command a client's request becomes, as Zeebe's gateways name it in a
    rejection ("Command 'CLAIM' rejected with code …")."""
    if isinstance(command, c.CreateProcessInstance):
        return "CREATE_WITH_AWAITING_RESULT" if command.await_result else "CREATE"
    if isinstance(command, c.AssignUserTask):  # UserTaskServices: allowOverride ? ASSIGN : CLAIM
        return "ASSIGN" if command.allow_override else "CLAIM"
    return _INTENTS.get(type(command))
