"""The pure self-trade check: which managed orders a new order could match."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from basis.accounts.self_trade import OpenOrder, OrderView, check, crosses, market_key

PERP = "binance:perp:BTCUSDT"


def _limit(account: str, side: str, price: float, market: str = PERP) -> OpenOrder:
    return OpenOrder(account, market, side, "limit", price, f"{account}-{side}-{price}")  # type: ignore[arg-type]


def test_market_key_keeps_kind_in_symbol() -> None:
    assert market_key(PERP) == ("binance", "perp:BTCUSDT")
    assert market_key("binance:spot:BTC") != market_key(PERP)


@pytest.mark.parametrize(
    ("new", "resting", "expected"),
    [
        (_limit("a", "buy", 100.0), _limit("b", "sell", 100.0), True),  # touching prices meet
        (_limit("a", "buy", 101.0), _limit("b", "sell", 100.0), True),
        (_limit("a", "buy", 99.0), _limit("b", "sell", 100.0), False),
        (_limit("a", "sell", 100.0), _limit("b", "buy", 100.5), True),
        (_limit("a", "sell", 101.0), _limit("b", "buy", 100.5), False),
        (_limit("a", "buy", 101.0), _limit("b", "buy", 100.0), False),  # same side
        (_limit("a", "buy", 101.0), _limit("b", "sell", 100.0, "binance:spot:BTC"), False),
        (_limit("a", "buy", 101.0), _limit("b", "sell", 100.0, "bybit:perp:BTCUSDT"), False),
        (OpenOrder("a", PERP, "buy", "market", None), _limit("b", "sell", 1e9), True),
        (_limit("a", "sell", 1e9), OpenOrder("b", PERP, "buy", "market", None), True),
    ],
)
def test_crosses_prices_and_books_decide(
    new: OpenOrder, resting: OpenOrder, expected: bool
) -> None:
    assert crosses(new, resting) is expected


def test_check_own_account_is_left_to_the_venue() -> None:
    view = OrderView([_limit("a", "sell", 100.0)])
    assert check(view, _limit("a", "buy", 101.0)) is None


def test_check_other_account_refusal_names_both_accounts() -> None:
    view = OrderView([_limit("b", "sell", 100.0)])
    reason = check(view, OpenOrder("a", PERP, "buy", "market", None))
    assert reason is not None
    assert "account a" in reason and "managed account b" in reason and "wash" in reason


_ORDERS = st.builds(
    OpenOrder,
    account=st.sampled_from(["a", "b", "c"]),
    market=st.sampled_from([PERP, "binance:spot:BTC"]),
    side=st.sampled_from(["buy", "sell"]),
    type=st.just("limit"),
    price=st.integers(95, 105).map(float),
)


@given(resting=st.lists(_ORDERS, max_size=12), new=_ORDERS)
def test_check_refuses_exactly_when_a_fill_between_accounts_is_possible(
    resting: list[OpenOrder], new: OpenOrder
) -> None:
    possible = any(
        r.account != new.account
        and r.market == new.market
        and r.side != new.side
        and (new.price - r.price if new.side == "buy" else r.price - new.price) >= 0  # type: ignore[operator]
        for r in resting
    )
    assert (check(OrderView(resting), new) is not None) is possible


@given(a=_ORDERS, b=_ORDERS)
def test_crosses_is_symmetric_for_limit_orders(a: OpenOrder, b: OpenOrder) -> None:
    assert crosses(a, b) is crosses(b, a)
