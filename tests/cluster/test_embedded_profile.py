"""The compose file's ``embedded`` profile, run here without Docker: the same command lines and the
same variables (compose's ``environment`` over each image's ``ENV``), started in compose's dependency
order, with a real case going through.

Only what a container network provides is replaced, and nothing else: the host names ``gateway``
and ``postgres`` and the ``0.0.0.0`` listen addresses become loopback with free ports, the case
store's URL names this test's PostgreSQL server, and the images' folders (/app, /var/lib/xietong)
are this checkout and a temporary folder. The test asserts that the variable names are unchanged.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.cluster.compose import (
    DOCKERFILES,
    REPO,
    dockerfile_env,
    dockerfile_stages,
    example_env,
    exec_form,
    load_compose,
    profiles_of,
    service_env,
)
from tests.workers.engine_harness import CHAIN_PROCESS_ID, chain_model
from xietong.engine.gateway.local_server import free_port

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
DEADLINE_S = 90.0
POSTGRES_URL = os.environ.get("XIETONG_CASE_STORE_URL", "")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema on the suite's PostgreSQL server (scripts/test starts one)."""
    if not POSTGRES_URL.startswith(("postgresql://", "postgres://")):
        pytest.skip("XIETONG_CASE_STORE_URL does not name a PostgreSQL server (scripts/test sets it)")
    import psycopg

    schema = f"xietong_compose_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-c search_path={schema}')}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def start_order(services: dict[str, dict[str, Any]]) -> list[str]:
    """Compose's order: a service after everything it depends on (that exists in the profile)."""
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for target in services[name].get("depends_on") or {}:
            if target in services:
                visit(target)
        ordered.append(name)

    for name in services:
        visit(name)
    return ordered


class Stack:
    """The embedded profile's services as processes on this machine."""

    def __init__(self, tmp: Path, postgres_url: str) -> None:
        compose = load_compose(example_env(COMPOSE_PROFILES="embedded"))
        self.services = profiles_of(compose, "embedded")
        self.tmp = tmp
        self.ports = {26500: free_port(), 8080: free_port(), 8090: free_port()}
        self.postgres_url = postgres_url
        self.logs: dict[str, Path] = {}

    def localise(self, value: str) -> str:
        """What the container network and the images' folders are, here."""
        value = re.sub(r"postgresql://[^@\s]+@postgres:5432/\w+", lambda _: self.postgres_url, value)
        for port, here in self.ports.items():
            value = re.sub(rf"\b(gateway|0\.0\.0\.0):{port}\b", f"127.0.0.1:{here}", value)
        value = value.replace("/var/lib/xietong", str(self.tmp / "var-lib-xietong"))
        value = re.sub(
            r"^/app/frontend(?=/|$)", str(REPO / "web" / "frontend"), value
        )  # COPY --from=frontend
        return re.sub(r"^/app(?=/|$)", str(REPO), value)

    def image_env(self, name: str) -> dict[str, str]:
        image = self.services[name]["image"].split(":")[0].removeprefix("xietong/")
        _, stages = dockerfile_stages(DOCKERFILES[image])
        return {k: v for k, v in dockerfile_env(stages[-1]).items() if k.startswith(("XIETONG_", "PYTHON"))}

    def environment(self, name: str) -> dict[str, str]:
        """The image's ENV overridden by compose's environment, as Docker merges them."""
        declared = {**self.image_env(name), **service_env(self.services[name])}
        here = {key: self.localise(value) for key, value in declared.items()}
        assert set(here) == set(declared)
        base = {k: v for k, v in os.environ.items() if not k.startswith("XIETONG_")}
        base["PATH"] = f"{BIN}{os.pathsep}{base['PATH']}"  # the image's PATH starts with its venv
        return {**base, **here}

    def argv(self, name: str) -> list[str]:
        command = self.services[name]["command"]
        assert command[0] == "xietong", command
        return [str(BIN / "xietong"), *command[1:]]

    @contextmanager
    def running(self, name: str) -> Iterator[subprocess.Popen[bytes]]:
        log_path = self.tmp / f"{name}.log"
        self.logs[name] = log_path
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                self.argv(name), env=self.environment(name), cwd=REPO, stdout=log, stderr=subprocess.STDOUT
            )

        def stop() -> int | None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            return process.wait(timeout=60)

        try:
            yield process
        except BaseException:
            stop()  # the test's own failure is the one to report
            raise
        code = stop()
        # uvicorn (the web app) re-raises SIGTERM after a graceful shutdown; Docker counts both as a stop
        clean = (0, -signal.SIGTERM) if name == "web" else (0,)
        assert code in clean, f"{name} exited {code}\n{log_path.read_text(errors='replace')[-3000:]}"

    def healthcheck(self, name: str) -> list[str]:
        image = self.services[name]["image"].split(":")[0].removeprefix("xietong/")
        _, stages = dockerfile_stages(DOCKERFILES[image])
        (instruction,) = stages[-1].all("HEALTHCHECK")
        command = exec_form(instruction)
        assert command[0] == "python"
        return [sys.executable, *command[1:]]

    def wait_healthy(self, name: str, process: subprocess.Popen[bytes]) -> None:
        """Runs the image's HEALTHCHECK until it passes, as Docker would before service_healthy."""
        started = time.monotonic()
        deadline = started + DEADLINE_S
        while True:
            check = subprocess.run(
                self.healthcheck(name), env=self.environment(name), capture_output=True, timeout=30
            )
            if check.returncode == 0:
                print(f"{name} healthy after {time.monotonic() - started:.1f} s")
                return
            assert process.poll() is None, f"{name} exited\n{self.logs[name].read_text(errors='replace')}"
            assert time.monotonic() < deadline, f"{name} never healthy\n{self.logs[name].read_text()}"

    def log(self) -> str:
        return "\n".join(f"--- {n}\n{p.read_text(errors='replace')[-2000:]}" for n, p in self.logs.items())


