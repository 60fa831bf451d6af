"""Open a dask.distributed client and run independent tasks on it, streaming outcomes back.

Tasks never abort each other: an exception inside a task comes back as an `Outcome` with
its error text, so a sweep of many backtests survives one bad parameter point.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

import distributed

from basis.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")

CONNECT_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """What one task produced: `value` on success, else `error` (type, message, traceback).

    `seconds` is the wall time of the task on its worker (0 when it never ran there).
    """

    value: R | None
    error: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def open_client(
    scheduler: str | None = None, workers: int | None = None
) -> Iterator[distributed.Client]:
    """Yield a client: a local process cluster, or a connection to `scheduler`.

    Without `scheduler`, start `workers` (default: CPU count) single-threaded worker
    processes; backtests hold the GIL, so processes, not threads, give parallelism.
    Raises ConfigError when the scheduler cannot be reached within ~10 s, or when
    `workers` is not positive.
    """
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    if scheduler is None:
        cluster = distributed.LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # No dashboard; its bare HTTP server (health checks) on a free local port, so a
            # second cluster on this machine neither warns about 8787 nor listens publicly.
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )
        try:
            with distributed.Client(cluster) as client:  # type: ignore[no-untyped-call]
                yield client
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(  # type: ignore[no-untyped-call]
            scheduler, timeout=CONNECT_TIMEOUT_SECONDS
        )
    except (OSError, TimeoutError, ValueError) as error:
        raise ConfigError(
            f"cannot reach the dask scheduler at {scheduler!r} within "
            f"{CONNECT_TIMEOUT_SECONDS} s: {error}"
        ) from error
    try:
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]


def run_tasks(
    client: distributed.Client,
    fn: Callable[[T], R],
    tasks: Sequence[T],
    on_done: Callable[[int, Outcome[R]], None],
) -> list[Outcome[R]]:
    """Run `fn(task)` for every task on the cluster; return outcomes in task order.

    `on_done(i, outcome)` is called in this (client) process as each task finishes, in
    completion order, so the caller can store results as they stream in. `fn` must be
    importable by the workers (a module-level function). A task's exception becomes
    `Outcome(error=...)`; a worker lost mid-task does too. If `on_done` raises, the
    remaining tasks are cancelled and the exception propagates.
    """
    if not tasks:
        return []
    futures = [client.submit(_timed, fn, task, pure=False) for task in tasks]
    index = {future.key: i for i, future in enumerate(futures)}
    outcomes: list[Outcome[R] | None] = [None] * len(tasks)
    try:
        for future in distributed.as_completed(futures):  # type: ignore[no-untyped-call]
            i = index[future.key]
            outcome = _collect(future)
            outcomes[i] = outcome
            on_done(i, outcome)
    finally:
        pending = [f for f in futures if not f.done()]  # type: ignore[no-untyped-call]
        if pending:
            client.cancel(pending)  # type: ignore[no-untyped-call]
    return [_require(outcome) for outcome in outcomes]


def _timed(fn: Callable[[T], R], task: T) -> Outcome[R]:
    """Run one task on a worker; capture its value or error text and its wall time."""
    started = time.perf_counter()
    try:
        value = fn(task)
    except Exception as error:  # noqa: BLE001 — any task failure is reported, not raised
        text = f"{type(error).__name__}: {error}\n{traceback.format_exc()}"
        return Outcome(value=None, error=text, seconds=time.perf_counter() - started)
    return Outcome(value=value, error=None, seconds=time.perf_counter() - started)


def _collect(future: distributed.Future[Outcome[R]]) -> Outcome[R]:
    """Turn a finished future into an Outcome; a failure outside `fn` (lost worker,
    unpicklable result) becomes an error outcome too."""
    try:
        outcome: Outcome[R] = future.result()
    except Exception as error:  # noqa: BLE001 — reported per task, never aborts the rest
        text = f"{type(error).__name__}: {error}\n" + "".join(traceback.format_exception(error))
        return Outcome(value=None, error=text, seconds=0.0)
    return outcome


def _require(outcome: Outcome[R] | None) -> Outcome[R]:
    if outcome is None:
        raise RuntimeError("a task finished without an outcome")  # pragma: no cover
    return outcome
