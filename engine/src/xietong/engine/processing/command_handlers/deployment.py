"""Deploy and delete process definitions; keep timer start events of the latest version armed."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, cast

from xietong.engine import commands as c
from xietong.engine.errors import DeploymentRejected, NotFound
from xietong.engine.expressions import ExpressionError
from xietong.engine.intents import Intent, ValueType
from xietong.engine.model import Process, parse_resource
from xietong.engine.model.form import FORM_SUFFIX, FormResource, parse_form
from xietong.engine.model.parser import TIMER_TYPES
from xietong.engine.model.validation_report import resource_failure
from xietong.engine.state.entities import Form, ProcessDefinition, Timer

if TYPE_CHECKING:
    from xietong.engine.processing.processor import Processor

BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml", ".xml")


_DECLARATION = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def xml_text(name: str, content: bytes) -> str:
    """A parsed BPMN resource as text in any encoding XML allows (a BOM, or the declaration's
    ``encoding=``: UTF-16, GBK, …), stored and served as UTF-8 with the declaration saying so."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif content.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        declared = _DECLARATION.match(content)
        encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        text = content.decode(encoding)
    except (LookupError, UnicodeDecodeError) as error:
        raise DeploymentRejected([f"'{name}': cannot be read as {encoding} text ({error})"]) from None
    return re.sub(
        r"""^(<\?xml[^>]*?encoding\s*=\s*["'])[^"']*(["'])""", r"\g<1>UTF-8\g<2>", text.lstrip("\ufeff")
    )


