"""Deploying models to a Zeebe gateway: the embedded engine or a Camunda 8 cluster.

Zeebe deploys the resources of one DeployResource call all or nothing, so the models go in as few
calls as the gateway's message size allows (one, for the 81 generated models): a model the engine
refuses leaves the other models of its call undeployed, and the refusal names the resource.
Deploying an unchanged model again creates no new version (Zeebe's duplicate check), so deploying
the whole of bpmn/ after every ``bpmn generate`` is safe; the report says which models are new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

RESOURCE_SUFFIXES = (".bpmn", ".dmn", ".form")  # what Zeebe deploys; the embedded engine runs BPMN only
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


def find_models(paths: Sequence[Path]) -> list[Model]:
    """Files as given; folders searched for models (sorted, so calls and reports are stable)."""
    models: list[Model] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in RESOURCE_SUFFIXES and p.is_file())
            if not found:
                raise DeployError(f"{path}: no {', '.join(RESOURCE_SUFFIXES)} files in this folder")
            models.extend(Model(p, p.relative_to(path).as_posix(), p.stat().st_size) for p in found)
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


def plan_calls(
    models: Sequence[Model], max_message_bytes: int = ZEEBE_MAX_MESSAGE_BYTES
) -> list[list[Model]]:
    """Consecutive models grouped so that no call exceeds the gateway's message size."""
    budget = max_message_bytes - REQUEST_OVERHEAD_BYTES
    calls: list[list[Model]] = []
    size = 0
    for model in models:
        if model.size > budget:
            raise DeployError(
                f"{model.path}: {model.size:,} bytes is more than one call to the gateway may carry "
                f"({budget:,} of its {max_message_bytes:,}-byte message size)"
            )
        if not calls or size + model.size > budget:
            calls.append([])
            size = 0
        calls[-1].append(model)
        size += model.size
    return calls


async def deploy(channel: grpc.aio.Channel, calls: Sequence[Sequence[Model]]) -> list[DeployedProcess]:
    """Deploys call after call; stops at the first refusal, which says what the earlier calls did."""
    stub = GatewayStub(channel)
    deployed: list[DeployedProcess] = []
    for number, call in enumerate(calls, 1):
        request = pb.DeployResourceRequest(
            resources=[pb.Resource(name=model.name, content=model.path.read_bytes()) for model in call]
        )
        try:
            response = await stub.DeployResource(request, timeout=60)
        except grpc.aio.AioRpcError as error:
            done = (
                f"calls 1-{number - 1} of {len(calls)} were deployed ({len(deployed)} processes), "
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
            if deployment.WhichOneof("Metadata") != "process":
                continue
            process = deployment.process
            deployed.append(
                DeployedProcess(
                    bpmn_process_id=process.bpmnProcessId,
                    version=process.version,
                    process_definition_key=process.processDefinitionKey,
                    resource_name=process.resourceName,
                    # keys only grow: a process keyed before this deployment existed already
                    new=process.processDefinitionKey > response.key,
                )
            )
    return deployed
