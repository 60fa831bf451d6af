"""Scenario definitions for the synthetic market generator (configs/scenarios/*.yaml).

Every knob has a calm, plausible default (the `default` scenario); a scenario file names
itself, picks a seed and horizon, overrides what it needs (mappings merge key by key onto
the defaults) and declares its shocks.
Rates are decimals; `*_apr` are simple annual rates; half-lives are in the unit their
name says; `*_volatility` of a mean-reverting process is its stationary standard deviation.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from basis.config.base import FrozenModel

HOURS_PER_YEAR = 365 * 24


class AssetPriceConfig(FrozenModel):
    """Jump-diffusion of one asset's USD price: GBM plus Poisson jumps in log price."""

    initial: float = Field(gt=0.0)
    drift: float = 0.0  # annual expected log-return rate μ: E[S_T] = S_0·e^{μT}
    volatility: float = Field(ge=0.0, le=5.0)  # annualised diffusion volatility
    jump_intensity: float = Field(default=0.0, ge=0.0)  # expected jumps per year
    jump_mean: float = 0.0  # mean log jump
    jump_std: float = Field(default=0.0, ge=0.0)  # standard deviation of a log jump
    correlation_to_eth: float = Field(default=1.0, ge=-1.0, le=1.0)
    hourly_volume: float = Field(default=1000.0, gt=0.0)  # base units per venue and hour


class FundingConfig(FrozenModel):
    """Funding APR per venue: venue mean + asset offset + market factor + venue deviation."""

    mean_apr: dict[str, float] = Field(
        default_factory=lambda: {
            "binance": 0.08,
            "bybit": 0.08,
            "okx": 0.06,
            "hyperliquid": 0.10,
            "pacifica": 0.09,
        }
    )
    default_mean_apr: float = 0.07  # for a configured venue not named in mean_apr
    asset_offset_apr: dict[str, float] = Field(default_factory=lambda: {"BTC": -0.005})
    common_volatility: float = Field(default=0.06, ge=0.0)
    common_half_life_hours: float = Field(default=48.0, gt=0.0)
    asset_correlation: float = Field(default=0.8, ge=-1.0, le=1.0)
    venue_volatility: float = Field(default=0.02, ge=0.0)
    venue_half_life_hours: float = Field(default=8.0, gt=0.0)


class BasisConfig(FrozenModel):
    """Perp premium over spot: `premium_per_funding_apr × funding APR` plus mean-reverting noise."""

    premium_per_funding_apr: float = Field(default=8.0 / HOURS_PER_YEAR, ge=0.0)
    noise_bps: float = Field(default=3.0, ge=0.0)
    noise_half_life_hours: float = Field(default=2.0, gt=0.0)
    venue_noise_bps: float = Field(default=2.0, ge=0.0)  # spot venue deviation, i.i.d. hourly


class ReserveConfig(FrozenModel):
    """One Aave reserve: utilisation is a logit-space mean-reverting process, daily."""

    utilization: float = Field(gt=0.0, lt=1.0)  # long-run centre
    utilization_volatility: float = Field(ge=0.0)  # stationary std of logit(U)
    utilization_half_life_days: float = Field(default=5.0, gt=0.0)
    total_supply: float = Field(gt=0.0)  # asset units at the start
    supply_volatility: float = Field(default=0.05, ge=0.0)  # stationary std of log supply
    supply_half_life_days: float = Field(default=30.0, gt=0.0)
    initial_liquidity_index: float = Field(default=1.0, gt=0.0)
    initial_borrow_index: float = Field(default=1.0, gt=0.0)


def _default_reserves() -> dict[str, ReserveConfig]:
    return {
        "USDT": ReserveConfig(utilization=0.86, utilization_volatility=0.25, total_supply=5.0e9),
        "WETH": ReserveConfig(utilization=0.84, utilization_volatility=0.2, total_supply=2.7e6),
        "weETH": ReserveConfig(
            utilization=0.05,
            utilization_volatility=0.4,
            utilization_half_life_days=10.0,
            total_supply=1.7e6,
        ),
        "wstETH": ReserveConfig(
            utilization=0.13,
            utilization_volatility=0.3,
            utilization_half_life_days=10.0,
            total_supply=1.1e6,
        ),
    }


