"""Zeebe's checks across the catch events of one scope, in Zeebe 8.8's words, so a model Zeebe
refuses is refused here with the same text.

They are Zeebe's ``ModelUtil`` (camunda/camunda ``zeebe/bpmn-model/src/main/java/io/camunda/zeebe/
model/bpmn/util/ModelUtil.java``), which ``ProcessValidator``, ``SubProcessValidator`` and
``ActivityValidator`` (``…/validation/zeebe/``) call: no two catch events of one scope wait for the
same message, signal, link, error code or escalation code, and every link throw has its catch.
They read the XML as Zeebe's model API does (names as written, ``=`` expressions included).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from lxml import etree

from xietong import bpmn_vocabulary as bpmn

BPMN = bpmn.BPMN_NS

# ModelUtil.duplicatedMessageNames / duplicatedSignalNames / duplicatedLinkNames / noPairedLinkNames
DUPLICATED_MESSAGE = "Multiple message event definitions with the same name '{}' are not allowed."
DUPLICATED_SIGNAL = "Multiple signal event definitions with the same name '{}' are not allowed."
DUPLICATED_LINK = (
    "Multiple intermediate catch link event definitions with the same name '{}' are not allowed."
)
UNPAIRED_LINK = "Can't find an catch link event for the throw link event with the name '{}'."
# ModelUtil.verifyNoDuplicatedEscalationHandler / verifyNoDuplicatedErrorHandler
ESCALATION_CATCH_ALL_TWICE = (
    "The same scope can not contain more than one escalation catch event without escalation code. "
    "An escalation catch event without escalation code catches all escalations."
)
DUPLICATED_ESCALATION = (
    "Multiple escalation catch events with the same escalation code '{}' are not supported on the same scope."
)
ERROR_CATCH_ALL_TWICE = (
    "The same scope can not contain more than one error catch event without error code. "
    "An error catch event without error code catches all errors."
)
DUPLICATED_ERROR = (
    "Multiple error catch events with the same error code '{}' are not supported on the same scope."
)

Resolve = Callable[[etree._Element, str], "etree._Element | None"]


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def definitions(event: etree._Element, kind: str | None = None) -> list[etree._Element]:
    """The event definitions of an event (``messageEventDefinition`` …), of one ``kind`` if given."""
    found = [c for c in event if _local(c.tag).endswith("EventDefinition")]
    return [d for d in found if _local(d.tag) == f"{kind}EventDefinition"] if kind else found


def children(container: etree._Element, kind: str) -> list[etree._Element]:
    return list(container.iterchildren(f"{{{BPMN}}}{kind}"))


def _duplicates(names: Iterable[str]) -> list[str]:
    """``ModelUtil.getDuplicatedEntries``, in the order the names first appear."""
    counts = Counter(names)
    return [name for name, count in counts.items() if count > 1]


def _named(defs: list[etree._Element], kind: str, ref: str, resolve: Resolve) -> list[str]:
    names = []
    for definition in defs:
        if _local(definition.tag) != f"{kind}EventDefinition":
            continue
        referred = resolve(definition, ref)
        if referred is not None and referred.get("name"):
            names.append(str(referred.get("name")))
    return names


def no_duplicated_event_definition(defs: list[etree._Element], resolve: Resolve) -> list[str]:
    """``ModelUtil.verifyNoDuplicatedEventDefinition``: messages, signals and links by name."""
    problems = [
        DUPLICATED_MESSAGE.format(n) for n in _duplicates(_named(defs, "message", "messageRef", resolve))
    ]
    problems += [
        DUPLICATED_SIGNAL.format(n) for n in _duplicates(_named(defs, "signal", "signalRef", resolve))
    ]
    links = [str(d.get("name")) for d in defs if _local(d.tag) == "linkEventDefinition" and d.get("name")]
    problems += [DUPLICATED_LINK.format(n) for n in _duplicates(links)]
    return problems


def _no_duplicated_handler(
    defs: list[etree._Element], kind: str, resolve: Resolve, catch_all_twice: str, duplicated: str
) -> list[str]:
    """``verifyNoDuplicatedEscalationHandler`` / ``verifyNoDuplicatedErrorHandler``: at most one
    catch-all (no reference) and no code twice; a referenced element without a code counts as a
    second kind of catch-all."""
    referred = [resolve(d, f"{kind}Ref") for d in defs if _local(d.tag) == f"{kind}EventDefinition"]
    if not referred:
        return []
    problems = []
    if sum(1 for r in referred if r is None) > 1:
        problems.append(catch_all_twice)
    codes = Counter(r.get(f"{kind}Code") for r in referred if r is not None)
    for code, count in codes.items():
        if count > 1:
            problems.append(catch_all_twice if code is None else duplicated.format(code))
    return problems


def no_duplicated_catch_events(defs: list[etree._Element], resolve: Resolve) -> list[str]:
    """What ``verifyNoDuplicatedBoundaryEvents`` / ``verifyNoDuplicatedEventSubprocesses`` check."""
    return [
        *no_duplicated_event_definition(defs, resolve),
        *_no_duplicated_handler(
            defs, "escalation", resolve, ESCALATION_CATCH_ALL_TWICE, DUPLICATED_ESCALATION
        ),
        *_no_duplicated_handler(defs, "error", resolve, ERROR_CATCH_ALL_TWICE, DUPLICATED_ERROR),
    ]


def event_subprocess_starts(container: etree._Element) -> list[etree._Element]:
    """``getEventDefinitionsForEventSubprocesses``: the start events' definitions of the event
    sub-processes directly in ``container``."""
    return [
        definition
        for sub in children(container, "subProcess")
        if sub.get("triggeredByEvent") == "true"
        for start in children(sub, "startEvent")
        for definition in definitions(start)
    ]


def _link_catches(container: etree._Element) -> list[tuple[etree._Element, str]]:
    """Link catch definitions with their scope, nested sub-processes included (as Zeebe collects them)."""
    found = [
        (container, str(d.get("name") or ""))
        for catch in children(container, "intermediateCatchEvent")
        for d in definitions(catch, "link")
    ]
    for sub in children(container, "subProcess"):
        found += _link_catches(sub)
    return found


def link_events(container: etree._Element) -> list[str]:
    """``ModelUtil.verifyLinkIntermediateEvents``: no link name caught twice (anywhere below this
    scope), and every link thrown in this scope caught in this scope."""
    catches = _link_catches(container)
    problems = [DUPLICATED_LINK.format(n) for n in _duplicates(name for _, name in catches if name)]
    caught = {name for scope, name in catches if scope is container and name}
    thrown: list[str] = []
    for throw in children(container, "intermediateThrowEvent"):
        for definition in definitions(throw, "link"):
            name = str(definition.get("name") or "")
            if name and name not in thrown:
                thrown.append(name)
    problems += [UNPAIRED_LINK.format(n) for n in thrown if n not in caught]
    return problems
