"""Configuration loading: precedence, overrides, unknown keys, every problem reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from basis.config import ModeConfig, load_market
from basis.config.loader import apply_overrides, check, load
from basis.errors import ConfigError, ConfigUnknownKeyError
from tests.conftest import CONFIGS


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_load_precedence_defaults_then_file_then_overrides(tmp_path: Path) -> None:
    file = write(tmp_path / "m.yaml", "mode: eth_basis\nshare_class: USDT\ndelta_tolerance: 0.01\n")
    config = load(
        ModeConfig,
        file,
        ["delta_tolerance=0.02", "hedge_allocation={binance: 1.0}"],
        defaults={"rebalance_threshold": 0.05, "delta_tolerance": 0.003},
    )
    assert config.rebalance_threshold == 0.05  # default, untouched by file or --set
    assert config.delta_tolerance == 0.02  # --set beats the file, which beat the default
    assert config.hedge_allocation == {"binance": 1.0}


def test_overrides_nested_path_creates_and_sets_without_mutating_input() -> None:
    data = {"funding_arbitrage": {"long_venue": "binance"}}
    result = apply_overrides(data, ["funding_arbitrage.short_venue=okx", "x.y.z=[1, 2]"])
    assert result == {
        "funding_arbitrage": {"long_venue": "binance", "short_venue": "okx"},
        "x": {"y": {"z": [1, 2]}},
    }
    assert data == {"funding_arbitrage": {"long_venue": "binance"}}


@pytest.mark.parametrize("override", ["novalue", "=3", "mode.x=1"])
def test_overrides_malformed_raise(override: str) -> None:
    with pytest.raises(ConfigError, match="--set"):
        apply_overrides({"mode": "btc_basis"}, [override])


def test_load_unknown_key_is_an_error_naming_file_and_key(tmp_path: Path) -> None:
    file = write(tmp_path / "m.yaml", "mode: btc_basis\nshare_class: USDT\nrebalance_treshold: 1\n")
    with pytest.raises(ConfigUnknownKeyError, match=r"m.yaml: rebalance_treshold: got 1; unknown"):
        load(ModeConfig, file)


def test_mode_target_ltv_defaults_to_buffered_max_ltv() -> None:
    # 0.93 × (1 − 0.02215) = 0.9094005
    config = load(ModeConfig, CONFIGS / "modes" / "eth_leveraged.yaml")
    assert config.effective_target_ltv == pytest.approx(0.93 * (1 - 0.02215))
    assert config.effective_target_ltv == pytest.approx(0.9094005)


def test_mode_inconsistent_values_rejected(tmp_path: Path) -> None:
    file = write(tmp_path / "m.yaml", "mode: btc_basis\nshare_class: ETH\n")
    with pytest.raises(ConfigError, match="measured in USDT"):
        load(ModeConfig, file)
    with pytest.raises(ConfigError, match="sum to 1"):
        load(
            ModeConfig, None, ["mode=eth_basis", "share_class=USDT", "hedge_allocation={okx: 0.5}"]
        )


def test_check_repo_configs_have_no_problems() -> None:
    from functools import partial

    from basis.research.sweep_files import sweep_file_problems

    assert check(CONFIGS, {"sweeps": partial(sweep_file_problems, configs=CONFIGS)}) == []
    unchecked = check(CONFIGS)  # the config layer alone cannot read sweep grids and spaces
    assert {Path(problem.file).parent.name for problem in unchecked} == {"sweeps"}


def test_check_reports_every_problem_with_file_field_value_expected(tmp_path: Path) -> None:
    write(tmp_path / "modes" / "btc_basis.yaml", "mode: eth_basis\nshare_class: USDT\n")
    write(
        tmp_path / "venues" / "binance.yaml",
        (CONFIGS / "venues" / "binance.yaml").read_text().replace("taker: 0.0005", "taker: -1")
        + "colour: blue\n",
    )
    write(tmp_path / "stray.yaml", "a: 1\n")
    write(tmp_path / "aave_v3.yaml", "close_factor: [unclosed\n")
    problems = {(Path(p.file).name, p.field): p for p in check(tmp_path)}
    assert problems[("btc_basis.yaml", "mode")].value == "eth_basis"
    assert "file name" in problems[("btc_basis.yaml", "mode")].expected
    taker = problems[("binance.yaml", "perp_fees.taker")]
    assert taker.value == -1
    assert "greater than or equal to 0" in taker.expected
    assert problems[("binance.yaml", "colour")].expected.startswith("unknown key")
    assert ("stray.yaml", "(file)") in problems
    assert "invalid YAML" in problems[("aave_v3.yaml", "(file)")].expected


def test_market_loads_every_venue_with_its_funding_schedule() -> None:
    market = load_market(CONFIGS)
    assert market.venue("binance").funding.hours == (0, 8, 16)
    assert market.venue("hyperliquid").funding.hours == tuple(range(24))
    assert market.aave.risk_for("weETH", "ETH").liquidation_threshold == 0.95
    assert market.aave.risk_for("USDT", "ETH").liquidation_threshold == 0.78  # not in e-mode
    with pytest.raises(ConfigError, match="unknown venue 'kraken'"):
        market.venue("kraken")


MODE = "mode: eth_basis\nshare_class: USDT\n"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("rebalance_threshold: .inf\n", "inf"),
        ("rebalance_threshold: .nan\n", "nan"),
        ("rebalance_threshold: 1e400\n", "'1e400'"),  # YAML reads it as text; it parses to inf
        ("initial_capital: -.inf\n", "-inf"),
        ("hedge_allocation: {binance: .inf}\n", "inf"),
    ],
)
def test_load_non_finite_number_in_a_file_must_be_finite(
    tmp_path: Path, text: str, shown: str
) -> None:
    file = write(tmp_path / "m.yaml", MODE + text)
    with pytest.raises(ConfigError) as caught:
        load(ModeConfig, file)
    message = caught.value.message
    assert message.startswith(f"{file}: ")
    assert f"got {shown}; must be finite (not inf, NaN or beyond ±1.8e308)" in message
    assert "less than" not in message and "greater than" not in message


@pytest.mark.parametrize("value", ["inf", "nan", "1e400", ".inf", "-1e999"])
def test_load_non_finite_set_names_the_set_argument(tmp_path: Path, value: str) -> None:
    file = write(tmp_path / "m.yaml", MODE)
    with pytest.raises(ConfigError) as caught:
        load(ModeConfig, file, [f"rebalance_threshold={value}"])
    assert caught.value.message.startswith(
        f"--set rebalance_threshold={value}: rebalance_threshold: got "
    )
    assert caught.value.message.endswith("must be finite (not inf, NaN or beyond ±1.8e308)")


def test_load_set_error_names_the_set_argument_not_the_file(tmp_path: Path) -> None:
    file = write(tmp_path / "m.yaml", MODE)
    with pytest.raises(ConfigError) as caught:
        load(ModeConfig, file, ["delta_tolerance=-1"])
    assert caught.value.message.startswith("--set delta_tolerance=-1: delta_tolerance: got -1;")
    assert str(file) not in caught.value.message


def test_load_nested_set_names_the_key_and_dumps_no_configuration(tmp_path: Path) -> None:
    file = write(tmp_path / "m.yaml", MODE)
    with pytest.raises(ConfigUnknownKeyError) as caught:
        load(ModeConfig, file, ["funding_arbitrage.spread=1"])
    assert caught.value.message == (
        "--set funding_arbitrage.spread=1: funding_arbitrage.spread: got 1; unknown key: not "
        "a field of this configuration"
    )
    with pytest.raises(ConfigError) as rule:
        load(ModeConfig, file, ["hedge_allocation.okx=0.5"])
    message = rule.value.message
    assert message.startswith(f"{file} with --set hedge_allocation.okx=0.5: hedge_allocation ")
    assert message.endswith("sum to 1, got {'okx': 0.5}")  # the rule's words, no config dump
    assert "share_class" not in message


def test_load_label_names_the_option_that_set_a_key(tmp_path: Path) -> None:
    file = write(tmp_path / "m.yaml", MODE)
    with pytest.raises(ConfigError, match=r"^\[CONFIG_INVALID\] --capital inf: initial_capital"):
        load(ModeConfig, file, ["initial_capital=inf"], labels={"initial_capital": "--capital inf"})
