"""Builders for the service tests: settings on a temporary folder, users of each role, an app."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import httpx
import uvicorn
from fastapi import FastAPI

from basis.api.config import ServiceConfig
from basis.cli.serve import WS_PROTOCOL
from basis.config.market import load_market
from basis.config.settings import Settings
from basis.data.catalog import Catalog
from basis.data.scenario import load_scenario, write_scenario
from basis.store.users import UserStore
from tests.conftest import CONFIGS

PASSWORDS: Final = {
    "alice": "alice-admin-password",
    "tom": "tom-trader-password",
    "vera": "vera-viewer-password",
}
ROLES: Final = {"alice": "admin", "tom": "trader", "vera": "viewer"}
FAST: Final = ServiceConfig(job_workers=2)


def make_catalog(root: Path, years: float = 0.05) -> Path:
    """A short generated `scenario:default` (about 18 days) in `root`."""
    write_scenario(
        Catalog(root), load_scenario("default", CONFIGS), load_market(CONFIGS), years=years
    )
    return root


def make_settings(home: Path, catalog: Path, db_url: str | None = None) -> Settings:
    return Settings(env="dev", home=home, catalog=catalog, config_dir=CONFIGS, db_url=db_url)


def add_users(settings: Settings, config: ServiceConfig = FAST) -> None:
    """One user of each role (alice admin, tom trader, vera viewer)."""
    from basis.api.auth import add_user
    from basis.api.services import database_url

    with UserStore(database_url(settings)) as store:
        for name, password in PASSWORDS.items():
            add_user(store, name, ROLES[name], password, config)


def login(client: httpx.Client, name: str) -> dict[str, str]:
    """Bearer headers for `name`, through the login route."""
    response = client.post(
        "/api/v1/auth/login", json={"username": name, "password": PASSWORDS[name]}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


BACKTEST: Final[Mapping[str, Any]] = {
    "mode": "btc_basis",
    "data": "scenario:default",
    "start": None,
    "end": None,
    "capital": 250000,
    "set": {"rebalance_threshold": 0.05},
}


def wait_job(client: httpx.Client, job_id: str, headers: Mapping[str, str]) -> dict[str, Any]:
    """Poll a job until it finishes (bounded by attempts, not by a clock assertion)."""
    for _ in range(600):
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["state"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


@contextlib.contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run `app` on a real uvicorn server on 127.0.0.1 (a free port); yield its base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", ws=WS_PROTOCOL
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.01)
    else:
        raise AssertionError("uvicorn did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
