"""Sweeps on a local dask cluster: failures stay per point, resume skips done points, and the
table and report show what the store holds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import distributed
import polars as pl
import pytest

from basis.data.catalog import Catalog
from basis.engine.backtest import Backtest, run_backtest
from basis.errors import ConfigError
from basis.research.backtests import prepare_datasets
from basis.research.cluster import open_client
from basis.research.grid import read_grid
from basis.research.sweep import SweepPlan, SweepRequest, plan_sweep, run_sweep
from basis.research.sweep_report import (
    HEATMAP_METRICS,
    heat,
    metric_figure,
    render_sweep_report,
)
from basis.research.sweep_table import METRIC_COLUMNS, sweep_table
from basis.store import SweepStore
from tests.conftest import CONFIGS
from tests.research.sweep_stubs import END, MODE, SHORT_YEARS, make_catalog, write_file

END_TIME = dt.datetime.fromisoformat(END).replace(tzinfo=dt.UTC)
GRID = "parameters:\n  target_ltv: [0.85, 0.88]\nscenarios: [default, eth_crash]\n"


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    with open_client(workers=2) as opened:
        yield opened


def plan_for(tmp_path: Path, catalog: Path, grid: str, **extra: object) -> SweepPlan:
    request = SweepRequest(
        mode=MODE,
        grid=read_grid(write_file(tmp_path, "grid.yaml", grid), CONFIGS),
        catalog=catalog,
        configs=CONFIGS,
        end=END_TIME,
        **extra,  # type: ignore[arg-type]
    )
    return plan_sweep(request)


def test_failed_points_are_recorded_and_a_rerun_retries_only_them(
    client: distributed.Client, tmp_path: Path
) -> None:
    # scenario:default ends on 2024-01-08 07:00, before END: its points fail in the worker
    # (DataMissingError), while the eth_crash points run.
    catalog = make_catalog(tmp_path / "catalog", default_years=SHORT_YEARS)
    plan = plan_for(tmp_path, catalog, GRID)
    assert [p.dataset for p in plan.points] == ["scenario:default"] * 2 + ["scenario:eth_crash"] * 2
    progress: list[tuple[int, int]] = []
    with SweepStore() as store:
        assert store.open_sweep(plan.spec)
        first = run_sweep(plan, client, store, lambda done, failed: progress.append((done, failed)))
        rows = store.points(plan.name)
    assert (first.ran, first.done, first.failed, first.skipped) == (4, 2, 2, 0)
    assert progress[-1] == (2, 2) and len(progress) == 4
    assert [(r.position, r.status) for r in rows] == [
        (0, "failed"),
        (1, "failed"),
        (2, "done"),
        (3, "done"),
    ]
    for failed in rows[:2]:
        assert failed.run_id is None and failed.error is not None
        assert failed.error.startswith("DataMissingError: [DATA_MISSING]")
        assert "Traceback" in failed.error  # the worker's traceback is kept in the store
    # A done point holds exactly what a local run of the same backtest gives.
    local = run_backtest(
        Backtest(MODE, "scenario:eth_crash", None, END_TIME, None, ("target_ltv=0.88",)),
        Catalog(catalog),
        CONFIGS,
    )
    assert local.summary is not None and rows[3].metrics is not None
    assert rows[3].final_equity == local.final_equity
    assert rows[3].metrics == dict(local.summary.metrics)
    done_before = {r.key: r.run_id for r in rows if r.done}

    make_catalog(catalog)  # now scenario:default covers the window
    with SweepStore() as store:
        assert not store.open_sweep(plan.spec)  # same name, same grid: a resume
        second = run_sweep(plan, client, store)
        rows = store.points(plan.name)
    assert (second.ran, second.done, second.failed, second.skipped) == (2, 2, 0, 2)
    assert all(r.done and r.error is None for r in rows)
    assert {r.key: r.run_id for r in rows if r.key in done_before} == done_before  # not re-run
    with SweepStore() as store:
        assert len(store.list(mode=MODE)) == 4  # one stored run per point, none twice


def test_table_has_one_row_per_point_with_the_stored_numbers(
    client: distributed.Client, tmp_path: Path
) -> None:
    catalog = make_catalog(tmp_path / "catalog", default_years=SHORT_YEARS)
    plan = plan_for(
        tmp_path,
        catalog,
        "parameters:\n  target_ltv: [0.85]\n  hedge_allocation: [{binance: 0.5, okx: 0.5}]\n"
        "scenarios: [eth_crash, default]\n",
    )
    with SweepStore() as store:
        store.open_sweep(plan.spec)
        run = run_sweep(plan, client, store)
        stored = {row.key: row for row in store.points(plan.name)}
    assert (run.done, run.failed) == (1, 1)  # scenario:default is too short for the window
    table = sweep_table(plan.points, stored, plan.request.grid.names)
    assert table.columns == [
        "position",
        "dataset",
        "ran_on",
        "target_ltv",
        "hedge_allocation",
        "status",
        "error",
        "run_id",
        *METRIC_COLUMNS,
        "seconds",
    ]
    assert METRIC_COLUMNS[:6] == (
        "apr",
        "apy",
        "max_drawdown",
        "min_health_factor",
        "liquidations",
        "final_equity",
    )
    assert {"sharpe", "sortino", "calmar", "min_margin_ratio"} <= set(METRIC_COLUMNS)
    done, failed = table.to_dicts()
    assert (done["dataset"], failed["dataset"]) == ("scenario:eth_crash", "scenario:default")
    assert done["hedge_allocation"] == failed["hedge_allocation"] == '{"binance":0.5,"okx":0.5}'
    assert (done["status"], failed["status"]) == ("done", "failed")
    assert failed["error"].startswith("DataMissingError: [DATA_MISSING]")
    assert "\n" not in failed["error"]  # the first line; the store keeps the traceback
    assert failed["apy"] is None and failed["run_id"] is None and failed["seconds"] >= 0.0
    row = stored[plan.points[0].key]
    assert row.metrics is not None and row.risk is not None
    assert done["run_id"] == row.run_id
    assert done["apy"] == row.metrics["apy"]
    assert done["sharpe"] == row.metrics["sharpe"]
    assert done["final_equity"] == row.final_equity
    assert done["min_health_factor"] == row.risk["min_health_factor"]
    assert done["liquidations"] == row.risk["liquidations"] == 0


def test_heat_takes_the_best_value_over_the_other_axes(tmp_path: Path) -> None:
    catalog = tmp_path / "unused"
    plan = plan_for(
        tmp_path,
        catalog,
        "parameters:\n  target_ltv: [0.85, 0.88]\n  stake_allocation: [0.4, 0.5]\n"
        "scenarios: [default, eth_crash]\n",
    )
    assert (plan.x, plan.y) == ("target_ltv", "stake_allocation")
    # 8 points: dataset outermost, then target_ltv, then stake_allocation.
    apy = [0.01, 0.02, 0.03, 0.04, 0.05, -0.01, None, 0.08]
    drawdown = [0.010, 0.020, 0.030, 0.040, 0.005, 0.030, 0.001, 0.050]
    status = ["done"] * 6 + ["failed", "done"]
    records = [
        {"apy": a, "max_drawdown": d, "min_health_factor": None, "status": s}
        for a, d, s in zip(apy, drawdown, status, strict=True)
    ]
    by_key = {metric.key: metric for metric in HEATMAP_METRICS}
    found = heat(plan, records, by_key["apy"], plan.x, plan.y)
    assert found.columns == ("0.85", "0.88") and found.rows == ("0.4", "0.5")
    # cell (0.85, 0.4): max(0.01, 0.05); (0.88, 0.4): max(0.03, failed) = 0.03
    assert found.z == ((0.05, 0.03), (0.02, 0.08))
    smallest = heat(plan, records, by_key["max_drawdown"], plan.x, plan.y)
    assert smallest.z == ((0.005, 0.03), (0.02, 0.04))  # the failed point's 0.001 is ignored
    nothing = heat(plan, records, by_key["min_health_factor"], plan.x, plan.y)
    assert nothing.z == ((None, None), (None, None))


def test_report_is_offline_with_a_heatmap_per_metric(
    client: distributed.Client, tmp_path: Path
) -> None:
    catalog = make_catalog(tmp_path / "catalog")
    plan = plan_for(
        tmp_path,
        catalog,
        "parameters:\n  target_ltv: [0.85, 0.88]\n  stake_allocation: [0.4, 0.5]\n"
        "  delta_tolerance: [0.005]\n",
    )
    with SweepStore() as store:
        store.open_sweep(plan.spec)
        run_sweep(plan, client, store)
        stored = {row.key: row for row in store.points(plan.name)}
    table = sweep_table(plan.points, stored, plan.request.grid.names)
    html = render_sweep_report(plan, table)
    assert not re.search(r"<script[^>]*\bsrc=", html)  # nothing fetched: plotly.js is inline
    assert not re.search(r"""<link[^>]*href=["']https?:""", html)
    assert "plotly.js v" in html or "Plotly" in html
    for div in ("sweep-apy", "sweep-max-drawdown", "sweep-min-health-factor"):
        assert f'id="{div}"' in html
    records = table.to_dicts()
    for metric in HEATMAP_METRICS:
        figure = metric_figure(plan, records, metric)
        assert figure is not None and [trace.type for trace in figure.data] == ["heatmap"]
    assert "Other axes (delta_tolerance) vary within each cell" in html
    assert "4 points: 4 done, 0 failed, 0 pending." in html
    best = max(table.to_dicts(), key=lambda r: r["apy"])
    assert f"Best APY: <b>{best['apy']:.2%}</b>" in html


