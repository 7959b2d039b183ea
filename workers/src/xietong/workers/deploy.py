"""Deploying models and their forms to a Zeebe gateway: the embedded engine or a Camunda 8 cluster.

Zeebe deploys the resources of one DeployResource call all or nothing, so the models go in as few
calls as the gateway's message size allows (one, for the generated models): a model the engine
refuses leaves the other models of its call undeployed, and the refusal names the resource.
A user task that links its form with ``bindingType="deployment"`` needs that form in the same
call (Zeebe refuses the model otherwise), so every model travels with the forms it links; a form
two calls need goes in both. Deploying an unchanged call again creates no new version (Zeebe's
duplicate check), so deploying the whole of bpmn/ after every ``bpmn generate`` is safe; the
report says which processes and forms are new.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from xietong.bpmn_vocabulary import ZEEBE_NS

RESOURCE_SUFFIXES = (".bpmn", ".dmn", ".form")  # what Zeebe deploys; the embedded engine: BPMN, forms
FORMS_DIR = "forms"  # where bpmn generate puts the forms of the models beside it
ZEEBE_MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # Zeebe's default maxMessageSize
REQUEST_OVERHEAD_BYTES = 64 * 1024  # names, framing and headers next to the resources' content
TOKEN_FAILURE = "Getting metadata from plugin failed with error:"  # grpc's words for a failed token fetch


class DeployError(Exception):
    """Nothing was sent, or a call was refused; the message names the file or the gateway's reason."""


@dataclass(frozen=True)
class Model:
    """A file to deploy and the resource name it gets: its path below the folder it was found in."""

    path: Path
    name: str
    size: int


@dataclass(frozen=True)
class DeployedProcess:
    bpmn_process_id: str
    version: int
    process_definition_key: int
    resource_name: str
    new: bool  # False: the gateway already had this exact model and kept its version


@dataclass(frozen=True)
class DeployedForm:
    form_id: str
    version: int
    form_key: int
    resource_name: str
    new: bool


def deployment_form_ids(model: Model) -> set[str]:
    """Form ids the model's user tasks link with ``bindingType="deployment"`` (not FEEL ids)."""
    if model.path.suffix != ".bpmn":
        return set()
    try:
        root = ElementTree.parse(model.path).getroot()
    except (OSError, ElementTree.ParseError):
        return set()  # the gateway (or the size check) names what is wrong with it
    return {
        form_id
        for el in root.iter(f"{{{ZEEBE_NS}}}formDefinition")
        if el.get("bindingType") == "deployment"
        and (form_id := (el.get("formId") or "").strip())
        and not form_id.startswith("=")
    }


def form_id_of(model: Model) -> str | None:
    try:
        data = json.loads(model.path.read_bytes())
    except (OSError, ValueError) as error:
        raise DeployError(f"{model.path}: not a readable form ({error})") from None
    form_id = data.get("id") if isinstance(data, dict) else None
    return form_id if isinstance(form_id, str) else None


def models_below(folder: Path, paths: Sequence[Path]) -> list[Model]:
    """Files found in ``folder``, named by their path below it. Zeebe's duplicate check compares the
    resource name as well as the content, so whoever deploys bpmn/ (this command, the demo) names
    the files this way, or the next deployment makes a new version of every unchanged model."""
    return [Model(p, p.relative_to(folder).as_posix(), p.stat().st_size) for p in paths]


def find_models(paths: Sequence[Path]) -> list[Model]:
    """Files as given; folders searched for models (sorted, so calls and reports are stable)."""
    models: list[Model] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in RESOURCE_SUFFIXES and p.is_file())
            if not found:
                raise DeployError(f"{path}: no {', '.join(RESOURCE_SUFFIXES)} files in this folder")
            models.extend(models_below(path, found))
        elif path.is_file():
            if path.suffix not in RESOURCE_SUFFIXES:
                raise DeployError(f"{path}: not a model ({', '.join(RESOURCE_SUFFIXES)} files are deployed)")
            models.append(Model(path, path.name, path.stat().st_size))
        else:
            raise DeployError(f"{path}: no such file or folder")
    names: dict[str, Path] = {}
    for model in models:
        if model.name in names and names[model.name] != model.path:
            raise DeployError(
                f"{model.path} and {names[model.name]} would both be deployed as {model.name!r}; "
                "deploy them from their parent folder, or one at a time"
            )
        names[model.name] = model.path
    return list({model.path.resolve(): model for model in models}.values())  # each file once


