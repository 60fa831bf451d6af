"""`basis sweep` through the CLI, on a shared local dask cluster given by --scheduler."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from basis.data.catalog import Catalog
from basis.data.ingest import import_folder
from basis.research import cluster
from basis.research.cluster import open_client
from basis.store import ResultStore, SweepStore
from tests.cli.runner import run
from tests.data.source_files import small_folder
from tests.research.sweep_stubs import END, MODE, SHORT_YEARS, make_catalog, write_file

GRID = "parameters:\n  target_ltv: [0.85, 0.88]\n  stake_allocation: [0.4, 0.5]\n"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with open_client(workers=2) as client:
        yield str(client.scheduler.address)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_catalog(tmp_path_factory.mktemp("cli_sweep") / "catalog")


def cell(out: str, label: str) -> str:
    """The value next to `label` in the printed summary table."""
    line = next(line for line in out.splitlines() if f" {label} " in line)
    return line.split("│")[2].strip()


def sweep(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, catalog: Path, grid: Path, *extra: str
) -> tuple[int, str, str]:
    result = run(
        monkeypatch,
        "sweep",
        "--mode",
        MODE,
        "--grid",
        str(grid),
        "--catalog",
        str(catalog),
        "--end",
        END,
        "--scheduler",
        scheduler,
        *extra,
    )
    return result.exit_code, result.stdout, result.stderr


def test_sweep_stores_every_point_and_writes_table_and_report(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, catalog: Path, tmp_path: Path
) -> None:
    grid = write_file(tmp_path, "grid.yaml", GRID)
    code, out, err = sweep(
        monkeypatch, scheduler, catalog, grid, "--name", "mn", "--out", str(tmp_path)
    )
    assert code == 0, err
    assert cell(out, "ran now") == "4 (4 done, 0 failed)"
    assert cell(out, "skipped (done before)") == "0"
    table = pl.read_parquet(tmp_path / "mn.parquet")
    assert table.height == 4 and table["status"].to_list() == ["done"] * 4
    assert pl.read_csv(tmp_path / "mn.csv")["run_id"].to_list() == table["run_id"].to_list()
    html = (tmp_path / "mn.html").read_text()
    assert 'id="sweep-apy"' in html
    assert not re.search(r"<script[^>]*\bsrc=", html)  # offline: plotly.js is inline
    best = table.sort("apy", descending=True).row(0, named=True)
    assert f"{100 * best['apy']:.2f} % at target_ltv={best['target_ltv']}" in out
    # stderr is not a terminal here: plain progress lines, the last one complete.
    assert re.search(rf"sweep {MODE}: 4/4 points \(4 done, 0 failed\), \d+ s elapsed\n$", err)
    with ResultStore() as store:
        stored = {row.run_id: row for row in store.list(mode=MODE)}
    assert set(stored) == set(table["run_id"].to_list())
    for row in table.iter_rows(named=True):
        assert stored[row["run_id"]].final_equity == row["final_equity"]
        assert stored[row["run_id"]].apy == row["apy"]


def test_rerun_with_the_same_name_skips_done_points(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, catalog: Path, tmp_path: Path
) -> None:
    grid = write_file(tmp_path, "grid.yaml", "parameters:\n  target_ltv: [0.85, 0.88]\n")
    first = sweep(monkeypatch, scheduler, catalog, grid, "--out", str(tmp_path))
    assert first[0] == 0, first[2]
    second = sweep(monkeypatch, scheduler, catalog, grid, "--out", str(tmp_path))
    assert second[0] == 0, second[2]
    assert "resuming, 2 of 2 points already done" in second[2]
    assert cell(second[1], "ran now") == "0 (0 done, 0 failed)"
    assert cell(second[1], "skipped (done before)") == "2"
    with ResultStore() as store:
        assert len(store.list(mode=MODE)) == 2
    names = sorted(p.name for p in tmp_path.glob("*.parquet"))
    assert len(names) == 1 and names[0].startswith(f"{MODE}-")  # default name: mode + hash


def test_every_point_failing_exits_one_with_the_first_error(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, tmp_path: Path
) -> None:
    short = make_catalog(tmp_path / "catalog", default_years=SHORT_YEARS)
    grid = write_file(tmp_path, "grid.yaml", "parameters:\n  target_ltv: [0.85, 0.88]\n")
    code, out, err = sweep(monkeypatch, scheduler, short, grid, "--name", "doomed")
    assert code == 1
    assert (
        "every point of sweep doomed failed; first error: DataMissingError: [DATA_MISSING]" in err
    )
    assert cell(out, "ran now") == "2 (0 done, 2 failed)"
    with SweepStore() as store:
        assert [row.status for row in store.points("doomed")] == ["failed", "failed"]


def test_bad_grid_exits_two_naming_file_key_and_value(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, catalog: Path, tmp_path: Path
) -> None:
    grid = write_file(tmp_path, "grid.yaml", "parameters:\n  target_ltv: [0.85, 0.99]\n")
    code, _, err = sweep(monkeypatch, scheduler, catalog, grid)
    assert code == 2
    assert f"{grid}: parameters.target_ltv: value 0.99 is rejected by the mode" in err
    with ResultStore() as store:
        assert store.list() == []  # nothing ran


def test_same_name_with_another_grid_exits_two(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, catalog: Path, tmp_path: Path
) -> None:
    grid = write_file(tmp_path, "grid.yaml", "parameters:\n  target_ltv: [0.85]\n")
    assert sweep(monkeypatch, scheduler, catalog, grid, "--name", "taken")[0] == 0
    other = write_file(tmp_path, "other.yaml", "parameters:\n  target_ltv: [0.86]\n")
    code, _, err = sweep(monkeypatch, scheduler, catalog, other, "--name", "taken")
    assert code == 2
    assert "sweep name 'taken' is already used by a different sweep: grid parameters:" in err


def test_unreachable_scheduler_exits_two_naming_it(
    monkeypatch: pytest.MonkeyPatch, catalog: Path, tmp_path: Path
) -> None:
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_SECONDS", 1)
    grid = write_file(tmp_path, "grid.yaml", "parameters:\n  target_ltv: [0.85]\n")
    code, _, err = sweep(monkeypatch, "tcp://127.0.0.1:9", catalog, grid)
    assert code == 2
    assert "cannot reach the dask scheduler at 'tcp://127.0.0.1:9' within 1 s" in err


def test_default_output_folder_is_in_basis_home(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, catalog: Path, tmp_path: Path
) -> None:
    grid = write_file(tmp_path, "grid.yaml", "parameters:\n  stake_allocation: [0.5]\n")
    code, out, err = sweep(monkeypatch, scheduler, catalog, grid, "--name", "home")
    assert code == 0, err
    folder = Path(os.environ["BASIS_HOME"]) / "sweeps"
    assert sorted(p.name for p in folder.iterdir()) == ["home.csv", "home.html", "home.parquet"]
    assert f"wrote: {folder / 'home.html'}" in out


def test_workers_with_a_scheduler_is_refused(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, catalog: Path, tmp_path: Path
) -> None:
    grid = write_file(tmp_path, "grid.yaml", "parameters:\n  target_ltv: [0.85]\n")
    code, _, err = sweep(monkeypatch, scheduler, catalog, grid, "--workers", "2")
    assert code == 2
    assert "--workers sizes the local cluster; with --scheduler" in err


def test_sweep_grid_over_the_limit_is_refused_with_count_and_estimate(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, catalog: Path, tmp_path: Path
) -> None:
    grid = write_file(tmp_path, "grid.yaml", GRID)  # 2 × 2 = 4 points
    code, _, err = sweep(monkeypatch, scheduler, catalog, grid, "--max-points", "3")
    assert code == 2
    assert f"error [CONFIG_INVALID] {grid}: the grid has 4 points, more than the limit of 3" in err
    assert "worker-hours; shrink the grid or raise the limit with --max-points 4" in err


def test_sweep_help_shows_bracketed_text() -> None:
    from typer.testing import CliRunner

    from basis.cli.app import app

    shown = CliRunner().invoke(app, ["sweep", "--help"], env={"COLUMNS": "200"}).output
    assert "{parameters: {key: [values]}}" in shown


def test_sweep_on_real_data_lacking_series_fails_unless_a_fallback_is_asked_for(
    monkeypatch: pytest.MonkeyPatch, scheduler: str, catalog: Path, tmp_path: Path
) -> None:
    own = tmp_path / "catalog"
    shutil.copytree(catalog, own)
    import_folder(small_folder(tmp_path / "src"), Catalog(own))  # `real`: no ETH, no LST
    grid = write_file(tmp_path, "grid.yaml", "parameters:\n  target_ltv: [0.85]\n")
    args = ("--data", "real", "--out", str(tmp_path), "--name")
    code, _, err = sweep(monkeypatch, scheduler, own, grid, *args, "plain")
    assert code == 1
    assert "every point of sweep plain failed" in err and "--fallback scenario:default" in err
    code, out, err = sweep(
        monkeypatch, scheduler, own, grid, *args, "fell", "--fallback", "scenario:default"
    )
    assert code == 0, err
    assert cell(out, "ran now") == "1 (1 done, 0 failed)"
    with ResultStore() as store:
        (row,) = [r for r in store.list(mode=MODE) if r.dataset == "scenario:default"]
        stored = store.load(row.run_id)
    assert stored.config["fallback"]["requested"] == "real"
