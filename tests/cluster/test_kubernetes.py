"""deploy/k8s against Kubernetes' own schemas (kubernetes-validate ships them), and
deploy/helm/camunda-values.yaml against the key names of Camunda's chart 13.12.7.

No cluster and no helm binary run here: the manifests are schema-checked, not applied, and
Camunda's chart is not rendered (docs/cluster.md says so)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.compose import OUR_SERVICES, REPO, environment_names, settings_classes

K8S = REPO / "deploy" / "k8s"
HELM_VALUES = REPO / "deploy" / "helm" / "camunda-values.yaml"
CHART_KEYS = Path(__file__).with_name("camunda-platform-13.12.7-keys.txt")
VALIDATE = Path(sys.executable).with_name("kubernetes-validate")
KUBERNETES = "1.33.0"  # a version every maintained cluster runs or has passed


def manifests() -> list[Path]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    return [K8S / name for name in kustomization["resources"]]


def documents() -> list[dict[str, Any]]:
    return [
        doc for path in manifests() for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc
    ]


def validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    if not VALIDATE.exists():
        pytest.fail(f"{VALIDATE} missing: scripts/bootstrap installs the test group")
    return subprocess.run(
        [str(VALIDATE), "--strict", "-k", KUBERNETES, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_kustomization_lists_every_manifest() -> None:
    listed = {path.name for path in manifests()}
    present = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


def test_manifests_follow_the_kubernetes_schemas_strictly() -> None:
    result = validate(*manifests())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed") == len(documents())


def test_the_schema_check_rejects_a_misspelt_field(tmp_path: Path) -> None:
    broken = tmp_path / "workers.yaml"
    broken.write_text(
        (K8S / "workers.yaml").read_text(encoding="utf-8").replace("readinessProbe", "readynessProbe")
    )
    result = validate(broken)
    assert result.returncode != 0
    assert "readynessProbe" in result.stdout + result.stderr


def containers() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for doc in documents():
        if doc["kind"] in ("Deployment", "Job"):
            for container in doc["spec"]["template"]["spec"]["containers"]:
                found.append((doc["kind"], container))
    return found


def test_long_running_containers_have_probes_and_every_container_resource_requests() -> None:
    assert {c["name"] for _, c in containers()} == {"deploy", "workers", "web"}
    for kind, container in containers():
        requests = container["resources"]["requests"]
        assert {"cpu", "memory"} <= set(requests), container["name"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        if kind == "Deployment":
            assert "readinessProbe" in container and "livenessProbe" in container, container["name"]


def test_images_are_pinned_to_the_kustomization_tags() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    tags = {image["name"]: image["newTag"] for image in kustomization["images"]}
    for _, container in containers():
        name, _, tag = container["image"].partition(":")
        assert tag and tag != "latest", container["image"]
        assert tags[name] == tag, container["image"]


def test_every_variable_is_a_setting_of_the_component_that_reads_it() -> None:
    config = next(doc for doc in documents() if doc["kind"] == "ConfigMap")
    image_service = {"xietong/workers": "workers", "xietong/web": "web"}
    for _, container in containers():
        known = environment_names(
            settings_classes(OUR_SERVICES[image_service[container["image"].split(":")[0]]])
        )
        passed = {env["name"] for env in container.get("env", [])}
        if any(
            source.get("configMapRef", {}).get("name") == config["metadata"]["name"]
            for source in container.get("envFrom", [])
        ):
            passed |= set(config["data"])
        unknown = {name for name in passed if name.startswith("XIETONG_")} - known
        assert not unknown, f"{container['name']}: {sorted(unknown)}"


def test_the_clients_dial_the_gateway_service_of_the_helm_release() -> None:
    """Release "camunda" of camunda-platform 13.x names its gateway service camunda-zeebe-gateway."""
    config = next(doc for doc in documents() if doc["kind"] == "ConfigMap")
    assert config["data"]["XIETONG_ZEEBE_ADDRESS"] == "camunda-zeebe-gateway:26500"
    web = next(c for _, c in containers() if c["name"] == "web")
    env = {e["name"]: e.get("value") for e in web["env"]}
    assert env["XIETONG_WEB_API"] == "http://camunda-zeebe-gateway:8080"
    assert "helm install camunda " in HELM_VALUES.read_text(encoding="utf-8")


def _paths(values: dict[str, Any], prefix: str = "") -> list[str]:
    found = []
    for key, value in values.items():
        path = f"{prefix}.{key}" if prefix else key
        found.append(path)
        if isinstance(value, dict) and value:
            found += _paths(value, path)
    return found


def test_helm_values_use_only_keys_of_the_chart_and_ask_for_three_replicated_partitions() -> None:
    values = yaml.safe_load(HELM_VALUES.read_text(encoding="utf-8"))
    chart = {
        line.strip()
        for line in CHART_KEYS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    unknown = [path for path in _paths(values) if path not in chart]
    assert not unknown, f"not keys of camunda-platform 13.12.7: {unknown}"
    orchestration = values["orchestration"]
    assert (
        orchestration["clusterSize"],
        orchestration["partitionCount"],
        orchestration["replicationFactor"],
    ) == (
        "3",
        "3",
        "3",
    )
    assert values["elasticsearch"]["master"]["replicaCount"] == 3
    assert orchestration["podDisruptionBudget"] == {"enabled": True, "maxUnavailable": 1}
    # no password in the values: the admin's comes from a Secret
    assert orchestration["security"]["initialization"]["users"] == []
    password = next(e for e in orchestration["env"] if e["name"].endswith("USERS_0_PASSWORD"))
    assert "valueFrom" in password and "value" not in password


def test_the_key_check_catches_a_misspelt_key() -> None:
    chart = set(CHART_KEYS.read_text(encoding="utf-8").splitlines())
    assert "orchestration.partitionCount" in chart
    assert "orchestration.partitionsCount" not in chart
