"""Configuration: frozen pydantic models, YAML loading with overrides, environment settings."""

from basis.config.aave import AaveConfig, EModeCategory, RateModel, RiskParameters
from basis.config.gas import GasConfig
from basis.config.lst import LstConfig
from basis.config.market import MarketConfig, load_market
from basis.config.modes import FundingArbitrageConfig, ModeConfig
from basis.config.scenarios import ScenarioConfig
from basis.config.settings import Settings, get_settings
from basis.config.venues import (
    FeeSchedule,
    FundingSchedule,
    MarginConfig,
    SlippageCurve,
    TransferConfig,
    VenueConfig,
)

__all__ = [
    "AaveConfig",
    "EModeCategory",
    "FeeSchedule",
    "FundingArbitrageConfig",
    "FundingSchedule",
    "GasConfig",
    "LstConfig",
    "MarginConfig",
    "MarketConfig",
    "ModeConfig",
    "RateModel",
    "RiskParameters",
    "ScenarioConfig",
    "Settings",
    "SlippageCurve",
    "TransferConfig",
    "VenueConfig",
    "get_settings",
    "load_market",
]
