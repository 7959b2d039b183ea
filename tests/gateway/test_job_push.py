"""Job push through a real pyzeebe streaming worker: once its stream is open, every job is activated for
the stream in the very commit that creates it (JOB CREATED and JOB ACTIVATED in one record chunk), not
by a later ActivateJobs poll.

No ``from __future__ import annotations`` here: pyzeebe inspects the handlers' annotations.
"""

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel

from tests.gateway import models
from tests.gateway.engine_process import RunningGateway
from xietong.engine.state.store import open_read_only


def _pushed_and_polled(data_dir: Path, instance_keys: list[int]) -> tuple[int, int]:
    """Jobs activated in the commit that created them (pushed) and jobs activated later (polled)."""
    db = open_read_only(data_dir / "engine.db")
    pushed = polled = 0
    try:
        for pi_key in instance_keys:
            created_in: dict[int, int] = {}
            activated_in: dict[int, int] = {}
            rows = db.execute(
                "SELECT position, records FROM records WHERE process_instance_key = ?", (pi_key,)
            )
            for position, chunk in rows:
                for _, key, value_type, intent, _, _ in json.loads(chunk):
                    if value_type == "JOB" and intent == "CREATED":
                        created_in[key] = position
                    elif value_type == "JOB" and intent == "ACTIVATED":
                        activated_in.setdefault(key, position)
            for key, position in created_in.items():
                if activated_in.get(key) == position:
                    pushed += 1
                else:
                    polled += 1
    finally:
        db.close()
    return pushed, polled


def test_a_streaming_pyzeebe_worker_gets_its_jobs_pushed_at_creation(
    gateway: RunningGateway, tmp_path: Path
) -> None:
    pid = f"push-{uuid.uuid4().hex[:8]}"
    types = [f"{pid}-a", f"{pid}-b", f"{pid}-c"]
    resource = tmp_path / f"{pid}.bpmn"
    resource.write_bytes(models.chain(pid, types))

    async def main() -> list[int]:
        channel = create_insecure_channel(grpc_address=gateway.address)
        client = ZeebeClient(channel)
        await client.deploy_resource(str(resource))
        # a long poll of 60 s: a job that is not pushed would wait for a wake-up of the poll instead
        worker = ZeebeWorker(
            channel, name="pushed", request_timeout=60_000, stream_enabled=True, stream_request_timeout=60
        )
        for job_type in types:

            @worker.task(task_type=job_type)
            async def step(n: int) -> dict[str, Any]:
                return {"n": n + 1}

        work = asyncio.create_task(worker.work())
        try:
            # the first instance opens the streams (its jobs may still come by polling)
            await client.run_process_with_result(pid, {"n": 0}, timeout=20_000)
            results = await asyncio.gather(
                *(client.run_process_with_result(pid, {"n": i}, timeout=20_000) for i in range(6))
            )
        finally:
            await worker.stop()
            work.cancel()
            await channel.close()
        assert sorted(r.variables["n"] for r in results) == [3, 4, 5, 6, 7, 8]
        return [r.process_instance_key for r in results]

    keys = asyncio.run(main())
    pushed, polled = _pushed_and_polled(gateway.server.data_dir, keys)
    assert (pushed, polled) == (18, 0)
