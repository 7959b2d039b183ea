"""Events: start, end (none, terminate, error, escalation, signal, message-as-job), intermediate
catch (timer, message, signal, link) and throw (none, escalation, link, signal, message-as-job),
boundary events."""

from __future__ import annotations

from xietong.engine.intents import Intent, ValueType
from xietong.engine.model import Element
from xietong.engine.processing.elements.base import ElementProcessor
from xietong.engine.processing.transitions import IncidentError
from xietong.engine.state.entities import ElementInstance


class StartEventProcessor(ElementProcessor):
    pass


class BoundaryEventProcessor(ElementProcessor):
    """Created only when its event has already happened; it completes and takes its flows."""


class IntermediateCatchEventProcessor(ElementProcessor):
    def on_activate(self, ei: ElementInstance, element: Element) -> None:
        event_type = element.event.type if element.event else ""
        if ei.flags & ElementInstance.TRIGGERED or event_type == "link":
            self.p.later(self.p.flow.complete, ei)
            return
        self.p.events.open_for(ei, element)


class _ThrowingEventProcessor(ElementProcessor):
    def on_activate(self, ei: ElementInstance, element: Element) -> None:
        p = self.p
        event = element.event
        event_type = event.type if event else ""
        if event_type == "message":
            p.jobs.create(ei, element)
            return
        if event_type == "signal":
            assert event is not None and event.signal_name is not None
            name = event.signal_name.evaluate_json(p.variables.view(ei.key), p.now)
            p.instances.broadcast(str(name), {}, p.state.instances[ei.pi_key].tenant_id)
        elif event_type == "escalation":
            assert event is not None and event.code is not None
            code = str(event.code.evaluate_json(p.variables.view(ei.key), p.now))
            p.record(
                ValueType.ESCALATION,
                Intent.ESCALATED,
                ei.key,
                ei.pi_key,
                {"escalationCode": code, "throwElementId": ei.element_id},
            )
            p.events.throw(ei, "escalation", code, {})
            if ei.key not in p.state.element_instances:
                return  # an interrupting catch event terminated the thrower
        elif event_type == "error":
            assert event is not None and event.code is not None
            code = str(event.code.evaluate_json(p.variables.view(ei.key), p.now))
            if p.events.throw(ei, "error", code, {}) is None:
                raise IncidentError("UNHANDLED_ERROR_EVENT", p.events.uncaught_error_message(ei, code, ""))
            return
        elif event_type == "terminate":
            scope = p.state.element_instances[ei.scope_key]
            p.flow.terminate_children(scope, keep=ei.key)
        elif event_type == "link":
            assert event is not None
            process = p.model(ei.def_key)
            target = next(
                e
                for e in process.elements.values()
                if e.kind == "intermediateCatchEvent"
                and e.event
                and e.event.type == "link"
                and e.event.link_name == event.link_name
                and e.scope_id == element.scope_id
            )
            scope = p.state.element_instances[ei.scope_key]
            p.flow.create_and_activate(scope, target)
        p.later(p.flow.complete, ei)

    def on_terminate(self, ei: ElementInstance, element: Element) -> None:
        self.p.jobs.cancel(ei)


class EndEventProcessor(_ThrowingEventProcessor):
    pass


class IntermediateThrowEventProcessor(_ThrowingEventProcessor):
    pass
