"""Every mode on the real data (BASIS_REAL_DATA): DESIGN §5's sanity bounds, the attribution,
and the two acceptance checks: pure lending earns Aave's index, the BTC basis its funding."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from basis.data.catalog import REAL, Catalog
from basis.data.ingest import import_folder
from basis.data.panel import load_panel
from basis.errors import DataMissingError
from basis.model.market import MarketData
from basis.model.result import EventKind, RunResult
from basis.strategies import MODES

from .stubs import (
    DEFAULT,
    backtest,
    independent_funding,
    inputs_for,
    perp_notional,
    pnl,
    utc,
    years,
)
from .test_spans import assert_same_run, run_both

pytestmark = pytest.mark.realdata

Runs = Callable[[str], RunResult]
UNLEVERED = (
    "pure_lending_usdt",
    "pure_lending_eth",
    "btc_basis",
    "eth_basis",
    "eth_staking_only",
    "usdt_market_neutral_no_leverage",
)
# DESIGN §5 states its expected ranges over 2024-05 → 2025-06.
DESIGN_START, DESIGN_END = utc(2024, 5, 1), utc(2025, 7, 1)


PERP_DEX = "perp_dex"  # Hyperliquid's real funding, beside real/ in shared/data (optional)


@pytest.fixture(scope="session")
def real_catalog(real_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The real set, with the perp-DEX funding beside it when that folder is there."""
    catalog = Catalog(tmp_path_factory.mktemp("real_catalog"))
    import_folder(real_data, catalog, REAL)
    if (real_data.parent / PERP_DEX).is_dir():
        import_folder(real_data.parent / PERP_DEX, catalog, REAL)
    return catalog


