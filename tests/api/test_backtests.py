"""Backtests through the API: the contract's 202 and job states, the CLI's numbers, roles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from basis.config.settings import Settings
from tests.api.stubs import BACKTEST, login, wait_job
from tests.cli.runner import run


def test_submit_returns_202_with_a_job_that_finishes_with_a_run(client: TestClient) -> None:
    headers = login(client, "tom")
    accepted = client.post("/api/v1/backtests", json=dict(BACKTEST), headers=headers)
    assert accepted.status_code == 202
    assert list(accepted.json()) == ["job_id"]
    job = wait_job(client, accepted.json()["job_id"], headers)
    assert {"state", "progress", "run_id", "error"} <= set(job)
    assert (job["state"], job["progress"], job["error"]) == ("done", 1.0, None)
    assert client.get(f"/api/v1/results/{job['run_id']}", headers=headers).status_code == 200


def test_the_run_is_what_basis_backtest_json_prints(
    client: TestClient,
    settings: Settings,
    scenario_catalog: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = login(client, "tom")
    job_id = client.post("/api/v1/backtests", json=dict(BACKTEST), headers=headers).json()
    job = wait_job(client, job_id["job_id"], headers)
    served = client.get(f"/api/v1/results/{job['run_id']}", headers=headers).json()
    monkeypatch.setenv("BASIS_CATALOG", str(scenario_catalog))
    printed = run(
        monkeypatch,
        "backtest",
        "--mode",
        "btc_basis",
        "--data",
        "scenario:default",
        "--capital",
        "250000",
        "--set",
        "rebalance_threshold=0.05",
        "--json",
    )
    assert printed.exit_code == 0, printed.stderr
    document = json.loads(printed.stdout)
    assert list(served) == list(document)
    assert served | {"run_id": None} == document | {"run_id": None}


def test_a_viewer_cannot_start_a_backtest(client: TestClient) -> None:
    response = client.post("/api/v1/backtests", json=dict(BACKTEST), headers=login(client, "vera"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"mode": "no_such_mode"}, "CONFIG_INVALID", "mode"),
        ({"data": "kaggle"}, "CONFIG_INVALID", "data"),
        ({"set": {"rebalance_threshold": "lots"}}, "CONFIG_INVALID", "set"),
        ({"set": {"no_such_key": 1}}, "CONFIG_UNKNOWN_KEY", "set"),
        ({"capital": -5}, "REQUEST_INVALID", "capital"),
        ({"start": "2024-02-01", "end": "2024-01-01"}, "CONFIG_INVALID", "end"),
        ({"colour": "red"}, "REQUEST_INVALID", "colour"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, change: dict[str, object], code: str, field: str
) -> None:
    response = client.post(
        "/api/v1/backtests", json=dict(BACKTEST) | change, headers=login(client, "tom")
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert "Traceback" not in response.text


def test_missing_data_fails_the_job_with_the_cli_code(client: TestClient) -> None:
    headers = login(client, "tom")
    body = dict(BACKTEST) | {"data": "scenario:not_generated"}
    job = wait_job(
        client,
        client.post("/api/v1/backtests", json=body, headers=headers).json()["job_id"],
        headers,
    )
    assert job["state"] == "failed"
    assert job["error"]["code"] == "DATA_MISSING"
    assert job["run_id"] is None


def test_an_unknown_job_is_a_404(client: TestClient) -> None:
    response = client.get("/api/v1/jobs/nope", headers=login(client, "vera"))
    assert response.status_code == 404
    assert response.json()["error"] | {"request_id": ""} == {
        "code": "NOT_FOUND",
        "message": "no job 'nope'",
        "field": "job_id",
        "request_id": "",
    }
