"""`pure_lending_usdt` and `pure_lending_eth`: supply everything to Aave, earn the supply rate."""

from __future__ import annotations

from dataclasses import dataclass

from basis.book import Instrument
from basis.model.needs import Needs
from basis.model.orders import ALL, Aave, Order, Swap
from basis.model.result import EventKind
from basis.model.span import Bools, SpanView, clear_below
from basis.strategies.base import DUST_USD, Intent, State, Strategy

__all__ = ["DUST_USD", "PureLending"]


@dataclass
class PureLending(Strategy):
    """Keep every deployable unit supplied on Aave (ETH is wrapped to WETH first)."""

    @property
    def asset(self) -> str:
        return "USDT" if self.config.share_class == "USDT" else "WETH"

    def needs(self) -> Needs:
        return Needs(prices=("ETH",), aave_assets=(self.asset,), onchain=True)

    @property
    def held(self) -> str:
        """The wallet token the share class is held in (ETH is wrapped only to supply it)."""
        return "USDT" if self.asset == "USDT" else "ETH"

    def decide(self, state: State) -> list[Intent]:
        held = self.held
        idle = self.spendable(state, held, "aave_supply")
        if idle <= self.deploy_floor(state, held, "aave_supply"):
            return []
        orders: list[Order] = []
        if held == "ETH":
            orders.append(Swap("ETH", "WETH", idle))
        orders.append(Aave("supply", self.asset, idle))
        return [Intent(EventKind.REBALANCE, f"supply {idle:,.6g} idle {held}", tuple(orders))]

    def quiet(self, view: SpanView) -> Bools:
        idle = self.spendable(view, self.held, "aave_supply")
        return clear_below(idle, self.deploy_floor(view, self.held, "aave_supply"))

    def unwind(self, fraction: float, state: State) -> list[Intent]:
        """Withdraw `fraction` of the supply, but no more than the payout lacks.

        The engine's fraction carries a buffer for the costs other modes have; here the
        only cost is the withdrawal's gas, so what is owed (with the reserve the wallet
        keeps after it) plus twice that gas is enough. More would sit in the wallet and be
        supplied again, paying gas twice.
        """
        held = self.held
        amount = state.held(Instrument.aave_supply(self.asset)) * fraction
        if state.owed > 0.0:
            share = state.price(self.config.share_class) / state.price(held)
            after = max(state.equity - state.owed, 0.0)
            keep = (state.owed + self.config.reserve_ratio * after) * share
            gas = 2.0 * state.gas_cost("aave_withdraw") * state.price("ETH") / state.price(held)
            amount = min(amount, keep + gas - state.wallet(held))
        if amount <= 0.0:
            return []
        orders: list[Order] = [Aave("withdraw", self.asset, amount)]
        if self.asset == "WETH":
            orders.append(Swap("WETH", "ETH", ALL))
        reason = f"withdraw {amount:,.6g} {self.asset} of the supply for a withdrawal"
        return [Intent(EventKind.REBALANCE, reason, tuple(orders))]