def test_one_parameter_draws_lines_not_heatmaps(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, tmp_path / "unused", "parameters:\n  target_ltv: [0.85, 0.88]\n")
    assert (plan.x, plan.y) == ("target_ltv", None)
    records = [
        {
            "position": 0,
            "dataset": "scenario:default",
            "status": "done",
            "apy": 0.05,
            "run_id": "a",
        },
        {
            "position": 1,
            "dataset": "scenario:default",
            "status": "done",
            "apy": 0.06,
            "run_id": "b",
        },
    ]
    apy = next(metric for metric in HEATMAP_METRICS if metric.key == "apy")
    figure = metric_figure(plan, records, apy)
    assert figure is not None
    assert [trace.type for trace in figure.data] == ["scatter"]
    assert list(figure.data[0].x) == ["0.85", "0.88"] and list(figure.data[0].y) == [0.05, 0.06]
    html = render_sweep_report(plan, pl.DataFrame(records))
    assert "Best APY: <b>6.00%</b> at target_ltv=0.88 on scenario:default" in html


def test_axes_must_be_grid_keys_and_different(tmp_path: Path) -> None:
    grid = "parameters:\n  target_ltv: [0.85]\n  stake_allocation: [0.4]\n"
    with pytest.raises(ConfigError, match=r"--x 'lst' is not an axis of .*grid.yaml; axes: "):
        plan_for(tmp_path, tmp_path, grid, x="lst")
    with pytest.raises(ConfigError, match="--x and --y are both 'target_ltv'"):
        plan_for(tmp_path, tmp_path, grid, x="target_ltv", y="target_ltv")
    swapped = plan_for(tmp_path, tmp_path, grid, y="target_ltv")
    assert (swapped.x, swapped.y) == ("stake_allocation", "target_ltv")


