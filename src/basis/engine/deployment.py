"""How much of a book's equity sits idle: cash the strategy meant to deploy but could not.

A run whose orders are refused (capital far beyond what the venues' slippage curves
allow, a margin it cannot post) keeps its money as cash and reports an APY near zero
that looks like a result. `undeployed` measures that cash so the run can say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from basis.book import Instrument, Kind
from basis.book.exposure import PositionValue
from basis.book.instruments import WALLET

__all__ = ["UNDEPLOYED_WARNING", "cash_like", "undeployed"]

UNDEPLOYED_WARNING: Final = 0.05
"""Idle cash beyond the reserve, as a share of equity, above which a run warns."""

# Tokens that are the share class itself, or as good as it for deployment purposes.
_CASH: Final = {"USDT": ("USDT", "USDC"), "USDC": ("USDC", "USDT"), "ETH": ("ETH", "WETH")}


def cash_like(share_class: str) -> tuple[str, ...]:
    """The token symbols that count as undeployed cash for `share_class`."""
    return _CASH.get(share_class, (share_class,))


def undeployed(
    positions: Iterable[PositionValue], equity: float, share_class: str, reserve_ratio: float
) -> float:
    """Idle cash beyond the reserve as a share of `equity` (0 when equity is not positive).

    Idle cash is a share-class token in the wallet, or at a venue where the account holds
    no perp (margin with nothing to margin). Returns a fraction in [0, 1].
    """
    if equity <= 0.0:
        return 0.0
    held = list(positions)
    hedged = {
        (item.account, item.instrument.venue)
        for item in held
        if item.instrument.kind is Kind.PERP and item.units != 0.0
    }
    symbols = cash_like(share_class)
    idle = sum(
        item.value
        for item in held
        if _is_cash(item.instrument, symbols)
        and (item.instrument.venue == WALLET or (item.account, item.instrument.venue) not in hedged)
    )
    return min(max(idle / equity - reserve_ratio, 0.0), 1.0)


def _is_cash(instrument: Instrument, symbols: tuple[str, ...]) -> bool:
    return instrument.kind is Kind.TOKEN and instrument.symbol in symbols
