"""Fixtures of the account tests: fresh databases, a master key, and a store on them."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from basis.accounts.store import AccountStore

__all__ = ["master_env", "store"]

MASTER = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def master_env() -> dict[str, str]:
    return {"BASIS_MASTER_KEY": MASTER}


@pytest.fixture
def store(database_url: str, master_env: dict[str, str]) -> Iterator[AccountStore]:
    with AccountStore.open(database_url, environ=master_env) as opened:
        yield opened
