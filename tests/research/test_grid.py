"""Grid files: parsing, the errors that name file, key and value, and the cartesian product."""

from __future__ import annotations

from pathlib import Path

import pytest

from basis.config.loader import apply_overrides
from basis.engine.backtest import load_mode
from basis.errors import ConfigError, ConfigUnknownKeyError
from basis.research.grid import Grid, expand, read_grid, scenario_datasets, validate
from basis.research.parameters import ModeChecker, key_problem, point_key
from tests.conftest import CONFIGS
from tests.research.sweep_stubs import MODE, write_file


def grid_of(tmp_path: Path, text: str) -> Grid:
    return read_grid(write_file(tmp_path, "grid.yaml", text), CONFIGS)


def test_grid_parses_parameters_in_file_order_with_their_values(tmp_path: Path) -> None:
    grid = grid_of(
        tmp_path,
        "parameters:\n  target_ltv: [0.85, 0.88]\n  stake_allocation: [0.4, 0.5, 0.6]\n",
    )
    assert grid.names == ["target_ltv", "stake_allocation"]
    assert grid.parameters == (("target_ltv", (0.85, 0.88)), ("stake_allocation", (0.4, 0.5, 0.6)))
    assert grid.scenarios == ()
    assert grid.axes == ["target_ltv", "stake_allocation"]


def test_cartesian_product_has_every_combination_last_key_fastest(tmp_path: Path) -> None:
    grid = grid_of(
        tmp_path, "parameters:\n  target_ltv: [0.85, 0.88]\n  stake_allocation: [0.4, 0.5, 0.6]\n"
    )
    points = expand(grid, ["scenario:default"])
    assert len(points) == 2 * 3
    assert [p.position for p in points] == [0, 1, 2, 3, 4, 5]
    assert [(p.params["target_ltv"], p.params["stake_allocation"]) for p in points] == [
        (0.85, 0.4),
        (0.85, 0.5),
        (0.85, 0.6),
        (0.88, 0.4),
        (0.88, 0.5),
        (0.88, 0.6),
    ]
    assert len({p.key for p in points}) == 6
    assert points[4].overrides == ("target_ltv=0.88", "stake_allocation=0.5")


def test_scenario_axis_multiplies_the_points_and_keys_them_apart(tmp_path: Path) -> None:
    grid = grid_of(
        tmp_path, "parameters: {target_ltv: [0.85, 0.88]}\nscenarios: [default, eth_crash]"
    )
    datasets = scenario_datasets(grid)
    assert datasets == ["scenario:default", "scenario:eth_crash"]
    points = expand(grid, datasets)
    assert [(p.dataset, p.params["target_ltv"]) for p in points] == [
        ("scenario:default", 0.85),
        ("scenario:default", 0.88),
        ("scenario:eth_crash", 0.85),
        ("scenario:eth_crash", 0.88),
    ]
    assert points[0].key != points[2].key  # same parameters, another dataset
    assert grid.axes == ["target_ltv", "dataset"]


def test_nested_and_mapping_values_become_overrides_the_loader_reads_back(tmp_path: Path) -> None:
    grid = grid_of(
        tmp_path,
        "parameters:\n"
        "  funding_arbitrage.entry_spread_apr: [0.06]\n"
        "  hedge_allocation: [{binance: 0.5, okx: 0.5}]\n"
        "  lst: [wstETH]\n"
        "  rebalance_threshold: [0.30000000000000004]\n",
    )
    (point,) = expand(grid, ["scenario:default"])
    config = load_mode(CONFIGS, "funding_arbitrage", point.overrides, None)
    assert config.funding_arbitrage.entry_spread_apr == 0.06
    assert config.hedge_allocation == {"binance": 0.5, "okx": 0.5}
    assert config.lst == "wstETH"
    assert config.rebalance_threshold == 0.30000000000000004  # exact, not 0.3
    assert apply_overrides({}, point.overrides)["funding_arbitrage"] == {"entry_spread_apr": 0.06}


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        (
            "parameters: {nope: [1]}",
            ConfigUnknownKeyError,
            "grid.yaml: parameters: unknown parameter 'nope'",
        ),
        (
            "parameters: {funding_arbitrage.nope: [1]}",
            ConfigUnknownKeyError,
            "unknown parameter 'funding_arbitrage.nope'; known under 'funding_arbitrage'",
        ),
        ("parameters: {mode: [btc_basis]}", ConfigUnknownKeyError, "'mode' is set by --mode"),
        (
            "parameters: {target_ltv: []}",
            ConfigError,
            "parameters.target_ltv: the list of values is empty",
        ),
        (
            "parameters: {target_ltv: 0.85}",
            ConfigError,
            "parameters.target_ltv: expected a list of values, e.g. [0.4, 0.5], got 0.85",
        ),
        ("parameters: {target_ltv: [0.85, 0.85]}", ConfigError, "value 0.85 is listed twice"),
        ("parameters: []", ConfigError, "grid.yaml: parameters: expected a mapping"),
        ("{}", ConfigError, "grid.yaml: parameters: expected a mapping"),
        (
            "parameters: {lst: [weETH]}\nextra: 1",
            ConfigUnknownKeyError,
            "unknown top-level key 'extra'",
        ),
        (
            "parameters: {lst: [weETH]}\nscenarios: [nope]",
            ConfigError,
            "scenarios: unknown scenario 'nope'",
        ),
        (
            "parameters: {lst: [weETH]}\nscenarios: default",
            ConfigError,
            "scenarios: expected a non-empty list",
        ),
    ],
)
def test_bad_grid_names_file_key_and_value(
    tmp_path: Path, text: str, kind: type[ConfigError], message: str
) -> None:
    with pytest.raises(kind) as raised:
        grid_of(tmp_path, text)
    assert message in str(raised.value)
    assert str(tmp_path / "grid.yaml") in str(raised.value)


