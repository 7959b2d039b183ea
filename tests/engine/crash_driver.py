"""A real engine process under load, for the crash-recovery test: it is killed with SIGKILL mid-run.

Prints one line per acknowledged command ("created <key>" / "completed <job key>") only after the
command's future resolved, i.e. after its commit. Usage: python crash_driver.py DATA_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from xietong.engine import Engine
from xietong.engine.commands import ActivateJobs, CompleteJob, CreateProcessInstance, Deploy
from xietong.engine.testing import bpmn, chain, service_task
from xietong.logging import configure_logging

STEPS = 5
MODEL = bpmn(
    '<bpmn:startEvent id="s"/>'
    + "".join(service_task(f"t{i}", f"step{i}") for i in range(STEPS))
    + '<bpmn:endEvent id="e"/>'
    + chain("s", *[f"t{i}" for i in range(STEPS)], "e"),
    process_id="crash",
)


def main() -> None:
    configure_logging("WARNING")  # logs to stderr; stdout carries only acknowledgements
    out = sys.stdout
    with Engine(Path(sys.argv[1])) as engine:
        engine.execute(Deploy((("crash.bpmn", MODEL),)))
        while True:  # until killed
            creates = [
                engine.submit(CreateProcessInstance(bpmn_process_id="crash", variables={"n": i}))
                for i in range(50)
            ]
            for future in creates:
                out.write(f"created {future.result().process_instance_key}\n")
            for step in range(STEPS):
                jobs = engine.execute(ActivateJobs(f"step{step}", "driver", 600_000, 200))
                completes = [
                    (job, engine.submit(CompleteJob(job.key, {f"done{step}": True}))) for job in jobs
                ]
                for job, future in completes:
                    future.result()
                    out.write(f"completed {job.key}\n")
            out.flush()


if __name__ == "__main__":
    main()
