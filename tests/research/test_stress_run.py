"""Stress runs on a local Dask cluster: records, failures, the worst path and the files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import distributed
import polars as pl
import pytest

from basis.errors import BasisError, ConfigError, StressError
from basis.research.cluster import open_client
from basis.research.paths import PathSpec, run_path
from basis.research.statistics import PathRecord
from basis.research.stress import StressRequest, plan_stress, record_of, run_stress
from basis.research.stress_report import TABLE_SCHEMA, write_outputs
from basis.store import ResultStore
from tests.conftest import CONFIGS

# ETH jumps by a factor e^N(−800, 40²), which underflows to a price of 0; the engine refuses
# a zero mark ("mark price:ETH must be finite and > 0"). At 70 jumps a year, over 0.01 years
# (88 h) some seeds jump and some do not (with usdt_market_neutral, seeds 0, 1 and 3 fail,
# 2 completes); at 5,000 a year every seed jumps within its first hours.
WILD = """\
name: wild
description: ETH jumps to a price of zero.
years: 0.01
seed: 0
prices: {{ETH: {{jump_intensity: {intensity}, jump_mean: -800.0, jump_std: 40.0}}}}
"""
MODE = "usdt_market_neutral"
ZERO_PRICE = "InvalidOperationError: [INVALID_OPERATION] mark price:ETH must be finite and > 0"


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    with open_client(workers=2) as opened:
        yield opened


def wild(folder: Path, intensity: float) -> Path:
    path = folder / f"wild-{intensity:g}.yaml"
    path.write_text(WILD.format(intensity=intensity))
    return path


def local_outcome(spec: PathSpec, seed: int) -> str:
    """What the path does in this process: "ok", or the first line of its error."""
    try:
        run_path(spec, seed)
    except BasisError as error:
        return f"{type(error).__name__}: {error}"
    return "ok"


def test_failed_paths_are_recorded_and_the_others_complete(
    client: distributed.Client, tmp_path: Path
) -> None:
    scenario = wild(tmp_path, 70.0)
    request = StressRequest(MODE, str(scenario), paths=4, name="wild", out=tmp_path)
    plan = plan_stress(request, CONFIGS, tmp_path)
    assert plan.seeds == (0, 1, 2, 3)  # the scenario's own seed, then + i
    expected = [local_outcome(plan.spec, seed) for seed in plan.seeds]
    failing = [i for i, outcome in enumerate(expected) if outcome != "ok"]
    assert 0 < len(failing) < 4, expected  # the scenario gives both kinds of path
    assert all(expected[i].startswith(ZERO_PRICE) for i in failing)

    done: list[tuple[int, bool]] = []
    run = run_stress(plan, client, lambda i, outcome: done.append((i, outcome.ok)))
    assert sorted(done) == [(i, i not in failing) for i in range(4)]  # each one reported
    assert [o.error or "ok" for o in run.outcomes] == expected  # same as in this process
    for i in failing:
        detail = run.outcomes[i].detail
        assert detail is not None and "Traceback" in detail
    summary = run.summary
    assert (summary.paths, summary.completed, summary.failed) == (4, 4 - len(failing), len(failing))
    assert summary.liquidation.trials == 4 - len(failing)  # only completed paths are trials
    assert summary.worst is not None and summary.worst.seed not in failing

    files = write_outputs(run)
    table = pl.read_parquet(files.parquet)
    assert table.schema == pl.Schema(TABLE_SCHEMA)
    assert table["ok"].to_list() == [i not in failing for i in range(4)]
    assert table.filter(~pl.col("ok"))["apy"].null_count() == len(failing)
    assert pl.read_csv(files.csv)["error"].null_count() == 4 - len(failing)
    html = files.html.read_text()
    assert f"{len(failing)} of 4 paths failed" in html
    assert f"Failed paths ({len(failing)})" in html


def test_every_path_failing_raises_after_writing_the_errors(
    client: distributed.Client, tmp_path: Path
) -> None:
    scenario = wild(tmp_path, 5000.0)
    request = StressRequest(MODE, str(scenario), paths=2, name="all", out=tmp_path)
    run = run_stress(plan_stress(request, CONFIGS, tmp_path), client)
    assert run.worst is None and run.summary.failed == 2
    with pytest.raises(StressError, match=r"all 2 paths failed; seed 0: InvalidOperationError"):
        write_outputs(run)
    assert pl.read_csv(tmp_path / "all.csv")["ok"].to_list() == [False, False]
    assert not (tmp_path / "all.html").exists()  # no report that looks complete


def test_worker_records_equal_local_runs_and_the_worst_path_is_stored(
    client: distributed.Client, tmp_path: Path
) -> None:
    request = StressRequest(
        "usdt_market_neutral", "default", paths=3, seed=40, years=0.02, name="calm", out=tmp_path
    )
    plan = plan_stress(request, CONFIGS, tmp_path)
    run = run_stress(plan, client)
    records = [o.record for o in run.outcomes]
    assert all(isinstance(r, PathRecord) for r in records)
    for seed, got in zip((40, 41, 42), records, strict=True):
        assert got == record_of(run_path(plan.spec, seed), seed)  # worker == client, exactly
    completed = [r for r in records if r is not None]
    lowest = min(completed, key=lambda r: r.total_return)
    assert run.summary.worst == lowest
    assert run.worst is not None and run.worst.config["scenario"]["seed"] == lowest.seed

    files = write_outputs(run)
    with ResultStore() as store:
        stored = store.load(run.worst.run_id)
    assert stored.final_equity == lowest.final_equity
    assert files.worst_report is not None and files.worst_report.is_file()
    html = files.html.read_text()
    assert f'href="{files.worst_report.name}"' in html
    assert not re.search(r"<script[^>]+src=", html)  # plotly.js inlined: readable offline
    assert 'id="apy-histogram"' in html and 'id="apy-vs-drawdown"' in html
    assert 'id="dd-histogram"' in html and "95% Wilson interval" in html
    completed = html.split("<h2>Completed paths, worst first</h2>")[1]
    assert completed.count("<tr") == 1 + 3  # the header, then one row a path


def test_plan_refuses_a_horizon_that_ends_before_the_scenario_shocks(tmp_path: Path) -> None:
    request = StressRequest("usdt_market_neutral", "eth_crash", paths=2, years=0.1)
    with pytest.raises(ConfigError, match="outside the scenario"):
        plan_stress(request, CONFIGS, tmp_path)
