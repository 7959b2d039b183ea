"""Job push: a job created for a type with open streams is activated for one of them in the same batch,
streams take turns, a stream that cannot take jobs leaves them for polling, and a job pushed to a
stream that never delivers it times out and comes back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from xietong.engine import Clock
from xietong.engine.commands import ActivatedJob, ActivateJobs, CompleteJob
from xietong.engine.job_push import JobStream
from xietong.engine.testing import Harness, bpmn, one_task

MODEL = bpmn(one_task("push"))


class Sink:
    """A stream's receiving end, as the gateway's would be; ``open`` False stops it taking jobs."""

    def __init__(self, name: str, timeout_ms: int = 60_000) -> None:
        self.jobs: list[ActivatedJob] = []
        self.open = True
        self.stream = JobStream("push", name, timeout_ms, self.jobs.extend, lambda: self.open, ("caseId",))


def _state(h: Harness, key: int) -> str:
    return h.engine.query(lambda p: p.state.jobs[key].state)


def test_a_job_is_activated_for_a_stream_in_the_batch_that_creates_it(h: Harness) -> None:
    h.deploy(MODEL)
    sink = Sink("streamer")
    h.engine.add_job_stream(sink.stream)
    pi = h.start(variables={"caseId": "A-1", "other": 1})
    # the creating command is answered after the commit: the job is already activated and handed over
    (job,) = sink.jobs
    assert job.process_instance_key == pi and job.worker == "streamer" and job.variables == {"caseId": "A-1"}
    assert _state(h, job.key) == "ACTIVATED"
    assert h.jobs("push") == ()  # nothing left for polling
    assert h.intents(pi, "JOB") == ["JOB:CREATED:t", "JOB:ACTIVATED:"]  # no elementId on ACTIVATED
    h.engine.execute(CompleteJob(job.key))
    assert h.state(pi) == "COMPLETED"


def test_streams_of_a_type_take_turns(h: Harness) -> None:
    h.deploy(MODEL)
    first, second = Sink("a"), Sink("b")
    h.engine.add_job_stream(first.stream)
    h.engine.add_job_stream(second.stream)
    for _ in range(6):
        h.start()
    assert len(first.jobs) == 3 and len(second.jobs) == 3
    h.engine.remove_job_stream(first.stream)
    h.start()
    assert len(first.jobs) == 3 and len(second.jobs) == 4


def test_a_stream_that_cannot_take_jobs_leaves_them_for_polling(h: Harness) -> None:
    h.deploy(MODEL)
    full, reading = Sink("full"), Sink("reading")
    full.open = False
    h.engine.add_job_stream(full.stream)
    h.engine.add_job_stream(reading.stream)
    h.start()
    h.start()
    assert len(reading.jobs) == 2 and full.jobs == []  # the open one took both
    reading.open = False
    h.start()
    assert len(reading.jobs) == 2
    assert full.stream.skipped and reading.stream.skipped  # told to poll once they drain
    (polled,) = h.engine.execute(ActivateJobs("push", "poller", 60_000, 10))
    assert polled.worker == "poller"


def test_a_job_pushed_to_a_stream_that_stops_reading_times_out_and_comes_back(
    h: Harness, clock: Clock
) -> None:
    h.deploy(MODEL)
    stalled = Sink("stalled", timeout_ms=30_000)
    h.engine.add_job_stream(stalled.stream)
    h.start()
    (lost,) = stalled.jobs
    stalled.open = False  # its client stopped reading: the job is never delivered or completed
    other = Sink("other")
    h.engine.add_job_stream(other.stream)
    clock.add(timedelta(seconds=31))
    h.engine.query(lambda p: None)  # the timeout was processed in the batch of the clock's tick
    got: list[Any] = other.jobs or list(h.engine.execute(ActivateJobs("push", "poller", 60_000, 10)))
    assert [j.key for j in got] == [lost.key]


def test_a_stream_the_engine_refuses_is_dropped_without_harm(h: Harness) -> None:
    h.deploy(MODEL)
    bad, good = Sink("bad", timeout_ms=10**15), Sink("good")  # a timeout past what the engine accepts
    h.engine.add_job_stream(bad.stream)
    h.engine.add_job_stream(good.stream)
    pi = h.start()
    h.start()
    assert bad.jobs == [] and len(good.jobs) == 2
    assert h.state(pi) == "ACTIVE"