def test_value_the_mode_rejects_is_named_before_any_run(tmp_path: Path) -> None:
    grid = grid_of(tmp_path, "parameters:\n  stake_allocation: [0.5]\n  target_ltv: [0.85, 0.99]\n")
    points = expand(grid, ["scenario:default"])
    with pytest.raises(ConfigError) as raised:
        validate(grid, points, ModeChecker(CONFIGS, MODE, None))
    assert str(raised.value) == (
        f"[CONFIG_INVALID] {tmp_path / 'grid.yaml'}: parameters.target_ltv: value 0.99 is "
        "rejected by the mode: target_ltv 0.9900 + band 0.01 reaches max_ltv 0.93"
    )


def test_combination_the_mode_rejects_names_the_whole_point(tmp_path: Path) -> None:
    # 0.895 + 0.01 reaches max_ltv 0.9 only together; alone each value is fine (max_ltv 0.93).
    grid = grid_of(tmp_path, "parameters:\n  max_ltv: [0.9, 0.93]\n  target_ltv: [0.85, 0.895]\n")
    points = expand(grid, ["scenario:default"])
    with pytest.raises(ConfigError) as raised:
        validate(grid, points, ModeChecker(CONFIGS, MODE, None))
    assert "point max_ltv=0.9, target_ltv=0.895 on scenario:default is rejected" in str(
        raised.value
    )
    assert "reaches max_ltv 0.9" in str(raised.value)


def test_valid_grid_passes_validation(tmp_path: Path) -> None:
    grid = grid_of(tmp_path, "parameters:\n  max_ltv: [0.93]\n  target_ltv: [0.85, 0.9]\n")
    validate(grid, expand(grid, ["scenario:default"]), ModeChecker(CONFIGS, MODE, None))


def test_unknown_mode_is_refused_by_the_checker() -> None:
    with pytest.raises(ConfigError, match="unknown mode 'nope'"):
        ModeChecker(CONFIGS, "nope", None)


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("target_ltv", None),
        ("funding_arbitrage.exit_spread_apr", None),
        ("hedge_allocation.binance", None),
        ("hedge_allocation.binance.x", "entries of 'hedge_allocation' have no sub-keys"),
        ("target_ltv.x", "'target_ltv' has no sub-keys"),
        ("share_class", "'share_class' is set by --mode and cannot be swept"),
    ],
)
def test_parameter_keys_follow_the_mode_config(key: str, problem: str | None) -> None:
    found = key_problem(key)
    assert found == problem if problem is None else problem in str(found)


def test_point_key_ignores_parameter_order_but_not_values_or_dataset() -> None:
    key = point_key("scenario:default", {"a": 1, "b": 2})
    assert key == point_key("scenario:default", {"b": 2, "a": 1})
    assert key != point_key("scenario:default", {"a": 1, "b": 3})
    assert key != point_key("scenario:eth_crash", {"a": 1, "b": 2})
    assert len(key) == 64


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_non_finite_grid_value_must_be_finite(tmp_path: Path, value: str) -> None:
    path = write_file(tmp_path, "grid.yaml", f"parameters:\n  delta_tolerance: [0.01, {value}]\n")
    with pytest.raises(ConfigError, match=r"parameters\.delta_tolerance: value .* must be finite"):
        read_grid(path, CONFIGS)
