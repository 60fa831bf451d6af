"""Leverage that follows carry: the rule by hand, the spread it reads, no look-ahead, and
the loop modes delevering when borrowing costs more than staking earns."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from pydantic import ValidationError

from basis.config.modes import ModeConfig
from basis.data.catalog import Catalog
from basis.engine.inputs import Inputs
from basis.model.history import MarkHistory
from basis.model.result import Event, EventKind, RunResult
from basis.strategies.carry import carry_spread, carry_target_ltv, target_ltv
from tests.engine.stubs import DEFAULT, inputs_for, run_on, utc, with_data

HOUR = 3600
CARRY = ("carry_leverage=true", "carry_window_hours=72")
"""The rule on, over a three-day window (the short scenario holds 90 days)."""
ACTIVE = (*CARRY, "carry_full_spread=0.02")
"""…and a full spread the default scenario's (≈ 0.3 %) stays below: the target moves often."""


# -- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spread", "expected"),
    [
        # w = clip(s / 0.01, 0, 1); t = 0.9·w / (1 − 0.9·(1 − w)), at least 0.5
        (0.02, 0.9),  # w = 1: the full target, L = 1 / (1 − 0.9) = 10
        (0.01, 0.9),  # w = 1 exactly at the full spread
        (0.005, 0.45 / 0.55),  # w = ½: L − 1 = 9·½ = 4.5, L = 5.5, t = 1 − 1/5.5 = 0.8182
        (0.008, 0.72 / 0.82),  # w = 0.8: L − 1 = 7.2, L = 8.2, t = 7.2/8.2 = 0.8780
        (0.001, 0.5),  # w = 0.1: 0.09 / 0.19 = 0.4737, below the floor
        (0.0, 0.5),  # no carry: the floor
        (-0.03, 0.5),  # borrowing costs more than the collateral earns: the floor
        (math.nan, 0.9),  # no whole window known yet: the configured target
    ],
)
def test_carry_target_ltv_by_hand(spread: float, expected: float) -> None:
    result = carry_target_ltv(spread, target=0.9, floor=0.5, full_spread=0.01)
    assert float(result) == pytest.approx(expected, rel=1e-12)


def test_carry_target_ltv_is_the_target_exactly_at_full_carry() -> None:
    """Above the full spread the rule leaves the target as it is, to the last bit, so the
    loop acts exactly as it does without the rule."""
    target = 0.93 * (1 - 0.02215)
    spreads = np.array([0.005, 0.01, 0.2])
    assert carry_target_ltv(spreads, target, 0.5, 0.005).tolist() == [target] * 3


def test_carry_target_ltv_falls_as_the_spread_falls() -> None:
    spreads = np.linspace(0.012, -0.002, 200)
    targets = carry_target_ltv(spreads, 0.9094, 0.3, 0.01)
    assert np.all(np.diff(targets) <= 0.0)
    assert targets[0] == 0.9094 and targets[-1] == 0.3


def history(staking: float, supply: float, borrow: float, hours: int) -> MarkHistory:
    """weETH's protocol rate, its Aave liquidity index and WETH's borrow index growing at
    these simple APRs from 1.0 at hour 0, read at hour `hours`."""
    t = np.arange(hours + 1) / 8760.0
    names = (
        "protocol_rate:weETH",
        "liquidity_index:aave_v3:weETH",
        "borrow_index:aave_v3:WETH",
    )
    values = np.stack([1.0 + staking * t, 1.0 + supply * t, 1.0 + borrow * t], axis=1)
    times = (np.arange(hours + 1) * HOUR).astype(np.int64)
    return MarkHistory(times, names, values, float(hours * HOUR))


def test_carry_spread_is_staking_plus_supply_less_borrow_over_the_window() -> None:
    # a 72 h window from hour 0 (every index at 1.0): each growth is its APR exactly,
    # so the spread is 0.03 + 0.005 − 0.025 = 0.01
    known = history(staking=0.03, supply=0.005, borrow=0.025, hours=72)
    assert carry_spread(known, "weETH", 72).tolist() == [pytest.approx(0.01, rel=1e-9)]
    # 71 h known: the window reaches before the first mark
    assert math.isnan(carry_spread(history(0.03, 0.005, 0.025, 71), "weETH", 72)[0])


def test_target_ltv_is_the_configured_one_unless_the_rule_is_on() -> None:
    thin = history(staking=0.03, supply=0.0, borrow=0.0275, hours=72)  # spread 0.0025
    off = ModeConfig(mode="eth_leveraged", share_class="ETH")
    assert target_ltv(off, thin).tolist() == [off.effective_target_ltv]
    on = off.model_copy(update={"carry_leverage": True, "carry_window_hours": 72})
    # w = 0.0025 / 0.005 = ½ and t* = 0.93 × (1 − 0.02215) = 0.909400: t = t*·½ / (1 − t*·½)
    half = on.effective_target_ltv / 2
    assert target_ltv(on, thin).tolist() == [pytest.approx(half / (1 - half), rel=1e-9)]


