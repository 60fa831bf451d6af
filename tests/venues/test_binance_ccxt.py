"""The real ccxt `binance` client, through `CcxtVenue`, against the emulator on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
import pytest

from basis.live.venue import (
    OrderRejectedError,
    OrderRequest,
    Venue,
    VenueUnavailableError,
)
from basis.venues.binance import BINANCE
from basis.venues.ccxt_venue import CcxtVenue, CcxtVenueConfig
from basis.venues.credentials import Credentials
from basis.venues.emulator.server import RunningEmulator

from .fixtures import StartEmulator
from .stubs import KEY, SECRET, ManualWall

T = TypeVar("T")
PERP, SPOT = "binance:perp:BTCUSDT", "binance:spot:BTC"
SINCE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def run(
    running: RunningEmulator,
    body: Callable[[CcxtVenue], Awaitable[T]],
    sleeps: list[float] | None = None,
    **config: object,
) -> T:
    """Run `body` with a CcxtVenue pointed at `running`, closing it afterwards."""

    async def recorded_sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    async def main() -> T:
        settings = CcxtVenueConfig.model_validate(
            {"venue": "binance", "url": running.url, "timeout_ms": 2000, "throttle": False} | config
        )
        venue = CcxtVenue(settings, BINANCE, Credentials(KEY, SECRET), sleep=recorded_sleep)
        try:
            return await body(venue)
        finally:
            await venue.close()

    return asyncio.run(main())


def orders_at(running: RunningEmulator) -> list[dict[str, object]]:
    result: list[dict[str, object]] = httpx.get(running.url + "/_emulator/orders").json()
    return result


def fault(running: RunningEmulator, **spec: object) -> None:
    httpx.post(running.url + "/_emulator/faults", json=spec).raise_for_status()


def test_ccxt_venue_implements_the_venue_protocol(start_emulator: StartEmulator) -> None:
    running = start_emulator()
    assert run(running, lambda v: asyncio.sleep(0, isinstance(v, Venue)))


def test_ccxt_venue_basis_trade_reads_quotes_holdings_fills_and_funding(
    start_emulator: StartEmulator,
) -> None:
    wall = ManualWall()
    running = start_emulator(wall=wall)

    async def body(venue: CcxtVenue) -> None:
        quotes = await venue.quotes([PERP, SPOT])
        assert quotes[PERP].index == pytest.approx(quotes[SPOT].mark)
        assert quotes[PERP].funding_rate is not None and quotes[SPOT].funding_rate is None
        opening = await venue.holdings()
        assert opening.balances == {"USDT": 1_000_000.0} and not opening.positions

        bought = await venue.place(OrderRequest("basis-1-spot", SPOT, "buy", 1.0))
        sold = await venue.place(OrderRequest("basis-1-perp", PERP, "sell", 1.0))
        assert (bought.status, bought.filled, sold.status, sold.filled) == (
            "closed",
            1.0,
            "closed",
            1.0,
        )
        assert await venue.order("basis-1-perp", PERP) == sold
        assert await venue.order("never-sent", PERP) is None

        held = await venue.holdings()
        assert held.balances["BTC"] == 1.0
        assert held.positions[PERP].size == -1.0
        assert held.positions[PERP].entry == pytest.approx(sold.average)
        [spot_fill] = await venue.fills(SPOT, SINCE)
        [perp_fill] = await venue.fills(PERP, SINCE)
        assert (spot_fill.venue_order_id, spot_fill.fee_asset) == (bought.venue_order_id, "USDT")
        assert spot_fill.fee == pytest.approx(spot_fill.price * 0.001)  # spot taker 0.1 %
        assert perp_fill.fee == pytest.approx(perp_fill.price * 0.0005)  # perp taker 0.05 %
        # wallets: 500,000 each; spot paid price + fee, futures paid the perp fee
        cost = spot_fill.price + spot_fill.fee
        assert held.balances["USDT"] == pytest.approx(1_000_000.0 - cost - perp_fill.fee)

        wall.advance(8.5)  # one wall second is an hour: past the 08:00 settlement
        assert (await venue.server_time()).hour == 8
        [paid] = await venue.funding(SINCE)
        rates = await venue.funding_rates(PERP, SINCE)
        assert [t.hour for t, _ in rates] == [0, 8]  # settled so far, none from the future
        assert (paid.market, paid.time.hour) == (PERP, 8)
        assert paid.amount != 0.0

    run(running, body)
    funding = httpx.get(running.url + "/_emulator/funding").json()
    # the venue's own record: −size × mark × rate, shorts receive a positive rate
    assert funding[0]["amount"] == pytest.approx(1.0 * funding[0]["mark"] * funding[0]["rate"])


def test_cancel_open_limit_order_returns_it_canceled(start_emulator: StartEmulator) -> None:
    running = start_emulator()

    async def body(venue: CcxtVenue) -> None:
        placed = await venue.place(
            OrderRequest("basis-lim-1", PERP, "buy", 0.5, type="limit", price=1_000.0)
        )
        assert placed.status == "open"
        assert [o.client_order_id for o in await venue.open_orders()] == ["basis-lim-1"]
        cancelled = await venue.cancel("basis-lim-1", PERP)
        assert cancelled is not None and cancelled.status == "canceled"
        assert await venue.open_orders() == []
        assert await venue.cancel("no-such-order", PERP) is None

    run(running, body)


def test_place_same_client_id_twice_makes_one_order(start_emulator: StartEmulator) -> None:
    running = start_emulator()

    async def body(venue: CcxtVenue) -> None:
        first = await venue.place(OrderRequest("basis-2-spot", SPOT, "buy", 0.1))
        again = await venue.place(OrderRequest("basis-2-spot", SPOT, "buy", 0.1))
        assert again == first

    run(running, body)
    assert [o["client_order_id"] for o in orders_at(running)] == ["basis-2-spot"]


def test_place_accepted_then_timed_out_raises_unavailable_then_is_found(
    start_emulator: StartEmulator,
) -> None:
    running = start_emulator()
    fault(running, kind="accept_then_timeout", seconds=5.0, path="/fapi/v1/order", method="POST")

    async def body(venue: CcxtVenue) -> None:
        with pytest.raises(VenueUnavailableError, match="fate unknown"):
            await venue.place(OrderRequest("basis-3-perp", PERP, "sell", 0.2))
        found = await venue.order("basis-3-perp", PERP)
        assert found is not None and found.status == "closed"
        assert await venue.place(OrderRequest("basis-3-perp", PERP, "sell", 0.2)) == found

    run(running, body, timeout_ms=1000)
    assert [o["client_order_id"] for o in orders_at(running)] == ["basis-3-perp"]


def test_place_after_429_waits_retry_after_then_places_once(start_emulator: StartEmulator) -> None:
    running = start_emulator()
    fault(running, kind="rate_limit", count=2, retry_after=3, path="/fapi/v1/order")
    sleeps: list[float] = []

    async def body(venue: CcxtVenue) -> None:
        placed = await venue.place(OrderRequest("basis-4-perp", PERP, "sell", 0.1))
        assert placed.status == "closed"

    run(running, body, sleeps=sleeps)
    assert sleeps == [3.0, 3.0]
    assert len(orders_at(running)) == 1


def test_place_429_longer_than_the_bound_raises_unavailable(start_emulator: StartEmulator) -> None:
    running = start_emulator()
    fault(running, kind="rate_limit", retry_after=120, path="/fapi/v1/order")

    async def body(venue: CcxtVenue) -> None:
        with pytest.raises(VenueUnavailableError, match="rate limited for 120 s"):
            await venue.place(OrderRequest("basis-5-perp", PERP, "sell", 0.1))

    run(running, body)
    assert orders_at(running) == []


def test_place_after_5xx_backs_off_then_places_once(start_emulator: StartEmulator) -> None:
    running = start_emulator()
    fault(running, kind="error", count=2, status=503, path="/fapi/v1/order", method="POST")
    sleeps: list[float] = []

    async def body(venue: CcxtVenue) -> None:
        placed = await venue.place(OrderRequest("basis-6-perp", PERP, "sell", 0.1))
        assert placed.filled == 0.1

    run(running, body, sleeps=sleeps, backoff_seconds=0.5)
    assert sleeps == [0.5, 1.0]  # 0.5 × 2^attempt
    assert [o["client_order_id"] for o in orders_at(running)] == ["basis-6-perp"]


def test_holdings_5xx_past_the_retries_raises_unavailable(start_emulator: StartEmulator) -> None:
    running = start_emulator()
    fault(running, kind="error", count=10, path="/fapi/v3/account")

    async def body(venue: CcxtVenue) -> None:
        with pytest.raises(VenueUnavailableError, match="after 3 attempts"):
            await venue.holdings()

    run(running, body, retries=2)


def test_place_dropped_connection_looks_up_then_places_once(
    start_emulator: StartEmulator,
) -> None:
    running = start_emulator()
    fault(running, kind="drop", path="/api/v3/order", method="POST")

    async def body(venue: CcxtVenue) -> None:
        placed = await venue.place(OrderRequest("basis-7-spot", SPOT, "buy", 0.1))
        assert placed.status == "closed"

    run(running, body)
    assert [o["client_order_id"] for o in orders_at(running)] == ["basis-7-spot"]


def test_place_refused_order_raises_rejected(start_emulator: StartEmulator) -> None:
    running = start_emulator()

    async def body(venue: CcxtVenue) -> None:
        with pytest.raises(OrderRejectedError, match="insufficient balance"):
            await venue.place(OrderRequest("basis-8-spot", SPOT, "buy", 100.0))
        with pytest.raises(OrderRejectedError, match="minimum amount precision"):
            await venue.place(OrderRequest("basis-9-spot", SPOT, "buy", 0.00001))

    run(running, body)
    assert orders_at(running) == []


def test_ccxt_venue_logs_errors_and_repr_never_show_key_or_secret(
    start_emulator: StartEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    running = start_emulator()
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []

    async def body(venue: CcxtVenue) -> None:
        messages.append(repr(venue))
        await venue.holdings()
        fault(running, kind="error", count=10)
        with pytest.raises(VenueUnavailableError) as failed:
            await venue.holdings()
        messages.append(str(failed.value))

    run(running, body, retries=0)
    logged = caplog.text + " ".join(messages)
    assert "'X-MBX-APIKEY': '***'" in caplog.text  # ccxt's debug lines carry the key header
    assert KEY not in logged and SECRET not in logged


def test_spot_order_filled_stands_when_the_sweep_after_it_fails(
    start_emulator: StartEmulator,
) -> None:
    """The sweep of spare spot cash to USDⓈ-M after a spot trade is about the wallet, not the
    order: the venue's answer (filled) is returned, not a fate-unknown error."""
    running = start_emulator()

    async def body(venue: CcxtVenue) -> None:
        await venue.place(OrderRequest("basis-10-spot", SPOT, "buy", 0.5))
        fault(running, kind="rate_limit", retry_after=120, path="/sapi/v1/asset/transfer")
        sold = await venue.place(OrderRequest("basis-11-spot", SPOT, "sell", 0.2))
        assert sold.status == "closed"
        assert sold.filled == 0.2

    run(running, body)
    assert [o["status"] for o in orders_at(running)] == ["closed", "closed"]


