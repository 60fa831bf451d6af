"""`pure_lending_usdt` and `pure_lending_eth`: supply everything to Aave, earn the supply rate."""

from __future__ import annotations

from dataclasses import dataclass

from basis.book import Instrument
from basis.engine.inputs import Needs
from basis.engine.orders import Aave, Order, Swap
from basis.engine.result import EventKind
from basis.engine.span import Bools, SpanView, clear_below
from basis.strategies.base import Intent, State, Strategy

__all__ = ["DUST_USD", "PureLending"]

DUST_USD = 10.0  # idle balances below this are not worth a transaction's gas


@dataclass
class PureLending(Strategy):
    """Keep every deployable unit supplied on Aave (ETH is wrapped to WETH first)."""

    @property
    def asset(self) -> str:
        return "USDT" if self.config.share_class == "USDT" else "WETH"

    def needs(self) -> Needs:
        return Needs(prices=("ETH",), aave_assets=(self.asset,), onchain=True)

    def decide(self, state: State) -> list[Intent]:
        held = "USDT" if self.asset == "USDT" else "ETH"
        idle = self.spendable(state, held, "aave_supply")
        if idle * state.price(held) <= DUST_USD:
            return []
        orders: list[Order] = []
        if held == "ETH":
            orders.append(Swap("ETH", "WETH", idle))
        orders.append(Aave("supply", self.asset, idle))
        return [Intent(EventKind.REBALANCE, f"supply {idle:,.6g} idle {held}", tuple(orders))]

    def quiet(self, view: SpanView) -> Bools:
        held = "USDT" if self.asset == "USDT" else "ETH"
        idle = self.spendable(view, held, "aave_supply")
        return clear_below(idle * view.price(held), DUST_USD)

    def unwind(self, fraction: float, state: State) -> list[Intent]:
        amount = state.held(Instrument.aave_supply(self.asset)) * fraction
        orders: list[Order] = [Aave("withdraw", self.asset, amount)]
        if self.asset == "WETH":
            orders.append(Swap("WETH", "ETH", amount))
        reason = f"withdraw {fraction:.2%} of the supply for a withdrawal"
        return [Intent(EventKind.REBALANCE, reason, tuple(orders))]
