"""Every mode on the short default scenario, with properties checkable by hand."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pytest

from basis.book.ledger import Category
from basis.config.modes import ModeConfig
from basis.data.catalog import Catalog
from basis.data.panel import load_panel
from basis.engine.backtest import load_mode
from basis.model.result import EventKind, RunResult
from basis.strategies import MODES
from tests.conftest import CONFIGS
from tests.engine.stubs import (
    CRASH,
    DEFAULT,
    backtest,
    column,
    independent_funding,
    inputs_for,
    pnl,
    run_on,
    step_of,
    utc,
    with_data,
)

Runs = Callable[[str, str], RunResult]
UNLEVERED = (
    "pure_lending_usdt",
    "pure_lending_eth",
    "btc_basis",
    "eth_basis",
    "eth_staking_only",
    "usdt_market_neutral_no_leverage",
)


@pytest.fixture(scope="module")
def runs(catalog: Catalog) -> Runs:
    """Each (mode, dataset) run once over the whole short scenario, on demand."""
    cache: dict[tuple[str, str], RunResult] = {}

    def get(mode: str, dataset: str = DEFAULT) -> RunResult:
        if (mode, dataset) not in cache:
            cache[mode, dataset] = backtest(catalog, mode, dataset)
        return cache[mode, dataset]

    return get


def config(mode: str) -> ModeConfig:
    return load_mode(CONFIGS, mode, (), None)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_mode_runs_the_short_scenario_and_its_attribution_adds_up(runs: Runs, mode: str) -> None:
    result = runs(mode, DEFAULT)
    assert result.mode == mode
    assert len(result.times) == 2190  # [2024-01-01 00:00, 2024-04-01 05:00], the last data hour
    assert np.isfinite(result.equity).all()
    assert result.initial_equity == config(mode).initial_capital
    expected = result.final_equity - result.initial_equity - result.net_flows
    assert pnl(result) == pytest.approx(expected, abs=1e-6 * result.initial_equity)
    assert not [e for e in result.events if e.kind is EventKind.REJECTED]
    assert [e for e in result.events if e.kind is EventKind.TRADE]  # it deployed the capital
    # A quarter of a calm market: no mode loses or makes 10 % of its capital (the most is
    # eth_leveraged's ~6 %: about eleven times a quarter of staking yield and rewards).
    assert abs(result.summary.metrics["total_return"]) < 0.10


def test_pure_lending_usdt_grows_with_the_liquidity_index_less_its_gas(
    catalog: Catalog, runs: Runs
) -> None:
    # Step 0: the capital C arrives; one supply of S USDT pays its gas with USDT bought just
    # in time (the event's cost c < 0), leaving R = C − S + c idle, too little to supply.
    # Supply is S / L_0 scaled, worth S × L_end / L_0 at the end: the only other holding.
    # A price-taker: the data's rates whatever the book's size (OwnRates is tested apart).
    result = backtest(catalog, "pure_lending_usdt", DEFAULT, overrides=["own_rate_impact=false"])
    trades = [e for e in result.events if e.kind is EventKind.TRADE]
    (supply,) = trades
    assert supply.subject == "aave_v3:supply:USDT"
    stop = result.end + timedelta(hours=1)  # the window [start, end] includes its end
    panel = load_panel(catalog, DEFAULT, ["aave_v3:rates:USDT"], result.start, stop)
    index = panel["aave_v3:rates:USDT.liquidity_index"]
    growth = float(index[-1] / index[0])
    capital, paid = result.initial_equity, -supply.cost
    expected = supply.size * growth + (capital - supply.size - paid)
    assert result.final_equity == pytest.approx(expected, rel=1e-9)
    # Hence capital × growth less the gas, up to the gas's own interest (2 × gas × 1.2 %).
    assert result.final_equity == pytest.approx(capital * growth - paid, abs=3 * paid * growth)
    assert result.summary.attribution["gas"] + result.summary.attribution[
        "slippage"
    ] == pytest.approx(-paid, abs=1e-9)
    assert result.summary.attribution["supply_interest"] == pytest.approx(
        supply.size * (growth - 1.0), rel=1e-9
    )


def test_btc_basis_funding_is_minus_size_times_mark_times_rate_summed(
    catalog: Catalog, runs: Runs
) -> None:
    result = runs("btc_basis", DEFAULT)
    data = inputs_for(catalog, "btc_basis", DEFAULT, result.start, result.end).data
    expected = independent_funding(result, data)
    assert set(expected) == {"binance", "bybit", "okx"}
    booked = result.summary.attribution["funding"]
    assert booked == pytest.approx(math.fsum(expected.values()), rel=0.01)
    for venue, amount in expected.items():
        assert result.series[f"funding:{venue}"].sum() == pytest.approx(amount, rel=0.01)
    # The short earns: default funding is positive, ~1.25 % of the short over a quarter.
    assert 0.0 < booked < 0.01 * result.initial_equity


def test_eth_leveraged_reaches_the_target_ltv_and_stays_healthy(runs: Runs) -> None:
    result = runs("eth_leveraged", DEFAULT)
    target = config("eth_leveraged").effective_target_ltv
    assert target == pytest.approx(0.93 * (1 - 0.02215), abs=1e-12)  # 0.909400...
    ltv, health = result.series["ltv"], result.series["health_factor"]
    assert math.isnan(ltv[0])  # recorded before step 0's entry
    assert ltv[1] == pytest.approx(target, abs=1e-3)
    low, high = config("eth_leveraged").ltv_band
    assert np.nanmin(ltv) >= target + low
    assert np.nanmax(ltv) <= target + high
    assert np.nanmin(health) > 1.0
    # HF = liquidation threshold 0.95 (e-mode) / LTV when the oracle values both legs.
    np.testing.assert_allclose(health[1:], 0.95 / ltv[1:], rtol=1e-9)


def test_eth_leveraged_with_constant_rates_earns_the_closed_form_apy(catalog: Catalog) -> None:
    # DESIGN §3.1: equity at LTV t earns (y − b·t) / (1 − t) with the collateral's yield y
    # and the borrow rate b constant. Here y = 3 %, b = 2 % (continuous), no gas, ETH flat,
    # weETH at par with its protocol rate, no supply interest on weETH, no rewards.
    # The entry pays the flash fee 0.05 % on F = E·t/(1 − t) once.
    mode, y, b = "eth_leveraged", 0.03, 0.02
    inputs = inputs_for(catalog, mode, DEFAULT, utc(2024, 1, 1), utc(2024, 3, 1))
    data = inputs.data
    hours = (data.times - data.times[0]) / 3600.0
    years = hours / 8760.0
    values = data.values.copy()
    paths = {
        "price:ETH": np.full_like(years, 3000.0),
        "protocol_rate:weETH": 1.05 * np.exp(y * years),
        "market_rate:weETH": 1.05 * np.exp(y * years),
        "liquidity_index:aave_v3:weETH": np.ones_like(years),
        "borrow_index:aave_v3:WETH": np.exp(b * years),
    }
    for name, path in paths.items():
        values[:, data.names.index(name)] = path
    zeros = np.zeros_like(years)
    flat = replace(  # no reserve totals: the book takes the rates as given (see OwnRates)
        data, values=values, base_fee_gwei=zeros, priority_fee_gwei=zeros, rewards=(), reserves={}
    )
    result = run_on(mode, with_data(inputs, flat))
    t = config(mode).effective_target_ltv
    entry = result.equity[0]
    fee = 0.0005 * result.initial_equity * t / (1 - t)
    assert entry == pytest.approx(result.initial_equity - fee, rel=1e-9)
    trades = [e.detail for e in result.events if e.kind is EventKind.TRADE]
    assert trades == ["e-mode ETH", "loop entry"]  # LTV drifts < 0.02 down: no relever
    # With both legs growing continuously, equity follows E_0 (e^{yT} − ℓ e^{bT}) / (1 − ℓ)
    # exactly, ℓ the LTV the entry reached (a hair above t: the flash fee is borrowed too).
    span, ltv = float(years[-1]), float(result.series["ltv"][1])
    assert ltv == pytest.approx(t, abs=1e-3)
    path = entry * (math.exp(y * span) - ltv * math.exp(b * span)) / (1 - ltv)
    assert result.equity[-1] == pytest.approx(path, rel=1e-6)
    # Its rate is the closed form (y − b·t)/(1 − t) ≈ 13.0 % a year, less the slow decay of
    # leverage as the collateral outgrows the debt (≈ 0.04 % here).
    closed_form = (y - b * t) / (1 - t)
    realised = math.log(result.equity[-1] / entry) / span
    assert realised == pytest.approx(closed_form, abs=1e-3)
    assert column(result, Category.BORROW_INTEREST).sum() < 0.0


def test_usdt_market_neutral_keeps_net_delta_within_tolerance_most_hours(runs: Runs) -> None:
    result = runs("usdt_market_neutral", DEFAULT)
    tolerance = config("usdt_market_neutral").delta_tolerance
    drift = result.series["net_delta"]
    assert np.isfinite(drift).all()
    assert np.mean(drift <= 3 * tolerance) >= 0.99
    assert np.mean(drift <= tolerance) >= 0.9
    assert result.summary.risk["hours_in_state"]["delta_drift"] <= 0.01 * len(drift)


@pytest.mark.parametrize("dataset", [DEFAULT, CRASH])
@pytest.mark.parametrize("mode", UNLEVERED)
def test_unlevered_mode_is_never_liquidated(runs: Runs, mode: str, dataset: str) -> None:
    result = runs(mode, dataset)
    assert result.summary.risk["liquidations"] == 0
    assert not [e for e in result.events if e.kind is EventKind.LIQUIDATION]
    assert result.summary.attribution["liquidation"] == 0.0
    assert result.summary.risk["min_health_factor"] is None  # nothing borrowed on Aave


MARKET_NEUTRAL = ("usdt_market_neutral", "usdt_market_neutral_no_leverage")
# Gas units of a deployment (configs/gas.yaml): the DEX buy, then the loop entry and e-mode,
# or the stake.
DEPLOY_UNITS = {
    "usdt_market_neutral": 180_000 + 1_250_000 + 55_000,
    "usdt_market_neutral_no_leverage": 180_000 + 150_000,
}


def deployments(result: RunResult) -> list[tuple[datetime, float, float]]:
    """(time, USDT deployed, Σ cost of the fills that carried it out) of every deployment.

    The perp fills are left out: a deployment re-hedges the whole book, so they also carry
    whatever delta drifted within tolerance since the last hedge (after a depeg recovers,
    thousands of USD), which is the hedge's cost, not the deployment's."""
    events, found = list(result.events), []
    for i, event in enumerate(events):
        if event.kind is EventKind.REBALANCE and event.detail.startswith("deploy "):
            amount = float(event.detail.split()[1].replace(",", ""))
            fills = []
            for fill in events[i + 1 :]:
                if fill.time != event.time or fill.kind is not EventKind.TRADE:
                    break
                if ":perp:" not in fill.subject:
                    fills.append(fill.cost)
            found.append((event.time, amount, math.fsum(fills)))
    return found


@pytest.mark.parametrize("dataset", [DEFAULT, CRASH])
@pytest.mark.parametrize("mode", MARKET_NEUTRAL)
def test_market_neutral_deploys_only_amounts_worth_twenty_times_their_gas(
    catalog: Catalog, runs: Runs, mode: str, dataset: str
) -> None:
    # Regression (issue 4): idle USDT was deployed above 10 USD after reserving 2 × the gas,
    # so the ~1 × gas left after each deployment was redeployed whenever gas dipped: 12.17
    # USDT for 63.28 of costs (default, 2024-03-07 21:00), 14.25 for over 270 (eth_crash).
    # Now a deployment is at least GAS_COVER = 20 × its gas (units × (base + priority fee)
    # × 1e-9 × ETH price at that hour), so gas is at most 5 % of it; with the flash-loan fee
    # (0.05 % × t/(1 − t) ≈ 0.5 %) and swap slippage, the costs stay below 6 %.
    result = runs(mode, dataset)
    data = inputs_for(catalog, mode, dataset, result.start, result.end).data
    eth_usd = data.values[:, data.names.index("price:ETH")]
    found = deployments(result)
    assert len(found) >= 2  # the initial one, and rewards sold into USDT once worth it
    for at, amount, cost in found:
        k = step_of(result, at)
        gwei = data.base_fee_gwei[k] + data.priority_fee_gwei[k]
        gas_usd = DEPLOY_UNITS[mode] * gwei * 1e-9 * eth_usd[k]
        assert amount >= 20.0 * gas_usd, f"{at}: deployed {amount:.2f} for gas {gas_usd:.2f}"
        assert -cost < 0.06 * amount, f"{at}: deployed {amount:.2f} USDT for {-cost:.2f}"
