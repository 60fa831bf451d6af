"""Pacifica: signing by hand, the rate-credit bucket, and our client end to end against the
emulator's Pacifica dialect (real httpx and websockets on 127.0.0.1, no mocks)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from solders.keypair import Keypair

from basis.errors import ConfigError
from basis.live.venue import OrderRequest, VenueUnavailableError
from basis.venues.credentials import Credentials
from basis.venues.emulator.accounts import account_name
from basis.venues.emulator.server import RunningEmulator
from basis.venues.pacifica.client import PacificaConfig, PacificaVenue
from basis.venues.pacifica.signing import Signer, canonical, message, verify
from basis.venues.rate_limit import TokenBucket
from tests.venues.conftest import StartEmulator
from tests.venues.stubs import ManualWall

T = TypeVar("T")
ACCOUNT = Keypair.from_seed(bytes(range(32)))
AGENT = Keypair.from_seed(bytes(range(1, 33)))
BTC = "pacifica:perp:BTCUSDC"


def _run(body: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(body())


# -- signing ---------------------------------------------------------------------------


def test_the_signed_text_is_the_recursively_sorted_compact_json() -> None:
    payload = {"symbol": "BTC", "side": "bid", "nested": {"z": [{"b": 1, "a": 2}], "a": None}}
    assert message("create_order", 1_700_000_000_000, 5_000, payload) == (
        '{"data":{"nested":{"a":null,"z":[{"a":2,"b":1}]},"side":"bid","symbol":"BTC"},'
        '"expiry_window":5000,"timestamp":1700000000000,"type":"create_order"}'
    )
    assert canonical({"é": 1}) == '{"é":1}'  # UTF-8 kept, not escaped


def test_an_agent_signs_for_the_account_and_any_change_breaks_the_signature() -> None:
    signer = Signer(str(ACCOUNT.pubkey()), str(AGENT))
    assert signer.agent_wallet == str(AGENT.pubkey())
    body = signer.sign("create_market_order", {"symbol": "BTC", "amount": "0.1"}, 1, 5_000)
    assert body["account"] == str(ACCOUNT.pubkey())
    assert body["agent_wallet"] == str(AGENT.pubkey())
    assert verify("create_market_order", body)
    assert not verify("create_order", body)  # another operation type
    assert not verify("create_market_order", {**body, "amount": "0.2"})
    assert not verify("create_market_order", {**body, "timestamp": 2})
    own = Signer(str(ACCOUNT.pubkey()), str(ACCOUNT))
    assert own.agent_wallet is None and "agent_wallet" not in own.sign("x", {}, 1, 1)
    assert "secret" not in repr(signer) and str(AGENT) not in repr(signer)
    with pytest.raises(ConfigError, match="base58 ed25519 keypair"):
        Signer("account", "not-a-key")


# -- rate credits ----------------------------------------------------------------------


def test_the_token_bucket_lets_a_burst_through_then_paces_at_the_refill_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(capacity=10.0, refill_per_second=1.0, clock=lambda: now[0])
    assert bucket.reserve(4.0) == 0.0 and bucket.reserve(6.0) == 0.0  # the burst: 10 credits
    assert bucket.reserve(3.0) == pytest.approx(3.0)  # 3 credits short at 1 a second
    now[0] = 3.0
    assert bucket.reserve(1.0) == pytest.approx(1.0)  # the debt was repaid, 1 more to wait
    now[0] = 100.0
    assert bucket.reserve(0.5) == 0.0 and bucket.tokens == pytest.approx(9.5)  # full again
    pacifica = TokenBucket.per_window(125.0, 60.0, clock=lambda: 0.0)
    assert pacifica.refill_per_second == pytest.approx(125.0 / 60.0)
    assert pacifica.reserve(500.0) == 0.0  # a cost over the capacity counts as the capacity


# -- end to end ------------------------------------------------------------------------


def _register(running: RunningEmulator, agent: Keypair | None = AGENT) -> None:
    body: dict[str, Any] = {"api_key": str(ACCOUNT.pubkey()), "balances": ["futures:USDT=100000"]}
    if agent is not None:
        body["agent_wallet"] = str(agent.pubkey())
    httpx.post(running.url + "/_emulator/accounts", json=body).raise_for_status()


def _venue(running: RunningEmulator, **options: Any) -> PacificaVenue:
    config = PacificaConfig(url=running.url, throttle=False, **options)
    return PacificaVenue(config, Credentials(str(ACCOUNT.pubkey()), str(AGENT)))


def test_orders_positions_fills_and_funding_through_the_client(
    start_emulator: StartEmulator,
) -> None:
    wall = ManualWall()
    running = start_emulator(wall=wall, dialect="pacifica", weight_per_minute=1_000_000)
    _register(running)
    me = account_name(str(ACCOUNT.pubkey()))

    async def body() -> None:
        venue = _venue(running)
        try:
            mark = (await venue.quotes([BTC]))[BTC].mark
            assert mark > 1_000.0
            start = await venue.holdings()
            assert start.balances == {"USDC": 100_000.0} and not start.positions
            since = datetime.now(UTC) - timedelta(days=3650)

            amount = await venue.precise(BTC, 0.123456789)
            assert amount == pytest.approx(0.1234)  # the emulator's BTC lot is 0.0001
            bought = await venue.place(OrderRequest("buy-1", BTC, "buy", amount))
            assert (bought.status, bought.filled, bought.side) == ("closed", amount, "buy")
            again = await venue.place(OrderRequest("buy-1", BTC, "buy", amount))
            assert again.venue_order_id == bought.venue_order_id  # the same order, not two
            held = await venue.holdings()
            position = held.positions[BTC]
            assert position.size == pytest.approx(amount)
            fee = held.balances["USDC"] - 100_000.0
            assert fee == pytest.approx(-amount * position.entry * 0.0004, rel=1e-9)  # taker

            far = round(mark * 1.5)
            resting = await venue.place(OrderRequest("ask-1", BTC, "sell", amount, "limit", far))
            assert resting.status == "open" and resting.filled == 0.0
            assert [o.client_order_id for o in await venue.open_orders()] == ["ask-1"]
            cancelled = await venue.cancel("ask-1", BTC)
            assert cancelled is not None and cancelled.status == "canceled"
            assert (await venue.cancel("ask-1", BTC)).status == "canceled"  # type: ignore[union-attr]
            assert await venue.cancel("never-sent", BTC) is None
            assert await venue.open_orders() == []

            batch = await venue.place_batch(
                [
                    OrderRequest("b-1", BTC, "sell", amount, "limit", far),
                    OrderRequest("b-2", BTC, "sell", amount, "limit", far + 0.05),  # off tick
                ]
            )
            assert not isinstance(batch[0], str) and batch[0].status == "open"
            assert isinstance(batch[1], str) and "PRICE_FILTER" in batch[1]

            fills = await venue.fills(BTC, since)
            assert [(f.client_order_id, f.side, f.amount) for f in fills] == [
                ("buy-1", "buy", amount)
            ]
            assert fills[0].fee == pytest.approx(-fee) and fills[0].fee_asset == "USDC"

            wall.advance(3.0)  # three hours at 3,600x: three hourly settlements
            paid = await venue.funding(since)
            venue_side = httpx.get(running.url + "/_emulator/funding").json()
            mine = [f for f in venue_side if f["account"] == me]
            assert len(paid) == len(mine) == 3
            assert sum(p.amount for p in paid) == pytest.approx(sum(f["amount"] for f in mine))

            async for prices in venue.stream_prices():
                assert prices[BTC].mark > 1_000.0
                break
        finally:
            await venue.close()

    _run(body)


def test_bad_signatures_expired_requests_and_unbound_agents_are_refused(
    start_emulator: StartEmulator,
) -> None:
    running = start_emulator(dialect="pacifica")
    _register(running)
    account = str(ACCOUNT.pubkey())
    payload = {"symbol": "BTC", "amount": "0.01", "side": "bid", "slippage_percent": "0.5",
               "reduce_only": False, "client_order_id": "x"}  # fmt: skip
    now = int(time.time() * 1000)
    url = running.url + "/api/v1/orders/create_market"

    def post(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        answer = httpx.post(url, json=body)
        return answer.status_code, answer.json()

    forged = Signer(account, str(Keypair.from_seed(bytes(32)))).sign(
        "create_market_order", payload, now, 5_000
    )
    forged["agent_wallet"] = str(AGENT.pubkey())  # claims the bound agent, signed by another
    status, answer = post(forged)
    assert (status, answer["success"], answer["error_id"]) == (
        400,
        False,
        "signature_verification_failed",
    )
    expired = Signer(account, str(AGENT)).sign("create_market_order", payload, now - 10_000, 5_000)
    status, answer = post(expired)
    assert (status, answer["error_id"]) == (400, "signature_expired")
    stranger = Keypair.from_seed(bytes(range(2, 34)))
    unbound = Signer(account, str(stranger)).sign("create_market_order", payload, now, 5_000)
    status, answer = post(unbound)
    assert (status, answer["error_id"]) == (400, "agent_not_authorized")
    nobody = Signer(str(stranger.pubkey()), str(stranger)).sign(
        "create_market_order", payload, now, 5_000
    )
    status, answer = post(nobody)
    assert (status, answer["code"]) == (422, 1)
    assert httpx.get(running.url + "/_emulator/orders").json() == []  # nothing was booked


def test_a_429_is_retried_after_its_retry_after_and_a_long_one_is_not(
    start_emulator: StartEmulator,
) -> None:
    running = start_emulator(dialect="pacifica")
    _register(running)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def body() -> None:
        venue = PacificaVenue(
            PacificaConfig(url=running.url, throttle=False),
            Credentials(str(ACCOUNT.pubkey()), str(AGENT)),
            sleep=sleep,
        )
        try:
            fault = {"kind": "rate_limit", "path": "/api/v1/info/prices", "retry_after": 2}
            httpx.post(running.url + "/_emulator/faults", json=fault).raise_for_status()
            assert (await venue.quotes([BTC]))[BTC].mark > 0.0
            assert waits == [2.0]
            long = {**fault, "retry_after": 120}
            httpx.post(running.url + "/_emulator/faults", json=long).raise_for_status()
            with pytest.raises(VenueUnavailableError, match="rate limited for 120 s"):
                await venue.quotes([BTC])
        finally:
            await venue.close()

    _run(body)


def test_a_stored_account_opens_on_pacifica_and_the_cli_serves_the_dialect(
    start_emulator: StartEmulator, scenario_catalog: Any, tmp_path: Any
) -> None:
    from basis.accounts.records import AccountSecret
    from basis.accounts.store import AccountStore
    from basis.trading.launch import open_venues
    from tests.venues.stubs import emulator_process

    running = start_emulator(dialect="pacifica")
    _register(running)
    environ = {"BASIS_MASTER_KEY": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="}
    with AccountStore.open(f"sqlite:///{tmp_path / 'a.sqlite'}", environ=environ) as store:
        store.add("pf", "pacifica", AccountSecret(str(ACCOUNT.pubkey()), str(AGENT)), actor="t")
        venues, warnings = open_venues(
            ["pf"], testnet=False, urls={"pf": running.url}, need_keys=True, accounts=store
        )
    assert warnings == [] and isinstance(venues["pf"], PacificaVenue)

    async def body() -> None:
        try:
            assert (await venues["pf"].holdings()).balances == {"USDC": 100_000.0}
        finally:
            await venues["pf"].close()

    _run(body)
    with emulator_process(scenario_catalog.root, "--dialect", "pacifica") as url:
        answer = httpx.get(url + "/api/v1/info/prices").json()
        assert answer["success"] and {row["symbol"] for row in answer["data"]} >= {"BTC", "ETH"}