def _units(models: Sequence[Model]) -> list[list[Model]]:
    """Each model with the forms it links by deployment; a form no model links stands alone."""
    forms: dict[str, Model] = {}
    for model in models:
        if model.path.suffix == ".form":
            form_id = form_id_of(model)
            if form_id is not None:
                forms.setdefault(form_id, model)
    units: list[list[Model]] = []
    linked: set[Path] = set()
    for model in models:
        if model.path.suffix == ".form":
            continue
        wanted = sorted(deployment_form_ids(model))
        for form_id in wanted:  # a model given on its own brings its forms from forms/ beside it
            beside = model.path.parent / FORMS_DIR / f"{form_id}.form"
            if form_id not in forms and beside.is_file():
                forms[form_id] = Model(beside, f"{FORMS_DIR}/{beside.name}", beside.stat().st_size)
        missing = [form_id for form_id in wanted if form_id not in forms]
        if missing:
            raise DeployError(
                f"{model.path}: links the form{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                "by deployment, but no such .form file is among those to deploy (deploy the folder "
                "that holds its forms/)"
            )
        unit = [model, *(forms[form_id] for form_id in wanted)]
        linked.update(m.path for m in unit[1:])
        units.append(unit)
    units += [[m] for m in models if m.path.suffix == ".form" and m.path not in linked]
    return units


def plan_calls(
    models: Sequence[Model], max_message_bytes: int = ZEEBE_MAX_MESSAGE_BYTES
) -> list[list[Model]]:
    """Models (with their forms) grouped so that no call exceeds the gateway's message size."""
    budget = max_message_bytes - REQUEST_OVERHEAD_BYTES
    calls: list[list[Model]] = []
    size = 0
    for unit in _units(models):
        for model in unit:
            if model.size > budget:
                raise DeployError(
                    f"{model.path}: {model.size:,} bytes is more than one call to the gateway may carry "
                    f"({budget:,} of its {max_message_bytes:,}-byte message size)"
                )
        in_call = {m.path for m in calls[-1]} if calls else set()
        extra = [m for m in unit if m.path not in in_call]
        added = sum(m.size for m in extra)
        if not calls or size + added > budget:
            if sum(m.size for m in unit) > budget:
                raise DeployError(
                    f"{unit[0].path}: with its forms it is more than one call to the gateway may carry "
                    f"({budget:,} of its {max_message_bytes:,}-byte message size)"
                )
            calls.append([])
            size = 0
            extra = list(unit)
            added = sum(m.size for m in unit)
        calls[-1].extend(extra)
        size += added
    return calls


async def deploy(
    channel: grpc.aio.Channel, calls: Sequence[Sequence[Model]]
) -> list[DeployedProcess | DeployedForm]:
    """Deploys call after call; stops at the first refusal, which says what the earlier calls did."""
    stub = GatewayStub(channel)
    deployed: list[DeployedProcess | DeployedForm] = []
    for number, call in enumerate(calls, 1):
        request = pb.DeployResourceRequest(
            resources=[pb.Resource(name=model.name, content=model.path.read_bytes()) for model in call]
        )
        try:
            response = await stub.DeployResource(request, timeout=60)
        except grpc.aio.AioRpcError as error:
            done = (
                f"calls 1-{number - 1} of {len(calls)} were deployed "
                f"({sum(isinstance(d, DeployedProcess) for d in deployed)} processes), "
                f"call {number} was not"
                if number > 1
                else "nothing was deployed"
            )
            code = error.code().name
            token_failure = (error.details() or "").partition(TOKEN_FAILURE)[2]
            if token_failure:  # the OAuth token endpoint refused or could not be reached
                raise DeployError(f"no access token ({done}): {token_failure.strip()}") from None
            if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise DeployError(f"no answer from the gateway ({code}; {done}): {error.details()}") from None
            raise DeployError(
                f"the gateway refused the deployment ({code}; {done}):\n{error.details()}"
            ) from None
        for deployment in response.deployments:
            if deployment.WhichOneof("Metadata") == "form":
                form = deployment.form
                deployed.append(
                    DeployedForm(
                        form.formId,
                        form.version,
                        form.formKey,
                        form.resourceName,
                        new=form.formKey > response.key,  # as for processes: keys only grow
                    )
                )
                continue
            if deployment.WhichOneof("Metadata") != "process":
                continue
            process = deployment.process
            deployed.append(
                DeployedProcess(
                    bpmn_process_id=process.bpmnProcessId,
                    version=process.version,
                    process_definition_key=process.processDefinitionKey,
                    resource_name=process.resourceName,
                    # keys only grow, and Zeebe 8.8 takes the deployment's key before it makes the
                    # versions (DeploymentCreateProcessor): a key below it is a kept duplicate
                    new=process.processDefinitionKey > response.key,
                )
            )
    return deployed
