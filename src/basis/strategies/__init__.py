"""One strategy per mode (DESIGN §5); `build` makes the one a configuration names."""

from __future__ import annotations

from basis.config.market import MarketConfig
from basis.config.modes import ModeConfig
from basis.errors import ConfigError
from basis.strategies.arbitrage import FundingArbitrage
from basis.strategies.base import Intent, State, Strategy
from basis.strategies.basis_trade import BasisTrade
from basis.strategies.directional import Directional
from basis.strategies.lending import PureLending
from basis.strategies.market_neutral import MarketNeutral
from basis.strategies.staking import LeveragedStaking, StakingOnly
from basis.strategies.wash_trading import refuse_wash_trading

__all__ = ["MODES", "PARAMETERS", "Intent", "State", "Strategy", "build", "describe"]

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
    "ml_directional_btc": Directional,
    "ml_directional_eth": Directional,
}

_COMMON = ("mode", "share_class", "initial_capital", "reserve_ratio")
_HEDGE = ("rebalance_threshold", "delta_tolerance", "hedge_allocation")
_MARGIN = ("margin_target", "margin_critical", "margin_model")
_NEUTRAL = ("delta_tolerance", "hedge_allocation", "margin_band")  # legs move on the band
_UNIFIED = ("margin_buffer", "liquidation_distance", "spot_band")  # basis books on unified
_CARRY = ("carry_leverage", "carry_window_hours", "carry_full_spread", "carry_floor_ltv")
_LOOP = (
    "max_ltv",
    "max_stake_spread_move",
    "target_ltv",
    "ltv_band",
    "hf_critical",
    "own_rate_impact",
    *_CARRY,
)
PARAMETERS: dict[str, tuple[str, ...]] = {
    "pure_lending_usdt": (*_COMMON, "own_rate_impact"),
    "pure_lending_eth": (*_COMMON, "own_rate_impact"),
    "btc_basis": (*_COMMON, *_HEDGE, *_MARGIN, *_UNIFIED),
    "eth_basis": (*_COMMON, *_HEDGE, *_MARGIN, *_UNIFIED),
    "eth_staking_only": (*_COMMON, "lst", "max_stake_spread_move"),
    "eth_leveraged": (*_COMMON, "lst", *_LOOP),
    "usdt_market_neutral_no_leverage": (
        *_COMMON,
        *_NEUTRAL,
        "lst",
        "stake_allocation",
        "max_stake_spread_move",
        *_MARGIN,
    ),
    "usdt_market_neutral": (*_COMMON, *_NEUTRAL, "lst", "stake_allocation", *_LOOP, *_MARGIN),
    "funding_arbitrage": (*_COMMON, "funding_arbitrage", *_MARGIN),
    "ml_directional_btc": (*_COMMON, "directional", "margin_model"),
    "ml_directional_eth": (*_COMMON, "directional", "margin_model"),
}
"""The `ModeConfig` keys each mode reads; the others are defaults it ignores (a test
changes each ignored key and checks the run does not move)."""

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
    "ml_directional_btc": "Long, short or flat BTC perp from a walk-forward model.",
    "ml_directional_eth": "Long, short or flat ETH perp from a walk-forward model.",
}


def build(config: ModeConfig, market: MarketConfig) -> Strategy:
    """The strategy of `config.mode`, with the hedge allocation as configured.

    Raises ConfigError when the margin parameters cannot work on a perp venue it trades, and
    WashTradingRefusedError for a mode that asks for volume between managed accounts.
    """
    refuse_wash_trading(config.mode)
    strategy = MODES[config.mode](config, market)
    # the perp venues it trades (a hedge venue weighted 0 is not traded) on its margin model
    allocation = config.hedge_allocation
    traded = [v for v in strategy.needs().perp_venues if allocation.get(v, 1.0) > 0.0]
    strategy.market = market = market.with_margin_model(config.margin_model, traded)
    strategy.use_venues(list(allocation))
    _check_margins(config, market, strategy)
    return strategy


def _check_margins(config: ModeConfig, market: MarketConfig, strategy: Strategy) -> None:
    """`margin_target` above each traded perp venue's initial margin (below it every hedge
    is refused and the book runs unhedged), `margin_critical` above its maintenance margin
    (below it the venue liquidates before the strategy reacts)."""
    perp_venues = strategy.needs().perp_venues
    for venue in (v for v in strategy.weights if v in perp_venues):
        margin = market.venue(venue).margin
        if config.margin_target <= margin.initial:
            raise ConfigError(
                f"margin_target {config.margin_target} must be above {venue}'s initial "
                f"margin {margin.initial}: at or below it {venue} refuses every hedge"
            )
        if config.margin_critical <= margin.maintenance:
            raise ConfigError(
                f"margin_critical {config.margin_critical} must be above {venue}'s "
                f"maintenance margin {margin.maintenance}: at or below it {venue} liquidates "
                "before the strategy tops the margin up"
            )


def describe(mode: str) -> str:
    return DESCRIPTIONS[mode]
