"""The market-neutral modes: top-up and bring-home sizing by hand, the margin band, and no
staking while the LST is depegged."""

from __future__ import annotations

import math

import numpy as np
import pytest

from basis.data.catalog import Catalog
from basis.model.result import EventKind, RunResult
from basis.strategies.market_neutral import VenueMargin, bring_home_sizes, top_up_sizes
from tests.engine.stubs import CRASH, DEFAULT, SQUEEZE, backtest, inputs_for, step_of, utc

MARKET_NEUTRAL = ("usdt_market_neutral", "usdt_market_neutral_no_leverage")
CRASH_START, CRASH_END = utc(2024, 3, 5), utc(2024, 3, 26)
FLOOR = 1.0 - 0.02215  # 1 − max_stake_spread_move: 0.97785


def venue(name: str, weight: float, balance: float) -> VenueMargin:
    return VenueMargin(name, weight, balance, notional=0.0, cash=balance)


def test_top_up_sizes_land_every_starving_venue_at_the_margin_target() -> None:
    # Hedge H = 900k, weights 0.4 / 0.3 / 0.3, balances 40k / 30k / 30k (ratio 0.111 each),
    # m = 1: X = (m·W·H − B) / (1 + m·W) = (900k − 100k) / 2 = 400k, and each venue gets
    # x = m·w·(H − X) − b: 0.4 × 500k − 40k = 160k, 0.3 × 500k − 30k = 120k twice.
    starving = [venue("binance", 0.4, 40e3), venue("bybit", 0.3, 30e3), venue("okx", 0.3, 30e3)]
    freed, needs = top_up_sizes(1.0, 900e3, starving)
    assert freed == pytest.approx(400e3, rel=1e-12)
    assert needs == pytest.approx({"binance": 160e3, "bybit": 120e3, "okx": 120e3}, rel=1e-12)
    assert math.fsum(needs.values()) == pytest.approx(freed, rel=1e-12)
    for margin in starving:  # (b + x) / (w·(H − X)) = 1 on every venue
        after = (margin.balance + needs[margin.venue]) / (margin.weight * (900e3 - freed))
        assert after == pytest.approx(1.0, rel=1e-12)


def test_top_up_sizes_leave_out_a_venue_the_shrinking_shorts_already_cover() -> None:
    # H = 1M, m = 1, two venues of weight 0.5: A holds 0, B 400k. Together X = (1M − 400k)
    # / 2 = 300k and B would get 0.5 × 700k − 400k = −50k, so B is left out; A alone:
    # X = 0.5 × 1M / 1.5 = 333,333.33 and x_A = 0.5 × (1M − X) = 333,333.33.
    freed, needs = top_up_sizes(1.0, 1e6, [venue("a", 0.5, 0.0), venue("b", 0.5, 400e3)])
    assert freed == pytest.approx(1e6 / 3.0, rel=1e-12)
    assert needs == pytest.approx({"a": 1e6 / 3.0}, rel=1e-12)


def test_top_up_sizes_are_empty_when_no_venue_needs_anything() -> None:
    assert top_up_sizes(1.0, 100e3, [venue("a", 1.0, 150e3)]) == (0.0, {})


def test_bring_home_sizes_land_every_rich_venue_at_the_margin_target() -> None:
    # H = 600k, m = 1, two venues of weight 0.5 holding 700k and 650k (ratio 2.33 and 2.17):
    # X = (B − m·W·H) / (1 + m·W) = (1.35M − 600k) / 2 = 375k; after staking it the hedge
    # is 975k, each venue keeps 487.5k and sends 212.5k and 162.5k.
    rich = [venue("a", 0.5, 700e3), venue("b", 0.5, 650e3)]
    home, sends = bring_home_sizes(1.0, 600e3, rich)
    assert home == pytest.approx(375e3, rel=1e-12)
    assert sends == pytest.approx({"a": 212.5e3, "b": 162.5e3}, rel=1e-12)
    for margin in rich:  # (b − x) / (w·(H + X)) = 1
        after = (margin.balance - sends[margin.venue]) / (margin.weight * (600e3 + home))
        assert after == pytest.approx(1.0, rel=1e-12)


def test_bring_home_sizes_leave_out_a_venue_the_growing_shorts_need() -> None:
    # H = 600k, m = 1: a (0.5, 900k) and b (0.5, 300k): together X = (1.2M − 600k) / 2 =
    # 300k and b would send 300k − 450k < 0, so b stays; a alone: X = (900k − 300k) / 1.5
    # = 400k, and a sends 900k − 0.5 × 1M = 400k.
    home, sends = bring_home_sizes(1.0, 600e3, [venue("a", 0.5, 900e3), venue("b", 0.5, 300e3)])
    assert home == pytest.approx(400e3, rel=1e-12)
    assert sends == pytest.approx({"a": 400e3}, rel=1e-12)