def test_the_embedded_profile_runs_with_its_own_commands_and_variables(
    tmp_path: Path, postgres_url: str
) -> None:
    stack = Stack(tmp_path, postgres_url)
    order = start_order(stack.services)
    assert order.index("engine") < order.index("deploy") < order.index("workers")
    assert order.index("postgres") < order.index("workers")
    rest = f"http://127.0.0.1:{stack.ports[8080]}"
    web = f"http://127.0.0.1:{stack.ports[8090]}"
    with ExitStack() as running:
        # engine: service_healthy by the image's HEALTHCHECK
        engine = running.enter_context(stack.running("engine"))
        stack.wait_healthy("engine", engine)
        assert (tmp_path / "var-lib-xietong" / "engine" / "engine.db").exists(), "the engine volume's path"
        # deploy: one-shot, must complete successfully before the workers start
        deploy = subprocess.run(
            stack.argv("deploy"),
            env=stack.environment("deploy"),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        deployed = re.search(
            r"deployed \d+ models? to 127\.0\.0\.1:\d+ .*: (\d+) new process versions", deploy.stdout
        )
        assert deployed and int(deployed.group(1)) >= 50, deploy.stdout[:500]  # every model in bpmn/
        # workers (on PostgreSQL) and web
        workers = running.enter_context(stack.running("workers"))
        web_process = running.enter_context(stack.running("web"))
        stack.wait_healthy("web", web_process)
        stack.wait_healthy("workers", workers)

        # a case of service tasks only (the workers' own test model), deployed with the same command
        model = tmp_path / "service_chain.bpmn"
        model.write_text(chain_model(), encoding="utf-8")
        extra = subprocess.run(
            [*stack.argv("deploy"), str(model)],
            env=stack.environment("deploy"),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert extra.returncode == 0, extra.stdout + extra.stderr
        with httpx.Client(base_url=rest, timeout=30) as http:
            created = http.post("/v2/process-instances", json={"processDefinitionId": CHAIN_PROCESS_ID})
            assert created.status_code == 200, created.text
            # and a generated model's case, which waits for a person (the drain report below sees it)
            published = http.post(
                "/v2/messages/publication",
                json={"name": "administrative_approval_made", "variables": {"caseId": "WY-COMPOSE-1"}},
            )
            assert published.status_code == 200, published.text
        from xietong.workers.case_store import CaseStatus, CaseStore

        with CaseStore(postgres_url) as store:  # the workers write the PostgreSQL case store
            deadline = time.monotonic() + DEADLINE_S
            while not store.cases(CaseStatus.ARCHIVED):
                assert time.monotonic() < deadline, "the workers never archived the case\n" + stack.log()
                assert workers.poll() is None, stack.log()
                time.sleep(0.1)  # polling interval; the loop ends on the case store's state
            [case] = store.cases(CaseStatus.ARCHIVED)
            assert len(store.events(case.case_id)) == 5

        # the web app reads the same engine over REST
        with httpx.Client(base_url=web, timeout=30) as http:
            assert http.get("/healthz").status_code == 200

        # and the drain report sees the open case on this engine
        status = subprocess.run(
            [str(BIN / "xietong"), "migrate", "status", "--from", rest, "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            env=stack.environment("workers"),
        )
        assert status.returncode == 3, status.stdout + status.stderr
        report = json.loads(status.stdout)
        assert report["open"] == 1 and report["byProcess"] == {"wuyi_information_copying": 1}
        assert report["cases"][0]["waitingAt"], report
