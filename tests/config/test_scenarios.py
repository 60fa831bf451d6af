"""ScenarioConfig: defaults, shock validation and the horizon, as `config check` reports them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from basis.config.scenarios import ScenarioConfig, ShockConfig

UTC = dt.UTC


def build(**fields: Any) -> ScenarioConfig:
    return ScenarioConfig.model_validate({"name": "x", "description": "x", **fields})


def shock(**fields: Any) -> dict[str, Any]:
    return {"kind": "gas", "start": "2024-01-02T00:00:00Z", "duration_hours": 4, "magnitude": 3,
            **fields}  # fmt: skip


def test_scenario_defaults_start_midnight_utc_and_round_hours() -> None:
    config = build(start="2024-03-01", years=0.5)
    assert config.start_time == dt.datetime(2024, 3, 1, tzinfo=UTC)
    assert config.hours == 4380
    assert config.end_time == dt.datetime(2024, 3, 1, tzinfo=UTC) + dt.timedelta(hours=4380)
    assert set(config.prices) == {"ETH", "BTC"}


def test_shock_naive_start_is_utc() -> None:
    parsed = ShockConfig.model_validate(shock(start="2024-01-02 06:00:00"))
    assert parsed.start == dt.datetime(2024, 1, 2, 6, tzinfo=UTC)
    assert parsed.end == dt.datetime(2024, 1, 2, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "price", "magnitude": -1.0}, "price shock magnitude -1.0 must lie in"),
        ({"kind": "utilization", "magnitude": 1.0}, "utilization shock magnitude"),
        ({"kind": "gas", "magnitude": 0.0}, "gas shock magnitude"),
        ({"kind": "gas", "venues": ["binance"]}, "venues apply to funding shocks only"),
        ({"kind": "gas", "assets": ["ETH"]}, "gas shocks take no assets"),
        ({"kind": "something"}, "Input should be"),
    ],
)
def test_shock_invalid_fields_rejected(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ShockConfig.model_validate(shock(**fields))


def test_scenario_shock_unknown_asset_rejected() -> None:
    with pytest.raises(ValidationError, match=r"shock 1 \(depeg\): unknown asset\(s\) \['rETH'\]"):
        build(shocks=[shock(kind="depeg", magnitude=0.02, assets=["rETH"])])


def test_scenario_shock_outside_horizon_rejected() -> None:
    with pytest.raises(ValidationError, match="outside the scenario"):
        build(years=0.001, shocks=[shock()])
    with pytest.raises(ValidationError, match="outside the scenario"):
        build(start="2024-02-01", shocks=[shock()])


def test_scenario_eth_always_present_and_its_own_reference() -> None:
    assert "ETH" in build(prices={"SOL": {"initial": 150.0, "volatility": 0.9}}).prices
    with pytest.raises(ValidationError, match=r"ETH\.correlation_to_eth must be 1"):
        build(prices={"ETH": {"correlation_to_eth": 0.5}})


def test_scenario_reward_token_without_price_rejected() -> None:
    rewards = {"weETH": [{"token": "KING", "schedule": "weekly", "amount_per_lst": 1.0}]}
    with pytest.raises(ValidationError, match=r"reward token\(s\) \['KING'\]"):
        build(rewards=rewards)


def test_scenario_unknown_key_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        build(funding={"mean_apy": {}})


def test_scenario_partial_mappings_merge_onto_defaults() -> None:
    config = build(
        prices={"ETH": {"volatility": 0.8}},
        funding={"mean_apr": {"okx": 0.02}},
        aave={"reserves": {"WETH": {"utilization": 0.7}}},
    )
    assert config.prices["ETH"].volatility == 0.8
    assert config.prices["ETH"].initial == 2300.0
    assert set(config.prices) == {"ETH", "BTC"}
    assert config.funding.mean_apr["okx"] == 0.02
    assert config.funding.mean_apr["binance"] == 0.08
    assert config.aave.reserves["WETH"].utilization == 0.7
    assert config.aave.reserves["WETH"].total_supply == 2.7e6
    assert set(config.aave.reserves) == {"USDT", "WETH", "weETH", "wstETH"}


def test_scenario_lists_replace_and_new_entries_must_be_complete() -> None:
    rewards = {"weETH": [{"token": "EIGEN", "schedule": "weekly", "amount_per_lst": 0.1}]}
    assert [p.token for p in build(rewards=rewards).rewards["weETH"]] == ["EIGEN"]
    with pytest.raises(ValidationError, match=r"prices\.SOL\.initial"):
        build(prices={"SOL": {"volatility": 0.9}})


def test_scenario_dump_and_validate_round_trip_unchanged() -> None:
    config = build(prices={"ETH": {"volatility": 0.8}}, shocks=[shock()])
    assert ScenarioConfig.model_validate(config.model_dump()) == config
