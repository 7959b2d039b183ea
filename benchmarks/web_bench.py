"""The web pages' speed with a full engine: 10,000 open cases and 20,000 open user tasks.

Starts ``xietong engine serve`` (the pages mounted next to /v2), deploys a model whose cases wait at
two user tasks of one of 20 departments, starts the cases, then prints:
- server time of ``/tasks`` for one department and of ``/cases`` (first page), median of --samples
  requests on loopback (goal ≤ 300 ms each);
- the REST searches behind them: user tasks of one department and open process instances, first
  page (goal ≤ 100 ms each);
- the case page in headless Chromium: navigation start to the diagram drawn with its overlays
  (``#diagram[data-ready]``; goal ≤ 1.5 s);
- the JS + CSS a page loads, uncompressed (goal ≤ 1.5 MB), for the case page and a task page.

    .venv/bin/python benchmarks/web_bench.py [--cases 10000] [--samples 20]

The engine runs unprotected (the login is ``name@group``), so the figures are of the pages and the
REST layer, not of password hashing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pyzeebe.proto import gateway_pb2 as pb  # noqa: E402
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub  # noqa: E402

from xietong.engine.gateway.local_server import LocalServer  # noqa: E402

DEPARTMENTS = 20
PROCESS_ID = "bench_two_desks"


NODES = {  # id: (x, y, width, height), a left-to-right drawing for bpmn-js
    "start": (100, 182, 36, 36), "fork": (180, 175, 50, 50), "review": (280, 100, 100, 80),
    "check": (280, 240, 100, 80), "join": (430, 175, 50, 50), "end": (530, 182, 36, 36),
}  # fmt: skip
FLOWS = [("f1", "start", "fork"), ("f2", "fork", "review"), ("f3", "fork", "check"),
         ("f4", "review", "join"), ("f5", "check", "join"), ("f6", "join", "end")]  # fmt: skip


def model() -> bytes:
    """start -> fork -> two user tasks for the case's department -> join -> end, with its drawing."""
    task = (
        '<bpmn:userTask id="{id}" name="{name}"><bpmn:extensionElements><zeebe:userTask/>'
        '<zeebe:assignmentDefinition candidateGroups="=dept"/></bpmn:extensionElements></bpmn:userTask>'
    )

    def centre(node: str) -> tuple[int, int]:
        x, y, w, h = NODES[node]
        return x + w // 2, y + h // 2

    shapes = "".join(
        f'<bpmndi:BPMNShape id="{n}_di" bpmnElement="{n}">'
        f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}"/>'
        "</bpmndi:BPMNShape>"
        for n, (x, y, w, h) in NODES.items()
    )
    edges = "".join(
        f'<bpmndi:BPMNEdge id="{i}_di" bpmnElement="{i}"><di:waypoint x="{centre(s)[0]}" y="{centre(s)[1]}"/>'
        f'<di:waypoint x="{centre(t)[0]}" y="{centre(t)[1]}"/></bpmndi:BPMNEdge>'
        for i, s, t in FLOWS
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
        'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://bpmn.io/schema/bpmn">'
        f'<bpmn:process id="{PROCESS_ID}" name="两个环节的案件" isExecutable="true">'
        '<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/>'
        + task.format(id="review", name="审核")
        + task.format(id="check", name="核查")
        + '<bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>'
        + "".join(f'<bpmn:sequenceFlow id="{i}" sourceRef="{s}" targetRef="{t}"/>' for i, s, t in FLOWS)
        + '</bpmn:process><bpmndi:BPMNDiagram id="dia">'
        + f'<bpmndi:BPMNPlane id="plane" bpmnElement="{PROCESS_ID}">'
        + shapes
        + edges
        + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"
    ).encode()


async def start_cases(url: str, count: int, concurrency: int = 16) -> None:
    """The cases, ``concurrency`` REST calls at a time (setup only, not measured)."""
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:

        async def one(n: int) -> None:
            variables = {"caseId": f"BENCH-{n:05d}", "dept": f"bench.dept{n % DEPARTMENTS}"}
            body = {"processDefinitionId": PROCESS_ID, "variables": variables}
            for attempt in range(5):  # setup only: a connection the server closed is tried again
                try:
                    async with gate:
                        response = await client.post("/v2/process-instances", json=body)
                    break
                except httpx.TransportError:
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.5)
            assert response.status_code == 200, response.text

        await asyncio.gather(*(one(n) for n in range(count)))


