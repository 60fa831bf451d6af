"""A backtest split over accounts: each account's own book, combined exactly."""

from __future__ import annotations

import numpy as np
import pytest

from basis.book import Category
from basis.data.catalog import Catalog
from basis.engine.accounts import AccountSplit, parse_accounts, run_accounts
from basis.engine.backtest import Backtest, execute, prepare
from basis.errors import ConfigError
from tests.conftest import CONFIGS

REQUEST = Backtest("btc_basis", "scenario:default", capital=1_000_000.0)
SPLITS = (AccountSplit("fund_a", "binance", 0.6), AccountSplit("fund_b", "bybit", 0.4))


def test_parse_accounts_reads_names_venues_and_weights() -> None:
    assert parse_accounts("a=binance:0.25, b=bybit:0.75") == (
        AccountSplit("a", "binance", 0.25),
        AccountSplit("b", "bybit", 0.75),
    )
    assert parse_accounts("a=binance,b=binance") == (
        AccountSplit("a", "binance", 0.5),
        AccountSplit("b", "binance", 0.5),
    )
    for text, message in (
        ("a=binance:0.5,b=bybit:0.6", "sum to 1.1"),
        ("a=binance:0.5,b=bybit", "every account a weight"),
        ("a=binance,a=bybit", "once"),
        ("a", "NAME=VENUE"),
        ("a=binance:-1", "weight > 0"),
        ("a=binance:x", "NAME=VENUE"),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_accounts(text)


def test_the_split_is_the_sum_of_each_accounts_own_backtest(catalog: Catalog) -> None:
    combined = run_accounts(REQUEST, SPLITS, catalog, CONFIGS)
    parts = [
        execute(prepare(REQUEST, catalog, CONFIGS, account=(s.venue, s.weight))) for s in SPLITS
    ]
    # each account ran alone on its venue with its share of the capital
    assert [p.initial_equity for p in parts] == pytest.approx([600_000.0, 400_000.0], rel=1e-3)
    assert [p.config["mode"]["hedge_allocation"] for p in parts] == [
        {"binance": 1.0},
        {"bybit": 1.0},
    ]
    np.testing.assert_array_equal(combined.equity, parts[0].equity + parts[1].equity)
    np.testing.assert_array_equal(combined.attribution, parts[0].attribution + parts[1].attribution)
    assert combined.initial_equity == pytest.approx(sum(p.initial_equity for p in parts))
    # per-venue series are named by account, and each account's funding is its own
    np.testing.assert_array_equal(
        combined.series["funding:fund_a"], parts[0].series["funding:binance"]
    )
    assert "margin_ratio:fund_b" in combined.series and "margin_ratio:bybit" not in combined.series
    assert {e.account for e in combined.events} == {"fund_a", "fund_b"}
    assert combined.config["allocation"] == {"fund_a": 0.6, "fund_b": 0.4}
    funding = combined.summary.attribution[Category.FUNDING] if combined.summary else 0.0
    assert funding > 0.0


def test_a_split_refuses_funding_arbitrage_and_a_venue_without_data(catalog: Catalog) -> None:
    with pytest.raises(ConfigError, match="funding_arbitrage"):
        run_accounts(Backtest("funding_arbitrage", "scenario:default"), SPLITS, catalog, CONFIGS)
    for venue in ("nowhere", "hyperliquid"):
        with pytest.raises(ConfigError, match=f"x={venue}: mode btc_basis hedges on"):
            run_accounts(REQUEST, (AccountSplit("x", venue, 1.0),), catalog, CONFIGS)
