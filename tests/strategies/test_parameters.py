"""`PARAMETERS` is honest: changing a key a mode is said to ignore leaves its run unchanged."""

from __future__ import annotations

import json

import numpy as np
import pytest

from basis.config.modes import ModeConfig
from basis.data.catalog import Catalog
from basis.strategies import MODES, PARAMETERS
from tests.engine.stubs import backtest, utc

pytestmark = pytest.mark.slow  # ~60 short backtests

# A valid value other than the default for every key a mode may ignore.
CHANGED = {
    "rebalance_threshold": 0.05,
    "delta_tolerance": 0.02,
    "hedge_allocation": {"binance": 1.0},
    "lst": "wstETH",
    "stake_allocation": 0.3,
    "max_ltv": 0.9,
    "max_stake_spread_move": 0.05,
    "target_ltv": 0.85,
    "ltv_band": [-0.05, 0.005],
    "hf_critical": 1.1,
    "margin_target": 1.5,
    "margin_critical": 0.3,
    "margin_band": [0.4, 3.0],
    "funding_arbitrage": {"entry_spread_apr": 0.0, "exit_spread_apr": -0.01},
    "directional": {"horizon_hours": 12, "confidence": 0.1},
    "regimes": {"hold_at": 0.3, "reduce_at": 0.5},  # seen by strategies; no mode branches on it
    "exclude_estimated_rewards": True,  # generated scenarios mark no reward estimated
    "margin_model": "unified",
    "margin_buffer": 0.05,
    "liquidation_distance": 3.0,
    "spot_band": 0.2,
    "own_rate_impact": False,
    "carry_leverage": True,
    "carry_window_hours": 72,
    "carry_full_spread": 0.02,
    "carry_floor_ltv": 0.3,
}


def test_every_config_key_is_either_perturbed_here_or_read_by_every_mode() -> None:
    always = {"mode", "share_class", "initial_capital", "reserve_ratio"}
    assert set(ModeConfig.model_fields) == always | set(CHANGED)
    assert set(PARAMETERS) == set(MODES)
    for used in PARAMETERS.values():
        assert always <= set(used)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_ignored_parameters_do_not_move_the_run(catalog: Catalog, mode: str) -> None:
    # The directional modes decide every hour (no span path): five weeks hold their first
    # refits and positions, at a fifth of the quarter's cost.
    end = utc(2024, 2, 5) if mode.startswith("ml_directional") else None
    base = backtest(catalog, mode, end=end)
    for key in sorted(set(CHANGED) - set(PARAMETERS[mode])):
        override = f"{key}={json.dumps(CHANGED[key])}"
        changed = backtest(catalog, mode, end=end, overrides=[override])
        assert np.array_equal(changed.equity, base.equity), f"{mode} reads {key}"
        assert changed.events == base.events, f"{mode} reads {key}"
