"""The job manager: states, progress, cancellation, failures, and what it publishes."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from basis.api.jobs import Finished, JobManager, Progress
from basis.errors import ConflictError, DataMissingError


def _finish(manager: JobManager, job_id: str) -> str:
    for _ in range(1000):
        state = manager.get(job_id).state
        if state in ("done", "failed", "cancelled"):
            return state
        threading.Event().wait(0.01)
    raise AssertionError("job did not finish")


def test_a_job_reports_progress_then_its_run_id() -> None:
    published: list[dict[str, Any]] = []
    manager = JobManager(1, lambda topic, data: published.append(data))

    def work(progress: Progress) -> Finished:
        for step in range(1, 5):
            progress(step, 4)
        return Finished(run_id="run-1")

    job = manager.submit("backtest", "tom", "test", work)
    assert _finish(manager, job.job_id) == "done"
    manager.shutdown()
    states = [message["state"] for message in published]
    assert states[0] == "queued" and states[-1] == "done"
    assert [m["progress"] for m in published if m["state"] == "running"][-1] == 1.0
    assert manager.get(job.job_id).run_id == "run-1"


def test_cancelling_a_running_job_stops_it_at_its_next_report() -> None:
    manager = JobManager(1)
    started, release = threading.Event(), threading.Event()

    def work(progress: Progress) -> Finished:
        progress(1, 10)
        started.set()
        release.wait(5)
        progress(2, 10)
        return Finished(run_id="never")

    job = manager.submit("backtest", "tom", "slow", work)
    assert started.wait(5)
    manager.cancel(job.job_id)
    release.set()
    assert _finish(manager, job.job_id) == "cancelled"
    with pytest.raises(ConflictError):
        manager.cancel(job.job_id)
    manager.shutdown()


def test_a_queued_job_is_cancelled_before_it_runs() -> None:
    manager = JobManager(1)
    release = threading.Event()
    first = manager.submit(
        "backtest", "tom", "blocking", lambda progress: Finished(str(release.wait(5)))
    )
    second = manager.submit("backtest", "tom", "queued", lambda progress: Finished("ran"))
    assert manager.cancel(second.job_id).state == "cancelled"
    release.set()
    assert _finish(manager, first.job_id) == "done"
    assert manager.get(second.job_id).run_id is None
    manager.shutdown()


def test_a_basis_error_fails_the_job_with_its_code() -> None:
    manager = JobManager(1)

    def work(progress: Progress) -> Finished:
        raise DataMissingError("no dataset 'x'")

    job = manager.submit("backtest", "tom", "fails", work)
    assert _finish(manager, job.job_id) == "failed"
    assert manager.get(job.job_id).error == {"code": "DATA_MISSING", "message": "no dataset 'x'"}
    manager.shutdown()


def test_a_bug_fails_the_job_without_its_traceback() -> None:
    manager = JobManager(1)

    def work(progress: Progress) -> Finished:
        raise KeyError("secret internals")

    job = manager.submit("backtest", "tom", "bug", work)
    assert _finish(manager, job.job_id) == "failed"
    error = manager.get(job.job_id).error
    assert error is not None and error["code"] == "INTERNAL_ERROR"
    assert "secret" not in error["message"]
    manager.shutdown()
