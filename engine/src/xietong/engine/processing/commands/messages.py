"""Publish messages (buffering, id de-duplication, message start events) and broadcast signals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xietong.engine import commands as c
from xietong.engine.errors import AlreadyExists, InvalidArgument
from xietong.engine.processing.commands.instances import _check_variables
from xietong.engine.state.entities import Message

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor


class MessageHandler:
    p: Processor

    def publish(self, cmd: c.PublishMessage) -> c.MessagePublished:
        p = self.p
        if not cmd.name:
            raise InvalidArgument("Expected a message name, but it is empty")
        if cmd.time_to_live_ms < 0:
            raise InvalidArgument(f"Expected timeToLive to be >= 0, but was {cmd.time_to_live_ms}")
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
            "MESSAGE",
            "PUBLISHED",
            msg.key,
            -1,
            {
                "name": cmd.name,
                "correlationKey": cmd.correlation_key,
                "messageId": cmd.message_id,
                "timeToLive": cmd.time_to_live_ms,
            },
        )
        self.correlate_to_start_events(msg)
        p.events.correlate_published(msg)
        if cmd.time_to_live_ms > 0:
            p.state.add_message(msg)
        return c.MessagePublished(msg.key, cmd.tenant_id)

    def correlate_to_start_events(self, msg: Message) -> None:
        p = self.p
        for definition, start in self.start_events("message", msg.name, msg.tenant_id):
            bpmn_id = definition.bpmn_process_id
            if bpmn_id in msg.correlated:
                continue
            if msg.correlation_key and self._active_with_key(bpmn_id, msg.correlation_key, msg.tenant_id):
                continue  # one active instance per correlation key and process (Zeebe)
            root = self.start_by_event(definition.key, start.id, dict(msg.variables), msg.correlation_key)
            msg.correlated = [*msg.correlated, bpmn_id]
            p.record(
                "MESSAGE_START_EVENT_SUBSCRIPTION",
                "CORRELATED",
                msg.key,
                root.key,
                {"messageName": msg.name, "bpmnProcessId": bpmn_id, "processInstanceKey": root.key},
            )

    def _active_with_key(self, bpmn_id: str, correlation_key: str, tenant_id: str) -> bool:
        return self.p.state.message_started.get((bpmn_id, correlation_key, tenant_id), 0) > 0

    def correlate_buffered_start(self, bpmn_id: str, correlation_key: str, tenant_id: str) -> None:
        """The instance holding a correlation key ended: a buffered message may now start the next one."""
        p = self.p
        latest = p.state.latest_definition(bpmn_id, tenant_id)
        if latest is None or self._active_with_key(bpmn_id, correlation_key, tenant_id):
            return
        for start in p.model(latest.key).start_events("message"):
            assert start.event is not None and start.event.message_name is not None
            name = start.event.message_name.static
            for msg_key in list(p.state.messages_by_name.get((name, correlation_key, tenant_id), ())):
                msg = p.state.messages[msg_key]
                if msg.deadline_ms > p.now_ms and bpmn_id not in msg.correlated:
                    root = self.start_by_event(latest.key, start.id, dict(msg.variables), correlation_key)
                    msg.correlated = [*msg.correlated, bpmn_id]
                    p.state.touch(msg)
                    p.record(
                        "MESSAGE_START_EVENT_SUBSCRIPTION",
                        "CORRELATED",
                        msg.key,
                        root.key,
                        {"messageName": msg.name, "bpmnProcessId": bpmn_id, "processInstanceKey": root.key},
                    )
                    return

    def broadcast_signal(self, cmd: c.BroadcastSignal) -> c.SignalBroadcast:
        p = self.p
        if not cmd.signal_name:
            raise InvalidArgument("Expected a signal name, but it is empty")
        variables = _check_variables(cmd.variables)
        key = p.keys.next()
        p.record("SIGNAL", "BROADCASTED", key, -1, {"signalName": cmd.signal_name})
        self.broadcast(cmd.signal_name, dict(variables), cmd.tenant_id)
        return c.SignalBroadcast(key, cmd.tenant_id)

    def broadcast(self, name: str, variables: dict[str, Any], tenant_id: str) -> None:
        """Every open signal subscription and every signal start event of that name is triggered."""
        p = self.p
        for sub_key in list(p.state.subs_by_name.get(("signal", name, "", tenant_id), ())):
            sub = p.state.subscriptions.get(sub_key)
            owner = p.state.element_instances.get(sub.ei_key) if sub is not None else None
            if sub is not None and owner is not None:
                p.events.trigger(owner, sub.element_id, dict(variables))
        for definition, start in self.start_events("signal", name, tenant_id):
            self.start_by_event(definition.key, start.id, dict(variables))
