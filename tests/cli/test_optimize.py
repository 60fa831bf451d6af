"""`basis optimize` through the CLI, on a shared local dask cluster given by --scheduler."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from basis.research.cluster import open_client
from basis.store import SweepStore
from tests.cli.runner import Result, run
from tests.research.sweep_stubs import END, MODE, make_catalog, write_file

SPACE = (
    "parameters:\n"
    "  target_ltv: {low: 0.82, high: 0.9}\n"
    "  stake_allocation: {low: 0.4, high: 0.6, step: 0.1}\n"
)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with open_client(workers=2) as client:
        yield str(client.scheduler.address)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_catalog(tmp_path_factory.mktemp("cli_optimize") / "catalog")


def optimize(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, catalog: Path, folder: Path, *extra: str
) -> Result:
    space = write_file(folder, "space.yaml", SPACE)
    return run(
        monkeypatch,
        "optimize",
        "--mode",
        MODE,
        "--space",
        str(space),
        "--objective",
        "apy",
        "--trials",
        "4",
        "--batch",
        "2",
        "--seed",
        "5",
        "--catalog",
        str(catalog),
        "--end",
        END,
        "--scheduler",
        scheduler,
        "--out",
        str(folder),
        *extra,
    )


def test_optimize_reports_the_best_feasible_trial_and_is_reproducible(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, catalog: Path, tmp_path: Path
) -> None:
    constraint = ("--constraint", "min_health_factor>=1.1", "--constraint", "max_drawdown<=0.05")
    first = optimize(monkeypatch, scheduler, catalog, tmp_path, "--name", "a", *constraint)
    assert first.exit_code == 0, first.stderr
    second = optimize(monkeypatch, scheduler, catalog, tmp_path, "--name", "b", *constraint)
    assert second.exit_code == 0, second.stderr
    same = ["trial", "target_ltv", "stake_allocation", "state", "objective", "feasible", "apy"]
    a = pl.read_parquet(tmp_path / "a.parquet")
    b = pl.read_parquet(tmp_path / "b.parquet")
    assert a.select(same).equals(b.select(same))  # the same seed asks the same trials
    assert a.height == 4
    feasible = a.filter(pl.col("feasible"))
    assert feasible.height >= 1
    assert (feasible["min_health_factor"] >= 1.1).all() and (feasible["max_drawdown"] <= 0.05).all()
    best = feasible.sort(["objective", "trial"], descending=[True, False]).row(0, named=True)
    assert re.search(rf"best trial\s*│\s*#{best['trial']} ", first.stdout)
    assert f"{100 * best['objective']:.2f} %" in first.stdout  # APY as sweep and results show it
    html = (tmp_path / "a.html").read_text()
    assert 'id="study-history"' in html and not re.search(r"<script[^>]*\bsrc=", html)
    with SweepStore() as store:
        spec = store.sweep("a")
        points = store.points("a")
    assert spec is not None and spec.kind == "optimize"
    assert spec.grid["constraints"] == ["min_health_factor>=1.1", "max_drawdown<=0.05"]
    assert {p.run_id for p in points} == set(a["run_id"].to_list())


def test_no_feasible_trial_exits_one(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, catalog: Path, tmp_path: Path
) -> None:
    result = optimize(
        monkeypatch, scheduler, catalog, tmp_path, "--constraint", "min_health_factor>=5"
    )
    assert result.exit_code == 1
    assert "has no feasible trial" in result.stderr
    assert "— (no feasible trial)" in result.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--constraint", "min_hf>1"), "--constraint 'min_hf>1': expected METRIC>=NUMBER"),
        (("--constraint", "health>=1"), "unknown metric 'health'"),
        (("--objective", "profit"), "--objective 'profit': expected one of"),
        (("--direction", "up"), "--direction 'up': expected one of ['maximize', 'minimize']"),
        (("--data", "somewhere"), "--data 'somewhere': expected `real` or `scenario:NAME`"),
    ],
)
def test_bad_options_exit_two_before_any_run(
    monkeypatch: pytest.MonkeyPatch,
    scheduler: str,
    catalog: Path,
    tmp_path: Path,
    extra: tuple[str, ...],
    message: str,
) -> None:
    result = optimize(monkeypatch, scheduler, catalog, tmp_path, *extra)
    assert result.exit_code == 2
    assert message in result.stderr
    with SweepStore() as store:
        assert store.list() == []
