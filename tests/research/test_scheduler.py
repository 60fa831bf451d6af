"""A sweep on a real `dask scheduler` + `dask worker` (subprocesses) stores exactly what a
local cluster does: the remote path changes where runs happen, not what they compute."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import distributed
import pytest

from basis.config.market import load_market
from basis.data.catalog import Catalog
from basis.data.scenario import load_scenario, write_scenario
from basis.research.grid import read_grid
from basis.research.sweep import SweepRequest
from basis.research.sweep_job import run_sweep_job
from basis.store import SweepStore
from tests.conftest import CONFIGS
from tests.research.sweep_stubs import MODE, write_file

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
THREE_MONTHS = dt.datetime(2024, 4, 1, tzinfo=dt.UTC)  # from the data start, 2024-01-01


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a process we started; kill it if it does not exit within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def scheduler(tmp_path: Path) -> Iterator[str]:
    """`dask scheduler` and one single-threaded `dask worker`, as a user would start them."""
    port = str(free_port())
    address = f"tcp://127.0.0.1:{port}"
    dask = str(BIN / "dask")
    commands = (
        [dask, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
        [dask, "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
    )
    logs = (tmp_path / "scheduler.log").open("wb"), (tmp_path / "worker.log").open("wb")
    started: list[subprocess.Popen[bytes]] = []
    try:
        for command, log in zip(commands, logs, strict=True):
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
            started.append(process)
        with distributed.Client(address, timeout=20) as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(1, timeout=30)  # type: ignore[no-untyped-call]
        yield address
    finally:
        for process in reversed(started):
            stop(process)
        for log in logs:
            log.close()


def test_remote_sweep_stores_the_same_results_as_a_local_one(
    scheduler: str, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog"
    write_scenario(
        Catalog(catalog), load_scenario("default", CONFIGS), load_market(CONFIGS), years=0.3
    )
    grid = read_grid(
        write_file(tmp_path, "grid.yaml", "parameters:\n  target_ltv: [0.85, 0.88, 0.9]\n"),
        CONFIGS,
    )

    def request(name: str) -> SweepRequest:
        return SweepRequest(MODE, grid, catalog, CONFIGS, end=THREE_MONTHS, name=name)

    remote = run_sweep_job(request("remote"), tmp_path / "out", scheduler=scheduler)
    local = run_sweep_job(request("local"), tmp_path / "out", workers=1)
    assert remote.run.done == local.run.done == 3
    with SweepStore() as store:
        remote_rows = {row.key: row for row in store.points("remote")}
        local_rows = {row.key: row for row in store.points("local")}
        first = next(iter(remote_rows.values()))
        assert first.run_id is not None
        assert len(store.load(first.run_id).times) == 91 * 24 + 1  # [01-01, 04-01], both ends
    assert set(remote_rows) == set(local_rows) and len(remote_rows) == 3
    for key, row in remote_rows.items():
        twin = local_rows[key]
        assert row.run_id != twin.run_id  # two runs, computed twice
        assert row.final_equity == twin.final_equity
        assert row.metrics == twin.metrics
        assert row.risk == twin.risk
