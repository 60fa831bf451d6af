"""Pre-trade limits: each limit refuses exactly past its threshold, risk-reducing orders pass
the position and loss limits, and the order manager records a refusal and sends nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from basis.config import loader
from basis.config.limits import LimitsConfig
from basis.errors import ConfigError, OrderRefusedError
from basis.live.journal import Journal
from basis.live.limits import GLOBAL, OrderExposure, Refusal, check_order
from basis.live.orders import OrderManager

from .fakes import Clock, FakeVenue

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
PERP = "binance:perp:BTCUSDT"

LIMITS = loader.load(
    LimitsConfig,
    None,
    (
        "accounts.binance.max_order_notional=100000",
        "accounts.binance.max_position_notional=500000",
        "accounts.binance.max_orders_per_minute=3",
        "accounts.binance.max_daily_loss=20000",
        "global.max_position_notional=800000",
        "global.max_daily_loss=50000",
    ),
)


def exposure(**changes: float) -> OrderExposure:
    """A 60,000 USD order taking binance from 300k to 360k gross and all from 600k to 660k."""
    values = {
        "order_notional": 60_000.0,
        "account_before": 300_000.0,
        "account_after": 360_000.0,
        "total_before": 600_000.0,
        "total_after": 660_000.0,
        "account_pnl": -1_000.0,
        "total_pnl": -1_000.0,
    }
    return OrderExposure(**(values | changes))


def check(given: OrderExposure, times: list[datetime] | None = None) -> Refusal | None:
    times = times or []
    return check_order(LIMITS, "binance", given, account_orders=times, all_orders=times, now=NOW)


def test_order_within_every_limit_passes() -> None:
    assert check(exposure()) is None


def test_order_notional_above_limit_is_refused_with_reason() -> None:
    refusal = check(exposure(order_notional=100_000.01))
    assert refusal == Refusal("binance", "max_order_notional", 100_000.01, 100_000.0)
    assert refusal.reason == (
        "binance max_order_notional 100,000 exceeded: order notional 100,000.01"
    )
    assert check(exposure(order_notional=100_000.0)) is None  # at the limit passes


def test_account_position_above_limit_is_refused() -> None:
    # 460k + a 60k order = 520k > 500k
    refusal = check(exposure(account_before=460_000.0, account_after=520_000.0))
    assert refusal == Refusal("binance", "max_position_notional", 520_000.0, 500_000.0)


def test_global_position_above_limit_is_refused_after_account_limits() -> None:
    refusal = check(exposure(total_before=760_000.0, total_after=820_000.0))
    assert refusal == Refusal(GLOBAL, "max_position_notional", 820_000.0, 800_000.0)


def test_order_reducing_position_passes_over_the_limits() -> None:
    # 600k gross (over 500k) cut to 540k, after a loss of 30k (over the 20k daily limit)
    reducing = exposure(account_before=600_000.0, account_after=540_000.0, account_pnl=-30_000.0)
    assert check(reducing) is None


def test_daily_loss_at_limit_refuses_adding_orders() -> None:
    refusal = check(exposure(account_pnl=-20_000.0))
    assert refusal == Refusal("binance", "max_daily_loss", 20_000.0, 20_000.0)
    assert check(exposure(account_pnl=-19_999.0)) is None
    total = check(exposure(total_pnl=-50_000.0))
    assert total == Refusal(GLOBAL, "max_daily_loss", 50_000.0, 50_000.0)


def test_fourth_order_within_a_minute_is_refused() -> None:
    three = [NOW - timedelta(seconds=s) for s in (59, 30, 1)]
    refusal = check(exposure(), three)
    assert refusal == Refusal("binance", "max_orders_per_minute", 4, 3)
    assert refusal.reason.endswith("orders in the last minute with this one 4")
    assert check(exposure(), [NOW - timedelta(seconds=60), *three[1:]]) is None  # 60 s: gone


def test_no_limits_pass_everything() -> None:
    huge = exposure(order_notional=1e12, account_after=1e13, total_after=1e13, total_pnl=-1e9)
    assert (
        check_order(LimitsConfig(), "binance", huge, account_orders=[], all_orders=[], now=NOW)
        is None
    )


def test_exposure_not_finite_raises() -> None:
    with pytest.raises(ValueError, match="order_notional is nan"):
        exposure(order_notional=float("nan"))


def test_limits_from_yaml_with_global_key(tmp_path: Path) -> None:
    path = tmp_path / "limits.yaml"
    path.write_text(
        "global: {max_daily_loss: 5000}\naccounts:\n  okx: {max_orders_per_minute: 10}\n"
    )
    limits = loader.load(LimitsConfig, path, ("accounts.okx.max_order_notional=2e5",))
    assert limits.all_accounts.max_daily_loss == 5000.0
    assert limits.of("okx").max_orders_per_minute == 10
    assert limits.of("okx").max_order_notional == 200_000.0
    assert limits.of("bybit").max_order_notional is None


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ("global.max_order_notional=0", "greater than 0"),
        ("global.max_daily_loss=.inf", "must be finite"),
        ("accounts.Binance.max_order_notional=1", "not a lower-case venue name"),
        ("global.max_leverage=3", "unknown key"),
    ],
)
def test_limits_bad_values_raise_naming_the_field(override: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        loader.load(LimitsConfig, None, (override,))


def test_manager_refuses_over_the_limit_records_why_and_sends_nothing(tmp_path: Path) -> None:
    clock = Clock()
    with Journal.open(f"sqlite:///{tmp_path / 'j.sqlite'}", clock=clock) as journal:
        venue = FakeVenue("binance", prices={PERP: 60_000.0}, clock=clock)
        run_id = journal.start_run("btc_basis", paper=False, config={})
        manager = OrderManager(journal, {"binance": venue}, run_id, limits=LIMITS)
        for _ in range(3):  # three orders pass, one second apart
            asyncio.run(manager.submit("binance", PERP, "sell", 1.0, "hedge", exposure=exposure()))
        with pytest.raises(OrderRefusedError, match="max_orders_per_minute 3 exceeded"):
            asyncio.run(manager.submit("binance", PERP, "sell", 1.0, "hedge", exposure=exposure()))
        assert len(venue.place_calls) == 3 and len(journal.orders()) == 3
        [event] = journal.events(run_id, kind="order_refused")
        assert "max_orders_per_minute 3 exceeded" in event.detail
        clock.advance(timedelta(minutes=1))
        order = asyncio.run(
            manager.submit("binance", PERP, "sell", 1.0, "hedge", exposure=exposure())
        )
        assert order.seq == 4
        with pytest.raises(ValueError, match="needs the order's exposure"):
            asyncio.run(manager.submit("binance", PERP, "sell", 1.0, "hedge"))
