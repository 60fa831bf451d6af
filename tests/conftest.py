"""Shared fixtures: real data and PostgreSQL come from the environment, or the test skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The real market data folder from BASIS_REAL_DATA; skips the test when it is unset."""
    value = os.environ.get("BASIS_REAL_DATA")
    if not value:
        pytest.skip("BASIS_REAL_DATA is not set (point it at shared/data/real to run this test)")
    path = Path(value)
    if not path.is_dir():
        pytest.skip(f"BASIS_REAL_DATA={value} is not a folder")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL URL from BASIS_TEST_PG_URL; skips the test when it is unset."""
    value = os.environ.get("BASIS_TEST_PG_URL")
    if not value:
        pytest.skip("BASIS_TEST_PG_URL is not set (a PostgreSQL server URL is needed)")
    return value


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never let a test read or write the user's real data directory."""
    home = tmp_path_factory.mktemp("basis_home")
    monkeypatch.setenv("BASIS_HOME", str(home))
    monkeypatch.delenv("BASIS_CATALOG", raising=False)
    monkeypatch.delenv("BASIS_ENV", raising=False)
