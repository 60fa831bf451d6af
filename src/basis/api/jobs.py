"""Long work outside the request: a worker pool, job states, progress, cancellation.

A job belongs to the app process, not to the request or the browser that asked for it:
a client that goes away leaves it running, and its run is stored when it ends. The
service runs one process (docs/deployment.md), so the jobs table lives in its memory;
finished runs live in the store.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final, Literal

from basis.errors import BasisError, ConflictError, NotFoundError

__all__ = ["Finished", "Job", "JobManager", "JobState", "Progress", "Publish", "Work"]

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
Progress = Callable[[int, int], None]
Publish = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Finished:
    """What a job leaves: the run it stored, and/or a JSON summary (a stress run's)."""

    run_id: str | None = None
    result: dict[str, Any] | None = None


Work = Callable[[Progress], Finished]  # runs the job, reporting (step, steps)

FINISHED: Final = frozenset({"done", "failed", "cancelled"})
KEEP: Final = 1000  # finished jobs remembered, oldest forgotten first
log = logging.getLogger("basis.api.jobs")


@dataclass(frozen=True, slots=True)
class Job:
    """A job as clients see it; `error` is {"code", "message"} when it failed."""

    job_id: str
    kind: str
    owner: str
    description: str
    created_at: datetime
    state: JobState = "queued"
    progress: float = 0.0
    run_id: str | None = None
    error: dict[str, str] | None = None
    result: dict[str, Any] | None = None

    def public(self) -> dict[str, Any]:
        """The JSON form (the contract's state, progress, run_id and error, and context)."""
        return {
            "job_id": self.job_id,
            "kind": self.kind,
            "owner": self.owner,
            "description": self.description,
            "created_at": self.created_at.isoformat(),
            "state": self.state,
            "progress": self.progress,
            "run_id": self.run_id,
            "error": self.error,
            "result": self.result,
        }


class _CancelledError(Exception):
    """Raised inside a running job's progress callback once the job is cancelled."""


class JobManager:
    """Submit, watch and cancel jobs; every change is published as a `job` message."""

    def __init__(self, workers: int, publish: Publish | None = None) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="basis-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._futures: dict[str, Future[None]] = {}
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._publish = publish

    def submit(self, kind: str, owner: str, description: str, work: Work) -> Job:
        """Queue `work`; returns the queued job at once."""
        job = Job(uuid.uuid4().hex, kind, owner, description, datetime.now(UTC))
        with self._lock:
            self._jobs[job.job_id] = job
            self._forget_old()
        self._announce(job)
        self._futures[job.job_id] = self._pool.submit(self._run, job.job_id, work)
        return job

    def get(self, job_id: str) -> Job:
        """The job `job_id`; raises NotFoundError."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no job {job_id!r}", field="job_id")
        return job

    def list(self) -> list[Job]:
        """Every remembered job, newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued or running job (a running one stops at its next progress report).

        Raises NotFoundError, or ConflictError when the job has already finished.
        """
        job = self.get(job_id)
        if job.state in FINISHED:
            raise ConflictError(f"job {job_id} has already finished ({job.state})")
        with self._lock:
            self._cancelled.add(job_id)
        future = self._futures.get(job_id)
        if future is not None and future.cancel():
            self._update(job_id, state="cancelled")
        return self.get(job_id)

    def shutdown(self) -> None:
        """Cancel queued jobs, stop running ones at their next report, wait for the workers."""
        with self._lock:
            self._cancelled.update(self._jobs)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, job_id: str, work: Work) -> None:
        if job_id in self._cancelled:
            self._update(job_id, state="cancelled")
            return
        self._update(job_id, state="running")

        def progress(step: int, steps: int) -> None:
            if job_id in self._cancelled:
                raise _CancelledError
            self._update(job_id, progress=min(1.0, step / steps) if steps > 0 else 0.0)

        try:
            finished = work(progress)
        except _CancelledError:
            self._update(job_id, state="cancelled")
        except BasisError as error:
            self._update(
                job_id, state="failed", error={"code": error.code, "message": error.message}
            )
        except Exception:
            # A bug, not bad input: logged with its traceback and reported without it.
            log.exception("job %s failed", job_id)
            self._update(
                job_id,
                state="failed",
                error={"code": "INTERNAL_ERROR", "message": f"internal error in job {job_id}"},
            )
            raise
        else:
            self._update(
                job_id,
                state="done",
                progress=1.0,
                run_id=finished.run_id,
                result=finished.result,
            )

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            job = replace(self._jobs[job_id], **changes)
            self._jobs[job_id] = job
        self._announce(job)

    def _announce(self, job: Job) -> None:
        if self._publish is not None:
            self._publish("job", job.public())

    def _forget_old(self) -> None:
        finished = [key for key, job in self._jobs.items() if job.state in FINISHED]
        for key in finished[: max(0, len(self._jobs) - KEEP)]:
            del self._jobs[key]
            self._futures.pop(key, None)
