"""Stress runs and sweeps as jobs: results as `basis stress --json` and `basis sweep` give."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from basis.api.app import create_app
from basis.api.config import ServiceConfig
from basis.config.settings import Settings
from tests.api.stubs import PASSWORDS, login, wait_job
from tests.cli.test_stress import JSON_KEYS

STRESS = {
    "mode": "usdt_market_neutral",
    "scenario": "default",
    "paths": 2,
    "seed": 9,
    "years": 0.02,
}


def test_a_stress_job_runs_its_paths_and_leaves_the_cli_object(settings: Settings) -> None:
    config = ServiceConfig(dask_workers=1)
    with TestClient(create_app(settings, config), raise_server_exceptions=False) as client:
        headers = login(client, "tom")
        accepted = client.post("/api/v1/stress", json=STRESS, headers=headers)
        assert accepted.status_code == 202
        job = wait_job(client, accepted.json()["job_id"], headers)
        client.post("/login", data={"username": "vera", "password": PASSWORDS["vera"]})
        page = client.get(f"/jobs/{job['job_id']}")
        report = client.get(f"/jobs/{job['job_id']}/report")
    assert "open the stress report" in page.text
    assert report.status_code == 200 and "plotly" in report.text
    assert (job["state"], job["progress"], job["kind"]) == ("done", 1.0, "stress"), job
    result = job["result"]
    assert list(result) == JSON_KEYS
    assert (result["paths"], result["completed"], result["seeds"]) == (2, 2, [9, 10])


def test_bad_stress_requests_are_422s_naming_the_field(client: TestClient) -> None:
    headers = login(client, "tom")
    cases = [
        ({"paths": 0}, "REQUEST_INVALID", "paths"),
        ({"mode": "nope"}, "CONFIG_INVALID", "mode"),
        ({"scenario": "../etc"}, "REQUEST_INVALID", "scenario"),
        ({"set": {"target_ltv": "high"}}, "CONFIG_INVALID", "set"),
    ]
    for change, code, field in cases:
        response = client.post("/api/v1/stress", json=STRESS | change, headers=headers)
        assert response.status_code == 422, (change, response.text)
        assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (
            code,
            field,
        )
    viewer = client.post("/api/v1/stress", json=STRESS, headers=login(client, "vera"))
    assert viewer.status_code == 403


def test_a_backtest_job_has_no_stress_report(client: TestClient) -> None:
    client.post("/login", data={"username": "vera", "password": PASSWORDS["vera"]})
    assert client.get("/jobs/nope/report").status_code == 404


def test_a_sweep_job_runs_every_point_and_stores_their_runs(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_HOME", str(settings.home))  # the sweep store is the app's
    body = {
        "mode": "btc_basis",
        "grid": {"parameters": {"rebalance_threshold": [0.02, 0.05]}},
        "data": "scenario:default",
        "name": "api-sweep",
    }
    with TestClient(create_app(settings, ServiceConfig(dask_workers=1))) as client:
        headers = login(client, "tom")
        bad = client.post(
            "/api/v1/sweeps",
            json=body | {"grid": {"parameters": {"no_such": [1]}}},
            headers=headers,
        )
        accepted = client.post("/api/v1/sweeps", json=body, headers=headers)
        assert accepted.status_code == 202, accepted.text
        job = wait_job(client, accepted.json()["job_id"], headers)
        runs = client.get("/api/v1/results", headers=headers).json()["runs"]
        client.post("/login", data={"username": "vera", "password": PASSWORDS["vera"]})
        page = client.get(f"/jobs/{job['job_id']}").text
        report = client.get(f"/jobs/{job['job_id']}/report")
        listing = client.get("/research").text
        listed = client.get("/research/sweeps/api-sweep.html")
        escape = client.get("/research/sweeps/..%2F..%2Fsecret_key")
    assert "2 of 2 points done" in page and "open the sweep report" in page
    assert report.status_code == 200 and "plotly" in report.text
    assert "api-sweep" in listing and listed.status_code == 200
    assert escape.status_code == 404
    assert bad.status_code == 422 and bad.json()["error"]["code"].startswith("CONFIG_")
    assert "request.grid" in bad.json()["error"]["message"]
    assert job["state"] == "done", job
    result = job["result"]
    assert (result["name"], result["points"], result["done"], result["failed"]) == (
        "api-sweep",
        2,
        2,
        0,
    )
    assert len(runs) == 2 and result["best"]["run_id"] in {row["run_id"] for row in runs}


def test_an_optimize_job_leaves_its_best_trial_as_the_run(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_HOME", str(settings.home))
    body = {
        "mode": "btc_basis",
        "space": {"parameters": {"rebalance_threshold": {"low": 0.02, "high": 0.05}}},
        "trials": 2,
        "name": "api-study",
    }
    with TestClient(create_app(settings, ServiceConfig(dask_workers=1))) as client:
        headers = login(client, "tom")
        bad = client.post(
            "/api/v1/optimize", json=body | {"constraints": ["apy>>1"]}, headers=headers
        )
        accepted = client.post("/api/v1/optimize", json=body, headers=headers)
        assert accepted.status_code == 202, accepted.text
        job = wait_job(client, accepted.json()["job_id"], headers)
        shown = client.get(f"/api/v1/results/{job['run_id']}", headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "CONFIG_INVALID"
    assert job["state"] == "done", job
    assert (job["result"]["name"], job["result"]["trials"]) == ("api-study", 2)
    assert job["result"]["best"]["run_id"] == job["run_id"]
    assert shown.status_code == 200
