"""Publish messages (buffering, id de-duplication, message start events), correlate them (to what waits
now, never buffered) and broadcast signals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xietong.engine import commands as c
from xietong.engine.errors import AlreadyExists, NotFound
from xietong.engine.intents import Intent, ValueType
from xietong.engine.processing.command_handlers.instances import _check_variables
from xietong.engine.state.entities import Message
from xietong.engine.time_limits import bounded_duration_ms

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor


#: Zeebe's ``MessageCorrelationCorrelateProcessor``, word for word.
SUBSCRIPTION_NOT_FOUND = (
    "Expected to find subscription for message with name '{}' and correlation key '{}', but none was found."
)
SUBSCRIPTION_BLOCKED = (
    "Expected to find subscription for message with name '{}' and correlation key '{}', but no "
    "active subscription was found. A process instance with this correlation key is already active "
    "for a message start event with this message name in process IDs {}. Only one active "
    "process instance per correlation key is allowed for message start events."
)


class MessageHandler:
    p: Processor

    def publish(self, cmd: c.PublishMessage) -> c.MessagePublished:
        """As Zeebe's ``MessagePublishProcessor``: any name (an empty one correlates to nothing; the
        REST API refuses a blank name before it gets here, gRPC does not) and any time-to-live, one
        of zero or less expiring at once."""
        p = self.p
        bounded_duration_ms(max(cmd.time_to_live_ms, 0), "timeToLive")
        variables = _check_variables(cmd.variables)
        if cmd.message_id:
            existing = p.state.messages_by_id.get(
                (cmd.name, cmd.correlation_key, cmd.message_id, cmd.tenant_id)
            )
            if existing is not None and existing in p.state.messages:
                raise AlreadyExists(
                    f"Expected to publish a new message with id '{cmd.message_id}', but a message "
                    "with that id was already published"
                )
        msg = Message(
            key=p.keys.next(),
            name=cmd.name,
            correlation_key=cmd.correlation_key,
            deadline_ms=p.now_ms + cmd.time_to_live_ms,
            message_id=cmd.message_id,
            variables=dict(variables),
            tenant_id=cmd.tenant_id,
            correlated=[],
        )
        p.record(
            ValueType.MESSAGE,
            Intent.PUBLISHED,
            msg.key,
            -1,
            {
                "name": cmd.name,
                "correlationKey": cmd.correlation_key,
                "messageId": cmd.message_id,
                "timeToLive": cmd.time_to_live_ms,
            },
        )
        p.instances.correlate_to_start_events(msg)
        p.events.correlate_published(msg)
        if cmd.time_to_live_ms > 0:
            p.state.add_message(msg)
        return c.MessagePublished(msg.key, cmd.tenant_id)

    def correlate_message(self, cmd: c.CorrelateMessage) -> c.MessageCorrelated:
        """As Zeebe's ``MessageCorrelationCorrelateProcessor``: the message reaches the subscriptions
        open now (one per process), then the message start events, and is never buffered; the answer
        names the instance a start event created, else the first one that was waiting. Nothing to take
        it is NOT_FOUND, found before anything changes."""
        p = self.p
        variables = _check_variables(cmd.variables)
        waiting = p.events.awaits_message(cmd.name, cmd.correlation_key, cmd.tenant_id)
        takers, blocked = p.instances.message_start_takers(cmd.name, cmd.correlation_key, cmd.tenant_id)
        if not waiting and not takers:
            template = SUBSCRIPTION_BLOCKED if blocked else SUBSCRIPTION_NOT_FOUND
            raise NotFound(template.format(cmd.name, cmd.correlation_key, "[" + ", ".join(blocked) + "]"))
        msg = Message(
            key=p.keys.next(),
            name=cmd.name,
            correlation_key=cmd.correlation_key,
            deadline_ms=p.now_ms,
            message_id="",
            variables=dict(variables),
            tenant_id=cmd.tenant_id,
            correlated=[],
        )
        names = {"name": cmd.name, "correlationKey": cmd.correlation_key}
        p.record(
            ValueType.MESSAGE, Intent.PUBLISHED, msg.key, -1, {**names, "messageId": "", "timeToLive": -1}
        )
        p.record(ValueType.MESSAGE_CORRELATION, Intent.CORRELATING, msg.key, -1, names)
        reached = p.events.correlate_published(msg)
        started = p.instances.correlate_to_start_events(msg)
        instance = started[0] if started else reached[0] if reached else -1
        p.record(
            ValueType.MESSAGE_CORRELATION,
            Intent.CORRELATED,
            msg.key,
            -1,
            {**names, "processInstanceKey": instance},
        )
        p.record(ValueType.MESSAGE, Intent.EXPIRED, msg.key, -1, names)  # a correlated message has no TTL
        return c.MessageCorrelated(msg.key, instance, cmd.tenant_id)

    def broadcast_signal(self, cmd: c.BroadcastSignal) -> c.SignalBroadcast:
        """Any name, as Zeebe's ``SignalBroadcastProcessor`` (an empty one reaches nothing)."""
        p = self.p
        variables = _check_variables(cmd.variables)
        key = p.keys.next()
        p.record(ValueType.SIGNAL, Intent.BROADCASTED, key, -1, {"signalName": cmd.signal_name})
        p.instances.broadcast(cmd.signal_name, dict(variables), cmd.tenant_id)
        return c.SignalBroadcast(key, cmd.tenant_id)
