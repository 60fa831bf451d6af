"""Orders: what a strategy intends. Execution turns them into fills on the book.

Amounts are in units of the asset named; `ALL` means the whole balance at execution time
(after the gas of that order is paid). A `Group` is atomic: every order in it fills, or
none does (the flash-loan loop is one group), and it pays one gas operation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from basis.book import Instrument

__all__ = [
    "ALL",
    "Aave",
    "AaveAction",
    "Flash",
    "Group",
    "LstSell",
    "Order",
    "Perp",
    "Send",
    "SetEmode",
    "Spot",
    "Stake",
    "Swap",
]

ALL = math.inf
ACCOUNT = "main"
AaveAction = Literal["supply", "withdraw", "borrow", "repay"]


@dataclass(frozen=True, slots=True)
class Spot:
    """Buy (size > 0) or sell `base` for `quote` on a CEX's spot book, taker."""

    venue: str
    base: str
    quote: str
    size: float
    account: str = ACCOUNT


@dataclass(frozen=True, slots=True)
class Perp:
    """Trade `size` contracts (base units; sell < 0) of a linear perp, taker."""

    instrument: Instrument
    size: float
    account: str = ACCOUNT


@dataclass(frozen=True, slots=True)
class Swap:
    """Swap `amount` of wallet token `sell` for `buy` on a DEX (ETH ↔ WETH is a 1:1 wrap)."""

    sell: str
    buy: str
    amount: float
    account: str = ACCOUNT


@dataclass(frozen=True, slots=True)
class Stake:
    """Stake `eth` wallet ETH into `lst` at the protocol rate."""

    lst: str
    eth: float
    account: str = ACCOUNT


@dataclass(frozen=True, slots=True)
class LstSell:
    """Sell `amount` of wallet `lst` for ETH on a DEX at the market rate."""

    lst: str
    amount: float
    account: str = ACCOUNT


@dataclass(frozen=True, slots=True)
class Aave:
    """Supply, withdraw, borrow or repay `amount` of `asset` on Aave v3."""

    action: AaveAction
    asset: str
    amount: float
    account: str = ACCOUNT


@dataclass(frozen=True, slots=True)
class SetEmode:
    """Enter Aave e-mode `category` (None: standard mode)."""

    category: str | None
    account: str = ACCOUNT


@dataclass(frozen=True, slots=True)
class Flash:
    """Flash-borrow (`repay=False`) or repay with the fee (`repay=True`) `amount` of `asset`."""

    asset: str
    amount: float
    repay: bool = False
    account: str = ACCOUNT


@dataclass(frozen=True, slots=True)
class Send:
    """Move `amount` from `source` to `destination` (another venue), arriving after a delay."""

    source: Instrument
    destination: Instrument
    amount: float
    account: str = ACCOUNT


@dataclass(frozen=True, slots=True)
class Group:
    """Orders that fill together or not at all, paying one `gas` operation."""

    label: str
    orders: tuple[Order, ...]
    gas: str | None = None
    account: str = ACCOUNT


Order = Spot | Perp | Swap | Stake | LstSell | Aave | SetEmode | Flash | Send | Group