class AaveScenarioConfig(FrozenModel):
    """Aave reserves to simulate; rate curves come from `AaveConfig.rate_models`."""

    reserves: dict[str, ReserveConfig] = Field(default_factory=_default_reserves, min_length=1)
    stable_peg_volatility: float = Field(default=0.0003, ge=0.0)  # stablecoin oracle, USD
    stable_peg_half_life_days: float = Field(default=3.0, gt=0.0)


class LstScenarioConfig(FrozenModel):
    """A liquid staking token: staking accrual, its daily reported rate and the market discount."""

    initial_rate: float = Field(gt=0.0)  # ETH per LST at the start
    staking_apr: float = Field(ge=0.0, le=0.5)
    staking_apr_volatility: float = Field(default=0.002, ge=0.0)
    staking_apr_half_life_days: float = Field(default=30.0, gt=0.0)
    update_hour_utc: int = Field(default=12, ge=0, le=23)  # daily protocol rate report
    discount: float = Field(default=0.0004, gt=-0.5, lt=0.5)  # market below accrued value
    discount_volatility: float = Field(default=0.0003, ge=0.0)
    discount_half_life_hours: float = Field(default=24.0, gt=0.0)


def _default_lsts() -> dict[str, LstScenarioConfig]:
    return {
        "weETH": LstScenarioConfig(initial_rate=1.035, staking_apr=0.028),
        "wstETH": LstScenarioConfig(
            initial_rate=1.165, staking_apr=0.030, discount=0.0005, discount_volatility=0.0004
        ),
    }


class TokenPriceConfig(FrozenModel):
    """A reward token's price in WETH: geometric Brownian motion."""

    initial: float = Field(gt=0.0)
    drift: float = 0.0
    volatility: float = Field(ge=0.0, le=5.0)
    hourly_volume: float = Field(default=100.0, gt=0.0)


class RewardProgramConfig(FrozenModel):
    """Discrete payouts of one token to LST holders."""

    token: str
    schedule: Literal["weekly", "monthly"]
    amount_per_lst: float = Field(gt=0.0)  # mean tokens per LST per full period
    amount_volatility: float = Field(default=0.05, ge=0.0)  # lognormal std per payout


def _default_rewards() -> dict[str, tuple[RewardProgramConfig, ...]]:
    return {
        "weETH": (
            RewardProgramConfig(token="EIGEN", schedule="weekly", amount_per_lst=0.18),
            RewardProgramConfig(
                token="ETHFI", schedule="monthly", amount_per_lst=0.15, amount_volatility=0.3
            ),
        )
    }


class GasScenarioConfig(FrozenModel):
    """Log-normal mean-reverting base fee with a daily cycle and rare decaying spikes."""

    base_fee_median_gwei: float = Field(default=8.0, gt=0.0)
    base_fee_volatility: float = Field(default=0.6, ge=0.0)  # stationary std of log base fee
    base_fee_half_life_hours: float = Field(default=24.0, gt=0.0)
    diurnal_amplitude: float = Field(default=0.15, ge=0.0)  # in log base fee, peak 15:00 UTC
    spikes_per_year: float = Field(default=24.0, ge=0.0)
    spike_multiple: float = Field(default=4.0, ge=1.0)  # median peak multiple of a spike
    spike_half_life_hours: float = Field(default=2.0, gt=0.0)
    priority_fee_p50_gwei: float = Field(default=0.7, gt=0.0)
    priority_fee_volatility: float = Field(default=0.5, ge=0.0)
    priority_p25_ratio: float = Field(default=0.15, gt=0.0, le=1.0)
    priority_p75_ratio: float = Field(default=3.0, ge=1.0)
    priority_ratio_noise: float = Field(default=0.3, ge=0.0)


class BenchmarkConfig(FrozenModel):
    """sUSDe APY: a multiple of the trailing mean funding APR over all venues, plus a base."""

    funding_multiplier: float = Field(default=1.2, ge=0.0)
    base_apr: float = 0.02
    smoothing_days: float = Field(default=7.0, gt=0.0)
    floor_apr: float = 0.0  # Ethena's reserve fund keeps the distributed rate at or above this


