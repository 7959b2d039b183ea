"""What identity costs a REST call, on this machine, against a real `xietong engine serve`.

    .venv/bin/python benchmarks/identity_bench.py [--calls 300] [--tasks 400]

Prints the median and 95th percentile of: GET /v2/authentication/me unprotected, with HTTP basic
(the first call pays argon2id, later ones hit the minute-long cache), and with a client's bearer
token; then a clerk's and an admin's POST /v2/user-tasks/search over N open tasks spread over ten
departments (the clerk's rows are filtered before paging).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import grpc
import httpx
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.gateway.models import user_task_flow
from xietong.engine.gateway.local_server import LocalServer
from xietong.engine.identity.store import IdentityStore

PASSWORD = "benchmark-password-1"


def timed(client: httpx.Client, method: str, path: str, calls: int, **kwargs: object) -> list[float]:
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return samples


def show(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{label:<58} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms   (n={len(samples)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--tasks", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with (
            LocalServer(root / "open", root / "open.log") as server,
            httpx.Client(base_url=server.rest_url) as c,
        ):
            show("who am I, unprotected", timed(c, "GET", "/v2/authentication/me", args.calls))

        store = IdentityStore(root / "data")
        store.add_user("clerk", PASSWORD, roles=["clerk"], groups=["siyang.dept0"])
        store.add_user("admin", PASSWORD, roles=["admin"])
        token = store.add_client("bench", "worker")
        store.close()
        with LocalServer(root / "data", root / "engine.log") as server:
            with httpx.Client(base_url=server.rest_url, auth=("clerk", PASSWORD)) as clerk:
                show(
                    "who am I, HTTP basic: first call (argon2id)",
                    timed(clerk, "GET", "/v2/authentication/me", 1),
                )
                show(
                    "who am I, HTTP basic: later calls (cached check)",
                    timed(clerk, "GET", "/v2/authentication/me", args.calls),
                )
            headers = {"authorization": f"Bearer {token}"}
            with httpx.Client(base_url=server.rest_url, headers=headers) as worker:
                show("who am I, bearer token", timed(worker, "GET", "/v2/authentication/me", args.calls))

            with grpc.insecure_channel(server.address) as channel:
                stub = GatewayStub(channel)
                meta = [("authorization", f"Bearer {token}")]
                admin_meta = [
                    (
                        "authorization",
                        "Basic " + __import__("base64").b64encode(f"admin:{PASSWORD}".encode()).decode(),
                    )
                ]
                stub.DeployResource(
                    pb.DeployResourceRequest(
                        resources=[
                            pb.Resource(
                                name=f"d{i}.bpmn", content=user_task_flow(f"siyang_d{i}", f"siyang.dept{i}")
                            )
                            for i in range(10)
                        ]
                    ),
                    metadata=admin_meta,
                    timeout=60,
                )
                for n in range(args.tasks):
                    stub.CreateProcessInstance(
                        pb.CreateProcessInstanceRequest(
                            bpmnProcessId=f"siyang_d{n % 10}", version=-1, variables=json.dumps({})
                        ),
                        metadata=meta,
                        timeout=30,
                    )
            body = {"filter": {"state": "CREATED"}, "page": {"limit": 50}}
            with httpx.Client(base_url=server.rest_url, auth=("clerk", PASSWORD)) as clerk:
                seen = clerk.post("/v2/user-tasks/search", json=body).json()["page"]["totalItems"]
                show(
                    f"user-task search, clerk ({seen} of {args.tasks} tasks theirs)",
                    timed(clerk, "POST", "/v2/user-tasks/search", 50, json=body),
                )
            with httpx.Client(base_url=server.rest_url, auth=("admin", PASSWORD)) as admin:
                show(
                    f"user-task search, admin (all {args.tasks})",
                    timed(admin, "POST", "/v2/user-tasks/search", 50, json=body),
                )


if __name__ == "__main__":
    main()
