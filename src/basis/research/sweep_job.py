"""A whole sweep as `basis sweep` runs it: plan, prepare data, run on dask, store, write
the table (Parquet, CSV) and the HTML report. The CLI only parses and prints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from basis.data.catalog import Catalog
from basis.research.backtests import prepare_datasets
from basis.research.cluster import open_client
from basis.research.documents import write_table, write_text
from basis.research.sweep import SweepPlan, SweepRequest, SweepRun, plan_sweep, run_sweep
from basis.research.sweep_report import best_point, render_sweep_report
from basis.research.sweep_table import sweep_table
from basis.store.sweeps import STATUS_DONE, STATUS_FAILED, SweepStore

__all__ = ["SweepOutputs", "run_sweep_job"]

Progress = Callable[[int, int, int], None]
"""Called with (done, failed, total) of this invocation: once before the first point, then
after each point."""


@dataclass(frozen=True)
class SweepOutputs:
    """What a sweep left behind: its plan, what ran now, the table and the files."""

    plan: SweepPlan
    run: SweepRun
    table: pl.DataFrame
    best: dict[str, Any] | None
    files: tuple[Path, ...]
    resumed: bool

    @property
    def done(self) -> int:
        return int((self.table["status"] == STATUS_DONE).sum())

    @property
    def failed(self) -> int:
        return int((self.table["status"] == STATUS_FAILED).sum())

    def first_error(self) -> str | None:
        errors = self.table.filter(pl.col("status") == STATUS_FAILED)["error"]
        return None if errors.is_empty() else errors[0]


def run_sweep_job(
    request: SweepRequest,
    out: Path,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    notice: Callable[[str], None] | None = None,
) -> SweepOutputs:
    """Run the sweep and write `<out>/<name>.parquet`, `.csv` and `.html`.

    Raises ConfigError for a bad grid, request or name clash, and DataMissingError when the
    real dataset is wanted and absent, all before any point runs. Failed points do not
    raise: they are in the table with their error.
    """
    tell = notice or (lambda _message: None)
    plan = plan_sweep(request)
    with SweepStore() as store:
        created = store.open_sweep(plan.spec)
        pending = plan.pending(store.points(plan.name))
        if not created:
            tell(
                f"sweep {plan.name}: resuming, {len(plan.points) - len(pending)} of "
                f"{len(plan.points)} points already done"
            )
        for dataset in prepare_datasets(
            Catalog(request.catalog),
            request.configs,
            plan.datasets,
            request.mode,
            request.fallback,
        ):
            tell(f"generated {dataset} into the catalog {request.catalog}")
        run = SweepRun(0, 0, 0, len(plan.points))
        if pending:
            total = len(pending)

            def advance(done: int, failed: int) -> None:
                if progress is not None:
                    progress(done, failed, total)

            advance(0, 0)
            with open_client(scheduler, workers) as client:
                run = run_sweep(plan, client, store, advance)
        stored = {row.key: row for row in store.points(plan.name)}
    table = sweep_table(plan.points, stored, request.grid.names)
    stem = out / plan.name
    parquet, csv = write_table(table, stem)
    html = write_text(stem.with_name(f"{stem.name}.html"), render_sweep_report(plan, table))
    best = best_point(table.to_dicts())
    return SweepOutputs(plan, run, table, best, (parquet, csv, html), not created)
