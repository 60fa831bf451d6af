"""The emulated venue's matching and settlement, with numbers worked out by hand.

The replay (tests/venues/stubs.py): BTC spot 40,000 + 100/h, the perp 10 above; funding
0.0002 at 08:00 and 16:00, 0.0001 at 00:00. Binance config: spot taker 0.1 %, perp taker
0.05 %, maker 0.02 %; slippage 3 / 4 / 8 bp at $10k / $100k / $1M, linear in log notional.
The exchange opens at 00:30 UTC; one wall second moves it one hour.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basis.venues.emulator.accounts import (
    VENUE,
    EmulatorRejectedError,
    OpeningBalances,
    account_name,
    parse_balances,
)
from basis.venues.emulator.exchange import OrderSpec, filters_for

from .stubs import KEY, ManualWall, exchange


def spot_buy(amount: float, client_id: str = "b1", price: float | None = None) -> OrderSpec:
    kind = "MARKET" if price is None else "LIMIT"
    return OrderSpec("spot", "BTCUSDT", "BUY", kind, amount, client_id, price)


def perp(side: str, amount: float, client_id: str, **extra: object) -> OrderSpec:
    return OrderSpec("futures", "BTCUSDT", side, "MARKET", amount, client_id, **extra)  # type: ignore[arg-type]


def test_spot_market_buy_fills_at_slipped_price_with_taker_fee() -> None:
    venue = exchange(ManualWall())
    order = venue.place(KEY, spot_buy(1.0))
    # $40,000 sits between the $10k and $100k buckets: 3 + (4 − 3) × ln(4)/ln(10) = 3.60206 bp
    # price 40,000 × (1 + 3.60206e-4) = 40,014.40824; fee 0.1 % of that = 40.01441
    assert order.status == "FILLED"
    assert order.average == pytest.approx(40_014.40823996531, rel=1e-12)
    trade = venue.trades[0]
    assert trade.fee == pytest.approx(40.01440823996531, rel=1e-12)
    assert (trade.maker_account, trade.taker_account) == (VENUE, account_name(KEY))
    account = venue.account(KEY)
    assert account.free["BTC"] == 1.0
    assert account.free["USDT"] == pytest.approx(459_945.5773517947, rel=1e-12)


def test_perp_short_then_funding_at_settlement_pays_the_short() -> None:
    wall = ManualWall()
    venue = exchange(wall)
    venue.place(KEY, perp("SELL", 2.0, "s1"))
    # notional 2 × 40,010 = 80,020: 3 + ln(8.002)/ln(10) = 3.90320 bp below the mark
    # price 40,010 × (1 − 3.90320e-4) = 39,994.38330; fee 0.05 % × 2 × price = 39.99438
    position = venue.account(KEY).positions["BTCUSDT"]
    assert (position.size, position.entry) == (-2.0, pytest.approx(39_994.383302613285))
    assert venue.account(KEY).wallet == pytest.approx(499_960.00561669737, rel=1e-12)
    wall.advance(8.0)  # 08:30: the 08:00 settlement has passed
    venue.advance()
    # −size × mark × rate = 2 × 40,810 × 0.0002 = +16.324 to the short
    [income] = venue.incomes
    assert income.amount == pytest.approx(16.324, rel=1e-12)
    assert income.time_ms == int(venue.replay.start.timestamp() * 1000) + 8 * 3_600_000
    assert venue.account(KEY).wallet == pytest.approx(499_960.00561669737 + 16.324, rel=1e-12)


def test_funding_skips_a_position_opened_after_the_settlement() -> None:
    wall = ManualWall()
    venue = exchange(wall)
    wall.advance(8.0)  # 08:30: the 08:00 settlement passes with no position
    venue.place(KEY, perp("SELL", 1.0, "late"))
    wall.advance(1.0)
    venue.advance()
    assert venue.incomes == []


def test_perp_partial_close_realises_pnl_into_wallet() -> None:
    wall = ManualWall()
    venue = exchange(wall)
    venue.place(KEY, perp("SELL", 2.0, "open"))
    wall.advance(9.0)  # 09:30: mark 40,910; the 08:00 settlement paid 16.324
    venue.place(KEY, perp("BUY", 1.0, "close", reduce_only=True))
    # buy 1 at 40,910 × (1 + 3.61183e-4) = 40,924.77599; realised 1 × (39,994.38330 − that)
    trade = venue.trades[-1]
    assert trade.price == pytest.approx(40_924.775994400625, rel=1e-12)
    assert trade.realized_pnl == pytest.approx(-930.3926917873396, rel=1e-9)
    expected = 499_960.00561669737 + 16.324 - 930.3926917873396 - 20.462387997200313
    assert venue.account(KEY).wallet == pytest.approx(expected, rel=1e-12)
    assert venue.account(KEY).positions["BTCUSDT"].size == -1.0


def test_resting_limit_fills_as_maker_when_the_bar_crosses() -> None:
    wall = ManualWall()
    venue = exchange(wall)
    spec = OrderSpec("futures", "BTCUSDT", "SELL", "LIMIT", 1.0, "lim", 40_310.0)
    order = venue.place(KEY, spec)
    assert order.status == "NEW"  # the mark is 40,010: a sell at 40,310 rests
    wall.advance(2.0)  # 02:30: mark 40,210, still below
    venue.advance()
    assert order.status == "NEW"
    wall.advance(1.0)  # 03:30: the 03:00 bar's mark 40,310 reaches the limit
    venue.advance()
    trade = venue.trades[-1]
    # maker fill at the limit: fee 0.02 % × 40,310 = 8.062; the account is the maker
    assert (order.status, trade.price, trade.fee) == ("FILLED", 40_310.0, pytest.approx(8.062))
    assert (trade.maker_account, trade.taker_account) == (account_name(KEY), VENUE)
    assert trade.time_ms == int(venue.replay.start.timestamp() * 1000) + 3 * 3_600_000
    assert venue.account(KEY).wallet == pytest.approx(500_000 - 8.062)


def test_spot_limit_buy_locks_quote_and_cancel_releases_it() -> None:
    venue = exchange(ManualWall())
    venue.place(KEY, spot_buy(0.5, "rest", price=39_000.0))
    account = venue.account(KEY)
    # 0.5 × 39,000 × (1 + 0.1 % maker) = 19,519.5 held back
    assert account.locked["USDT"] == pytest.approx(19_519.5)
    assert account.free["USDT"] == pytest.approx(480_480.5)
    cancelled = venue.cancel(KEY, "spot", "BTCUSDT", "rest")
    assert cancelled.status == "CANCELED"
    assert (account.free["USDT"], account.locked["USDT"]) == (500_000.0, 0.0)
    with pytest.raises(EmulatorRejectedError) as again:
        venue.cancel(KEY, "spot", "BTCUSDT", "rest")
    assert again.value.venue_code == -2011


def test_duplicate_client_id_of_open_order_is_rejected_like_binance() -> None:
    venue = exchange(ManualWall())
    venue.place(KEY, spot_buy(0.1, "dup", price=39_000.0))
    with pytest.raises(EmulatorRejectedError) as spot:
        venue.place(KEY, spot_buy(0.1, "dup", price=39_000.0))
    assert (spot.value.venue_code, spot.value.message) == (-2010, "Duplicate order sent.")
    venue.place(KEY, OrderSpec("futures", "BTCUSDT", "BUY", "LIMIT", 0.1, "fdup", 39_000.0))
    with pytest.raises(EmulatorRejectedError) as futures:
        venue.place(KEY, OrderSpec("futures", "BTCUSDT", "BUY", "LIMIT", 0.1, "fdup", 39_000.0))
    assert futures.value.venue_code == -4116
    assert len(venue.orders) == 2


def test_client_id_of_filled_order_is_accepted_again_like_binance() -> None:
    venue = exchange(ManualWall())
    venue.place(KEY, spot_buy(0.1, "m1"))
    venue.place(KEY, spot_buy(0.1, "m1"))  # Binance: unique among open orders only
    assert [o.client_order_id for o in venue.orders] == ["m1", "m1"]
    assert venue.find(KEY, "spot", "BTCUSDT", "m1").order_id == 2  # the latest


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        (spot_buy(20.0), -2010),  # 800,000 USDT > 500,000 held
        (perp("SELL", 300.0, "big"), -2019),  # 5 % of 12M notional > 500,000 wallet
        (perp("BUY", 1.0, "ro", reduce_only=True), -2022),  # nothing to reduce
        (spot_buy(0.00005), -1013),  # LOT_SIZE: the step is 0.0001
        (spot_buy(0.0001), -1013),  # NOTIONAL: 0.0001 × 40,000 = $4 < $5
        (OrderSpec("spot", "DOGEUSDT", "BUY", "MARKET", 1.0, "d"), -1121),
    ],
)
def test_order_the_venue_would_refuse_raises_its_code(spec: OrderSpec, code: int) -> None:
    venue = exchange(ManualWall())
    with pytest.raises(EmulatorRejectedError) as refused:
        venue.place(KEY, spec)
    assert refused.value.venue_code == code
    assert venue.orders == []


def test_filters_for_btc_and_eth_prices_match_binance_steps() -> None:
    assert filters_for(42_000.0) == (pytest.approx(0.0001), pytest.approx(0.1))
    assert filters_for(2_300.0) == (pytest.approx(0.001), pytest.approx(0.01))


def test_parse_balances_splits_unprefixed_usdt_between_wallets() -> None:
    opening = parse_balances(["USDT=1000", "BTC=2", "futures:USDT=10", "spot:USDT=1"])
    assert dict(opening.spot) == {"USDT": 501.0, "BTC": 2.0}
    assert opening.futures == 510.0


@pytest.mark.parametrize("bad", ["USDT", "USDT=-1", "futures:BTC=1", "margin:USDT=1", "=5"])
def test_parse_balances_malformed_item_raises_config_error(bad: str) -> None:
    from basis.errors import ConfigError

    with pytest.raises(ConfigError, match="--balance"):
        parse_balances([bad])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["BUY", "SELL"]), st.integers(1, 3000), st.integers(0, 5)),
        min_size=1,
        max_size=12,
    )
)
def test_futures_wallet_is_opening_plus_realised_minus_fees_plus_funding(
    steps: list[tuple[str, int, int]],
) -> None:
    wall = ManualWall()
    venue = exchange(wall)
    size = 0.0
    for number, (side, thousandths, hours) in enumerate(steps):
        wall.advance(float(hours))
        try:
            venue.place(KEY, perp(side, thousandths / 1000, f"h{number}"))
        except EmulatorRejectedError:
            continue
        size += (1 if side == "BUY" else -1) * thousandths / 1000
    venue.advance()
    account = venue.account(KEY)
    booked = sum(t.realized_pnl - t.fee for t in venue.trades) + sum(
        i.amount for i in venue.incomes
    )
    assert account.wallet == pytest.approx(500_000.0 + booked, rel=1e-12, abs=1e-6)
    assert account.position("BTCUSDT").size == pytest.approx(size, abs=1e-9)
    assert all(math.isfinite(t.price) for t in venue.trades)


OTHER = "test-key-2"


def test_incoming_order_takes_another_accounts_resting_order_before_the_book() -> None:
    venue = exchange(ManualWall())
    # B's sell at 40,015 rests: its own fill against the book would be 40,010 × (1 − 3.6 bp)
    venue.place(OTHER, OrderSpec("futures", "BTCUSDT", "SELL", "LIMIT", 1.0, "b-1", 40_015.0))
    # A buys 1.5: the book would charge 40,025.12 (3.78 bp on $60k), so B's 40,015 goes first
    order = venue.place(KEY, perp("BUY", 1.5, "a-1"))
    crossed, booked = [t for t in venue.trades if t.account == account_name(KEY)]
    assert (crossed.maker_account, crossed.taker_account) == (
        account_name(OTHER),
        account_name(KEY),
    )
    assert (crossed.amount, crossed.price) == (1.0, 40_015.0)
    assert crossed.fee == pytest.approx(20.0075)  # A pays taker: 0.05 % × 40,015
    [maker_side] = [t for t in venue.trades if t.account == account_name(OTHER)]
    assert maker_side.fee == pytest.approx(8.003)  # B pays maker: 0.02 % × 40,015
    # the other 0.5 from the book: 40,010 × (1 + (3 + log10(2.0005)) bp) = 40,023.20786
    assert (booked.maker_account, booked.amount) == (VENUE, 0.5)
    assert booked.price == pytest.approx(40_023.20785536142, rel=1e-12)
    assert order.status == "FILLED"
    assert order.average == pytest.approx(40_017.735951787145, rel=1e-12)
    assert venue.account(OTHER).positions["BTCUSDT"].size == -1.0


def test_partly_taken_spot_order_stays_open_with_the_rest_locked() -> None:
    venue = exchange(ManualWall())
    venue.account(OTHER, OpeningBalances({"BTC": 1.0}, 0.0))
    resting = venue.place(OTHER, OrderSpec("spot", "BTCUSDT", "SELL", "LIMIT", 1.0, "b", 40_005.0))
    venue.place(KEY, spot_buy(0.4, "a"))  # the book would charge 40,012.82 for 0.4
    seller, buyer = venue.account(OTHER), venue.account(KEY)
    assert (resting.status, resting.filled) == ("PARTIALLY_FILLED", 0.4)
    assert venue.open_orders(OTHER, "spot", None) == [resting]
    # 0.4 × 40,005 = 16,002; spot fees 0.1 % maker and taker = 16.002 each
    assert seller.free["USDT"] == pytest.approx(16_002 - 16.002)
    assert seller.locked["BTC"] == pytest.approx(0.6)
    assert buyer.free["USDT"] == pytest.approx(500_000 - 16_002 - 16.002)
    assert buyer.free["BTC"] == pytest.approx(0.4)
    venue.cancel(OTHER, "spot", "BTCUSDT", "b")
    assert (seller.free["BTC"], seller.locked["BTC"]) == (pytest.approx(0.6), pytest.approx(0.0))


def test_own_resting_order_is_never_crossed() -> None:
    venue = exchange(ManualWall())
    mine = venue.place(KEY, OrderSpec("futures", "BTCUSDT", "SELL", "LIMIT", 1.0, "m", 40_015.0))
    venue.place(KEY, perp("BUY", 1.0, "t"))
    assert mine.status == "NEW"
    assert [t.maker_account for t in venue.trades] == [VENUE]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([KEY, OTHER]),
            st.sampled_from(["BUY", "SELL"]),
            st.integers(1, 2000),
            st.one_of(st.none(), st.integers(-40, 40)),  # limit offset from the mark, in 0.1
            st.integers(0, 3),
        ),
        min_size=1,
        max_size=16,
    )
)
def test_two_accounts_crossing_conserve_wallets_and_sizes(
    steps: list[tuple[str, str, int, int | None, int]],
) -> None:
    wall = ManualWall()
    venue = exchange(wall)
    for number, (key, side, thousandths, offset, hours) in enumerate(steps):
        wall.advance(hours / 4)
        now = venue.advance()
        price = (
            None if offset is None else round(venue.replay.mark("BTCUSDT", now) + offset / 10, 1)
        )
        spec = OrderSpec(
            "futures",
            "BTCUSDT",
            side,
            "MARKET" if price is None else "LIMIT",  # type: ignore[arg-type]
            thousandths / 1000,
            f"o{number}",
            price,
        )
        try:
            venue.place(key, spec)
        except EmulatorRejectedError:
            continue
    venue.advance()
    for key in (KEY, OTHER):
        name = account_name(key)
        mine = [t for t in venue.trades if t.account == name]
        booked = sum(t.realized_pnl - t.fee for t in mine)
        booked += sum(i.amount for i in venue.incomes if i.account == name)
        assert venue.account(key).wallet == pytest.approx(500_000.0 + booked, abs=1e-6)
        signed = sum(t.amount * (1 if t.side == "BUY" else -1) for t in mine)
        assert venue.account(key).position("BTCUSDT").size == pytest.approx(signed, abs=1e-9)
    with_venue = sum(
        t.amount * (1 if t.side == "BUY" else -1)
        for t in venue.trades
        if VENUE in (t.maker_account, t.taker_account)
    )
    total = sum(venue.account(k).position("BTCUSDT").size for k in (KEY, OTHER))
    assert total == pytest.approx(with_venue, abs=1e-9)  # crosses net to zero between accounts
    for order in venue.orders:
        assert order.filled <= order.amount + 1e-12
        assert sum(t.amount for t in venue.trades if t.order_id == order.order_id) == (
            pytest.approx(order.filled, abs=1e-12)
        )


def test_ioc_limit_that_cannot_fill_expires_without_resting() -> None:
    venue = exchange(ManualWall())
    spec = OrderSpec(
        "futures", "BTCUSDT", "BUY", "LIMIT", 1.0, "ioc", 39_000.0, time_in_force="IOC"
    )
    order = venue.place(KEY, spec)
    assert (order.status, order.filled) == ("EXPIRED", 0.0)
    assert venue.open_orders(KEY, "futures", None) == []