@pytest.fixture(scope="session")
def cex_only_catalog(real_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The real set alone: no perp DEX."""
    catalog = Catalog(tmp_path_factory.mktemp("cex_only_catalog"))
    import_folder(real_data, catalog, REAL)
    return catalog


def with_perp_dex(real_catalog: Catalog) -> bool:
    return "hyperliquid:funding:ETHUSDC" in {i.series for i in real_catalog.series(REAL)}


@pytest.fixture(scope="session")
def real_runs(real_catalog: Catalog) -> Runs:
    """Each mode run once over its default window of the real data, on demand."""
    cache: dict[str, RunResult] = {}

    def get(mode: str) -> RunResult:
        if mode not in cache:
            fallback = DEFAULT if mode == "funding_arbitrage" else None
            cache[mode] = backtest(real_catalog, mode, REAL, fallback=fallback)
        return cache[mode]

    return get


def market_of(catalog: Catalog, result: RunResult) -> MarketData:
    return inputs_for(catalog, result.mode, result.dataset, result.start, result.end).data


def funding_apr(catalog: Catalog, result: RunResult, start: datetime, end: datetime) -> float:
    """Funding booked per year on the mean perp notional, over the steps in [start, end)."""
    data = market_of(catalog, result)
    notional = perp_notional(result, data)
    booked = sum(v for k, v in result.series.items() if k.startswith("funding:"))
    inside = (result.times >= int(start.timestamp())) & (result.times < int(end.timestamp()))
    return float(booked[inside].sum() / notional[inside].mean() / (inside.sum() / 8760.0))


@pytest.mark.parametrize("mode", sorted(MODES))
def test_mode_runs_over_the_real_window_and_its_attribution_adds_up(
    real_runs: Runs, mode: str
) -> None:
    result = real_runs(mode)
    if result.dataset == REAL:  # funding_arbitrage runs on scenario data (tested below)
        # the window ends at the last hour with data, where the book is valued
        assert result.start <= utc(2024, 5, 13, 4) and result.end == utc(2025, 6, 30, 23)
    assert np.isfinite(result.equity).all()
    expected = result.final_equity - result.initial_equity - result.net_flows
    assert pnl(result) == pytest.approx(expected, abs=1e-6 * result.initial_equity)
    assert not [e for e in result.events if e.kind is EventKind.REJECTED]


@pytest.mark.parametrize("mode", UNLEVERED)
def test_unlevered_mode_is_never_liquidated_on_real_data(real_runs: Runs, mode: str) -> None:
    result = real_runs(mode)
    assert result.summary.risk["liquidations"] == 0
    assert result.summary.attribution["liquidation"] == 0.0


# -- acceptance ----------------------------------------------------------------------------


def test_pure_lending_usdt_apr_is_the_growth_of_aaves_liquidity_index(
    real_catalog: Catalog, real_runs: Runs
) -> None:
    result = real_runs("pure_lending_usdt")
    stop = result.end + timedelta(hours=1)  # the window [start, end] includes its end
    panel = load_panel(real_catalog, REAL, ["aave_v3:rates:USDT"], result.start, stop)
    index = panel["aave_v3:rates:USDT.liquidity_index"]
    index_apr = (float(index[-1] / index[0]) - 1.0) / years(result)
    assert result.summary.metrics["apr"] == pytest.approx(index_apr, abs=0.0005)  # 0.05 pp
    assert 0.04 <= result.summary.metrics["apr"] <= 0.06  # DESIGN §5: Aave USDT ≈ 4–6 %


def test_single_block_priority_fee_hour_priced_at_the_day_median(real_catalog: Catalog) -> None:
    """2024-04-15 19:00 and 20:00: p50 814.69 and 279 gwei from two consecutive blocks; a
    run starting at 19:00 judges them on the day before it and pays the median instead."""
    start, end = utc(2024, 4, 15, 19), utc(2024, 4, 15, 23)  # five hours, both ends in
    raw = load_panel(real_catalog, REAL, ["ethereum:gas:mainnet"], start, end)
    assert raw["ethereum:gas:mainnet.priority_fee_p50_gwei"][:2].tolist() == [814.69, 279.0]
    inputs = inputs_for(real_catalog, "pure_lending_usdt", REAL, start, end)
    paid = inputs.data.priority_fee_gwei
    assert paid[0] < 100.0 and paid[1] < 100.0
    assert paid[:2].tolist() == pytest.approx([0.48, 0.5])  # the medians of their days
    assert paid[2:].tolist() == [0.05, 0.01, 0.04]  # untouched
    assert any(
        w.startswith("ethereum:gas:mainnet: 2 hour(s) of outlier p50 priority fee")
        and "largest 814.69 gwei at 2024-04-15 19:00 UTC" in w
        for w in inputs.warnings
    )


def test_btc_basis_funding_is_the_rate_times_notional_of_each_settlement(
    real_catalog: Catalog, real_runs: Runs
) -> None:
    result = real_runs("btc_basis")
    expected = independent_funding(result, market_of(real_catalog, result))
    assert set(expected) == {"binance", "bybit"}  # okx has no BTC perp in the real set
    booked = result.summary.attribution["funding"]
    assert booked == pytest.approx(math.fsum(expected.values()), rel=0.01)
    for venue, amount in expected.items():
        assert result.series[f"funding:{venue}"].sum() == pytest.approx(amount, rel=0.01)


def test_btc_basis_on_unified_margin_earns_funding_on_most_of_its_capital(
    real_catalog: Catalog, real_runs: Runs
) -> None:
    """Issue 13: spot is the short's collateral, so the short is ≈ equity × (1 − buffer)
    (within the spot band) instead of half of it, and no rally of the window liquidates it."""
    result = backtest(real_catalog, "btc_basis", REAL, overrides=["margin_model=unified"])
    share = perp_notional(result, market_of(real_catalog, result))[1:] / result.equity[1:]
    assert share.mean() >= 0.85
    # spot_band 0.10 either side of 1 − buffer (0.98), plus at most an hour's move past it
    assert share.min() >= 0.98 - 0.10 - 0.05 and share.max() <= 0.98 + 0.10 + 0.05
    assert result.summary.risk["liquidations"] == 0
    cash = real_runs("btc_basis")
    cash_share = perp_notional(cash, market_of(real_catalog, cash))[1:] / cash.equity[1:]
    assert cash_share.mean() == pytest.approx(0.5, abs=0.02)  # margin_target 1: half in cash
    funding = result.summary.attribution["funding"]
    assert funding > 1.8 * cash.summary.attribution["funding"]
    costs = -(result.summary.attribution["trading_fees"] + result.summary.attribution["slippage"])
    assert costs / result.initial_equity / years(result) < 0.015


@pytest.mark.parametrize("mode", ["usdt_market_neutral", "usdt_market_neutral_no_leverage"])
def test_market_neutral_keeps_its_carry_and_trades_little(real_runs: Runs, mode: str) -> None:
    """Issue 13, part 2: legs move only on the margin band, so the book keeps over 80 % of
    its legs' carry, turns over under 5× a year, and trading costs (fees, slippage, gas)
    stay under 1.5 % of equity a year (docs/strategies.md has the before and after)."""
    result = real_runs(mode)
    metrics, attribution = result.summary.metrics, result.summary.attribution
    assert metrics["carry_capture"] > 0.8
    assert metrics["turnover"] / years(result) < 5.0
    costs = -(attribution["trading_fees"] + attribution["slippage"] + attribution["gas"])
    assert costs / result.initial_equity / years(result) < 0.015
    assert result.summary.risk["liquidations"] == 0


# -- DESIGN §5 sanity bounds ---------------------------------------------------------------


@pytest.mark.parametrize("mode", ["btc_basis", "eth_basis"])
def test_basis_short_earns_5_to_9_percent_funding_a_year(
    real_catalog: Catalog, real_runs: Runs, mode: str
) -> None:
    result = real_runs(mode)
    assert result.summary.attribution["funding"] >= 0.0
    assert 0.05 <= funding_apr(real_catalog, result, DESIGN_START, DESIGN_END) <= 0.09
    assert result.summary.metrics["apr"] > 0.0


def test_basis_venue_without_data_for_the_window_is_dropped_with_a_warning(
    real_runs: Runs,
) -> None:
    # okx's ETH perp starts 2024-08-01, after the window starts; the BTC perp is absent.
    for mode, symbol in (("eth_basis", "ETHUSDT"), ("btc_basis", "BTCUSDT")):
        result = real_runs(mode)
        (warning,) = [w for w in result.warnings if w.startswith("venue okx")]
        assert f"has no usable {symbol} data for 2024-01-01 00:00 → 2025-06-30 23:00 UTC" in (
            warning
        )
        assert "allocation 0" in warning
        assert result.config["venues"] == ["binance", "bybit"]


def test_pure_lending_eth_earns_below_the_weth_borrow_rate(real_runs: Runs) -> None:
    # DESIGN §5: Aave WETH borrow ≈ 2–3 %/yr; suppliers earn less than borrowers pay.
    assert 0.005 <= real_runs("pure_lending_eth").summary.metrics["apr"] <= 0.03


def test_eth_staking_only_earns_the_weeth_rate_growth(real_runs: Runs) -> None:
    result = real_runs("eth_staking_only")
    staking = result.summary.attribution["staking_yield"]
    assert 0.025 <= staking / float(np.mean(result.equity)) / years(result) <= 0.035
    assert result.summary.attribution["rewards"] > 0.0


def test_eth_leveraged_outearns_staking_alone_and_stays_healthy(real_runs: Runs) -> None:
    leveraged, alone = real_runs("eth_leveraged"), real_runs("eth_staking_only")
    assert leveraged.summary.metrics["apr"] > alone.summary.metrics["apr"]
    assert leveraged.summary.risk["min_health_factor"] > 1.02
    assert leveraged.summary.risk["liquidations"] == 0
    assert leveraged.summary.attribution["borrow_interest"] < 0.0


def test_usdt_market_neutral_no_leverage_earns_funding_and_staking(
    real_catalog: Catalog, real_runs: Runs
) -> None:
    result = real_runs("usdt_market_neutral_no_leverage")
    assert result.summary.attribution["funding"] > 0.0
    assert result.summary.attribution["staking_yield"] > 0.0
    assert 0.05 <= funding_apr(real_catalog, result, DESIGN_START, DESIGN_END) <= 0.09
    assert result.summary.metrics["apr"] > 0.0


def test_usdt_market_neutral_stays_healthy_and_hedged(real_runs: Runs) -> None:
    result = real_runs("usdt_market_neutral")
    assert result.summary.risk["min_health_factor"] > 1.02
    assert result.summary.risk["min_margin_ratio"] > 0.15
    assert result.summary.risk["liquidations"] == 0
    assert np.mean(result.series["net_delta"] <= 0.015) >= 0.99


def test_funding_arbitrage_runs_on_real_hyperliquid_funding_marked_at_binance(
    real_runs: Runs, real_catalog: Catalog
) -> None:
    if not with_perp_dex(real_catalog):
        pytest.skip("no perp_dex/ folder beside BASIS_REAL_DATA (Hyperliquid's real funding)")
    result = real_runs("funding_arbitrage")
    assert result.dataset == REAL and result.config["fallback"] is None
    assert any(
        "hyperliquid has no ETHUSDC prices in 'real': its perp is marked at "
        "binance:perp:ETHUSDT" in warning
        for warning in result.warnings
    )
    expected = independent_funding(result, market_of(real_catalog, result))
    assert set(expected) == {"binance", "hyperliquid"}
    for venue, amount in expected.items():
        assert result.series[f"funding:{venue}"].sum() == pytest.approx(amount, rel=1e-9)
    assert result.summary.attribution["basis"] == 0.0  # one price for both legs


def test_funding_arbitrage_falls_back_to_scenario_data_only_when_asked(
    cex_only_catalog: Catalog,
) -> None:
    # Without the perp-DEX folder the real set has no Hyperliquid: the mode cannot run on it.
    with pytest.raises(DataMissingError) as caught:
        backtest(cex_only_catalog, "funding_arbitrage", REAL)
    message = caught.value.message
    assert "dataset 'real' has no usable ETH perp data for hyperliquid" in message
    assert "hyperliquid:perp:ETHUSDC" in message
    assert message.endswith("--fallback scenario:default")
    result = backtest(cex_only_catalog, "funding_arbitrage", REAL, fallback=DEFAULT)
    assert result.dataset == "scenario:default"
    assert result.config["fallback"]["requested"] == "real"
    assert result.config["fallback"]["used"] == "scenario:default"
    warning = result.warnings[0]
    assert warning.startswith("ran on scenario:default, not on real as asked (--fallback)")
    assert "hyperliquid" in warning
    assert result.config["venues"] == ["binance", "hyperliquid"]


@pytest.mark.parametrize(
    "mode", ["pure_lending_usdt", "btc_basis", "usdt_market_neutral", "funding_arbitrage"]
)
def test_spans_equal_the_reference_loop_over_the_real_window(
    real_catalog: Catalog, mode: str
) -> None:
    """The issue 5 equality test on real data: the span engine changes no decision."""
    if mode == "funding_arbitrage" and not with_perp_dex(real_catalog):
        pytest.skip("no perp_dex/ folder beside BASIS_REAL_DATA (Hyperliquid's real funding)")
    assert_same_run(*run_both(real_catalog, mode, REAL))


def test_spans_equal_the_reference_loop_over_the_real_window_while_leverage_follows_carry(
    real_catalog: Catalog,
) -> None:
    """The carry target moves hour by hour on the real window (Aave's daily snapshots snap
    the indices it reads): the span engine still changes no decision."""
    reference, spans = run_both(real_catalog, "eth_leveraged", REAL, ("carry_leverage=true",))
    assert_same_run(reference, spans)
    assert sum("carry target" in e.detail for e in reference.events) > 100


def test_every_run_says_how_much_of_its_pnl_rests_on_estimated_rewards(
    real_runs: Runs, real_catalog: Catalog
) -> None:
    """The real rewards file marks five seasonal ETHFI airdrops estimated: eth_leveraged
    books four of them, and leaving them out removes exactly their value."""
    result = real_runs("eth_leveraged")
    metrics = result.summary.metrics
    estimated = [e for e in result.events if "estimated by the vendor" in e.detail]
    assert len(estimated) == 4
    assert metrics["estimated_rewards"] == pytest.approx(math.fsum(e.value for e in estimated))
    pnl = result.final_equity - result.initial_equity - result.net_flows
    assert metrics["estimated_share"] == pytest.approx(metrics["estimated_rewards"] / pnl)
    without = backtest(
        real_catalog, "eth_leveraged", REAL, overrides=["exclude_estimated_rewards=true"]
    )
    assert without.summary.metrics["estimated_rewards"] == 0.0
    assert not [e for e in without.events if "estimated by the vendor" in e.detail]
    assert any("4 payout(s) the vendor marks estimated left out" in w for w in without.warnings)
    assert without.summary.attribution["rewards"] < result.summary.attribution["rewards"]
    assert real_runs("btc_basis").summary.metrics["estimated_rewards"] == 0.0
