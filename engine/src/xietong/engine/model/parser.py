"""BPMN 2.0 XML (Camunda Modeler / Zeebe flavour) to executable ``Process`` models, with validation.

Every problem is reported as Zeebe 8.8 words and lays it out (``validation_report``: the element,
Zeebe's text, then the line in the file) and the whole resource is rejected, so a deployment either
takes effect completely or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from xietong import bpmn_vocabulary as bpmn
from xietong.bpmn_vocabulary import ElementKind
from xietong.engine.expressions import Expression, ExpressionError, feel_type_name
from xietong.engine.model import scope_rules
from xietong.engine.model.elements import (
    JOB_TASKS,
    CallDef,
    Element,
    EventDef,
    Flow,
    JobDef,
    LoopDef,
    Mapping,
    Process,
    UserTaskDef,
)
from xietong.engine.model.validation_report import (
    UNSUPPORTED_ELEMENT,
    element_type_name,
    resource_failure,
)
from xietong.engine.model.zeebe_rules import (
    BINDING_TYPES,
    CSV,
    DATE_TIME,
    EITHER_OR_JOB,
    FLOW_NODE_SINGLE_EXTENSIONS,
    MAY_NOT_INTERRUPT,
    MESSAGE_THROWS,
    NUMBER,
    PATH_PATTERN,
    PATH_RESERVED_WORDS,
    RESERVED_HEADER_PREFIX,
    SINGLE_EXTENSIONS,
    TOO_MANY_DEFINITIONS,
    WRONG_DEFINITION,
    ZEEBE_REFUSES,
    ZEEBE_RUNS_NOT_HERE,
    is_csv,
    is_date_time,
    is_int,
)
from xietong.engine.timers import (
    TimerValueError,
    check_schedulable,
    parse_cycle,
    parse_datetime,
    parse_duration,
)

BPMN = bpmn.BPMN_NS
ZEEBE = bpmn.ZEEBE_NS
ID_NAMESPACES = frozenset({bpmn.BPMN_NS, bpmn.BPMNDI_NS, bpmn.DI_NS, bpmn.DC_NS})  # ids typed xs:ID

IGNORED = frozenset(
    {
        "sequenceFlow",
        "laneSet",
        "textAnnotation",
        "association",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
        "group",
        "extensionElements",
        "documentation",
        "incoming",
        "outgoing",
        "ioSpecification",
        "multiInstanceLoopCharacteristics",  # read by parse_loop for the sub-process itself
        "standardLoopCharacteristics",
        "property",
        "dataInputAssociation",
        "dataOutputAssociation",
        "category",
    }
)
TIMER_TYPES = {"timeDuration": "duration", "timeCycle": "cycle", "timeDate": "date"}  # Zeebe's words
MAX_NESTING = 100  # sub-process levels; deeper is a generator bug, not a process

# refused with Zeebe's "Elements of type '…' are currently not supported" (ad-hoc sub-processes
# Zeebe 8.8 runs, the embedded engine does not)
UNSUPPORTED = frozenset(
    {
        "complexGateway",
        "transaction",
        "adHocSubProcess",
        "subChoreography",
        "choreographyTask",
        "callChoreography",
    }
)
# the flow nodes the engine runs: BPMN's, minus those refused above with a reason
FLOW_NODES = bpmn.FLOW_NODES.difference(UNSUPPORTED)
EVENT_DEFINITIONS = {
    "timerEventDefinition": "timer",
    "messageEventDefinition": "message",
    "errorEventDefinition": "error",
    "escalationEventDefinition": "escalation",
    "signalEventDefinition": "signal",
    "linkEventDefinition": "link",
    "terminateEventDefinition": "terminate",
    "compensateEventDefinition": "compensation",
    "conditionalEventDefinition": "conditional",
    "cancelEventDefinition": "cancel",
}
# which event definitions each event kind supports (Zeebe's BPMN coverage minus what is rejected)
ALLOWED_EVENTS = {
    "startEvent": {"", "timer", "message", "signal"},
    "startEvent@esp": {"timer", "message", "error", "escalation", "signal"},
    "endEvent": {"", "terminate", "error", "escalation", "message", "signal"},
    "intermediateCatchEvent": {"timer", "message", "link", "signal"},
    "intermediateThrowEvent": {"", "escalation", "link", "message", "signal"},
    "boundaryEvent": {"timer", "message", "error", "escalation", "signal"},
}


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _path(owner: str, node: etree._Element | None, kind: str = "") -> str:
    """How Zeebe names an element without its own id: from the closest one with an id."""
    if node is not None and node.get("id"):
        return str(node.get("id"))
    return f"{owner} > {kind or (_local(node.tag) if node is not None else '')}"


def _subscription(message: etree._Element, owner: str) -> str:
    """How Zeebe names a message's ``zeebe:subscription``."""
    return f"{message.get('id') or owner} > extensionElements > subscription"


class _Problems:
    def __init__(self, resource: str, by_id: dict[str, etree._Element]) -> None:
        self.resource = resource
        self.by_id = by_id
        # per XML element, as Zeebe reports: (its name, the element when several share the name)
        self.errors: dict[tuple[str, int], list[str]] = {}

    def add(
        self, element: str, rule: str, line: int | None = None, node: etree._Element | None = None
    ) -> None:
        """``rule`` (Zeebe's text) for ``element`` (an id, or ``id > extensionElements > …``), with the
        line of the element in the file when it has one; ``node`` tells apart XML elements that share
        a name (two ``zeebe:input`` of one task are two elements in Zeebe's report)."""
        if line is None:
            owner = self.by_id.get(element.split(" > ")[0])
            line = node.sourceline if node is not None else owner.sourceline if owner is not None else None
        where = f" (line {line})" if line else ""
        found = self.errors.setdefault((element, id(node) if node is not None else 0), [])
        if f"{rule}{where}" not in found:  # e.g. one bpmn:message two events refer to
            found.append(f"{rule}{where}")

    @property
    def items(self) -> list[str]:
        """The resource's failure as Zeebe reports it, or nothing."""
        blocks = [(name, rules) for (name, _), rules in self.errors.items()]
        return [resource_failure(self.resource, blocks)] if blocks else []


