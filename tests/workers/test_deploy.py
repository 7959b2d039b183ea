"""``xietong deploy`` against a real engine process: all of bpmn/, again unchanged, a refused call."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyzeebe import ZeebeClient, create_insecure_channel

from tests.gateway import models
from xietong.engine.gateway.local_server import LocalServer, free_port
from xietong.workers.deploy import DeployError, Model, deploy, find_models, models_below, plan_calls

REPO = Path(__file__).resolve().parents[2]
XIETONG = Path(sys.executable).with_name("xietong")
GENERATED_MODELS = sorted((REPO / "bpmn").rglob("*.bpmn"))
GENERATED_FORMS = sorted((REPO / "bpmn").rglob("*.form"))

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    tmp = tmp_path_factory.mktemp("deploy")
    with LocalServer(data_dir=tmp / "data", log_file=tmp / "engine.log") as running:
        yield running


def run_deploy(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XIETONG_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [str(XIETONG), "deploy", *args], capture_output=True, text=True, env=env, timeout=120
    )


def write_model(folder: Path, pid: str, content: bytes | None = None) -> Path:
    path = folder / f"{pid}.bpmn"
    path.write_bytes(content if content is not None else models.chain(pid, [f"{pid}-work"]))
    return path


def test_all_generated_models_deploy_and_a_second_run_changes_nothing(server: LocalServer) -> None:
    first = run_deploy("--address", server.address)
    assert first.returncode == 0, first.stderr
    count, forms = len(GENERATED_MODELS), len(GENERATED_FORMS)
    assert first.stdout.splitlines()[0] == (
        f"deployed {count} models to {server.address} in 1 call: {count} new process versions, "
        f"0 unchanged; {forms} new form versions, 0 unchanged"
    )
    assert "  new        siyang_joint_enforcement " in first.stdout
    assert "siyang/siyang_joint_enforcement.bpmn" in first.stdout  # named by its path below bpmn/
    assert "  new        form Form_siyang_" in first.stdout and "siyang/forms/Form_siyang_" in first.stdout

    again = run_deploy("--address", server.address, str(REPO / "bpmn"))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0].endswith(
        f"0 new process versions, {count} unchanged; 0 new form versions, {forms} unchanged"
    )
    assert "version 1 " in again.stdout and "version 2 " not in again.stdout


def test_a_model_goes_with_the_forms_it_links(tmp_path: Path) -> None:
    """bindingType="deployment" needs the form in the model's own call: a model given alone brings
    its forms from forms/ beside it, a form two calls need is in both, and a missing one is named."""
    siyang = REPO / "bpmn/siyang/siyang_joint_enforcement.bpmn"
    (call,) = plan_calls(find_models([siyang]))
    linked = set(re.findall(r'formId="([^"]+)"', siyang.read_text(encoding="utf-8")))
    assert call[0].path == siyang and {m.name for m in call[1:]} == {f"forms/{i}.form" for i in linked}

    form = tmp_path / "forms" / "Form_x.form"
    form.parent.mkdir()
    form.write_text('{"id": "Form_x", "components": []}', encoding="utf-8")
    task = '<zeebe:formDefinition formId="Form_x" bindingType="deployment"/>'
    for pid in ("one", "two"):
        model = models.chain(pid, ["w"]).replace(b"</bpmn:process>", task.encode() + b"</bpmn:process>")
        write_model(tmp_path, pid, model)
    found = find_models([tmp_path])
    calls = plan_calls(found, max_message_bytes=64 * 1024 + found[1].size + 2 * found[0].size - 1)
    names = [[m.name for m in c] for c in calls]
    assert names == [["one.bpmn", "forms/Form_x.form"], ["two.bpmn", "forms/Form_x.form"]]
    form.unlink()
    with pytest.raises(DeployError, match=r"one\.bpmn: links the form Form_x by deployment, but no such"):
        plan_calls(find_models([tmp_path]))


def test_a_changed_model_gets_a_new_version(server: LocalServer, tmp_path: Path) -> None:
    write_model(tmp_path, "deploy_versions")
    assert "version 1 " in run_deploy("--address", server.address, str(tmp_path)).stdout
    write_model(tmp_path, "deploy_versions", models.chain("deploy_versions", ["a", "second-step"]))
    result = run_deploy("--address", server.address, str(tmp_path / "deploy_versions.bpmn"))
    assert result.returncode == 0, result.stderr
    assert "  new        deploy_versions  version 2 " in result.stdout


def test_unchanged_means_the_same_content_under_the_same_name(server: LocalServer, tmp_path: Path) -> None:
    """Zeebe's duplicate check compares the resource name too: a model deployed by its file name
    (pyzeebe, Modeler) is a new version when this command deploys it by its path below the folder;
    deployed as the demo deploys bpmn/ (``models_below``), it is unchanged."""
    for folder in ("a/sub", "b/sub"):
        (tmp_path / folder).mkdir(parents=True)
    by_name = write_model(tmp_path / "a/sub", "deploy_by_name")
    by_path = write_model(tmp_path / "b/sub", "deploy_by_path")

    async def first() -> None:
        channel = create_insecure_channel(grpc_address=server.address)
        try:
            await ZeebeClient(channel).deploy_resource(str(by_name))  # named deploy_by_name.bpmn
            await deploy(channel, plan_calls(models_below(tmp_path / "b", [by_path])))  # sub/deploy_by_path
        finally:
            await channel.close()

    asyncio.run(first())
    renamed = run_deploy("--address", server.address, str(tmp_path / "a"))
    assert renamed.returncode == 0, renamed.stderr
    assert "  new        deploy_by_name  version 2 " in renamed.stdout, renamed.stdout
    same = run_deploy("--address", server.address, str(tmp_path / "b"))
    assert "  unchanged  deploy_by_path  version 1 " in same.stdout, same.stdout


def test_a_refused_model_leaves_its_whole_call_undeployed(server: LocalServer, tmp_path: Path) -> None:
    write_model(tmp_path, "deploy_good")
    broken = models.chain("deploy_bad", ["work"]).replace(b'targetRef="end"', b'targetRef="nowhere"')
    write_model(tmp_path, "deploy_bad", broken)
    refused = run_deploy("--address", server.address, str(tmp_path))
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        f"Error: {server.address}: the gateway refused the deployment "
        "(INVALID_ARGUMENT; nothing was deployed)"
    )
    assert "deploy_bad.bpmn" in refused.stderr and "nowhere" in refused.stderr
    # all or nothing: the good model of the refused call was not deployed, so now it is new
    alone = run_deploy("--address", server.address, str(tmp_path / "deploy_good.bpmn"))
    assert "  new        deploy_good  version 1 " in alone.stdout, alone.stdout


def test_calls_are_split_below_the_message_size_and_all_deploy(server: LocalServer, tmp_path: Path) -> None:
    paths = [write_model(tmp_path, f"deploy_split_{i}") for i in range(5)]
    models = find_models([tmp_path])
    size = paths[0].stat().st_size
    calls = plan_calls(models, max_message_bytes=64 * 1024 + 2 * size)  # room for two per call
    assert [len(call) for call in calls] == [2, 2, 1]

    async def go() -> list[str]:
        channel = create_insecure_channel(grpc_address=server.address)
        try:
            return [process.bpmn_process_id for process in await deploy(channel, calls)]
        finally:
            await channel.close()

    assert asyncio.run(go()) == [f"deploy_split_{i}" for i in range(5)]


def test_an_unreachable_gateway_is_one_line() -> None:
    address = f"127.0.0.1:{free_port()}"
    result = run_deploy("--address", address, str(GENERATED_MODELS[0]))
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"Error: {address}: no answer from the gateway (UNAVAILABLE; nothing was deployed)"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.bpmn", "missing.bpmn: no such file or folder"),
        ("empty", "empty: no .bpmn, .dmn, .form files in this folder"),
        ("notes.txt", "notes.txt: not a model (.bpmn, .dmn, .form files are deployed)"),
    ],
)
def test_bad_paths_are_named_before_anything_is_sent(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("not a model", encoding="utf-8")
    result = run_deploy("--address", f"127.0.0.1:{free_port()}", str(tmp_path / name))
    assert result.returncode == 2
    assert message in result.stderr


def test_two_files_deployed_under_one_name_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = write_model(tmp_path / "a", "same"), write_model(tmp_path / "b", "same")
    with pytest.raises(DeployError, match=r"would both be deployed as 'same\.bpmn'"):
        find_models([first, second])
    assert [model.name for model in find_models([tmp_path])] == ["a/same.bpmn", "b/same.bpmn"]


def test_a_model_larger_than_a_call_is_refused() -> None:
    big = Model(path=Path("big.bpmn"), name="big.bpmn", size=5 * 1024 * 1024)
    with pytest.raises(DeployError, match=r"big.bpmn: 5,242,880 bytes is more than one call"):
        plan_calls([big])