def test_data_and_a_scenario_axis_together_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="has a scenarios axis"):
        plan_for(tmp_path, tmp_path, GRID, dataset="scenario:default")


@pytest.mark.parametrize("name", ["../escape", ".hidden", "a b", "x" * 101, ""])
def test_names_that_cannot_name_files_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match=r"--name .*: use 1 to 100 letters"):
        plan_for(tmp_path, tmp_path, "parameters:\n  target_ltv: [0.85]\n", name=name)


def test_fallback_travels_to_every_task_and_into_the_sweep_identity(tmp_path: Path) -> None:
    grid = "parameters:\n  target_ltv: [0.85]\n"
    plain = plan_for(tmp_path, tmp_path / "catalog", grid, dataset="real")
    asked = plan_for(
        tmp_path, tmp_path / "catalog", grid, dataset="real", fallback="scenario:default"
    )
    assert plain.task(plain.points[0]).request().fallback is None
    assert asked.task(asked.points[0]).request().fallback == "scenario:default"
    assert "fallback" not in plain.spec.grid  # earlier sweeps keep their names
    assert asked.spec.grid["fallback"] == "scenario:default"
    assert plain.name != asked.name
    with pytest.raises(ConfigError, match="--fallback 'real': expected `scenario:NAME`"):
        plan_for(tmp_path, tmp_path / "catalog", grid, fallback="real")


def test_prepare_datasets_generates_the_fallback_scenario_asked_for(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    generated = prepare_datasets(catalog, CONFIGS, [], MODE, fallback="scenario:eth_crash")
    assert generated == ["scenario:eth_crash"]
    assert catalog.datasets() == ["scenario:eth_crash"]