def median_ms(samples: int, call: Callable[[], httpx.Response]) -> float:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:500]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="web-bench-"))
    server = LocalServer(
        data_dir=tmp / "engine", log_file=tmp / "engine.log", env={"XIETONG_LOG_LEVEL": "WARNING"}
    )
    server.start()
    try:
        with grpc.insecure_channel(server.address) as channel:
            GatewayStub(channel).DeployResource(
                pb.DeployResourceRequest(resources=[pb.Resource(name="bench.bpmn", content=model())])
            )
        rest = server.rest
        started = time.perf_counter()
        asyncio.run(start_cases(server.rest_url, args.cases))
        print(f"setup: {args.cases} cases started in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        tasks = rest.post(
            "/v2/user-tasks/search", json={"filter": {"state": "CREATED"}, "page": {"limit": 1}}
        )
        total_tasks = tasks.json()["page"]["totalItems"]
        web = httpx.Client(base_url=server.rest_url, timeout=60, follow_redirects=False)
        page = web.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
        login = web.post(
            "/login", data={"username": "bench@bench.dept3", "password": "", "csrf": csrf, "next": "/tasks"}
        )
        assert login.status_code == 303, login.text[:300]

        figures = {
            "open cases": args.cases,
            "open user tasks": total_tasks,
            "baseline: GET /v2/topology round trip (ms)": median_ms(
                args.samples, lambda: rest.get("/v2/topology")
            ),
            "REST user-task search, one department, first page (ms)": median_ms(
                args.samples, lambda: rest.post(
                "/v2/user-tasks/search",
                json={"filter": {"state": "CREATED", "candidateGroup": {"$in": ["bench.dept3"]}},
                      "sort": [{"field": "creationDate"}], "page": {"limit": 50}})),
            "REST process-instance search, open, first page (ms)": median_ms(args.samples, lambda: rest.post(
                "/v2/process-instances/search",
                json={"filter": {"state": "ACTIVE"}, "page": {"limit": 50},
                      "sort": [{"field": "hasIncident", "order": "DESC"}, {"field": "startDate"}]})),
            "/tasks, one department (ms)": median_ms(args.samples, lambda: web.get("/tasks")),
            "/cases, first page (ms)": median_ms(args.samples, lambda: web.get("/cases")),
        }  # fmt: skip
        instance = rest.post("/v2/process-instances/search", json={"page": {"limit": 1}}).json()["items"][0]
        task = rest.post("/v2/user-tasks/search", json={"filter": {"candidateGroup": "bench.dept3"},
                                                        "page": {"limit": 1}}).json()["items"][0]  # fmt: skip
        figures.update(browser_figures(server.rest_url, web.cookies, instance["processInstanceKey"],
                                       task["userTaskKey"]))  # fmt: skip
        web.close()
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for name, value in figures.items():
            print(f"{name:60s} {value:10.1f}" if isinstance(value, float) else f"{name:60s} {value:10d}")
        print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()},
                         ensure_ascii=False))  # fmt: skip
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def browser_figures(url: str, cookies: httpx.Cookies, instance: str, task: str) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.add_cookies([{"name": name, "value": value, "url": url} for name, value in cookies.items()])
        page = context.new_page()
        figures: dict[str, float] = {}
        for label, path, ready in (
            ("case page", f"/cases/{instance}", "#diagram[data-ready=true]"),
            ("task page", f"/tasks/{task}", "h1"),
        ):
            times = []
            for _ in range(3):
                page.goto(f"{url}{path}")
                try:
                    page.wait_for_selector(ready, timeout=15_000, state="attached")
                except Exception:
                    print(page.url, page.locator("main").inner_text()[:500], file=sys.stderr)
                    raise
                times.append(page.evaluate("performance.now()"))
            if label == "case page":
                figures["case page interactive, diagram and overlays (ms)"] = statistics.median(times)
            assets = page.evaluate(
                """() => performance.getEntriesByType('resource')
                     .filter(e => /\\.(js|css)(\\?|$)/.test(e.name))
                     .reduce((sum, e) => sum + e.decodedBodySize, 0)"""
            )
            figures[f"JS + CSS of the {label}, uncompressed (KB)"] = assets / 1024
        browser.close()
    return figures


if __name__ == "__main__":
    main()
