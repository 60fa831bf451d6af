"""Fixtures of the service tests: one generated catalog per session, one app per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from basis.api.app import create_app
from basis.config.settings import Settings
from tests.api.stubs import FAST, add_users, make_catalog, make_settings


@pytest.fixture(scope="session")
def scenario_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_catalog(tmp_path_factory.mktemp("catalog"))


@pytest.fixture
def settings(tmp_path: Path, scenario_catalog: Path) -> Settings:
    settings = make_settings(tmp_path / "home", scenario_catalog)
    add_users(settings)
    return settings


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app through Starlette's TestClient (an httpx client; lifespan runs)."""
    with TestClient(create_app(settings, FAST), raise_server_exceptions=False) as opened:
        yield opened
