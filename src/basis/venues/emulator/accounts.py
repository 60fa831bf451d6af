"""The emulator's records: accounts with spot and USDⓈ-M wallets, orders, trades, funding income."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from basis.errors import BasisError, ConfigError

__all__ = [
    "VENUE",
    "Account",
    "EmulatorRejectedError",
    "Income",
    "Market",
    "OpeningBalances",
    "Order",
    "Position",
    "Trade",
    "account_name",
    "parse_balances",
]

Market = Literal["spot", "futures"]
OrderState = Literal["NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED", "EXPIRED"]
VENUE = "venue"  # the counterparty of every fill against the replayed book
QUOTE = "USDT"


class EmulatorRejectedError(BasisError):
    """The emulated venue refuses a request; the API renders it as the venue's error JSON
    (`{"code": venue_code, "msg": message}`) with HTTP `status`."""

    code = "EMULATOR_REJECTED"

    def __init__(
        self, venue_code: int, message: str, status: int = 400, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.venue_code = venue_code
        self.status = status
        self.retry_after = retry_after


def account_name(api_key: str) -> str:
    """The account an API key opens, named by a fingerprint so the key itself is never shown."""
    return "acct-" + hashlib.sha256(api_key.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class OpeningBalances:
    """What every new account starts with: spot wallet assets and the USDⓈ-M USDT wallet."""

    spot: Mapping[str, float]
    futures: float


def parse_balances(specs: Iterable[str]) -> OpeningBalances:
    """Parse `[spot:|futures:]ASSET=AMOUNT` items.

    An unprefixed USDT amount is split evenly between the spot and USDⓈ-M wallets (a basis
    book needs cash on both sides); any other unprefixed asset goes to spot. Only USDT can
    go to `futures:`. Raises ConfigError naming the item that is malformed.
    """
    spot: dict[str, float] = {}
    futures = 0.0
    for spec in specs:
        key, sep, raw = spec.partition("=")
        wallet, _, asset = key.rpartition(":")
        try:
            amount = float(raw)
        except ValueError:
            amount = float("nan")
        if not sep or not asset.isalnum() or not amount >= 0 or amount == float("inf"):
            raise ConfigError(
                f"--balance {spec!r}: expected [spot:|futures:]ASSET=AMOUNT with AMOUNT >= 0, "
                "e.g. USDT=1000000"
            )
        asset = asset.upper()
        if wallet not in ("", "spot", "futures"):
            raise ConfigError(f"--balance {spec!r}: wallet must be spot or futures, got {wallet!r}")
        if wallet == "futures" and asset != QUOTE:
            raise ConfigError(f"--balance {spec!r}: the USDⓈ-M wallet holds {QUOTE} only")
        if wallet == "futures":
            futures += amount
        elif wallet == "" and asset == QUOTE:
            spot[asset] = spot.get(asset, 0.0) + amount / 2
            futures += amount / 2
        else:
            spot[asset] = spot.get(asset, 0.0) + amount
    return OpeningBalances(spot, futures)


@dataclass
class Position:
    """A one-way (BOTH side) USDⓈ-M position: size in base units, short < 0."""

    size: float = 0.0
    entry: float = 0.0


@dataclass
class Account:
    """One API key's account: spot free and locked balances, the USDT futures wallet (realised
    P&L, fees and funding land there) and its positions."""

    name: str
    free: dict[str, float]
    locked: dict[str, float] = field(default_factory=dict)
    wallet: float = 0.0
    positions: dict[str, Position] = field(default_factory=dict)

    def position(self, symbol: str) -> Position:
        return self.positions.setdefault(symbol, Position())


@dataclass
class Order:
    """One order as the venue keeps it."""

    order_id: int
    client_order_id: str
    account: str
    market: Market
    symbol: str
    side: Literal["BUY", "SELL"]
    type: Literal["MARKET", "LIMIT"]
    amount: float
    price: float | None
    reduce_only: bool
    time_ms: int
    status: OrderState = "NEW"
    filled: float = 0.0
    cost: float = 0.0  # cumulative quote
    update_ms: int = 0
    fills: list[int] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")

    @property
    def remaining(self) -> float:
        return self.amount - self.filled

    @property
    def average(self) -> float:
        return self.cost / self.filled if self.filled else 0.0

    @property
    def sign(self) -> int:
        return 1 if self.side == "BUY" else -1


@dataclass(frozen=True)
class Trade:
    """One execution. `maker_account` / `taker_account` name the accounts (or `VENUE`)."""

    trade_id: int
    order_id: int
    client_order_id: str
    account: str
    market: Market
    symbol: str
    side: Literal["BUY", "SELL"]
    amount: float
    price: float
    fee: float
    fee_asset: str
    realized_pnl: float
    time_ms: int
    maker_account: str
    taker_account: str

    @property
    def is_maker(self) -> bool:
        return self.maker_account == self.account


@dataclass(frozen=True)
class Income:
    """A funding payment booked in the futures wallet: > 0 received."""

    tran_id: int
    account: str
    symbol: str
    amount: float
    rate: float
    mark: float
    size: float
    time_ms: int
    income_type: str = "FUNDING_FEE"
    asset: str = QUOTE