def test_a_floor_above_the_target_is_refused_only_when_the_rule_is_on() -> None:
    ModeConfig(mode="eth_leveraged", share_class="ETH", target_ltv=0.4)  # floor 0.5 unused
    with pytest.raises(ValidationError, match=r"carry_floor_ltv 0\.5 is above the target LTV"):
        ModeConfig(mode="eth_leveraged", share_class="ETH", target_ltv=0.4, carry_leverage=True)


# -- in a run ---------------------------------------------------------------------------------


def decisions(result: RunResult) -> list[Event]:
    kinds = (EventKind.REBALANCE, EventKind.DELEVERAGE, EventKind.MARGIN_TOP_UP)
    return [e for e in result.events if e.kind in kinds]


def carry_moves(result: RunResult) -> list[Event]:
    return [e for e in result.events if "carry target" in e.detail]


def steady(inputs: Inputs) -> Inputs:
    """The inputs with weETH staking at 3 % and WETH borrowed at 2 % (continuous), weETH at
    par and no supply interest on it: a 72 h spread of 1.0 % (above the full 0.5 %)."""
    data = inputs.data
    years = (data.times - data.times[0]) / 3600.0 / 8760.0
    values = data.values.copy()
    paths = {
        "protocol_rate:weETH": 1.05 * np.exp(0.03 * years),
        "market_rate:weETH": 1.05 * np.exp(0.03 * years),
        "liquidity_index:aave_v3:weETH": np.ones_like(years),
        "borrow_index:aave_v3:WETH": np.exp(0.02 * years),
    }
    for name, path in paths.items():
        values[:, data.names.index(name)] = path
    return with_data(inputs, replace(data, values=values))


def borrow_rises(inputs: Inputs, step: int, apr: float) -> Inputs:
    """The inputs with WETH's borrow index growing `apr` faster (simple) from `step` on."""
    data = inputs.data
    values = data.values.copy()
    hours = np.maximum(np.arange(data.steps) - step, 0)
    values[:, data.names.index("borrow_index:aave_v3:WETH")] *= 1.0 + apr * hours / 8760.0
    return with_data(inputs, replace(data, values=values))


@pytest.mark.parametrize("mode", ["eth_leveraged", "usdt_market_neutral"])
def test_changing_marks_after_t_changes_no_decision_up_to_t(catalog: Catalog, mode: str) -> None:
    """WETH's borrow index grows 10 % a year faster from step `cut` on: the decisions before
    it stay the same, and some after it change."""
    cut = 1000
    inputs = inputs_for(catalog, mode)
    original = decisions(run_on(mode, inputs, ACTIVE))
    rewritten = decisions(run_on(mode, borrow_rises(inputs, cut, 0.10), ACTIVE))
    time = inputs.data.time(cut)
    assert [e for e in rewritten if e.time <= time] == [e for e in original if e.time <= time]
    assert any("carry target" in e.detail for e in original if e.time <= time)
    assert [e for e in rewritten if e.time > time] != [e for e in original if e.time > time]


@pytest.mark.parametrize("mode", ["eth_leveraged", "usdt_market_neutral"])
def test_the_loop_delevers_to_its_floor_when_borrowing_costs_more_than_staking_earns(
    catalog: Catalog, mode: str
) -> None:
    """Staking 3 %, borrowing 2 %, until WETH's borrow rate rises by 20 % a year on day 20
    of 60: within the 3-day window the spread turns negative and the loop is brought down
    to `carry_floor_ltv` (0.5), in steps as the target leaves the band, never relevered;
    it then pays less interest than the loop left at 0.9094, by more than the deleverage
    costs."""
    inputs = inputs_for(catalog, mode, DEFAULT, end=utc(2024, 3, 1))
    inputs = borrow_rises(steady(inputs), 480, 0.20)
    fixed = run_on(mode, inputs)
    follows = run_on(mode, inputs, CARRY)
    moves = carry_moves(follows)
    assert moves and all(e.kind is EventKind.DELEVERAGE for e in moves)
    assert inputs.data.time(480) <= moves[0].time <= inputs.data.time(480 + 72)
    ltv = follows.series["ltv"]
    assert 0.5 - 0.02 <= ltv[-1] <= 0.5 + 0.01
    assert fixed.series["ltv"][-1] > 0.88
    assert follows.equity[-1] > fixed.equity[-1]
    # before the rise the spread is 1 %, above the full 0.5 %: the runs agree exactly
    before = inputs.data.time(480)
    assert [e for e in decisions(follows) if e.time < before] == [
        e for e in decisions(fixed) if e.time < before
    ]


def test_a_loop_moved_many_times_keeps_paying_its_gas(catalog: Catalog) -> None:
    """Each move spends the gas reserve the loop's entry kept (twice the entry's gas); once
    it is gone a relever or deleverage group keeps its own gas from what it brings in
    (`loop.gas_kept`), where it used to be rejected hour after hour."""
    result = run_on("eth_leveraged", inputs_for(catalog, "eth_leveraged"), ACTIVE)
    assert len(carry_moves(result)) > 20
    assert not [e for e in result.events if e.kind is EventKind.REJECTED]
