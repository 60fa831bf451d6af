"""ETH share-class staking modes: `eth_staking_only` and `eth_leveraged` (the Aave loop)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from basis.book import Instrument
from basis.config.modes import ModeConfig
from basis.model.needs import Needs
from basis.model.orders import LstSell, Stake
from basis.model.result import EventKind
from basis.model.span import Bools, SpanView, clear_above, clear_below
from basis.strategies import carry, loop
from basis.strategies.base import Intent, State, Strategy

__all__ = ["LeveragedStaking", "StakingOnly", "loop_intents", "loop_quiet", "loop_target"]


@dataclass
class StakingOnly(Strategy):
    """Hold the LST; earn its rate growth and the reward programmes (sold into ETH)."""

    def needs(self) -> Needs:
        return Needs(
            prices=("ETH",),
            lst=self.config.lst,
            onchain=True,
            rewards=True,
            estimated_rewards=not self.config.exclude_estimated_rewards,
        )

    def decide(self, state: State) -> list[Intent]:
        idle = self.spendable(state, "ETH", "stake_deposit")
        if idle <= self.deploy_floor(state, "ETH", "stake_deposit"):
            return []
        stake = Stake(self.config.lst, idle)
        return [Intent(EventKind.REBALANCE, f"stake {idle:,.6g} idle ETH", (stake,))]

    def quiet(self, view: SpanView) -> Bools:
        idle = self.spendable(view, "ETH", "stake_deposit")
        return clear_below(idle, self.deploy_floor(view, "ETH", "stake_deposit"))

    def unwind(self, fraction: float, state: State) -> list[Intent]:
        held = state.wallet(self.config.lst) * fraction
        sell = LstSell(self.config.lst, held)
        return [Intent(EventKind.REBALANCE, f"sell {fraction:.2%} of the LST", (sell,))]


@dataclass
class LeveragedStaking(Strategy):
    """The LST supplied in e-mode against WETH debt at the target LTV, kept in its band."""

    def needs(self) -> Needs:
        lst = self.config.lst
        return Needs(
            prices=("ETH",),
            lst=lst,
            aave_assets=(lst, "WETH"),
            onchain=True,
            rewards=True,
            estimated_rewards=not self.config.exclude_estimated_rewards,
        )

    def decide(self, state: State) -> list[Intent]:
        intents = loop_intents(self, state)
        idle = self.spendable(state, "ETH", "atomic_entry", "set_emode")
        if not intents and idle > self.deploy_floor(state, "ETH", "atomic_entry", "set_emode"):
            target = loop_target(self, state)
            orders = loop.enter(state, self.config.lst, idle, target)
            reason = f"loop {idle:,.6g} idle ETH at LTV {target:.4f}"
            intents.append(Intent(EventKind.REBALANCE, reason, tuple(orders)))
        return intents

    def quiet(self, view: SpanView) -> Bools:
        idle = self.spendable(view, "ETH", "atomic_entry", "set_emode")
        floor = self.deploy_floor(view, "ETH", "atomic_entry", "set_emode")
        return loop_quiet(self, view) & clear_below(idle, floor)

    def unwind(self, fraction: float, state: State) -> list[Intent]:
        current = loop.loop_state(state, self.config.lst)
        orders = loop.release(state, current, fraction)
        return [Intent(EventKind.REBALANCE, f"release {fraction:.2%} of the loop", tuple(orders))]


def loop_target(strategy: Strategy, state: State) -> float:
    """The loop's target LTV now: `effective_target_ltv`, or the carry rule's
    (`carry.target_ltv`) with `carry_leverage`."""
    return float(carry.target_ltv(strategy.config, state.mark_history)[0])


def loop_intents(strategy: Strategy, state: State, *, relever: bool = True) -> list[Intent]:
    """Risk override and band for a loop: HF below critical or LTV above band → delever
    (`Loop.delever_ltv`: a depeg is not sold into while HF is safe); LTV below band →
    relever (unless `relever` is False: a caller that must not stake new ETH now). The band
    is around `loop_target`, so a carry target that moves acts only once it leaves it.
    Returns at most one intent."""
    config = strategy.config
    current = loop.loop_state(state, config.lst)
    if current.collateral <= 0.0 or current.debt <= 0.0:
        return []
    target = loop_target(strategy, state)
    low, high = config.ltv_band
    why = _carry_note(config, target)
    health = min((a.health_factor for a in state.risk.aave), default=float("inf"))
    if health < config.hf_critical:
        reason = f"health factor {health:.4f} below {config.hf_critical}: delever to {target:.4f}"
        return [Intent(EventKind.DELEVERAGE, reason, tuple(loop.delever(state, current, target)))]
    if current.delever_ltv > target + high:
        reason = f"LTV {current.delever_ltv:.4f} above band {target + high:.4f}{why}: delever"
        return [Intent(EventKind.DELEVERAGE, reason, tuple(loop.delever(state, current, target)))]
    if relever and current.ltv < target + low:
        reason = f"LTV {current.ltv:.4f} below band {target + low:.4f}{why}: relever"
        orders = loop.relever(state, current, target)
        return [Intent(EventKind.REBALANCE, reason, tuple(orders))] if orders else []
    return []


def loop_quiet(strategy: Strategy, view: SpanView) -> Bools:
    """Steps at which `loop_intents` surely returns nothing: HF above critical and the
    loop's LTVs inside the band around each step's target (`Loop.delever_ltv` below it,
    the market LTV above it), or no loop at all."""
    config = strategy.config
    lst = config.lst
    collateral = view.held(Instrument.aave_supply(lst))
    debt = view.held(Instrument.aave_debt(loop.DEBT))
    if not (collateral > 0.0).all() or not (debt > 0.0).all():
        return ~((collateral > 0.0) & (debt > 0.0))  # no loop: nothing to keep in band
    target = carry.target_ltv(config, view.mark_history, view.times)
    low, high = config.ltv_band
    health = np.min([a.health_factor for a in view.risk.aave], axis=0)
    market = view.mark(f"market_rate:{lst}")
    ltv = debt / (collateral * market)
    delever_ltv = debt / (collateral * np.maximum(market, view.mark(f"protocol_rate:{lst}")))
    return (
        clear_above(health, config.hf_critical)
        & clear_below(delever_ltv, target + high)
        & clear_above(ltv, target + low)
    )


def _carry_note(config: ModeConfig, target: float) -> str:
    """What a band's reason adds when the carry rule moved the target."""
    if target == config.effective_target_ltv:
        return ""
    return f" (carry target {target:.4f}, below {config.effective_target_ltv:.4f})"
