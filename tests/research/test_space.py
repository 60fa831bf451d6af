"""Search spaces (Optuna distributions) and constraints: parsing, errors and arithmetic."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from basis.errors import ConfigError, ConfigUnknownKeyError
from basis.research.constraints import (
    Constraint,
    metric_value,
    objective_value,
    parse_constraint,
)
from basis.research.grid import expand, read_grid, validate
from basis.research.parameters import ModeChecker
from basis.research.space import Space, read_space
from tests.conftest import CONFIGS
from tests.research.sweep_stubs import MODE, write_file


def space_of(tmp_path: Path, text: str) -> Space:
    path = write_file(tmp_path, "space.yaml", text)
    return read_space(path, ModeChecker(CONFIGS, MODE, None))


def test_space_maps_ranges_steps_ints_and_choices_to_distributions(tmp_path: Path) -> None:
    space = space_of(
        tmp_path,
        "parameters:\n"
        "  target_ltv: {low: 0.8, high: 0.9}\n"
        "  stake_allocation: {low: 0.3, high: 0.7, step: 0.05}\n"
        "  initial_capital: {low: 100000, high: 1000000, log: true}\n"
        "  hedge_allocation: {choices: [{binance: 1.0}, {binance: 0.5, okx: 0.5}]}\n",
    )
    assert space.names == ["target_ltv", "stake_allocation", "initial_capital", "hedge_allocation"]
    found = space.distributions()
    assert found["target_ltv"] == FloatDistribution(0.8, 0.9)
    assert found["stake_allocation"] == FloatDistribution(0.3, 0.7, step=0.05)
    assert found["initial_capital"] == IntDistribution(100000, 1000000, log=True)
    assert found["hedge_allocation"] == CategoricalDistribution(
        ['{"binance":1.0}', '{"binance":0.5,"okx":0.5}']
    )
    sampled = {
        "target_ltv": 0.8123,
        "stake_allocation": 0.35000000000000003,  # what stepped float arithmetic gives
        "initial_capital": 250000,
        "hedge_allocation": '{"binance":0.5,"okx":0.5}',
    }
    assert space.params(sampled) == {
        "target_ltv": 0.8123,
        "stake_allocation": 0.35,
        "initial_capital": 250000,
        "hedge_allocation": {"binance": 0.5, "okx": 0.5},
    }


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        (
            "parameters: {nope: {low: 0, high: 1}}",
            ConfigUnknownKeyError,
            "unknown parameter 'nope'",
        ),
        (
            "parameters: {target_ltv: {low: 0.9, high: 0.8}}",
            ConfigError,
            "low 0.9 must be below high 0.8",
        ),
        (
            "parameters: {target_ltv: {low: 0.8}}",
            ConfigError,
            "parameters.target_ltv: missing 'high'",
        ),
        (
            "parameters: {target_ltv: {low: a, high: 0.9}}",
            ConfigError,
            "target_ltv.low: expected a number",
        ),
        (
            "parameters: {target_ltv: {low: 0.8, hi: 0.9}}",
            ConfigUnknownKeyError,
            "unknown key 'hi'",
        ),
        (
            "parameters: {stake_allocation: {low: 0.3, high: 0.7, step: 0.15}}",
            ConfigError,
            "high − low (0.7 − 0.3) is not a multiple of step 0.15",
        ),
        (
            "parameters: {stake_allocation: {low: 0.3, high: 0.7, step: 0.1, log: true}}",
            ConfigError,
            "step and log cannot be combined",
        ),
        ("parameters: {lst: {choices: []}}", ConfigError, "lst.choices: expected a non-empty list"),
        ("parameters: {lst: {choices: [weETH, weETH]}}", ConfigError, "weETH is listed twice"),
        (
            "parameters: {lst: {choices: [weETH], low: 1}}",
            ConfigUnknownKeyError,
            "'low' cannot go with choices",
        ),
        ("parameters: {lst: weETH}", ConfigError, "parameters.lst: expected {low: …, high: …}"),
        (
            "parameters: {target_ltv: {low: 0.8, high: 0.95}}",
            ConfigError,
            "parameters.target_ltv: value 0.95 is rejected by the mode: target_ltv 0.9500 + band "
            "0.01 reaches max_ltv 0.93",
        ),
        ("parameters: {lst: {choices: [weETH, stETH]}}", ConfigError, 'value "stETH" is rejected'),
    ],
)
def test_bad_space_names_file_key_and_value(
    tmp_path: Path, text: str, kind: type[ConfigError], message: str
) -> None:
    with pytest.raises(kind) as raised:
        space_of(tmp_path, text)
    assert message in str(raised.value)
    assert str(tmp_path / "space.yaml") in str(raised.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("min_health_factor>=1.1", Constraint("min_health_factor", ">=", 1.1)),
        (" max_drawdown <= 0.05 ", Constraint("max_drawdown", "<=", 0.05)),
        ("liquidations<=0", Constraint("liquidations", "<=", 0.0)),
        ("apy>=-1e-3", Constraint("apy", ">=", -0.001)),
    ],
)
def test_constraint_syntax(text: str, expected: Constraint) -> None:
    assert parse_constraint(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("min_health_factor>1.1", "expected METRIC>=NUMBER or METRIC<=NUMBER"),
        ("min_health_factor=>1.1", "expected METRIC>=NUMBER or METRIC<=NUMBER"),
        ("health>=1.1", "unknown metric 'health'"),
        ("apy>=high", "'high' is not a number"),
        ("apy>=inf", "the bound must be finite"),
    ],
)
def test_bad_constraint_is_a_precise_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_constraint(text)
    assert f"--constraint {text!r}" in str(raised.value)
    assert message in str(raised.value)


def test_violation_is_signed_distance_to_the_bound() -> None:
    numbers = {"min_health_factor": 1.05, "max_drawdown": 0.02, "liquidations": 1}
    assert Constraint("min_health_factor", ">=", 1.1).violation(numbers) == pytest.approx(0.05)
    assert Constraint("max_drawdown", "<=", 0.05).violation(numbers) == pytest.approx(-0.03)
    assert Constraint("liquidations", "<=", 0.0).violation(numbers) == 1.0
    assert Constraint("min_health_factor", ">=", 1.05).violation(numbers) == 0.0  # holds


def test_metrics_that_do_not_apply_count_as_their_best_case_or_fail() -> None:
    empty: dict[str, object] = {"min_health_factor": None, "max_drawdown": None, "sharpe": None}
    assert metric_value("min_health_factor", empty) == math.inf  # no Aave debt
    assert metric_value("max_drawdown", empty) == 0.0  # never drew down
    assert metric_value("sharpe", empty) is None
    assert Constraint("min_health_factor", ">=", 1.1).violation(empty) == -1.0
    assert Constraint("min_health_factor", "<=", 1.1).violation(empty) == 1.0
    assert Constraint("max_drawdown", "<=", 0.05).violation(empty) == -0.05
    assert Constraint("sharpe", ">=", 1.0).violation(empty) == 1.0


def test_objective_is_none_when_undefined_or_not_finite() -> None:
    assert objective_value("apy", {"apy": 0.07}) == 0.07
    assert objective_value("sharpe", {"sharpe": None}) is None
    assert objective_value("calmar", {"calmar": math.inf}) is None
    assert objective_value("apy", {}) is None


def test_example_files_in_configs_are_valid_for_usdt_market_neutral() -> None:
    folder = CONFIGS / "sweeps"
    grid = read_grid(folder / "market_neutral_grid.yaml", CONFIGS)
    points = expand(grid, ["scenario:default"])
    assert len(points) == 9
    validate(grid, points, ModeChecker(CONFIGS, MODE, None))
    space = read_space(folder / "market_neutral_space.yaml", ModeChecker(CONFIGS, MODE, None))
    assert space.names == [
        "target_ltv",
        "stake_allocation",
        "rebalance_threshold",
        "lst",
        "hedge_allocation",
    ]