@pytest.mark.parametrize("mode", MARKET_NEUTRAL)
@pytest.mark.parametrize("dataset", [DEFAULT, SQUEEZE])
def test_legs_move_only_when_a_margin_ratio_leaves_the_band(
    catalog: Catalog, mode: str, dataset: str
) -> None:
    """Between the legs, only the band (0.3, 3.0) moves value: every top-up names a ratio
    below 0.3, every bring-home one above 3.0, and the margin stays clear of liquidation."""
    result = backtest(catalog, mode, dataset)
    moves = [
        e
        for e in result.events
        if e.kind is EventKind.MARGIN_TOP_UP or "bring surplus home" in e.detail
    ]
    for event in moves:
        ratios = [float(part.split()[-1]) for part in _ratios(event.detail)]
        if event.kind is EventKind.MARGIN_TOP_UP:
            assert all(ratio < 0.3 for ratio in ratios), event.detail
        else:
            assert all(ratio > 3.0 for ratio in ratios), event.detail
    assert moves or dataset == DEFAULT  # ETH +100 % in the squeeze thins every venue
    assert not [e for e in result.events if "over target" in e.detail]  # no allocation rule
    assert result.summary.risk["liquidations"] == 0
    assert result.summary.risk["min_margin_ratio"] > 0.2


def _ratios(detail: str) -> list[str]:
    """`binance margin ratio 0.297 below 0.3: top up` → ["binance 0.297"];
    `margin ratio above 3.0 (binance 3.1, okx 3.2): ...` → ["binance 3.1", "okx 3.2"]."""
    if "(" in detail:
        return detail.split("(")[1].split(")")[0].split(", ")
    return [detail.split(" below ")[0].replace(" margin ratio", "")]


def staking_fills(result: RunResult) -> list[int]:
    """Steps of the fills that stake new ETH: a stake, a loop entry or a relever."""
    return [
        step_of(result, e.time)
        for e in result.events
        if e.kind is EventKind.TRADE
        and (e.subject in ("loop entry", "relever") or e.detail.startswith("stake "))
    ]


@pytest.mark.parametrize("mode", MARKET_NEUTRAL)
def test_market_neutral_stakes_no_eth_while_the_lst_is_depegged_and_says_so(
    catalog: Catalog, mode: str
) -> None:
    # Regression (issue 4): idle USDT was bought into ETH and staked at the protocol rate
    # while weETH traded 3 % below it (eth_crash deployed 23,226.79 USDT at 0.9699).
    # eth_crash: weETH 3 % below its protocol rate from 2024-03-12 12:00 for 24 h, then
    # recovering with a 48 h half-life; 3 % × 0.5^(t/48) = 2.215 % at t = 48 × log2(3 /
    # 2.215) = 21.0 h, so the peg is back above 1 − 0.02215 around 2024-03-14 09:00.
    result = backtest(catalog, mode, CRASH, CRASH_START, CRASH_END)
    data = inputs_for(catalog, mode, CRASH, CRASH_START, CRASH_END).data
    peg = (
        data.values[:, data.names.index("market_rate:weETH")]
        / data.values[:, data.names.index("protocol_rate:weETH")]
    )
    below = np.flatnonzero(peg < FLOOR)
    assert result.times[below[0]] == int(utc(2024, 3, 12, 12).timestamp())
    assert abs(int(result.times[below[-1]]) - int(utc(2024, 3, 14, 8).timestamp())) <= 3 * 3600
    assert np.all(np.diff(below) == 1)  # one depeg
    fills = staking_fills(result)
    assert fills
    assert all(peg[k] >= FLOOR for k in fills)
    assert [k for k in fills if k > below[-1]]  # deployment resumes once the peg is back
    notes = [e for e in result.events if "staking deferred: weETH at 0.9" in e.detail]
    assert notes
    for note in notes:
        assert peg[step_of(result, note.time)] < FLOOR
        assert f"below {FLOOR:.4f}" in note.detail


def test_a_loop_top_up_borrows_to_the_band_top_before_it_unwinds(catalog: Catalog) -> None:
    """Freeing margin by borrowing WETH costs one swap; a pro-rata release sells ≈ 11× as
    much LST. The first top-up of the squeeze borrows up to the LTV band's top (less
    0.002), then releases only the rest, and the HF stays above `hf_critical`."""
    result = backtest(catalog, "usdt_market_neutral", SQUEEZE)
    events = list(result.events)
    first = next(i for i, e in enumerate(events) if e.kind is EventKind.MARGIN_TOP_UP)
    fills = [e for e in events[first + 1 :] if e.time == events[first].time]
    kinds = [e.subject for e in fills if e.kind is EventKind.TRADE]
    assert kinds[:3] == ["aave_v3:debt:WETH", "wallet:WETH/ETH", "loop release"]
    borrowed = fills[0].size
    assert borrowed > 0.0 and fills[1].size == -borrowed  # all of it unwrapped
    assert result.summary is not None
    assert result.summary.risk["min_health_factor"] > 1.02