def _checksum(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class DeploymentHandler:
    def __init__(self, p: Processor) -> None:
        self.p = p

    def deploy(self, cmd: c.Deploy) -> c.DeploymentResult:
        """All or nothing, as Zeebe: every problem of every resource is reported, nothing is kept.

        Versions (Zeebe's ``BpmnResourceTransformer`` / ``FormResourceTransformer``): a resource equal
        to the newest version of its id (same checksum, same resource name) is a duplicate and keeps
        that version and key, unless the deployment holds something new: then every resource of it
        gets a new version, so that what was deployed together stays together
        (``bindingType="deployment"`` finds a process's forms in its own deployment). Clients tell
        new from unchanged by the keys: a new version's key is above the deployment's key.
        """
        p = self.p
        if not cmd.resources:
            raise DeploymentRejected(["Expected to deploy at least one resource, but none given"], alone=True)
        problems: list[str] = []
        parsed: list[tuple[str, bytes, Process]] = []
        forms: list[tuple[str, bytes, FormResource]] = []
        # typed (name, bytes), but a client's request may hold anything: checked, not trusted
        for name, content in cast("tuple[tuple[object, object], ...]", cmd.resources):
            if not isinstance(name, str) or not isinstance(content, bytes | bytearray):
                problems.append(
                    f"{name!r}: a resource is (name, bytes); got {type(content).__name__} content"
                )
                continue
            content = bytes(content)
            if name.lower().endswith(FORM_SUFFIX):
                form, form_problems = parse_form(name, bytes(content))
                problems += form_problems
                if form is not None:
                    forms.append((name, bytes(content), form))
                continue
            if not name.lower().endswith(BPMN_SUFFIXES):  # Zeebe's words, then why (DMN is Zeebe's)
                problems.append(
                    f"'{name}': unknown resource type; BPMN processes (.bpmn) and Camunda forms (.form) "
                    "are deployed, DMN decisions are not supported"
                )
                continue
            processes, resource_problems = parse_resource(name, content)
            if not resource_problems:
                try:
                    xml_text(name, content)  # refused here, before anything is stored
                except DeploymentRejected as error:
                    resource_problems = list(error.problems)
            problems += resource_problems
            parsed += [(name, content, process) for process in processes]
        for name, _, process in parsed:  # FEEL timer start events must evaluate without variables
            timer_errors: dict[str, list[str]] = {}
            for start in process.start_events("timer"):
                try:
                    p.events.timer_schedule(start, -1)
                except ExpressionError as err:  # TimerCatchEventExpressionValidator
                    kind = TIMER_TYPES.get(start.event.timer_kind if start.event else "", "cycle")
                    timer_errors[start.id] = [f"Invalid timer {kind} expression ({err})"]
            if timer_errors:
                problems.append(resource_failure(name, timer_errors))
        seen: dict[str, str] = {}
        for name, _, process in parsed:
            if process.id in seen:
                problems.append(f"Duplicated process id in resources '{seen[process.id]}' and '{name}'")
            seen.setdefault(process.id, name)
        form_names: dict[str, str] = {}
        for name, _, form in forms:
            if form.form_id in form_names:
                problems.append(
                    f"Expected the form ids to be unique within a deployment but found a duplicated id "
                    f"'{form.form_id}' in the resources '{form_names[form.form_id]}' and '{name}'."
                )
            form_names.setdefault(form.form_id, name)
        if not problems:  # Zeebe's DeploymentTransformer checks bindings only once every resource passed
            problems += _deployment_binding_problems(parsed, set(form_names))
        if problems:
            raise DeploymentRejected(problems)
        deployment_key = p.keys.next()
        latest_processes = [self._digest_holder(process.id, cmd.tenant_id) for _, _, process in parsed]
        latest_forms = [self._form_digest_holder(form.form_id, cmd.tenant_id) for _, _, form in forms]
        resources = [(name, content) for name, content, _ in parsed]
        resources += [(name, content) for name, content, _ in forms]
        latest_all: list[ProcessDefinition | Form | None] = [*latest_processes, *latest_forms]
        duplicates_only = all(
            latest is not None and latest.checksum == _checksum(content) and latest.resource_name == name
            for (name, content), latest in zip(resources, latest_all, strict=True)
        )
        metadata = []
        for (name, content, process), latest in zip(parsed, latest_processes, strict=True):
            if duplicates_only:
                assert latest is not None
                definition = latest
            else:
                definition = self._new_definition(name, content, process, cmd.tenant_id, deployment_key)
            metadata.append(
                c.ProcessMetadata(
                    definition.bpmn_process_id,
                    definition.version,
                    definition.key,
                    definition.resource_name,
                    definition.tenant_id,
                )
            )
        form_metadata = []
        for (name, content, form), latest_form in zip(forms, latest_forms, strict=True):
            if duplicates_only:
                assert latest_form is not None
                stored = latest_form
            else:
                stored = self._new_form(name, content, form, cmd.tenant_id, deployment_key)
            form_metadata.append(
                c.FormMetadata(
                    stored.form_id, stored.version, stored.key, stored.resource_name, stored.tenant_id
                )
            )
        p.record(
            ValueType.DEPLOYMENT,
            Intent.CREATED,
            deployment_key,
            -1,
            {
                "processes": [m.bpmn_process_id for m in metadata],
                "forms": [m.form_id for m in form_metadata],
            },
        )
        return c.DeploymentResult(deployment_key, tuple(metadata), cmd.tenant_id, tuple(form_metadata))

    def _digest_holder(self, bpmn_process_id: str, tenant_id: str) -> ProcessDefinition | None:
        """The version a resource is compared with: Zeebe keeps the checksum of the newest version
        only and forgets it when that version is deleted (``DbProcessState.deleteProcess``), so after
        deleting the newest version even the content of an older one deploys as a new version."""
        keys = self.p.state.definitions_by_id.get((bpmn_process_id, tenant_id), ())
        if not keys:
            return None
        newest = self.p.state.definitions[keys[-1]]
        return None if newest.deleted else newest

    def _form_digest_holder(self, form_id: str, tenant_id: str) -> Form | None:
        """As for processes (``DbFormState.deleteForm`` forgets the digest of a deleted newest version)."""
        versions = self.p.state.form_versions(form_id, tenant_id, deleted=True)
        return None if not versions or versions[-1].deleted else versions[-1]

    def _new_definition(
        self, name: str, content: bytes, process: Process, tenant_id: str, deployment_key: int
    ) -> ProcessDefinition:
        p = self.p
        versions = p.state.definitions_by_id.get((process.id, tenant_id), [])
        version = max((p.state.definitions[k].version for k in versions), default=0) + 1
        definition = ProcessDefinition(
            key=p.keys.next(),
            bpmn_process_id=process.id,
            version=version,
            resource_name=name,
            checksum=_checksum(content),
            tenant_id=tenant_id,
            deployment_key=deployment_key,
            resource=xml_text(name, content),
            deleted=False,
            version_tag=process.version_tag,
        )
        p.state.add_definition(definition)
        p.models[definition.key] = process
        p.record(
            ValueType.PROCESS,
            Intent.CREATED,
            definition.key,
            -1,
            {"bpmnProcessId": process.id, "version": version, "resourceName": name},
        )
        self.arm_start_timers(process.id, tenant_id)
        p.instances.start_events_changed()
        return definition

    def _new_form(
        self, name: str, content: bytes, form: FormResource, tenant_id: str, deployment_key: int
    ) -> Form:
        p = self.p
        versions = p.state.form_versions(form.form_id, tenant_id, deleted=True)  # numbers are never reused
        stored = Form(
            key=p.keys.next(),
            form_id=form.form_id,
            version=max((f.version for f in versions), default=0) + 1,
            resource_name=name,
            checksum=_checksum(content),
            tenant_id=tenant_id,
            deployment_key=deployment_key,
            resource=form.schema,
            version_tag=form.version_tag,
        )
        p.state.add_form(stored)
        p.record(
            ValueType.FORM,
            Intent.CREATED,
            stored.key,
            -1,
            {"formId": stored.form_id, "version": stored.version, "resourceName": name},
        )
        return stored

    def arm_start_timers(self, bpmn_process_id: str, tenant_id: str) -> None:
        """Only the latest version's timer start events are armed (Zeebe)."""
        p = self.p
        versions = set(p.state.definitions_by_id.get((bpmn_process_id, tenant_id), []))
        for key in list(p.state.timers_by_ei.get(-1, ())):
            timer = p.state.timers[key]
            if timer.def_key in versions:
                p.state.remove_timer(timer)
                p.record(ValueType.TIMER, Intent.CANCELED, timer.key, -1, {"elementId": timer.element_id})
        latest = p.state.latest_definition(bpmn_process_id, tenant_id)
        if latest is None:
            return
        for start in p.model(latest.key).start_events("timer"):
            due_ms, repetitions, interval = self._start_timer_schedule(latest.key, start.id)
            p.events.add_timer(
                Timer(
                    key=p.keys.next(),
                    ei_key=-1,
                    element_id=start.id,
                    def_key=latest.key,
                    pi_key=-1,
                    due_ms=due_ms,
                    repetitions=repetitions,
                    interval=interval,
                    tenant_id=tenant_id,
                )
            )

    def _start_timer_schedule(self, def_key: int, element_id: str) -> tuple[int, int, str]:
        """Validated at deployment, so it evaluates here."""
        return self.p.events.timer_schedule(self.p.model(def_key).elements[element_id], -1)

    def delete_resource(self, cmd: c.DeleteResource) -> None:
        p = self.p
        form = p.state.form(cmd.resource_key)
        if form is not None:
            self._delete_form(form)
            return
        definition = p.state.definitions.get(cmd.resource_key)
        if definition is None or definition.deleted:
            raise NotFound(f"Expected to delete resource but no resource found with key `{cmd.resource_key}`")
        definition.deleted = True
        p.state.touch(definition)
        p.record(
            ValueType.PROCESS,
            Intent.DELETED,
            definition.key,
            -1,
            {"bpmnProcessId": definition.bpmn_process_id, "version": definition.version},
        )
        self.arm_start_timers(definition.bpmn_process_id, definition.tenant_id)
        p.instances.start_events_changed()

    def _delete_form(self, form: Form) -> None:
        """The version goes; the previous one (if any) becomes the latest, as in Zeebe, and its number is
        not given out again (a tombstone keeps it)."""
        p = self.p
        form.deleted = True
        p.state.touch(form)
        p.record(
            ValueType.FORM, Intent.DELETED, form.key, -1, {"formId": form.form_id, "version": form.version}
        )


def _deployment_binding_problems(parsed: list[tuple[str, bytes, Process]], form_ids: set[str]) -> list[str]:
    """Zeebe refuses a process whose call activity or user task binds a process or form by deployment
    when it is not in the deployment (``BpmnDeploymentBindingValidator``: called elements, then form
    definitions). As there, only the process's own flow elements are looked at (``getFlowElements``,
    not inside sub-processes), and an id given as an expression is left to run time."""
    process_ids = {process.id for _, _, process in parsed}
    problems = []
    for name, _, process in parsed:
        errors: dict[str, list[str]] = {}
        top_level = [e for e in process.elements.values() if e.scope_id == process.id]
        for element in top_level:
            call = element.call
            if call is None or call.binding != "deployment" or call.process_id.is_feel:
                continue
            if call.process_id.source not in process_ids:
                errors[f"{element.id} > extensionElements > calledElement"] = [
                    f"Expected to find process with id '{call.process_id.source}' in current deployment, "
                    "but not found."
                ]
        for element in top_level:
            task = element.user_task
            if task is None or task.form_id is None or task.form_binding != "deployment":
                continue
            if task.form_id.is_feel:
                continue
            form_id = task.form_id.source
            if form_id not in form_ids:
                errors[f"{element.id} > extensionElements > formDefinition"] = [
                    f"Expected to find form with id '{form_id}' in current deployment, but not found."
                ]
        if errors:
            problems.append(resource_failure(name, errors))
    return problems
