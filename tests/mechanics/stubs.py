"""Builders for the mechanics tests: configs with the numbers visible at the call site."""

from __future__ import annotations

from datetime import UTC, datetime

from basis.config.aave import AaveConfig, EModeCategory, RateModel, RiskParameters
from basis.config.venues import FundingSchedule, MarginConfig, SlippageCurve, TransferConfig

EMODE = RiskParameters(max_ltv=0.93, liquidation_threshold=0.95, liquidation_bonus=0.01)
WEETH_STANDARD = RiskParameters(max_ltv=0.775, liquidation_threshold=0.80, liquidation_bonus=0.07)
WETH_RATES = RateModel(
    optimal_utilization=0.90, base_rate=0.0, slope1=0.027, slope2=0.80, reserve_factor=0.15
)


def aave_config(close_factor: float = 0.5, full_close_factor_below_hf: float = 0.95) -> AaveConfig:
    """The Aave market of configs/aave_v3.yaml, trimmed to what the mechanics read."""
    return AaveConfig(
        close_factor=close_factor,
        full_close_factor_below_hf=full_close_factor_below_hf,
        emode={"ETH": EModeCategory(assets=("WETH", "weETH", "wstETH"), risk=EMODE)},
        standard={"weETH": WEETH_STANDARD},
        rate_models={"WETH": WETH_RATES},
    )


def margin_config(
    maintenance: float = 0.01, liquidation_fee: float = 0.005, initial: float = 0.05
) -> MarginConfig:
    """Binance-like flat margin: 5 % initial, 1 % maintenance, 0.5 % liquidation fee."""
    return MarginConfig(
        initial=initial, maintenance=maintenance, liquidation_fee=liquidation_fee, max_leverage=20
    )


def funding_schedule(interval_hours: int = 8) -> FundingSchedule:
    """Settlements every `interval_hours` from 00:00 UTC (8 h: 00/08/16 UTC)."""
    return FundingSchedule(interval_hours=interval_hours)


def slippage_curve(
    notional_usd: tuple[float, ...] = (10_000.0, 100_000.0, 1_000_000.0),
    bps: tuple[float, ...] = (3.0, 4.0, 8.0),
) -> SlippageCurve:
    """The perp curve of DESIGN §3.4: 3 / 4 / 8 bp at $10k / $100k / $1M."""
    return SlippageCurve(notional_usd=notional_usd, bps=bps)


def transfer_config(delay_hours: float = 1.0, fee_usd: float = 1.0) -> TransferConfig:
    return TransferConfig(delay_hours=delay_hours, fee_usd=fee_usd)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
