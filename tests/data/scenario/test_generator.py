"""The generator end to end: determinism, names, schemas, shipped scenarios and magnitudes."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from basis.config import loader
from basis.data.catalog import Catalog
from basis.data.scenario import generate, load_scenario, resolve, write_scenario
from basis.data.schema import conform
from basis.errors import ConfigError
from tests.conftest import CONFIGS
from tests.data.scenario.stubs import between, column, hours, market, scenario, shipped

UTC = dt.UTC
EXPECTED = {
    *(f"{v}:{k}:{a}USDT" for v in ("binance", "bybit", "okx") for k in ("spot", "perp", "funding")
      for a in ("ETH", "BTC")),
    *(f"{v}:{k}:{a}USDC" for v in ("hyperliquid", "pacifica") for k in ("perp", "funding")
      for a in ("ETH", "BTC")),
    *(f"aave_v3:rates:{a}" for a in ("USDT", "WETH", "weETH", "wstETH")),
    *(f"aave_v3:oracle:{a}" for a in ("USDT", "WETH", "weETH", "wstETH")),
    "staking:lst:weETH", "staking:lst:wstETH", "etherfi:rewards:weETH",
    "uniswap_v3:token:EIGEN", "uniswap_v3:token:ETHFI", "ethereum:gas:mainnet",
    "ethena:benchmark:sUSDe",
}  # fmt: skip


def test_generate_same_seed_bit_identical_frames() -> None:
    first = generate(scenario(seed=3), market(), years=0.05)
    second = generate(scenario(seed=3), market(), years=0.05)
    assert [f.series for f in first] == [f.series for f in second]
    for a, b in zip(first, second, strict=True):
        assert (a.kind, a.interval, a.quote, a.source) == (b.kind, b.interval, b.quote, b.source)
        assert a.frame.equals(b.frame), a.series


def test_generate_different_seeds_differ_everywhere() -> None:
    first = {f.series: f.frame for f in generate(scenario(seed=3), market(), years=0.05)}
    other = {f.series: f.frame for f in generate(scenario(), market(), seed=4, years=0.05)}
    for name, frame in first.items():
        assert not frame.equals(other[name]), name


def test_generate_writes_every_expected_series_conforming_to_its_schema() -> None:
    frames = generate(scenario(), market(), years=0.1)
    assert {f.series for f in frames} == EXPECTED
    for item in frames:
        data = conform(item.kind, item.frame, item.series)
        assert data["ts"].is_sorted() and data["ts"].n_unique() == data.height, item.series
        assert data["source_row"].to_list() == list(range(1, data.height + 1))
        numbers = data.select(pl.col(pl.Float64))
        assert numbers.null_count().sum_horizontal().item() == 0
        assert all(np.isfinite(numbers[c].to_numpy()).all() for c in numbers.columns), item.series


def test_generate_hourly_series_cover_every_hour_and_daily_every_midnight() -> None:
    frames = {f.series: f for f in generate(scenario(), market(), years=0.1)}  # 876 h
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    gas = frames["ethereum:gas:mainnet"].frame["ts"]
    assert gas.to_list() == [start + hours(h) for h in range(876)]
    usdt = frames["aave_v3:rates:USDT"].frame["ts"]
    assert usdt.to_list() == [start + dt.timedelta(days=d) for d in range(37)]
    assert frames["aave_v3:oracle:USDT"].interval == "1d"
    assert frames["aave_v3:oracle:WETH"].interval == "1h"


def test_generate_quotes_match_series_kinds() -> None:
    quotes = {f.series: f.quote for f in generate(scenario(), market(), years=0.02)}
    assert quotes["binance:spot:ETHUSDT"] == "USDT"
    assert quotes["hyperliquid:perp:BTCUSDC"] == "USDC"
    assert quotes["aave_v3:oracle:WETH"] == "USD"
    assert quotes["aave_v3:oracle:weETH"] == "ETH"
    assert quotes["staking:lst:wstETH"] == "ETH"
    assert quotes["uniswap_v3:token:EIGEN"] == "WETH"


def test_generate_removing_a_venue_leaves_other_paths_unchanged() -> None:
    config = scenario()
    full = {f.series: f.frame for f in generate(config, market(), years=0.05)}
    venues = {k: v for k, v in market().venues.items() if k != "pacifica"}
    fewer = market().model_copy(update={"venues": venues})
    smaller = {f.series: f.frame for f in generate(config, fewer, years=0.05)}
    assert set(full) - set(smaller) == {
        "pacifica:perp:ETHUSDC", "pacifica:perp:BTCUSDC",
        "pacifica:funding:ETHUSDC", "pacifica:funding:BTCUSDC",
    }  # fmt: skip
    for name in ("binance:spot:ETHUSDT", "binance:funding:ETHUSDT", "okx:perp:BTCUSDT"):
        assert smaller[name].equals(full[name]), name


def test_generate_shocks_leave_unshocked_series_identical() -> None:
    config = load_scenario("eth_crash", CONFIGS)
    calm = config.model_copy(update={"shocks": ()})
    hit = {f.series: f.frame for f in generate(config, market())}
    base = {f.series: f.frame for f in generate(calm, market())}
    for name in ("ethereum:gas:mainnet", "aave_v3:rates:USDT", "uniswap_v3:token:EIGEN"):
        assert hit[name].equals(base[name]), name
    ratio = column(hit["binance:spot:ETHUSDT"], "close") / column(
        base["binance:spot:ETHUSDT"], "close"
    )
    np.testing.assert_allclose(ratio[-1], 0.6, rtol=1e-12)  # the −40 % move is kept


# -- shipped scenarios show their property -------------------------------------------------


def test_eth_crash_max_48h_drawdown_about_minus_forty_percent() -> None:
    close = column(shipped("eth_crash")["binance:spot:ETHUSDT"], "close")
    windows = sliding_window_view(close, 49)
    drawdown = (windows[:, 1:].min(axis=1) / windows[:, 0] - 1.0).min()
    assert -0.48 <= drawdown <= -0.36


def test_eth_crash_funding_negative_and_lsts_depegged() -> None:
    frames = shipped("eth_crash")
    crash = dt.datetime(2024, 3, 12, 6, tzinfo=UTC)
    for name in ("binance:funding:ETHUSDT", "hyperliquid:funding:ETHUSDC"):
        rates = between(frames[name], crash + hours(8), crash + hours(72))["rate"]
        assert (rates < 0).all(), name
    peg = between(frames["staking:lst:weETH"], crash + hours(7), crash + hours(29))
    discount = 1.0 - column(peg, "market_rate") / column(peg, "protocol_rate")
    # 3 % plus the LST's own discount noise (std 3 bp) and ≤ 1 day of unreported accrual
    assert np.all(np.abs(discount - 0.03) < 0.002)
    assert abs(discount.mean() - 0.03) < 0.0005


def test_btc_squeeze_max_72h_rise_about_150_percent_then_funding_turns() -> None:
    frames = shipped("btc_squeeze")
    close = column(frames["binance:spot:BTCUSDT"], "close")
    windows = sliding_window_view(close, 73)
    rise = (windows[:, 1:].max(axis=1) / windows[:, 0] - 1.0).max()
    assert 1.3 <= rise <= 1.7
    squeeze = dt.datetime(2024, 3, 12, 6, tzinfo=UTC)
    rates = between(frames["binance:funding:BTCUSDT"], squeeze + hours(8), squeeze + hours(72))
    assert (rates["rate"] > 0).all()
    after = between(frames["binance:funding:BTCUSDT"], squeeze + hours(80), squeeze + hours(136))
    assert (after["rate"] < 0).all()


def test_funding_negative_every_venue_negative_for_two_weeks() -> None:
    frames = shipped("funding_negative")
    start = dt.datetime(2024, 2, 1, tzinfo=UTC)
    end = start + dt.timedelta(days=14)
    series = [name for name in frames if ":funding:" in name]
    assert len(series) == 10
    for name in series:
        interval = 8 if name.endswith("USDT") else 1
        window = between(frames[name], start + hours(interval), end)
        assert window.height == 14 * 24 // interval
        assert (window["rate"] < 0).all(), name
        before = between(frames[name], start - dt.timedelta(days=14), start)
        assert before["rate"].mean() > 0, name


def test_borrow_spike_weth_borrow_above_weeth_staking_apr() -> None:
    frames = shipped("borrow_spike")
    start = dt.datetime(2024, 3, 1, tzinfo=UTC)
    end = start + dt.timedelta(days=10)
    borrow = between(frames["aave_v3:rates:WETH"], start, end - hours(1))["borrow_rate"]
    lst = column(between(frames["staking:lst:weETH"], start, end), "protocol_rate")
    staking = math.log(lst[-1] / lst[0]) * 8760 / (lst.size - 1)
    assert 0.025 < staking < 0.035
    assert borrow.len() == 10
    assert (borrow > staking).all()
    assert (
        between(frames["aave_v3:rates:WETH"], start - dt.timedelta(days=20), start - hours(1))[
            "borrow_rate"
        ].max()
        < staking
    )


def test_gas_spike_base_fee_multiple_in_window() -> None:
    gas = shipped("gas_spike")["ethereum:gas:mainnet"]
    start = dt.datetime(2024, 2, 15, 12, tzinfo=UTC)
    inside = between(gas, start, start + hours(47))["base_fee_gwei"].median()
    before = between(gas, start - dt.timedelta(days=14), start - hours(1))["base_fee_gwei"].median()
    assert inside / before > 5.0


def test_shipped_scenarios_validate() -> None:
    assert loader.check(CONFIGS / "scenarios") == []
    names = sorted(p.stem for p in (CONFIGS / "scenarios").glob("*.yaml"))
    assert names == [
        "borrow_spike",
        "btc_squeeze",
        "default",
        "eth_crash",
        "funding_negative",
        "gas_spike",
    ]


# -- the default's long-run magnitudes (docs/scenarios.md) ---------------------------------


@pytest.mark.parametrize("seed", [None, 101])
def test_default_long_run_magnitudes_within_documented_ranges(seed: int | None) -> None:
    frames = shipped("default", seed=seed)
    close = column(frames["binance:spot:ETHUSDT"], "close")
    assert 0.50 < np.diff(np.log(close)).std() * math.sqrt(8760) < 0.62
    for venue, quote, per_year, mean in [
        ("binance", "USDT", 1095, 0.08), ("bybit", "USDT", 1095, 0.08),
        ("okx", "USDT", 1095, 0.06), ("hyperliquid", "USDC", 8760, 0.10),
        ("pacifica", "USDC", 8760, 0.09),
    ]:  # fmt: skip
        apr = frames[f"{venue}:funding:ETH{quote}"]["rate"].mean() * per_year
        assert abs(apr - mean) < 0.02, venue
    assert 0.04 < frames["aave_v3:rates:USDT"]["supply_rate"].mean() < 0.06
    assert 0.02 < frames["aave_v3:rates:WETH"]["borrow_rate"].mean() < 0.03
    for lst, low, high in [("weETH", 0.025, 0.031), ("wstETH", 0.027, 0.033)]:
        rate = column(frames[f"staking:lst:{lst}"], "protocol_rate")
        assert low < math.log(rate[-1] / rate[0]) * 8760 / (rate.size - 1) < high, lst
    assert 6.0 < frames["ethereum:gas:mainnet"]["base_fee_gwei"].median() < 11.0
    assert 0.08 < frames["ethena:benchmark:sUSDe"]["apy"].mean() < 0.17


# -- loading, overrides, market checks and writing ------------------------------------------


def test_load_scenario_by_name_and_by_path_agree() -> None:
    by_name = load_scenario("gas_spike", CONFIGS)
    by_path = load_scenario(str(CONFIGS / "scenarios" / "gas_spike.yaml"), CONFIGS)
    assert by_name == by_path
    assert by_name.name == "gas_spike"


def test_load_scenario_unknown_name_lists_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown scenario 'nope'.*default"):
        load_scenario("nope", CONFIGS)


def test_resolve_invalid_overrides_raise_config_error() -> None:
    crash = load_scenario("eth_crash", CONFIGS)
    with pytest.raises(ConfigError, match="shock 1 \\(price\\) starts at 2024-03-12"):
        resolve(crash, None, 0.1)
    with pytest.raises(ConfigError, match="seed"):
        resolve(crash, -1, None)
    assert resolve(crash, 5, 1.0).seed == 5


def test_generate_shock_on_unknown_venue_raises_config_error() -> None:
    shock = {"kind": "funding", "start": "2024-01-01T05:00:00Z", "duration_hours": 2,
             "magnitude": -0.1, "venues": ["kraken"]}  # fmt: skip
    with pytest.raises(ConfigError, match=r"shocks venue\(s\) \['kraken'\]"):
        generate(scenario(shocks=[shock]), market(), years=0.01)


def test_generate_venue_without_funding_mean_uses_default_mean() -> None:
    means = {"binance": 0.08, "bybit": 0.08, "okx": 0.06, "hyperliquid": 0.1, "pacifica": None}
    config = scenario(funding={"mean_apr": {k: v for k, v in means.items() if v is not None}})
    assert config.funding.mean_apr["pacifica"] == 0.09  # merged from the defaults
    flat = scenario(funding={"default_mean_apr": 0.5, "common_volatility": 0.0,
                             "venue_volatility": 0.0})  # fmt: skip
    extra = market().venue("pacifica").model_copy(update={"name": "newdex"})
    wider = market().model_copy(update={"venues": {**market().venues, "newdex": extra}})
    frames = {f.series: f.frame for f in generate(flat, wider, years=0.01)}
    np.testing.assert_allclose(frames["newdex:funding:ETHUSDC"]["rate"].to_numpy(), 0.5 / 8760)


def test_generate_reserve_without_rate_model_raises_config_error() -> None:
    reserve = {"utilization": 0.5, "utilization_volatility": 0.1, "total_supply": 1.0}
    config = scenario(aave={"reserves": {"DAI": reserve}})
    with pytest.raises(ConfigError, match="'DAI' has no rate model"):
        generate(config, market(), years=0.01)


def test_generate_reward_token_not_in_lst_config_raises_config_error() -> None:
    rewards = {"wstETH": [{"token": "EIGEN", "schedule": "weekly", "amount_per_lst": 0.1}]}
    with pytest.raises(ConfigError, match="pays \\['EIGEN'\\] on wstETH"):
        generate(scenario(rewards=rewards), market(), years=0.01)


def test_write_scenario_replaces_dataset_and_records_parameters(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    infos = write_scenario(catalog, scenario(), market(), seed=9, years=0.02)
    assert {i.series for i in catalog.series("scenario:test")} == EXPECTED
    assert all(i.source == "scenario:test" for i in infos)
    assert catalog.read_params("scenario:test", "scenario")["seed"] == 9
    stored = catalog.read("scenario:test", "binance:spot:ETHUSDT")
    fresh = {f.series: f.frame for f in generate(scenario(), market(), seed=9, years=0.02)}
    assert stored.equals(fresh["binance:spot:ETHUSDT"])
    manifest = (tmp_path / "manifest.json").read_bytes()
    write_scenario(catalog, scenario(), market(), seed=9, years=0.02)
    assert (tmp_path / "manifest.json").read_bytes() == manifest


@pytest.mark.parametrize("years", [math.inf, math.nan])
def test_resolve_non_finite_years_must_be_finite(years: float) -> None:
    scenario = load_scenario("default", CONFIGS)
    with pytest.raises(ConfigError, match=r"years: must be finite \(not inf, NaN"):
        resolve(scenario, None, years)
