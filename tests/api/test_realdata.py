"""On the real data (BASIS_REAL_DATA): a backtest through the API gives the numbers that
`basis backtest --json` prints for the same parameters (the issue's acceptance)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from basis.api.app import create_app
from basis.data.catalog import Catalog
from tests.api.stubs import FAST, add_users, login, make_settings, wait_job
from tests.cli.runner import run
from tests.engine.test_realdata import real_catalog  # noqa: F401  (fixture)

pytestmark = pytest.mark.realdata


def test_the_api_run_on_real_data_is_the_cli_run(
    real_catalog: Catalog,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_settings(tmp_path / "home", real_catalog.root)
    add_users(settings)
    body = {"mode": "btc_basis", "data": "real", "set": {"delta_tolerance": 0.01}}
    with TestClient(create_app(settings, FAST)) as client:
        headers = login(client, "tom")
        job_id = client.post("/api/v1/backtests", json=body, headers=headers).json()["job_id"]
        job = wait_job(client, job_id, headers)
        served = client.get(f"/api/v1/results/{job['run_id']}", headers=headers).json()
    monkeypatch.setenv("BASIS_CATALOG", str(real_catalog.root))
    printed = run(
        monkeypatch,
        "backtest",
        "--mode",
        "btc_basis",
        "--data",
        "real",
        "--set",
        "delta_tolerance=0.01",
        "--json",
    )
    assert printed.exit_code == 0, printed.stderr
    assert served | {"run_id": None} == json.loads(printed.stdout) | {"run_id": None}
