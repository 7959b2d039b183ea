"""Event subscriptions and triggers: timers, messages, signals, errors and escalations.

Subscriptions belong to the element instance that opened them (a catch event, the activity a
boundary event is attached to, the scope of an event sub-process, an event-based gateway) and are
closed with it. Triggering follows Zeebe's rules: an interrupting boundary event terminates its
activity, an interrupting event sub-process terminates the rest of its scope.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import structlog

from xietong.engine.cron import parse_cron
from xietong.engine.expressions import Expression, ExpressionError, feel_type_name
from xietong.engine.intents import Intent, ValueType
from xietong.engine.model import Element
from xietong.engine.state.entities import ElementInstance, Message, Subscription, Timer
from xietong.engine.timers import (
    TimerValueError,
    as_timer_text,
    check_schedulable,
    is_cron,
    parse_cycle,
    parse_datetime,
    parse_duration,
)

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor


log = structlog.get_logger("xietong.engine")


def _ms(dt: Any) -> int:
    return int(dt.timestamp() * 1000)


class EventBehavior:
    def __init__(self, p: Processor) -> None:
        self.p = p

    # -- opening subscriptions -----------------------------------------------------------------
    def open_boundary_events(self, ei: ElementInstance, element: Element) -> None:
        process = self.p.model(ei.def_key)
        for boundary_id in element.boundaries:
            self.open_for(ei, process.elements[boundary_id])

    def open_event_subprocess_starts(self, ei: ElementInstance, element: Element) -> None:
        process = self.p.model(ei.def_key)
        for esp_id in element.event_subprocesses:
            esp = process.elements[esp_id]
            for child_id in esp.children:
                child = process.elements[child_id]
                if child.kind == "startEvent":
                    self.open_for(ei, child)

    def open_for(self, owner: ElementInstance, catch: Element) -> None:
        """Open the subscription or timer for ``catch`` on behalf of ``owner`` (raises ExpressionError)."""
        event = catch.event
        if event is None:
            return
        if event.type == "timer":
            self.open_timer(owner, catch)
        elif event.type == "message":
            self.open_message(owner, catch)
        elif event.type == "signal":
            self.open_signal(owner, catch)

    def timer_schedule(self, catch: Element, scope_key: int) -> tuple[int, int, str]:
        """(due ms, repetitions, interval) of a timer event; repetitions -1 = forever."""
        event = catch.event
        assert event is not None and event.timer is not None
        p = self.p
        value = event.timer.evaluate(p.variables.view(scope_key), p.now)
        try:
            text = as_timer_text(value)
            if event.timer_kind == "timeDuration":
                return _ms(parse_duration(text).add_to(p.now)), 1, ""
            if event.timer_kind == "timeDate":
                return _ms(parse_datetime(text)), 1, ""
            cycle = parse_cycle(text)
            if is_cron(text):
                return _ms(parse_cron(text).next_after(p.now)), -1, f"cron:{text.strip()}"
            check_schedulable("timeCycle", cycle, p.now)
            interval_text = text.split("/")[-1]
            first = cycle.start if cycle.start is not None else cycle.interval.add_to(p.now)
            return _ms(first), cycle.repetitions, interval_text
        except TimerValueError as err:
            raise ExpressionError(
                f"invalid timer {event.timer_kind} of '{catch.id}': {err}"
                f"{event.timer.warnings(p.variables.view(scope_key), p.now)}"
            ) from err

    def open_timer(self, owner: ElementInstance, catch: Element) -> None:
        due_ms, repetitions, interval = self.timer_schedule(catch, owner.key)
        self.add_timer(
            Timer(
                key=self.p.keys.next(),
                ei_key=owner.key,
                element_id=catch.id,
                def_key=owner.def_key,
                pi_key=owner.pi_key,
                due_ms=due_ms,
                repetitions=repetitions,
                interval=interval,
                tenant_id=self.p.state.instances[owner.pi_key].tenant_id,
            )
        )

    def add_timer(self, timer: Timer) -> None:
        """Every timer — a catch event's, a boundary's, a start event's, a cycle's next one — is armed and
        recorded the same way."""
        self.p.state.add_timer(timer)
        self.p.record(
            ValueType.TIMER,
            Intent.CREATED,
            timer.key,
            timer.pi_key,
            {"elementId": timer.element_id, "dueDate": timer.due_ms, "repetitions": timer.repetitions},
        )

    @staticmethod
    def _text(expression: Expression | None, view: Any, now: Any, what: str) -> str:
        if expression is None:
            return ""
        value = expression.evaluate_json(view, now)
        if isinstance(value, bool) or value is None or not isinstance(value, str | int | float):
            # Zeebe's words (operators and Operate-style tools match on them), and the warnings that
            # name a missing variable
            raise ExpressionError(
                f"Failed to extract the {what} for '{expression.source}': The value must be either a "
                f"string or a number, but was '{feel_type_name(value)}'.{expression.warnings(view, now)}"
            )
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)

    def _subscribe(
        self, owner: ElementInstance, catch: Element, kind: str, name: str, correlation_key: str
    ) -> Subscription:
        """A message or signal subscription of ``owner`` for the catch event, in the state's indexes."""
        p = self.p
        summary = p.state.instances[owner.pi_key]
        sub = Subscription(
            key=p.keys.next(),
            type=kind,
            name=name,
            correlation_key=correlation_key,
            ei_key=owner.key,
            element_id=catch.id,
            pi_key=owner.pi_key,
            bpmn_process_id=summary.bpmn_process_id,
            tenant_id=summary.tenant_id,
        )
        p.state.add_subscription(sub)
        return sub

    def open_message(self, owner: ElementInstance, catch: Element) -> None:
        p = self.p
        assert catch.event is not None
        view = p.variables.view(owner.key)
        name = self._text(catch.event.message_name, view, p.now, "message name")
        correlation_key = self._text(catch.event.correlation_key, view, p.now, "correlation key")
        sub = self._subscribe(owner, catch, "message", name, correlation_key)
        p.record(
            ValueType.PROCESS_MESSAGE_SUBSCRIPTION,
            Intent.CREATED,
            sub.key,
            owner.pi_key,
            {"messageName": name, "correlationKey": correlation_key, "elementId": catch.id},
        )
        p.later(self.correlate_buffered, sub.key)

    def open_signal(self, owner: ElementInstance, catch: Element) -> None:
        p = self.p
        assert catch.event is not None
        name = self._text(catch.event.signal_name, p.variables.view(owner.key), p.now, "signal name")
        sub = self._subscribe(owner, catch, "signal", name, "")
        p.record(
            ValueType.SIGNAL_SUBSCRIPTION,
            Intent.CREATED,
            sub.key,
            owner.pi_key,
            {"signalName": name, "elementId": catch.id},
        )

    def close_all(self, ei: ElementInstance) -> None:
        state = self.p.state
        for key in list(state.subs_by_ei.get(ei.key, ())):
            sub = state.subscriptions[key]
            state.remove_subscription(sub)
            self.p.record(
                ValueType.PROCESS_MESSAGE_SUBSCRIPTION
                if sub.type == "message"
                else ValueType.SIGNAL_SUBSCRIPTION,
                Intent.DELETED,
                sub.key,
                sub.pi_key,
                {"elementId": sub.element_id},
            )
        for key in list(state.timers_by_ei.get(ei.key, ())):
            timer = state.timers[key]
            state.remove_timer(timer)
            self.p.record(
                ValueType.TIMER, Intent.CANCELED, timer.key, timer.pi_key, {"elementId": timer.element_id}
            )

    # -- triggering ----------------------------------------------------------------------------
    def trigger(self, owner: ElementInstance, catch_id: str, variables: dict[str, Any]) -> bool:
        """Deliver an event to a subscription's owner; False if the owner cannot take it now."""
        p = self.p
        if owner.key not in p.state.element_instances or owner.state != "ACTIVATED":
            return False
        catch = p.model(owner.def_key).elements[catch_id]
        if catch.kind == "boundaryEvent":
            self.trigger_boundary(owner, catch, variables)
        elif catch.kind == "startEvent":
            if owner.flags & ElementInstance.INTERRUPTED:
                return False
            self.trigger_event_subprocess(owner, catch, variables)
        elif owner.kind == "eventBasedGateway":
            self.close_all(owner)
            scope = p.state.element_instances[owner.scope_key]
            p.flow.create_and_activate(scope, catch, flags=ElementInstance.TRIGGERED, variables=variables)
            for flow in p.element(owner).outgoing:
                if flow.target == catch.id:
                    p.record(
                        ValueType.PROCESS_INSTANCE,
                        Intent.SEQUENCE_FLOW_TAKEN,
                        scope.key,
                        scope.pi_key,
                        {"elementId": flow.id, "source": flow.source, "target": flow.target},
                    )
            p.flow.complete(owner, flows=[])
        else:
            self.close_all(owner)
            if variables:
                p.variables.set_local(owner.key, owner.pi_key, variables)
            owner.flags |= ElementInstance.TRIGGERED
            p.later(p.flow.complete, owner)
        return True

    def trigger_boundary(
        self, attached: ElementInstance, boundary: Element, variables: dict[str, Any]
    ) -> None:
        p = self.p
        scope = p.state.element_instances[attached.scope_key]
        if boundary.cancel_activity:
            p.flow.terminate(attached)
        p.flow.create_and_activate(scope, boundary, flags=ElementInstance.TRIGGERED, variables=variables)

    def trigger_event_subprocess(
        self, container: ElementInstance, start: Element, variables: dict[str, Any]
    ) -> None:
        p = self.p
        process = p.model(container.def_key)
        esp = process.elements[start.scope_id]
        if start.interrupting:
            p.flow.terminate_children(container)
            self.close_all(container)
            container.flags |= ElementInstance.INTERRUPTED
            p.state.touch(container)
        esp_ei = p.flow.create(container, esp, container.pi_key, container.def_key)
        p.flow.create(
            esp_ei,
            start,
            container.pi_key,
            container.def_key,
            flags=ElementInstance.TRIGGERED,
            variables=variables,
        )
        p.later(p.flow.activate, esp_ei)

    # -- timers --------------------------------------------------------------------------------
    def fire_timer(self, timer: Timer) -> None:
        p = self.p
        p.record(
            ValueType.TIMER,
            Intent.TRIGGERED,
            timer.key,
            timer.pi_key,
            {"elementId": timer.element_id, "dueDate": timer.due_ms},
        )
        p.state.remove_timer(timer)
        if timer.ei_key == -1:
            p.instances.start_by_event(timer.def_key, timer.element_id, {})
            self._repeat(timer)
            return
        owner = p.state.element_instances.get(timer.ei_key)
        if owner is None:
            return
        catch = p.model(owner.def_key).elements[timer.element_id]
        repeats = not (
            catch.cancel_activity
            if catch.kind == "boundaryEvent"
            else catch.kind != "startEvent" or catch.interrupting
        )
        if self.trigger(owner, timer.element_id, {}) and repeats:
            self._repeat(timer)

    def _repeat(self, timer: Timer) -> None:
        if timer.repetitions == 1 or not timer.interval:
            return
        p = self.p
        if timer.interval.startswith("cron:"):
            due = _ms(parse_cron(timer.interval[5:]).next_after(_from_ms(timer.due_ms)))
        else:
            try:
                due = _ms(parse_duration(timer.interval).add_to(_from_ms(timer.due_ms)))
            except TimerValueError as err:  # the cycle has run to the end of the calendar
                log.warning("timer cycle ends", element_id=timer.element_id, reason=str(err))
                return
        self.add_timer(
            replace(
                timer,
                key=p.keys.next(),
                due_ms=due,
                repetitions=timer.repetitions - 1 if timer.repetitions > 0 else -1,
            )
        )

    # -- messages ------------------------------------------------------------------------------
    def correlate_buffered(self, sub_key: int) -> None:
        """A newly opened subscription takes the oldest live buffered message not yet given to its process."""
        p = self.p
        sub = p.state.subscriptions.get(sub_key)
        if sub is None:
            return
        for msg_key in list(p.state.messages_by_name.get((sub.name, sub.correlation_key, sub.tenant_id), ())):
            msg = p.state.messages[msg_key]
            if msg.deadline_ms <= p.now_ms or sub.bpmn_process_id in msg.correlated:
                continue
            self.correlate(msg, sub)
            return

    def correlate(self, msg: Message, sub: Subscription) -> bool:
        p = self.p
        owner = p.state.element_instances.get(sub.ei_key)
        if owner is None:
            return False
        if not self.trigger(owner, sub.element_id, dict(msg.variables)):
            return False
        msg.correlated = [*msg.correlated, sub.bpmn_process_id]
        if msg.key in p.state.messages:
            p.state.touch(msg)
        p.record(
            ValueType.PROCESS_MESSAGE_SUBSCRIPTION,
            Intent.CORRELATED,
            sub.key,
            sub.pi_key,
            {
                "messageName": msg.name,
                "correlationKey": msg.correlation_key,
                "messageKey": msg.key,
                "elementId": sub.element_id,
            },
        )
        return True

    def correlate_published(self, msg: Message) -> list[int]:
        """At most one subscription per process (bpmnProcessId) receives a published message; the
        instances it reached, in the order their subscriptions were opened."""
        p = self.p
        reached = []
        index = ("message", msg.name, msg.correlation_key, msg.tenant_id)
        for sub_key in list(p.state.subs_by_name.get(index, ())):
            sub = p.state.subscriptions.get(sub_key)
            if sub is None or sub.bpmn_process_id in msg.correlated:
                continue
            if self.correlate(msg, sub):
                reached.append(sub.pi_key)
        return reached

    def awaits_message(self, name: str, correlation_key: str, tenant_id: str) -> bool:
        """Whether an open subscription would take such a message now (read only)."""
        p = self.p
        for sub_key in p.state.subs_by_name.get(("message", name, correlation_key, tenant_id), ()):
            sub = p.state.subscriptions.get(sub_key)
            if sub is not None and sub.ei_key in p.state.element_instances:
                return True
        return False

    # -- errors and escalations ----------------------------------------------------------------
    def find_catch(
        self, ei: ElementInstance, event_type: str, code: str
    ) -> tuple[ElementInstance, Element] | None:
        """The nearest catch event for an error or escalation, walking up scopes and call activities."""
        p = self.p
        table = p.state.element_instances
        current: ElementInstance | None = ei
        while current is not None:
            element = p.element(current)
            process = p.model(current.def_key)
            candidates: list[Element] = []
            if not current.flags & ElementInstance.INNER:
                candidates += [process.elements[b] for b in element.boundaries]
            if current.kind in ("process", "subProcess") and not current.flags & ElementInstance.INTERRUPTED:
                for esp_id in element.event_subprocesses:
                    esp = process.elements[esp_id]
                    candidates += [
                        process.elements[c] for c in esp.children if process.elements[c].kind == "startEvent"
                    ]
            exact, catch_all = None, None
            for candidate in candidates:
                event = candidate.event
                if event is None or event.type != event_type:
                    continue
                if event.code is None or (not event.code.is_feel and not event.code.static):
                    catch_all = catch_all or candidate
                elif event.code.static == code:
                    exact = exact or candidate
            found = exact or catch_all
            if found is not None and current.state in ("ACTIVATED", "COMPLETING", "ACTIVATING"):
                return current, found
            if current.scope_key != -1:
                current = table.get(current.scope_key)
            elif current.parent_ei_key != -1:
                current = table.get(current.parent_ei_key)
            else:
                current = None
        return None

    def uncaught_error_message(self, ei: ElementInstance, code: str, message: str) -> str:
        """Zeebe's incident text for an error nothing catches (BpmnEventPublicationBehavior): it lists
        the error codes of the catch events that were in scope, innermost first."""
        p = self.p
        table = p.state.element_instances
        available: list[str] = []
        current: ElementInstance | None = ei
        while current is not None:
            element = p.element(current)
            process = p.model(current.def_key)
            candidates = (
                []
                if current.flags & ElementInstance.INNER
                else [process.elements[b] for b in element.boundaries]
            )
            if current.kind in ("process", "subProcess"):
                for esp_id in element.event_subprocesses:
                    esp = process.elements[esp_id]
                    candidates += [
                        process.elements[c] for c in esp.children if process.elements[c].kind == "startEvent"
                    ]
            for candidate in candidates:
                event = candidate.event
                if event is not None and event.type == "error" and event.code is not None:
                    available.append(str(event.code.static if not event.code.is_feel else event.code.source))
            if current.scope_key != -1:
                current = table.get(current.scope_key)
            elif current.parent_ei_key != -1:
                current = table.get(current.parent_ei_key)
            else:
                current = None
        text = f"Expected to throw an error event with the code '{code}'"
        text += f" with message '{message}'" if message else ""
        text += ", but it was not caught."
        if available:
            return text + f" Available error events are [{', '.join(available)}]"
        return text + " No error events are available in the scope."

    def throw(
        self, ei: ElementInstance, event_type: str, code: str, variables: dict[str, Any]
    ) -> Element | None:
        """Deliver an error/escalation to its catch event; returns the catch element or None."""
        found = self.find_catch(ei, event_type, code)
        if found is None:
            return None
        owner, catch = found
        if catch.kind == "boundaryEvent":
            self.trigger_boundary(owner, catch, variables)
        else:
            self.trigger_event_subprocess(owner, catch, variables)
        return catch


def _from_ms(ms: int) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC)
