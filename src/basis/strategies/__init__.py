"""One strategy per mode (DESIGN §5); `build` makes the one a configuration names."""

from __future__ import annotations

from basis.config.market import MarketConfig
from basis.config.modes import ModeConfig
from basis.strategies.arbitrage import FundingArbitrage
from basis.strategies.base import Intent, State, Strategy
from basis.strategies.basis_trade import BasisTrade
from basis.strategies.lending import PureLending
from basis.strategies.market_neutral import MarketNeutral
from basis.strategies.staking import LeveragedStaking, StakingOnly

__all__ = ["MODES", "Intent", "State", "Strategy", "build", "describe"]

MODES: dict[str, type[Strategy]] = {
    "pure_lending_usdt": PureLending,
    "pure_lending_eth": PureLending,
    "btc_basis": BasisTrade,
    "eth_basis": BasisTrade,
    "eth_staking_only": StakingOnly,
    "eth_leveraged": LeveragedStaking,
    "usdt_market_neutral_no_leverage": MarketNeutral,
    "usdt_market_neutral": MarketNeutral,
    "funding_arbitrage": FundingArbitrage,
}

DESCRIPTIONS: dict[str, str] = {
    "pure_lending_usdt": "Supply all USDT to Aave v3; earns the USDT supply rate.",
    "pure_lending_eth": "Supply all ETH (as WETH) to Aave v3; earns the WETH supply rate.",
    "btc_basis": "Per venue: buy BTC spot, short the same BTC on the perp; earns funding.",
    "eth_basis": "Per venue: buy ETH spot, short the same ETH on the perp; earns funding.",
    "eth_staking_only": "Stake ETH into weETH or wstETH; earns staking yield and rewards.",
    "eth_leveraged": "Loop the LST on Aave e-mode against WETH debt to the target LTV.",
    "usdt_market_neutral_no_leverage": "Stake half the equity as ETH; short it on perps.",
    "usdt_market_neutral": "As the no-leverage mode, with the staked leg looped on Aave.",
    "funding_arbitrage": "Long the perp where funding is cheap, short where it is rich.",
}


def build(config: ModeConfig, market: MarketConfig) -> Strategy:
    """The strategy of `config.mode`, with the hedge allocation as configured."""
    strategy = MODES[config.mode](config, market)
    strategy.use_venues(list(config.hedge_allocation))
    return strategy


def describe(mode: str) -> str:
    return DESCRIPTIONS[mode]
