"""Self-trade prevention judged by the emulator: random order flows of several managed
accounts (keys stored and sealed, opened by `open_venues`) never produce a fill whose maker
and taker are both managed accounts; without the check the same emulator does cross them."""

from __future__ import annotations

import asyncio
import base64
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from basis.accounts.records import AccountSecret
from basis.accounts.store import AccountStore
from basis.errors import SelfTradeRefusedError
from basis.live.journal import Journal
from basis.live.orders import OrderManager
from basis.live.venue import OrderRequest, Side, Venue
from basis.trading.launch import open_venues
from basis.venues.emulator.accounts import account_name
from basis.venues.emulator.server import RunningEmulator
from tests.venues.conftest import StartEmulator

SPOT = "binance:spot:BTC"
ACCOUNTS = ("a", "b", "c")
BALANCES = ["spot:USDT=1000000", "spot:BTC=10"]
ENVIRON = {"BASIS_MASTER_KEY": base64.b64encode(b"e" * 32).decode()}
T = TypeVar("T")

Step = tuple[str, Side, str, int, float]  # account, side, type, price offset (bp), amount
STEPS = st.tuples(
    st.sampled_from(ACCOUNTS),
    st.sampled_from(["buy", "sell"]),
    st.sampled_from(["market", "limit", "limit"]),
    st.integers(-8, 8),  # the emulator crosses accounts within its slippage of the reference
    st.sampled_from([0.001, 0.002, 0.005]),
)


def _run(body: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(body())


def _managed(running: RunningEmulator, folder: Path) -> tuple[AccountStore, set[str]]:
    """Three fresh emulator accounts, stored (sealed) under names a, b, c."""
    store = AccountStore.open(f"sqlite:///{folder / 'basis.sqlite'}", environ=ENVIRON)
    names = set()
    for name in ACCOUNTS:
        key, secret = f"key-{secrets.token_hex(8)}", secrets.token_hex(16)
        body = {"api_key": key, "secret": secret, "balances": BALANCES}
        httpx.post(running.url + "/_emulator/accounts", json=body).raise_for_status()
        store.add(name, "binance", AccountSecret(key, secret), actor="test")
        names.add(account_name(key))
    return store, names


def _cross_fills(running: RunningEmulator, managed: set[str]) -> list[dict[str, Any]]:
    fills: list[dict[str, Any]] = httpx.get(running.url + "/_emulator/fills").json()
    return [f for f in fills if f["maker_account"] in managed and f["taker_account"] in managed]


async def _open(store: AccountStore, running: RunningEmulator) -> dict[str, Venue]:
    urls = dict.fromkeys(ACCOUNTS, running.url)
    venues, warnings = open_venues(
        list(ACCOUNTS), testnet=False, urls=urls, need_keys=True, environ={}, accounts=store
    )
    assert warnings == []
    return venues


async def _flow(manager: OrderManager, venues: dict[str, Venue], steps: list[Step]) -> int:
    reference = (await venues["a"].quotes([SPOT]))[SPOT].mark
    refused = 0
    for account, side, kind, offset, amount in steps:
        price = round(reference * (1 + offset * 1e-4), 1)
        try:
            if kind == "market":
                await manager.submit(account, SPOT, side, amount, "flow")
            else:
                await manager.submit(account, SPOT, side, amount, "flow", type="limit", price=price)
        except SelfTradeRefusedError:
            refused += 1
    return refused


@pytest.mark.slow
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEPS, min_size=3, max_size=12))
def test_self_trade_random_flows_make_no_fill_between_managed_accounts(
    start_emulator: StartEmulator, steps: list[Step]
) -> None:
    # fresh per example (no resting order of an earlier flow); no request-weight limit
    running = start_emulator(weight_per_minute=1_000_000)
    with tempfile.TemporaryDirectory() as folder:
        store, managed = _managed(running, Path(folder))
        url = f"sqlite:///{Path(folder) / 'basis.sqlite'}"

        async def body() -> None:
            venues = await _open(store, running)
            try:
                with Journal.open(url) as journal:
                    run_id = journal.start_run("flow", False, {})
                    await _flow(OrderManager(journal, venues, run_id), venues, steps)
            finally:
                for venue in venues.values():
                    await venue.close()

        with store:
            _run(body)
    assert _cross_fills(running, managed) == []


def test_self_trade_without_the_check_the_emulator_crosses_accounts(
    start_emulator: StartEmulator, tmp_path: Path
) -> None:
    """The judge works: a buy sent straight to the venue takes another account's resting
    sell; through the order manager the same buy is refused."""
    running = start_emulator(weight_per_minute=1_000_000)
    store, managed = _managed(running, tmp_path)

    async def body() -> None:
        venues = await _open(store, running)
        try:
            reference = (await venues["a"].quotes([SPOT]))[SPOT].mark
            price = round(reference * 1.0001, 1)
            with Journal.open(f"sqlite:///{tmp_path / 'basis.sqlite'}") as journal:
                manager = OrderManager(journal, venues, journal.start_run("flow", False, {}))
                await manager.submit("b", SPOT, "sell", 0.002, "rest", type="limit", price=price)
                with pytest.raises(SelfTradeRefusedError):
                    await manager.submit("a", SPOT, "buy", 0.002, "take")
                assert _cross_fills(running, managed) == []
                await venues["a"].place(OrderRequest("bsdirect1", SPOT, "buy", 0.002))
        finally:
            for venue in venues.values():
                await venue.close()

    with store:
        _run(body)
    assert len(_cross_fills(running, managed)) == 1
