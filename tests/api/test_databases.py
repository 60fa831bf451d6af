"""The service end to end on SQLite and (marked `postgres`) PostgreSQL, on a real server:
a job outlives the client that submitted it, and its run is served from either store."""

from __future__ import annotations

from pathlib import Path

import httpx

from basis.api.app import create_app
from tests.api.stubs import BACKTEST, FAST, add_users, login, make_settings, serving, wait_job


def test_a_job_outlives_its_client_and_its_run_is_served(
    database_url: str,
    tmp_path: Path,
    scenario_catalog: Path,
) -> None:
    settings = make_settings(tmp_path / "home", scenario_catalog, db_url=database_url)
    add_users(settings)
    with serving(create_app(settings, FAST)) as url:
        with httpx.Client(base_url=url) as first:
            headers = login(first, "tom")
            job_id = first.post("/api/v1/backtests", json=dict(BACKTEST), headers=headers)
        # The submitting client is gone; another one finds the job and its run.
        with httpx.Client(base_url=url) as second:
            job = wait_job(second, job_id.json()["job_id"], headers)
            assert job["state"] == "done"
            shown = second.get(f"/api/v1/results/{job['run_id']}", headers=headers).json()
            listed = second.get("/api/v1/results", headers=headers).json()["runs"]
            token = second.post("/api/v1/tokens", json={"label": "ci"}, headers=headers).json()
            script = {"Authorization": f"Bearer {token['token']}"}
            assert second.get("/api/v1/auth/me", headers=script).json()["name"] == "tom"
    assert shown["run_id"] == job["run_id"] and shown["mode"] == "btc_basis"
    assert [row["run_id"] for row in listed] == [job["run_id"]]