ShockKind = Literal["price", "funding", "utilization", "depeg", "gas"]


class ShockConfig(FrozenModel):
    """A declared stress event; what `magnitude` means depends on `kind` (docs/scenarios.md).

    price: total fractional move reached linearly over the window (−0.4 = −40 %), kept after.
    funding: funding APR level during the window (venue deviations stay).
    utilization: utilisation level during the window.
    depeg: LST market discount level (0.03 = market 3 % below the protocol rate).
    gas: base fee multiple during the window.
    """

    kind: ShockKind
    start: dt.datetime
    duration_hours: float = Field(gt=0.0)
    magnitude: float
    assets: tuple[str, ...] = ()  # price/funding assets, Aave reserves or LSTs; () = all
    venues: tuple[str, ...] = ()  # funding only; () = all venues
    recovery_half_life_hours: float | None = Field(default=None, gt=0.0)

    @field_validator("start")
    @classmethod
    def _utc(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    @model_validator(mode="after")
    def _magnitude_fits_kind(self) -> ShockConfig:
        bounds = {
            "price": (-1.0, None),
            "utilization": (0.0, 1.0),
            "depeg": (-0.5, 1.0),
            "gas": (0.0, None),
        }
        low, high = bounds.get(self.kind, (None, None))
        if (low is not None and self.magnitude <= low) or (
            high is not None and self.magnitude >= high
        ):
            raise ValueError(
                f"{self.kind} shock magnitude {self.magnitude} must lie in "
                f"({low if low is not None else '-inf'}, {high if high is not None else 'inf'})"
            )
        if self.venues and self.kind != "funding":
            raise ValueError(f"venues apply to funding shocks only, not {self.kind}")
        if self.assets and self.kind == "gas":
            raise ValueError("gas shocks take no assets")
        return self

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(hours=self.duration_hours)


class ScenarioConfig(FrozenModel):
    """A named, seeded synthetic market: every process's parameters and the shocks."""

    name: str
    description: str
    start: dt.date = dt.date(2024, 1, 1)
    years: float = Field(default=1.0, gt=0.0, le=20.0)
    seed: int = Field(default=0, ge=0)
    prices: dict[str, AssetPriceConfig] = Field(
        default_factory=lambda: {
            "ETH": AssetPriceConfig(
                initial=2300.0,
                drift=0.15,
                volatility=0.55,
                jump_intensity=4.0,
                jump_std=0.04,
                hourly_volume=20000.0,
            ),
            "BTC": AssetPriceConfig(
                initial=42000.0,
                drift=0.09,
                volatility=0.42,
                jump_intensity=3.0,
                jump_std=0.03,
                correlation_to_eth=0.8,
                hourly_volume=1000.0,
            ),
        }
    )
    funding: FundingConfig = Field(default_factory=FundingConfig)
    basis: BasisConfig = Field(default_factory=BasisConfig)
    aave: AaveScenarioConfig = Field(default_factory=AaveScenarioConfig)
    lsts: dict[str, LstScenarioConfig] = Field(default_factory=_default_lsts)
    tokens: dict[str, TokenPriceConfig] = Field(
        default_factory=lambda: {
            "EIGEN": TokenPriceConfig(
                initial=0.0015, drift=0.32, volatility=0.8, hourly_volume=300.0
            ),
            "ETHFI": TokenPriceConfig(
                initial=0.0012, drift=0.32, volatility=0.8, hourly_volume=200.0
            ),
        }
    )
    rewards: dict[str, tuple[RewardProgramConfig, ...]] = Field(default_factory=_default_rewards)
    gas: GasScenarioConfig = Field(default_factory=GasScenarioConfig)
    benchmark: BenchmarkConfig = Field(default_factory=BenchmarkConfig)
    shocks: tuple[ShockConfig, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _merge_onto_defaults(cls, data: Any) -> Any:
        """Mappings given merge key by key onto the defaults; lists and plain values replace.

        So `prices: {ETH: {volatility: 0.8}}` keeps BTC and ETH's other knobs, and
        `funding: {mean_apr: {okx: 0.02}}` keeps the other venues' means.
        """
        if not isinstance(data, dict):
            return data
        knobs = [key for key in MERGED_KNOBS if isinstance(data.get(key), dict)]
        if not knobs:
            return data
        defaults = _default_knobs()
        return {**data, **{key: _merged(defaults[key], data[key]) for key in knobs}}

    @field_validator("prices")
    @classmethod
    def _eth_is_reference(cls, prices: dict[str, AssetPriceConfig]) -> dict[str, AssetPriceConfig]:
        if prices["ETH"].correlation_to_eth != 1.0:
            raise ValueError("ETH.correlation_to_eth must be 1 (other assets correlate to ETH)")
        return prices

    @field_validator("rewards")
    @classmethod
    def _rewards_priced(
        cls, rewards: dict[str, tuple[RewardProgramConfig, ...]], info: ValidationInfo
    ) -> dict[str, tuple[RewardProgramConfig, ...]]:
        lsts, tokens = info.data.get("lsts"), info.data.get("tokens")
        if lsts is None or tokens is None:
            return rewards  # their own errors are reported
        for lst, programs in rewards.items():
            if lst not in lsts:
                raise ValueError(f"{lst}: not an LST of this scenario ({sorted(lsts)})")
            unpriced = sorted({p.token for p in programs} - set(tokens))
            if unpriced:
                raise ValueError(f"{lst}: reward token(s) {unpriced} have no entry in tokens")
        return rewards

    @field_validator("shocks")
    @classmethod
    def _shocks_fit(
        cls, shocks: tuple[ShockConfig, ...], info: ValidationInfo
    ) -> tuple[ShockConfig, ...]:
        data = info.data
        needed = ("start", "years", "prices", "aave", "lsts")
        if any(key not in data for key in needed):
            return shocks  # their own errors are reported
        begin = dt.datetime.combine(data["start"], dt.time(), tzinfo=dt.UTC)
        end = begin + dt.timedelta(hours=_hours(data["years"]))
        known: dict[str, set[str]] = {
            "price": set(data["prices"]),
            "funding": set(data["prices"]),
            "utilization": set(data["aave"].reserves),
            "depeg": set(data["lsts"]),
            "gas": set(),
        }
        for index, shock in enumerate(shocks, start=1):
            what = f"shock {index} ({shock.kind})"
            unknown = sorted(set(shock.assets) - known[shock.kind])
            if unknown:
                raise ValueError(
                    f"{what}: unknown asset(s) {unknown}; known: {sorted(known[shock.kind])}"
                )
            if not begin <= shock.start < end:
                raise ValueError(
                    f"{what} starts at {shock.start.isoformat()}, outside the scenario "
                    f"[{begin.isoformat()}, {end.isoformat()}) of {data['years']} years"
                )
        return shocks

    @property
    def hours(self) -> int:
        """Number of hourly bars: `years` × 8760, rounded to whole hours (at least one)."""
        return _hours(self.years)

    @property
    def start_time(self) -> dt.datetime:
        """00:00 UTC of `start`: the open of the first hourly bar."""
        return dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)

    @property
    def end_time(self) -> dt.datetime:
        """The end of the last hourly bar (exclusive)."""
        return self.start_time + dt.timedelta(hours=self.hours)


MERGED_KNOBS = (
    "prices",
    "funding",
    "basis",
    "aave",
    "lsts",
    "tokens",
    "rewards",
    "gas",
    "benchmark",
)


def _hours(years: float) -> int:
    return max(1, round(years * HOURS_PER_YEAR))


@cache
def _default_knobs() -> dict[str, Any]:
    """Every knob's default as plain data (a scenario that sets nothing but its name)."""
    return ScenarioConfig.model_validate({"name": "-", "description": "-"}).model_dump()


def _merged(base: Any, top: Any) -> Any:
    if not isinstance(base, dict) or not isinstance(top, dict):
        return top
    return {**base, **{key: _merged(base.get(key), value) for key, value in top.items()}}
