"""A whole study as `basis optimize` runs it: check, prepare data, ask/tell on dask, store,
write the trials table (Parquet, CSV) and the HTML report. The CLI only parses and prints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import distributed
import polars as pl

from basis.data.catalog import Catalog
from basis.research.backtests import prepare_datasets
from basis.research.cluster import open_client
from basis.research.documents import write_table, write_text
from basis.research.study import StudyOutcome, StudyPlan, StudyRequest, plan_study, run_study
from basis.research.study_report import render_study_report, trials_table
from basis.store.sweeps import SweepStore

__all__ = ["StudyOutputs", "run_study_job"]


@dataclass(frozen=True)
class StudyOutputs:
    plan: StudyPlan
    outcome: StudyOutcome
    table: pl.DataFrame
    files: tuple[Path, ...]
    batch: int


def run_study_job(
    request: StudyRequest,
    out: Path,
    scheduler: str | None = None,
    workers: int | None = None,
    batch: int | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    notice: Callable[[str], None] | None = None,
) -> StudyOutputs:
    """Run the study and write `<out>/<name>.parquet`, `.csv` and `.html`.

    `batch` trials are asked and evaluated together (default: the cluster's worker
    threads). Raises ConfigError / DataMissingError before any trial for a bad request,
    a name clash or missing real data; failed trials do not raise.
    """
    tell = notice or (lambda _message: None)
    plan = plan_study(request)
    with SweepStore() as store:
        if not store.open_sweep(plan.spec):
            tell(f"study {plan.name}: resuming; points already done are reused, not run again")
        for dataset in prepare_datasets(
            Catalog(request.catalog),
            request.configs,
            [request.dataset],
            request.mode,
            request.fallback,
        ):
            tell(f"generated {dataset} into the catalog {request.catalog}")
        with open_client(scheduler, workers) as client:
            size = batch or _threads(client)
            outcome = run_study(plan, client, store, size, progress)
    table = trials_table(plan, outcome)
    stem = out / plan.name
    parquet, csv = write_table(table, stem)
    html = write_text(
        stem.with_name(f"{stem.name}.html"), render_study_report(plan, outcome, table)
    )
    return StudyOutputs(plan, outcome, table, (parquet, csv, html), size)


def _threads(client: distributed.Client) -> int:
    """Worker threads on the cluster (each runs one backtest at a time); at least 1."""
    threads: dict[str, int] = client.nthreads()  # type: ignore[no-untyped-call]
    return max(1, sum(threads.values()))