def test_funding_reads_every_page(
    start_emulator: StartEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The venue answers at most a page of funding rows from `since`: the adapter pages on,
    or a long run would stop seeing its funding after the first page."""
    monkeypatch.setattr("basis.venues.ccxt_venue.PAGE", 2)
    wall = ManualWall()
    running = start_emulator(wall=wall)

    async def body(venue: CcxtVenue) -> None:
        await venue.place(OrderRequest("basis-12-perp", PERP, "sell", 1.0))
        wall.advance(41.0)  # five settlements: 08:00, 16:00, 00:00, 08:00, 16:00
        paid = await venue.funding(SINCE)
        assert len(paid) == 5
        assert len({p.funding_id for p in paid}) == 5

    run(running, body)


def test_fills_over_pages_lose_no_row_sharing_a_millisecond(
    start_emulator: StartEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("basis.venues.ccxt_venue.PAGE", 2)
    wall = ManualWall()
    running = start_emulator(wall=wall)

    async def body(venue: CcxtVenue) -> list[str]:
        for number, step in enumerate([0.0, 0.0, 0.001, 0.001, 0.001]):
            wall.advance(step)  # the first two fills share a millisecond
            side = "sell" if number % 2 == 0 else "buy"
            await venue.place(OrderRequest(f"page-{number}", PERP, side, 0.01))
        return [f.trade_id for f in await venue.fills(PERP, SINCE)]

    assert run(running, body) == ["1", "2", "3", "4", "5"]


def test_transfer_to_futures_moves_usdt_between_wallets(
    start_emulator: StartEmulator,
) -> None:
    from basis.venues.binance import transfer

    running = start_emulator()

    async def body(venue: CcxtVenue) -> str:
        await venue.holdings()  # markets loaded
        return await transfer(venue.exchange, 100_000.0, to_futures=True)

    assert run(running, body) == "1"
    [account] = httpx.get(running.url + "/_emulator/accounts").json()
    assert account["spot"]["USDT"]["free"] == 400_000.0
    assert account["futures_wallet"] == 600_000.0


def test_spot_buy_whose_cash_move_fails_is_rejected_and_never_sent(
    start_emulator: StartEmulator,
) -> None:
    """Before a spot buy the adapter moves its cash from USDⓈ-M to the spot wallet; when
    that move fails, the order was never sent: a definite refusal, not an unknown fate."""
    running = start_emulator()

    async def body(venue: CcxtVenue) -> None:
        await venue.place(OrderRequest("basis-13-spot", SPOT, "buy", 0.5))  # spare cash swept
        fault(running, kind="rate_limit", retry_after=120, path="/sapi/v1/asset/transfer")
        with pytest.raises(OrderRejectedError, match="not sent: moving cash"):
            await venue.place(OrderRequest("basis-14-spot", SPOT, "buy", 0.2))

    run(running, body)
    assert [o["client_order_id"] for o in orders_at(running)] == ["basis-13-spot"]