class _Parser:
    def __init__(self, resource: str, root: etree._Element) -> None:
        self.resource = resource
        self.root = root
        self.by_id: dict[str, etree._Element] = {}
        for node in root.iter():
            node_id = node.get("id") if isinstance(node.tag, str) else None
            if node_id:
                self.by_id[node_id] = node
        self.problems = _Problems(resource, self.by_id)
        self.conditioned: set[str] = set()  # flows with a written condition

    # -- helpers ------------------------------------------------------------------------------
    def expr(
        self,
        raw: str | None,
        owner: str,
        what: str,
        *,
        feel_only: bool = False,
        at: str | None = None,
        node: etree._Element | None = None,
    ) -> Expression | None:
        """``raw`` as an expression of ``owner``; a problem is reported on ``at`` (the element Zeebe
        names, e.g. ``t > extensionElements > ioMapping > input``; ``node`` is that XML element when
        several share the name) when given, else on ``owner``."""
        if raw is None:
            return None
        expression = Expression(raw)
        if feel_only and not expression.is_feel:
            self.problems.add(
                at or owner,
                f"Expected expression but found static value '{raw}'. An expression must start with '=' "
                f"(e.g. '={raw}').",
                node=node,
            )
            return None
        try:
            expression.compile()
        except ExpressionError as err:  # Zeebe: the FEEL engine's parse failure ("what" is ours)
            detail = err.__cause__ if err.__cause__ is not None else err
            self.problems.add(
                at or owner, f"failed to parse expression '{expression.source}': {detail} ({what})", node=node
            )
            return None
        return expression

    def zeebe(self, node: etree._Element, name: str) -> etree._Element | None:
        ext = node.find(f"{{{BPMN}}}extensionElements")
        if ext is None:
            return None
        return ext.find(f"{{{ZEEBE}}}{name}")

    def zeebe_all(self, node: etree._Element, name: str) -> list[etree._Element]:
        ext = node.find(f"{{{BPMN}}}extensionElements")
        return [] if ext is None else ext.findall(f"{{{ZEEBE}}}{name}")

    def ref_attr(self, node: etree._Element, attr: str) -> etree._Element | None:
        ref = node.get(attr)
        if ref is None:
            return None
        ref = ref.split(":")[-1]
        return self.by_id.get(ref)

    # -- processes ----------------------------------------------------------------------------
    def parse(self) -> list[Process]:
        processes: list[Process] = []
        executable = [p for p in self.root.findall(f"{{{BPMN}}}process") if p.get("isExecutable") == "true"]
        if not executable:
            self.problems.add(
                self.root.get("id") or "definitions", "Must contain at least one executable process"
            )
        for node in executable:
            processes.append(self.parse_process(node))
        return processes

    def parse_process(self, node: etree._Element) -> Process:
        pid = node.get("id") or ""
        if not pid:
            self.problems.add("process", "a process needs an id", node.sourceline)
        elements: dict[str, Element] = {}
        flows: dict[str, Flow] = {}
        root = Element(id=pid, kind=ElementKind.PROCESS, name=node.get("name") or "")
        elements[pid] = root
        self.parse_container(node, root, elements, flows)
        process = Process(id=pid, name=root.name, elements=elements, flows=flows)
        if pid:
            self.single_extensions(pid, "process")
        version_tag = self.zeebe(node, "versionTag")
        if version_tag is not None:
            process.version_tag = version_tag.get("value") or ""
        self.validate(process)
        return process

    def parse_container(
        self,
        node: etree._Element,
        container: Element,
        elements: dict[str, Element],
        flows: dict[str, Flow],
        depth: int = 0,
    ) -> None:
        if depth > MAX_NESTING:
            self.problems.add(container.id, f"sub-processes nested deeper than {MAX_NESTING} levels")
            return
        for child in node:
            kind = _local(child.tag)
            if not kind or child.tag == etree.Comment:
                continue
            child_id = child.get("id") or ""
            if kind in UNSUPPORTED:
                self.problems.add(
                    child_id or kind, UNSUPPORTED_ELEMENT.format(element_type_name(kind)), child.sourceline
                )
                continue
            if kind == "sequenceFlow":
                flow = Flow(child_id, child.get("sourceRef") or "", child.get("targetRef") or "")
                cond = child.find(f"{{{BPMN}}}conditionExpression")
                if cond is not None and (cond.text or "").strip():
                    self.conditioned.add(child_id)  # written, even if it does not parse
                    flow.condition = self.expr(
                        cond.text, child_id, "condition expression", feel_only=True, at=_path(child_id, cond)
                    )
                flows[child_id] = flow
                continue
            if kind in IGNORED or _local(child.tag) == "":
                continue
            if child.tag.startswith(f"{{{BPMN}}}") is False:
                continue
            if kind not in FLOW_NODES:
                self.problems.add(
                    child_id or kind, UNSUPPORTED_ELEMENT.format(element_type_name(kind)), child.sourceline
                )
                continue
            if not child_id:
                self.problems.add(kind, "element without an id", child.sourceline)
                continue
            element = self.parse_element(child, kind, container.id)
            elements[child_id] = element
            container.children.append(child_id)
            if kind == "subProcess":
                self.parse_container(child, element, elements, flows, depth + 1)

    def parse_element(self, node: etree._Element, kind: str, scope_id: str) -> Element:
        eid = node.get("id") or ""
        element = Element(id=eid, kind=ElementKind(kind), name=node.get("name") or "", scope_id=scope_id)
        element.default_flow = node.get("default")
        element.triggered_by_event = node.get("triggeredByEvent") == "true"
        element.interrupting = node.get("isInterrupting", "true") != "false"
        element.cancel_activity = node.get("cancelActivity", "true") != "false"
        if kind == "boundaryEvent":
            element.attached_to = node.get("attachedToRef")
        self.parse_event_definition(node, element)
        self.parse_io(node, element)
        self.parse_task(node, element)
        self.parse_loop(node, element)
        for listener in ("executionListeners", "taskListeners"):
            if self.zeebe(node, listener) is not None:
                self.problems.add(eid, f"zeebe:{listener} are not supported", node.sourceline)
        return element

    def parse_event_definition(self, node: etree._Element, element: Element) -> None:
        definitions = [c for c in node if _local(c.tag) in EVENT_DEFINITIONS]
        if not definitions:
            return
        eid = element.id
        if len(definitions) > 1:
            self.problems.add(eid, TOO_MANY_DEFINITIONS.get(element.kind, TOO_MANY_DEFINITIONS[""]))
            return
        definition = definitions[0]
        event_type = EVENT_DEFINITIONS[_local(definition.tag)]
        event = EventDef(type=event_type)
        element.event = event
        if event_type == "timer":
            # TimerEventDefinitionValidator counts the kinds written, empty or not
            parts = [definition.find(f"{{{BPMN}}}{k}") for k in ("timeDuration", "timeDate", "timeCycle")]
            written = [p for p in parts if p is not None]
            if len(written) == 1 and (written[0].text or "").strip():
                timer_kind = _local(written[0].tag)
                event.timer_kind = timer_kind
                event.timer = self.expr(
                    str(written[0].text).strip(), eid, timer_kind, at=_path(eid, definition)
                )
                if event.timer is not None and not event.timer.is_feel:
                    self.check_timer(eid, timer_kind, event.timer.source)
            else:
                self.problems.add(
                    _path(eid, definition),
                    "Must be exactly one type of timer: timeDuration, timeDate or timeCycle",
                )
        elif event_type == "message":
            message = self.ref_attr(definition, "messageRef")
            if element.kind in ("endEvent", "intermediateThrowEvent"):
                return  # message throw events are jobs; the worker sends the message
            if message is None:  # MessageEventDefinitionValidator
                self.problems.add(_path(eid, definition), "Must reference a message")
                return
            if not message.get("name"):  # MessageValidator
                self.problems.add(
                    message.get("id") or eid, "Name must be present and not empty", message.sourceline
                )
                return
            event.message_name = self.expr(message.get("name"), eid, "message name", at=message.get("id"))
            subscription = self.zeebe(message, "subscription")
            key = subscription.get("correlationKey") if subscription is not None else None
            if key:
                event.correlation_key = self.expr(
                    key, eid, "correlation key", feel_only=True, at=_subscription(message, eid)
                )
        elif event_type in ("error", "escalation"):
            ref = self.ref_attr(definition, "errorRef" if event_type == "error" else "escalationRef")
            code_attr = "errorCode" if event_type == "error" else "escalationCode"
            code = ref.get(code_attr) if ref is not None else None
            if event_type == "escalation" and element.kind in ("endEvent", "intermediateThrowEvent"):
                if ref is None:  # EscalationEventDefinitionValidator
                    self.problems.add(_path(eid, definition), "Must reference an escalation")
                elif not code:  # EscalationValidator, on the bpmn:escalation
                    self.problems.add(
                        ref.get("id") or eid, "EscalationCode must be present and not empty", ref.sourceline
                    )
            elif code and code.startswith("=") and element.kind != "endEvent":
                # Escalation- / ErrorEventDefinitionValidator: a catch event waits for a fixed code
                self.problems.add(
                    _path(eid, definition),
                    f"The {code_attr} of the {event_type} catch event is not allowed to be an expression",
                )
                return
            if code:
                event.code = self.expr(code, eid, code_attr)
        elif event_type == "signal":
            signal = self.ref_attr(definition, "signalRef")
            if signal is None:  # SignalEventDefinitionValidator
                self.problems.add(_path(eid, definition), "Must reference a signal")
                return
            if not signal.get("name"):
                self.problems.add(
                    signal.get("id") or eid, "Name must be present and not empty", signal.sourceline
                )
                return
            event.signal_name = self.expr(signal.get("name"), eid, "signal name", at=signal.get("id"))
        elif event_type == "link":
            event.link_name = definition.get("name") or ""
            if not event.link_name:  # LinkEventDefinitionValidator
                self.problems.add(_path(eid, definition), "Link name must be present and not empty.")

    def check_timer(self, eid: str, timer_kind: str, text: str) -> None:
        parse: Callable[[str], object] = {
            "timeDuration": parse_duration,
            "timeDate": parse_datetime,
            "timeCycle": parse_cycle,
        }[timer_kind]
        try:
            check_schedulable(timer_kind, parse(text))
        except TimerValueError as err:  # TimerCatchEventExpressionValidator
            self.problems.add(eid, f"Invalid timer {TIMER_TYPES[timer_kind]} expression ({err})")

    def parse_io(self, node: etree._Element, element: Element) -> None:
        io = self.zeebe(node, "ioMapping")
        if io is None:
            return
        for child in io:
            kind = _local(child.tag)
            if kind not in ("input", "output"):
                continue
            # ZeebeRuntimeValidators, in its order: a source is required (an output's must be an
            # expression), then the target must be a path; each zeebe:input / output is its own element
            where = f"{element.id} > extensionElements > ioMapping > {kind}"
            target = child.get("target") or ""
            source = None
            if child.get("source") is None:
                self.problems.add(where, "Expected expression but not found.", node=child)
            else:
                source = self.expr(
                    child.get("source"),
                    element.id,
                    f"{kind} mapping '{target}'",
                    feel_only=kind == "output",
                    at=where,
                    node=child,
                )
            path_ok = self.check_path(where, target, child)
            if source is not None and path_ok:
                (element.inputs if kind == "input" else element.outputs).append(Mapping(source, target))

    def check_path(self, where: str, target: str, node: etree._Element) -> bool:
        """``ZeebeExpressionValidator.verifyPath``: a variable name or a dotted path, not a FEEL word."""
        if not target:
            self.problems.add(where, "Expected path expression but not found.", node=node)
            return False
        ok = True
        if not PATH_PATTERN.fullmatch(target):
            self.problems.add(
                where,
                f"Expected path expression '{target}' but doesn't match the pattern "
                f"'{PATH_PATTERN.pattern}'.",
                node=node,
            )
            ok = False
        if target in PATH_RESERVED_WORDS:
            self.problems.add(
                where,
                f"Expected path expression '{target}' but is one of the reserved words "
                f"({', '.join(PATH_RESERVED_WORDS)}).",
                node=node,
            )
            ok = False
        return ok

    def parse_task(self, node: etree._Element, element: Element) -> None:
        eid = element.id
        definition = self.zeebe(node, "taskDefinition")
        if definition is not None:
            where = f"{eid} > extensionElements > taskDefinition"
            if not definition.get("type"):  # ZeebeElementValidator
                self.problems.add(where, "Attribute 'type' must be present and not empty")
            if definition.get("retries") == "":  # absent is Zeebe's default, 3
                self.problems.add(where, "Attribute 'retries' must be present and not empty")
            job_type = self.expr(definition.get("type") or "", eid, "job type", at=where)
            retries = self.expr(definition.get("retries") or "3", eid, "job retries", at=where)
            if job_type is not None and retries is not None:
                element.job = JobDef(job_type, retries)
        headers = self.zeebe(node, "taskHeaders")
        if headers is not None:
            self.check_headers(eid, headers)
        if headers is not None and element.job is not None:
            for header in headers:
                if _local(header.tag) == "header":
                    element.job.headers[header.get("key") or ""] = header.get("value") or ""
        if element.kind == "scriptTask":
            script = self.zeebe(node, "script")
            if script is not None:
                element.script = self.expr(
                    script.get("expression") or "",
                    eid,
                    "script expression",
                    feel_only=True,
                    at=f"{eid} > extensionElements > script",
                )
                element.result_variable = script.get("resultVariable") or ""
                if not element.result_variable:
                    self.problems.add(
                        f"{eid} > extensionElements > script",
                        "Attribute 'resultVariable' must be present and not empty",
                    )
        if element.kind == "userTask" and self.zeebe(node, "userTask") is not None:
            element.user_task = self.parse_user_task(node, eid)
        if element.kind == "businessRuleTask" and self.zeebe(node, "calledDecision") is not None:
            self.problems.add(
                eid,
                "DMN decisions (zeebe:calledDecision) are not supported; use a job worker "
                "(zeebe:taskDefinition)",
            )
        if element.kind == "callActivity":
            called = self.zeebe(node, "calledElement")
            if called is None:
                self.problems.add(eid, "Must have exactly one 'zeebe:calledElement' extension element")
            elif not called.get("processId"):
                self.problems.add(
                    f"{eid} > extensionElements > calledElement",
                    "Attribute 'processId' must be present and not empty",
                )
            else:
                process_id = self.expr(
                    called.get("processId"),
                    eid,
                    "called processId",
                    at=f"{eid} > extensionElements > calledElement",
                )
                if process_id is not None:
                    element.call = CallDef(
                        process_id,
                        propagate_all_child=called.get("propagateAllChildVariables", "true") != "false",
                        propagate_all_parent=called.get("propagateAllParentVariables", "true") != "false",
                        binding=called.get("bindingType", "latest"),
                        version_tag=called.get("versionTag", ""),
                    )
                    self.check_binding(f"{eid} > extensionElements > calledElement", called)

    def parse_user_task(self, node: etree._Element, eid: str) -> UserTaskDef:
        definition = UserTaskDef()
        assignment = self.zeebe(node, "assignmentDefinition")
        if assignment is not None:
            where = f"{eid} > extensionElements > assignmentDefinition"
            definition.assignee = self.expr(assignment.get("assignee"), eid, "assignee", at=where)
            definition.candidate_groups = self.static_value(
                self.expr(assignment.get("candidateGroups"), eid, "candidateGroups", at=where),
                where,
                is_csv,
                CSV,
            )
            definition.candidate_users = self.static_value(
                self.expr(assignment.get("candidateUsers"), eid, "candidateUsers", at=where),
                where,
                is_csv,
                CSV,
            )
        schedule = self.zeebe(node, "taskSchedule")
        if schedule is not None:
            where = f"{eid} > extensionElements > taskSchedule"
            definition.due_date = self.static_value(
                self.expr(schedule.get("dueDate"), eid, "dueDate", at=where), where, is_date_time, DATE_TIME
            )
            definition.follow_up_date = self.static_value(
                self.expr(schedule.get("followUpDate"), eid, "followUpDate", at=where),
                where,
                is_date_time,
                DATE_TIME,
            )
        form = self.zeebe(node, "formDefinition")
        if form is not None:
            self.parse_form_definition(form, eid, definition)
        priority = self.zeebe(node, "priorityDefinition")
        if priority is not None:
            where = f"{eid} > extensionElements > priorityDefinition"
            value = self.static_value(
                self.expr(priority.get("priority"), eid, "priority", at=where), where, is_int, NUMBER
            )
            static = str(value.static) if value is not None and not value.is_feel else ""
            if is_int(static) and not 0 <= int(static) <= 100:
                self.problems.add(  # ZeebePriorityDefinitionValidator
                    where, f"Priority must be a number between 0 and 100, but was '{static}'"
                )
            definition.priority = value
        return definition

    def static_value(
        self, value: Expression | None, where: str, valid: Callable[[str], bool], description: str
    ) -> Expression | None:
        """``ZeebeExpressionValidator``'s ``satisfiesIfStatic``: a static value must be of its kind."""
        if value is not None and not value.is_feel and not valid(str(value.static)):
            self.problems.add(where, f"Expected static value to {description}, but found '{value.static}'.")
        return value

    def check_headers(self, eid: str, headers: etree._Element) -> None:
        """Zeebe's ``ZeebeTaskHeadersValidator`` (engine): keys of its own are reserved, none twice."""
        where = f"{eid} > extensionElements > taskHeaders"
        keys = [h.get("key") for h in headers if _local(h.tag) == "header"]
        for key in keys:
            if key is not None and key.startswith(RESERVED_HEADER_PREFIX):
                self.problems.add(
                    where,
                    f"Attribute 'key' contains '{key}', but header keys starting with "
                    f"'{RESERVED_HEADER_PREFIX}' are reserved for internal use.",
                )
        for key in dict.fromkeys(keys):
            if keys.count(key) > 1:
                self.problems.add(where, f"Headers contain duplicate entries for key '{key}'")

    def check_binding(self, where: str, extension: etree._Element) -> bool:
        """``ZeebeBindingTypeValidator`` and the version tag a ``versionTag`` binding needs."""
        binding = extension.get("bindingType")
        if binding is not None and binding not in BINDING_TYPES:
            self.problems.add(where, f"Attribute 'bindingType' must be one of: {', '.join(BINDING_TYPES)}")
            return False
        version_tag = (extension.get("versionTag") or "").strip()
        if binding == "versionTag" and not version_tag:
            self.problems.add(
                where, "Attribute 'versionTag' must be present and not empty if 'bindingType' is 'versionTag'"
            )
            return False
        if binding in ("deployment", "latest") and version_tag:
            self.problems.add(
                where, "Attribute 'versionTag' may only be used if 'bindingType' is 'versionTag'"
            )
            return False
        return True

    def parse_form_definition(self, form: etree._Element, eid: str, definition: UserTaskDef) -> None:
        """Zeebe's rules for a Camunda user task's form (``ZeebeFormDefinitionValidator``, on the
        zeebe:formDefinition): a deployed form (formId) or an external one."""
        where = f"{eid} > extensionElements > formDefinition"
        form_id = (form.get("formId") or "").strip()
        external = (form.get("externalReference") or "").strip()
        binding = form.get("bindingType")
        if bool(form_id) == bool(external):
            self.problems.add(
                where,
                "Exactly one of the attributes 'formId, externalReference' must be present and not "
                "blank for native user tasks",
            )
            return
        if external:
            if binding is not None:
                self.problems.add(
                    where,
                    "Attribute 'externalReference' must not be used in combination with attribute "
                    "'bindingType'",
                )
            definition.external_reference = self.expr(external, eid, "externalReference")
            return
        definition.form_id = self.expr(form_id, eid, "formId")
        definition.form_binding = binding or "latest"
        definition.form_version_tag = form.get("versionTag") or ""
        self.check_binding(where, form)

    def parse_loop(self, node: etree._Element, element: Element) -> None:
        for child in node:
            kind = _local(child.tag)
            if kind == "standardLoopCharacteristics":
                self.problems.add(element.id, "standard loops are not supported; use multi-instance")
            if kind != "multiInstanceLoopCharacteristics":
                continue
            # ExtensionElementsValidator, ZeebeLoopCharacteristicsValidator, ZeebeRuntimeValidators
            mi = _path(element.id, child)
            zl = self.zeebe(child, "loopCharacteristics")
            if zl is None:
                self.problems.add(mi, "Must have exactly one 'zeebe:loopCharacteristics' extension element")
                return
            where = f"{mi} > extensionElements > loopCharacteristics"
            raw = zl.get("inputCollection")
            if not raw:
                self.problems.add(where, "Attribute 'inputCollection' must be present and not empty")
            if raw is None:
                self.problems.add(where, "Expected expression but not found.")
            output_collection = zl.get("outputCollection") or ""
            output_element = zl.get("outputElement") or ""
            if output_collection and not output_element:
                self.problems.add(
                    where,
                    "Attribute 'outputElement' must be present if the attribute 'outputCollection' is set",
                )
            elif output_element and not output_collection:
                self.problems.add(
                    where,
                    "Attribute 'outputCollection' must be present if the attribute 'outputElement' is set",
                )
            collection = self.expr(raw, element.id, "inputCollection", feel_only=True, at=where)
            if collection is None:
                return
            loop = LoopDef(
                sequential=child.get("isSequential") == "true",
                input_collection=collection,
                input_element=zl.get("inputElement") or "",
                output_collection=output_collection,
            )
            if output_element:
                loop.output_element = self.expr(
                    output_element, element.id, "outputElement", feel_only=True, at=where
                )
            condition = child.find(f"{{{BPMN}}}completionCondition")
            if condition is not None and (condition.text or "").strip():
                # optional and not required to be an expression (a static one is an incident when evaluated)
                loop.completion_condition = self.expr(
                    condition.text, element.id, "completionCondition", at=mi
                )
            element.loop = loop

    # -- validation ---------------------------------------------------------------------------
    def validate(self, process: Process) -> None:
        add = self.problems.add
        elements = process.elements
        for flow in process.flows.values():
            source, target = elements.get(flow.source), elements.get(flow.target)
            if source is None or target is None:
                add(
                    flow.id,
                    f"sequence flow references unknown element "
                    f"'{flow.source if source is None else flow.target}'",
                )
                continue
            if source.scope_id != target.scope_id:
                add(flow.id, "a sequence flow must connect elements of the same (sub-)process")
                continue
            source.outgoing.append(flow)
            target.incoming.append(flow.id)
        for element in list(elements.values()):
            if element.kind == "process":
                continue
            self.validate_element(process, element)
        for container in [e for e in elements.values() if e.is_container]:
            self.validate_container(process, container)
        for element in elements.values():
            if element.boundaries:
                self.boundary_rules(element)

    def boundary_rules(self, activity: Element) -> None:
        """``ActivityValidator`` (``ModelUtil.verifyNoDuplicatedBoundaryEvents``) and, for a receive
        task, ``ReceiveTaskValidator``: no two boundary events wait for the same thing, nor for the
        receive task's own message."""
        boundaries = [self.by_id[b] for b in activity.boundaries]
        defs = [d for b in boundaries for d in scope_rules.definitions(b)]
        for problem in scope_rules.no_duplicated_catch_events(defs, self.ref_attr):
            self.problems.add(activity.id, problem)
        if activity.kind == "receiveTask":
            own = self.ref_attr(self.by_id[activity.id], "messageRef")
            name = own.get("name") if own is not None else None
            for definition in defs:
                if _local(definition.tag) != "messageEventDefinition":
                    continue
                message = self.ref_attr(definition, "messageRef")
                if name and message is not None and message.get("name") == name:
                    self.problems.add(
                        activity.id, "Cannot reference the same message name as a boundary event"
                    )

    def validate_element(self, process: Process, element: Element) -> None:
        add, eid, kind = self.problems.add, element.id, element.kind
        event_type = element.event.type if element.event else ""
        scope = process.elements[element.scope_id]
        in_esp = kind == "startEvent" and scope.triggered_by_event
        allowed_key = "startEvent@esp" if in_esp else kind
        if allowed_key in ALLOWED_EVENTS and event_type not in ALLOWED_EVENTS[allowed_key]:
            if not event_type and kind in ("boundaryEvent", "intermediateCatchEvent"):
                add(eid, "Must have exactly one event definition")
            elif in_esp and not event_type:
                pass  # SubProcessValidator's words, on the event sub-process (validate_container)
            elif allowed_key in WRONG_DEFINITION and event_type not in ZEEBE_RUNS_NOT_HERE:
                add(scope.id if in_esp else eid, WRONG_DEFINITION[allowed_key])
            else:
                what = f"{event_type} " if event_type else "none "
                add(eid, f"{what}{kind} is not supported here")
        if event_type in ZEEBE_REFUSES:  # on the event definition, after its event
            definition = self.by_id[eid].find(f"{{{BPMN}}}{event_type}EventDefinition")
            add(_path(eid, definition), "Event definition of this type is not supported")
        self.validate_interrupting(element, scope)
        self.single_extensions(eid, kind)
        either = EITHER_OR_JOB.get(kind)
        if either is not None:  # ScriptTaskValidator, BusinessRuleTaskValidator
            node = self.by_id[eid]
            if len(self.zeebe_all(node, either)) + len(self.zeebe_all(node, "taskDefinition")) != 1:
                add(
                    eid,
                    f"Must have either one 'zeebe:{either}' or one 'zeebe:taskDefinition' extension element",
                )
        elif (
            # user tasks without zeebe:taskDefinition become job-based user tasks (Zeebe's default type)
            (
                (kind in JOB_TASKS and kind != "userTask")
                or (event_type == "message" and kind in MESSAGE_THROWS)
            )
            and len(self.zeebe_all(self.by_id[eid], "taskDefinition")) != 1
        ):  # ExtensionElementsValidator (a service task: exactly one)
            add(eid, "Must have exactly one 'zeebe:taskDefinition' extension element")
        if (
            kind == "receiveTask"
            or (event_type == "message" and kind in ("intermediateCatchEvent", "boundaryEvent"))
            or (event_type == "message" and kind == "startEvent" and scope.triggered_by_event)
        ):
            assert element.event is not None or kind == "receiveTask"
            if kind == "receiveTask":
                self.receive_task_message(element)
            if element.event is not None and element.event.correlation_key is None:
                self.missing_subscription(element)
        if kind == "startEvent" and event_type in ("message", "signal") and scope.kind == "process":
            self.constant_start_name(element)
        if kind in ("exclusiveGateway", "inclusiveGateway"):
            if element.default_flow and element.default_flow not in {f.id for f in element.outgoing}:
                add(eid, "Default flow must start at gateway")  # ExclusiveGatewayValidator
            if len(element.outgoing) > 1:
                for flow in element.outgoing:
                    if (
                        flow.id not in self.conditioned and flow.id != element.default_flow
                    ):  # SequenceFlowValidator
                        add(
                            flow.id,
                            "Must have a condition or be default flow"
                            if kind == "exclusiveGateway"
                            else "Must have a condition",
                        )
        elif any(flow.id in self.conditioned for flow in element.outgoing):  # FlowNodeValidator
            add(eid, "Conditional sequence flows are only supported at exclusive or inclusive gateway")
        if kind == "eventBasedGateway":
            self.event_gateway_rules(process, element)
        if kind == "boundaryEvent":  # BoundaryEventValidator
            host = process.elements.get(element.attached_to or "")
            if host is None or not host.is_activity:
                add(eid, "Must be attached to an activity")
            else:
                host.boundaries.append(eid)
            if element.incoming:
                add(eid, "Cannot have incoming sequence flows")
        if kind == "startEvent" and element.incoming:
            add(eid, "a start event cannot have incoming sequence flows")
        if kind == "endEvent" and element.outgoing:  # EndEventValidator
            add(eid, "End events must not have outgoing sequence flows to other elements.")
        if kind == "subProcess" and element.triggered_by_event and (element.incoming or element.outgoing):
            add(eid, "an event sub-process cannot have incoming or outgoing sequence flows")
        if kind == "intermediateCatchEvent" and event_type == "link" and element.incoming:
            add(eid, "a link catch event cannot have incoming sequence flows")
        if (
            event_type == "error"
            and kind == "endEvent"
            and (element.event is None or element.event.code is None)
        ):  # ErrorEventDefinitionValidator
            definition = self.by_id[eid].find(f"{{{BPMN}}}errorEventDefinition")
            error = self.ref_attr(definition, "errorRef") if definition is not None else None
            add(
                _path(eid, definition, "errorEventDefinition"),
                "Must reference an error" if error is None else "ErrorCode must be present and not empty",
            )

    def single_extensions(self, eid: str, kind: str) -> None:
        """``ExtensionElementsDuplicationValidator``: no extension element twice where one is meant."""
        node = self.by_id[eid]
        flow_node = () if kind == "process" else FLOW_NODE_SINGLE_EXTENSIONS
        for name in (*flow_node, *SINGLE_EXTENSIONS.get(kind, ())):
            if len(self.zeebe_all(node, name)) > 1:
                self.problems.add(
                    eid,
                    f"Must have exactly one 'zeebe:{name}' extension element when exists. Please check "
                    "process definition XML and retain only one extension element.",
                )

    def event_gateway_rules(self, process: Process, gateway: Element) -> None:
        """``EventBasedGatewayValidator`` as 8.8 words it (conditional events came with 8.9): two or
        more ways out, each to a message / timer / signal catch event that waits for something no
        other does and that nothing else leads to."""
        add, eid = self.problems.add, gateway.id
        if len(gateway.outgoing) < 2:
            add(eid, "Event-based gateway must have at least 2 outgoing sequence flows.")
        targets = [process.elements[flow.target] for flow in gateway.outgoing]
        for target in targets:
            t_type = target.event.type if target.event else ""
            if target.kind != "intermediateCatchEvent" or t_type not in ("timer", "message", "signal"):
                add(
                    eid,
                    "Event-based gateway must not have an outgoing sequence flow to other elements than "
                    "message/timer/signal intermediate catch events.",
                )
        nodes = [self.by_id[t.id] for t in targets if t.kind == "intermediateCatchEvent"]
        for kind in ("message", "signal"):
            defs = [d for node in nodes for d in scope_rules.definitions(node, kind)]
            for problem in scope_rules.no_duplicated_event_definition(defs, self.ref_attr):
                add(eid, problem)
        if any(process.flows[f].source != eid for target in targets for f in target.incoming):
            add(
                eid,
                "Target elements of an event gateway must not have any additional incoming sequence flows "
                "other than that from the event gateway.",
            )

    def constant_start_name(self, element: Element) -> None:
        """Zeebe's ``ProcessMessageStartEventMessageNameValidator`` / ``…SignalStartEventSignalName…``
        (engine ``deployment/model/validation/``): a process's message or signal start event waits
        for one name, so an expression there must be constant; it is kept as its value."""
        event = element.event
        assert event is not None
        kind = event.type
        expression = event.message_name if kind == "message" else event.signal_name
        if expression is None or not expression.is_feel:
            return
        definition = self.by_id[element.id].find(f"{{{BPMN}}}{kind}EventDefinition")
        referred = self.ref_attr(definition, f"{kind}Ref") if definition is not None else None
        raw = referred.get("name") if referred is not None else expression.source
        try:
            value = expression.evaluate({})
        except ExpressionError as err:
            detail = err.__cause__ if err.__cause__ is not None else err
            self.problems.add(
                element.id,
                f"Expected constant expression but found '{raw}', which could not be evaluated without "
                f"context: {detail}",
            )
            return
        if not isinstance(value, str):
            self.problems.add(
                element.id,
                f"Expected constant expression of type String for {kind} name '{raw}', but was "
                f"{feel_type_name(value)}",
            )
            return
        constant = Expression(value)
        if kind == "message":
            event.message_name = constant
        else:
            event.signal_name = constant

    def validate_interrupting(self, element: Element, scope: Element) -> None:
        """``ModelUtil.verifyEventDefinition`` for boundary events (on the event) and event
        sub-process starts (on the sub-process), and ``IntermediateCatchEventValidator``'s timer rule:
        a timer cycle only where the event does not interrupt, and only some events may not interrupt."""
        event = element.event
        if event is None:
            return
        if (
            element.kind == "intermediateCatchEvent"
            and event.type == "timer"
            and event.timer_kind == "timeCycle"
        ):
            self.problems.add(
                element.id, "Intermediate timer catch event must have either a time duration or a time date."
            )
        if element.kind == "boundaryEvent":
            where, interrupting = element.id, element.cancel_activity
        elif element.kind == "startEvent" and scope.triggered_by_event:
            where, interrupting = scope.id, element.interrupting
        else:
            return
        if not interrupting and event.type not in MAY_NOT_INTERRUPT:
            self.problems.add(where, "Non-Interrupting event of this type is not allowed")
        if interrupting and event.type == "timer" and event.timer_kind == "timeCycle":
            self.problems.add(where, "Interrupting timer event with time cycle is not allowed.")

    def receive_task_message(self, element: Element) -> None:
        node = self.by_id[element.id]
        message = self.ref_attr(node, "messageRef")
        if message is None:  # ReceiveTaskValidator
            self.problems.add(element.id, "Must reference a message")
            return
        if not message.get("name"):  # MessageValidator, on the bpmn:message
            self.problems.add(
                message.get("id") or element.id, "Name must be present and not empty", message.sourceline
            )
            return
        event = EventDef(
            type="message",
            message_name=self.expr(message.get("name"), element.id, "message name", at=message.get("id")),
        )
        subscription = self.zeebe(message, "subscription")
        if subscription is not None and subscription.get("correlationKey"):
            event.correlation_key = self.expr(
                subscription.get("correlationKey"),
                element.id,
                "correlation key",
                feel_only=True,
                at=_subscription(message, element.id),
            )
        element.event = event

    def missing_subscription(self, element: Element) -> None:
        """Zeebe's ``MessageValidator`` names the bpmn:message, not the event that refers to it."""
        node = self.by_id[element.id]
        holder = node if element.kind == "receiveTask" else node.find(f"{{{BPMN}}}messageEventDefinition")
        message = self.ref_attr(holder, "messageRef") if holder is not None else None
        if message is None:
            return  # reported already: no message to subscribe to
        message_id = message.get("id") or element.id
        subscription = self.zeebe(message, "subscription")
        if subscription is None:
            self.problems.add(
                message_id, "Must have exactly one zeebe:subscription extension element", message.sourceline
            )
        elif not subscription.get("correlationKey"):  # a written one that failed is reported already
            self.problems.add(
                f"{message_id} > extensionElements > subscription",
                "Attribute 'correlationKey' must be present and not empty",
                message.sourceline,
            )

    def validate_container(self, process: Process, container: Element) -> None:
        add = self.problems.add
        children = [process.elements[c] for c in container.children]
        starts = [c for c in children if c.kind == "startEvent"]
        none_starts = [s for s in starts if s.event is None]
        container.event_subprocesses = [
            c.id for c in children if c.kind == "subProcess" and c.triggered_by_event
        ]
        if container.kind == "process":  # ProcessValidator
            if not starts:
                add(container.id, "Must have at least one start event")
            elif len(none_starts) > 1:
                add(container.id, "Multiple none start events are not allowed")
        elif len(starts) != 1:  # SubProcessValidator
            add(container.id, "Must have exactly one start event")
        elif container.triggered_by_event and starts[0].event is None:
            add(
                container.id,
                "Start events in event subprocesses must be one of: message, timer, error, signal or "
                "escalation",
            )
        elif not container.triggered_by_event and starts[0].event is not None:
            add(container.id, "Start events in subprocesses must be of type none")
        if none_starts:
            container.none_start = none_starts[0].id
        self.scope_rules(container)

    def scope_rules(self, container: Element) -> None:
        """The rest of ``ProcessValidator`` / ``SubProcessValidator``: ``ModelUtil``'s checks of the
        event sub-processes, (for a process) the signal and message start events, and link events."""
        node = self.by_id.get(container.id)
        if node is None:
            return
        resolve = self.ref_attr
        problems = scope_rules.no_duplicated_catch_events(scope_rules.event_subprocess_starts(node), resolve)
        if container.kind == "process":
            starts = [d for s in scope_rules.children(node, "startEvent") for d in scope_rules.definitions(s)]
            signals = [d for d in starts if _local(d.tag) == "signalEventDefinition"]
            problems += scope_rules.no_duplicated_event_definition(signals, resolve)
            messages: list[etree._Element] = []
            referred: list[etree._Element | None] = []
            for definition in starts:
                if _local(definition.tag) == "messageEventDefinition":
                    message = resolve(definition, "messageRef")
                    if message not in referred:  # only messages referred to by different elements
                        referred.append(message)
                        messages.append(definition)
            problems += scope_rules.no_duplicated_event_definition(messages, resolve)
            self.shared_start_messages()
        problems += scope_rules.link_events(node)
        for problem in problems:
            self.problems.add(container.id, problem)

    def shared_start_messages(self) -> None:
        """``MessageValidator``: a message that only start events refer to serves one start event,
        counted over every process of the file, as Zeebe counts them."""
        counts: dict[str, int] = {}
        for process in scope_rules.children(self.root, "process"):
            for start in scope_rules.children(process, "startEvent"):
                for definition in scope_rules.definitions(start, "message"):
                    message = self.ref_attr(definition, "messageRef")
                    if message is not None and message.get("id"):
                        counts[str(message.get("id"))] = counts.get(str(message.get("id")), 0) + 1
        referring = [
            (n.get("messageRef") or "").split(":")[-1] for n in self.root.iter() if n.get("messageRef")
        ]
        for message_id, count in counts.items():
            if count > 1 and referring.count(message_id) == count:
                self.problems.add(message_id, "A message cannot be referred by more than one start event")


