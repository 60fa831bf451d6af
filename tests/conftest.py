"""Shared fixtures: real data and PostgreSQL come from the environment, or the test skips;
`database_url` runs a test on SQLite and (marked `postgres`) on a schema of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from basis.store import resolve_url

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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: a SQLite file, or a schema of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'results.sqlite'}"
        return
    server = resolve_url(request.getfixturevalue("postgres_url"))
    schema = f"test_store_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, poolclass=sa.pool.NullPool)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    isolated = server.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield isolated.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never let a test read or write the user's real data directory."""
    home = tmp_path_factory.mktemp("basis_home")
    monkeypatch.setenv("BASIS_HOME", str(home))
    monkeypatch.delenv("BASIS_CATALOG", raising=False)
    monkeypatch.delenv("BASIS_ENV", raising=False)