def parse_resource(resource_name: str, content: bytes) -> tuple[list[Process], list[str]]:
    """Parse one BPMN resource; returns the processes and the problems (empty when valid)."""
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as err:
        return [], [f"'{resource_name}': line {err.lineno}: not well-formed XML: {err.msg}"]
    except ValueError as err:  # e.g. text with an encoding declaration instead of bytes
        return [], [f"'{resource_name}': not a BPMN XML document: {err}"]
    if _local(root.tag) != "definitions" or etree.QName(root.tag).namespace != BPMN:
        return [], [f"'{resource_name}': root element must be bpmn:definitions (BPMN 2.0 namespace {BPMN})"]
    duplicate = _duplicate_id(root)
    if duplicate is not None:
        return [], [f"'{resource_name}': {duplicate}"]
    parser_ = _Parser(resource_name, root)
    processes = parser_.parse()
    return processes, parser_.problems.items


def _duplicate_id(root: etree._Element) -> str | None:
    """The BPMN schema makes every ``id`` of a BPMN or diagram element an ``xs:ID``: Zeebe's parser
    (camunda-xml-model validating against it) stops at the first one given twice, and Zeebe answers
    ``'%s': <the SAX error>`` (``BpmnResourceTransformer.readProcessDefinition``), which camunda-xml-model's
    ``DomUtil.DomErrorHandler`` words ``Error: URI=null Line=N: `` + Xerces' ``cvc-id.2`` message."""
    seen: set[str] = set()
    for node in root.iter():
        if not isinstance(node.tag, str) or etree.QName(node.tag).namespace not in ID_NAMESPACES:
            continue
        node_id = node.get("id")
        if node_id is None:
            continue
        if node_id in seen:
            return (
                f"Error: URI=null Line={node.sourceline}: cvc-id.2: There are multiple occurrences of "
                f"ID value '{node_id}'."
            )
        seen.add(node_id)
    return None
