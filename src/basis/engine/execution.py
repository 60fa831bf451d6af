"""Simulated execution: orders priced with fees, slippage and gas, applied to the book as fills.

Each order is filled on its own atomic book transaction together with its gas, so a
refused order leaves the book as it was and becomes a `rejected` event with the book's
reason; nothing is filled silently. Gas is paid in ETH from the wallet; a USDT wallet buys
the ETH it needs just in time on the DEX (its slippage is booked), so no ETH float is held.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from basis.book import Book, Category, Instrument
from basis.book import factors as f
from basis.errors import (
    BasisError,
    CapacityError,
    InsufficientBalanceError,
    InvalidOperationError,
)
from basis.mechanics import gas, trading
from basis.model.market import Snapshot
from basis.model.orders import (
    ALL,
    Aave,
    Flash,
    Group,
    LstSell,
    Order,
    Perp,
    Send,
    SetEmode,
    Spot,
    Stake,
    Swap,
)
from basis.model.reserves import room
from basis.model.result import Event, EventKind

__all__ = ["Fill", "SimulatedExecution"]

COSTS = frozenset({Category.TRADING_FEES, Category.SLIPPAGE, Category.GAS, Category.TRANSFER_FEES})
WRAP = frozenset({"ETH", "WETH"})
MAJORS = frozenset({"price:ETH", "price:BTC", "price:USDT", "price:USDC"})
ROOM_TOLERANCE = 1e-9  # relative: a size computed from the room itself may round above it
AAVE_GAS = {
    "supply": "aave_supply",
    "withdraw": "aave_withdraw",
    "borrow": "aave_borrow",
    "repay": "aave_repay",
}


@dataclass(frozen=True, slots=True)
class Fill:
    """A simulated CEX fill: its price and its fee in the quote asset."""

    price: float
    fee: float


@dataclass
class SimulatedExecution:
    """Fills orders against the snapshot's marks with the venue and DEX cost models."""

    book: Book
    traded: float = 0.0  # share-class notional of market trades (spot, perp, DEX) so far
    last_fill: Fill | None = None  # price and fee of the last CEX fill (paper journals it)

    def execute(
        self, orders: Iterable[Order], snapshot: Snapshot, kind: EventKind = EventKind.TRADE
    ) -> list[Event]:
        """Fill `orders` in sequence; return one event per order (fills and rejections)."""
        events = []
        for order in orders:
            start, traded = len(self.book.entries), self.traded
            try:
                with self.book.atomic():
                    detail, size, value = self._fill(order, snapshot, pay_gas=True)
            except BasisError as error:
                self.traded = traded
                events.append(
                    Event(
                        snapshot.time,
                        EventKind.REJECTED,
                        order.account,
                        _subject(order),
                        f"{_describe(order)}: {error}",
                    )
                )
                continue
            cost = math.fsum(e.amount for e in self.book.entries[start:] if e.category in COSTS)
            events.append(
                Event(
                    snapshot.time, kind, order.account, _subject(order), detail, size, value, cost
                )
            )
        return events

    # -- one order ---------------------------------------------------------------------------

    def _fill(self, order: Order, snap: Snapshot, *, pay_gas: bool) -> tuple[str, float, float]:
        operation = _gas_operation(order) if pay_gas else None
        if operation is None:
            return self._apply(order, snap)
        traded = self.traded
        try:
            with self.book.atomic():
                self._pay_gas(order.account, operation, snap)
                return self._apply(order, snap)
        except InsufficientBalanceError:
            self.traded = traded  # the rolled-back attempt traded nothing
            # The wallet cannot fund gas before the order (e.g. an Aave withdrawal into
            # an empty wallet): pay it from what the order brings in.
            result = self._apply(order, snap)
            self._pay_gas(order.account, operation, snap)
            return result

    def _apply(self, order: Order, snap: Snapshot) -> tuple[str, float, float]:
        book, account = self.book, order.account
        match order:
            case Group(label, orders):
                value = 0.0
                for inner in orders:
                    value += abs(self._fill(inner, snap, pay_gas=False)[2])
                return label, 0.0, value
            case Spot(venue, base, quote, size):
                config = book.market.venue(venue)
                if config.spot_fees is None or config.spot_slippage is None:
                    raise InvalidOperationError(f"{venue} has no spot market configured")
                reference = snap.marks[f.price(base)] / snap.marks[f.price(quote)]
                bps = trading.slippage_bps(config.spot_slippage, abs(size) * reference)
                price = trading.execution_price(1 if size > 0 else -1, reference, bps)
                fee = abs(size) * price * config.spot_fees.taker
                book.spot_trade(account, venue, base, quote, size, price, fee)
                self.last_fill = Fill(price, fee)
                self.traded += self._value(base, size)
                return f"spot {size:+.6g} {base} @ {price:.6g}", size, self._value(base, size)
            case Perp(instrument, size):
                config = book.market.venue(instrument.venue)
                mark = snap.marks[f.mark(instrument)]
                usd = snap.marks[f.price(instrument.quote)]
                bps = trading.slippage_bps(config.perp_slippage, abs(size) * mark * usd)
                price = trading.execution_price(1 if size > 0 else -1, mark, bps)
                fee = abs(size) * price * config.perp_fees.taker
                book.perp_trade(account, instrument, size, price, fee)
                self.last_fill = Fill(price, fee)
                value = size * mark * usd / self._usd(book.share_class)
                self.traded += abs(value)
                return f"perp {size:+.6g} @ {price:.6g}", size, value
            case Swap(sell, buy, amount):
                amount = self._resolve(account, Instrument.wallet(sell), amount)
                if {sell, buy} == WRAP:
                    received = amount
                else:
                    usd = amount * self._usd(sell)
                    bps = (
                        trading.slippage_bps(book.market.dex.slippage, usd)
                        if f.price(sell) in MAJORS
                        else book.market.dex.reward_sale_bps
                    )
                    received = usd * (1.0 - bps / 1e4) / self._usd(buy)
                    self.traded += self._value(sell, amount)
                book.swap(
                    account, Instrument.wallet(sell), amount, Instrument.wallet(buy), received
                )
                return (
                    f"swap {amount:.6g} {sell} → {received:.6g} {buy}",
                    -amount,
                    self._value(sell, amount),
                )
            case Stake(lst, eth):
                eth = self._resolve(account, Instrument.wallet("ETH"), eth)
                minted = book.stake(account, lst, eth)
                return f"stake {eth:.6g} ETH → {minted:.6g} {lst}", eth, self._value("ETH", eth)
            case LstSell(lst, amount):
                amount = self._resolve(account, Instrument.wallet(lst), amount)
                usd = amount * self._usd(lst)
                bps = trading.slippage_bps(book.market.lsts[lst].dex_slippage, usd)
                sold = book.lst_dex_exit(account, lst, amount, bps)
                self.traded += self._value(lst, amount)
                return (
                    f"sell {amount:.6g} {lst} → {sold.eth_received:.6g} ETH",
                    -amount,
                    self._value(lst, amount),
                )
            case Aave(action, asset, amount):
                amount = self._resolve_aave(account, action, asset, amount)
                self._check_room(account, action, asset, amount, snap)
                getattr(book, f"aave_{action}")(account, asset, amount)
                return f"aave {action} {amount:.6g} {asset}", amount, self._value(asset, amount)
            case SetEmode(category):
                book.set_emode(account, category)
                return f"e-mode {category}", 0.0, 0.0
            case Flash(asset, amount, repay):
                if repay:
                    fee = amount * book.market.dex.flash_loan_fee
                    book.flash_repay(account, asset, amount, fee)
                else:
                    book.flash_borrow(account, asset, amount)
                verb = "repay" if repay else "borrow"
                return f"flash {verb} {amount:.6g} {asset}", amount, 0.0
            case Send(source, destination, amount):
                amount = self._resolve(account, source, amount)
                sent = book.send(account, source, destination, amount)
                return (
                    (
                        f"send {amount:.6g} {source.symbol} {source.venue} → "
                        f"{destination.venue}, arrives {sent.arrives_at:%Y-%m-%d %H:%M}"
                    ),
                    amount,
                    self._value(source.symbol, amount),
                )
        raise InvalidOperationError(f"unknown order {order!r}")

    # -- helpers -----------------------------------------------------------------------------

    def _usd(self, asset: str) -> float:
        """USD price of one unit of `asset` at the book's marks (an LST at its market rate)."""
        marks = self.book.marks()
        if asset in self.book.market.lsts:
            return marks[f.market_rate(asset)] * marks[f.price("ETH")]
        return marks[f.price(asset)]

    def _value(self, asset: str, amount: float) -> float:
        """Share-class value of `amount` of `asset`."""
        return abs(amount) * self._usd(asset) / self._usd(self.book.share_class)

    def _resolve(self, account: str, instrument: Instrument, amount: float) -> float:
        if amount != ALL:
            return amount
        held = self.book.balance(account, instrument)
        if held <= 0.0:
            raise InsufficientBalanceError(f"account {account!r}: no {instrument} to move")
        return held

    def _resolve_aave(self, account: str, action: str, asset: str, amount: float) -> float:
        if amount != ALL:
            return amount
        if action in ("supply", "borrow"):
            return self._resolve(account, Instrument.wallet(asset), amount)
        position = (
            Instrument.aave_supply(asset) if action == "withdraw" else Instrument.aave_debt(asset)
        )
        held = self._resolve(account, position, amount)
        if action == "repay":
            return min(held, self._resolve(account, Instrument.wallet(asset), amount))
        return held

    def _check_room(
        self, account: str, action: str, asset: str, amount: float, snap: Snapshot
    ) -> None:
        """Refuse a supply, borrow or withdrawal beyond what the reserve holds at `snap`
        (strategies size within it: this is the guard, not the sizing)."""
        if action == "repay":
            return
        book = self.book
        left = getattr(
            room(
                snap.reserves.get(asset),
                book.market.aave.caps.get(asset),
                book.balance(account, Instrument.aave_supply(asset)),
                book.balance(account, Instrument.aave_debt(asset)),
            ),
            action,
        )
        if amount > left * (1.0 + ROOM_TOLERANCE):
            what = "supply cap" if action == "supply" else "available liquidity or borrow cap"
            raise CapacityError(
                f"{action} {amount:.6g} {asset} exceeds the reserve's {what}: {left:.6g} left"
            )

    def _pay_gas(self, account: str, operation: str, snap: Snapshot) -> None:
        book = self.book
        units = book.market.gas.units_for(operation)
        eth = gas.gas_cost_eth(units, snap.base_fee_gwei, snap.priority_fee_gwei)
        if eth <= 0.0:
            return
        wallet_eth = Instrument.wallet("ETH")
        short = eth - book.balance(account, wallet_eth)
        if short > 0.0:
            weth = book.balance(account, Instrument.wallet("WETH"))
            if weth >= short:
                book.swap(account, Instrument.wallet("WETH"), short, wallet_eth, short)
            else:
                usd = short * snap.marks[f.price("ETH")]
                bps = trading.slippage_bps(book.market.dex.slippage, usd)
                book.swap(
                    account, Instrument.wallet("USDT"), usd / (1.0 - bps / 1e4), wallet_eth, short
                )
        book.pay_gas(account, operation, snap.base_fee_gwei, snap.priority_fee_gwei)


def _gas_operation(order: Order) -> str | None:
    match order:
        case Group(gas=operation):
            return operation
        case Swap(sell, buy):
            return None if {sell, buy} == WRAP else "token_swap"
        case Stake():
            return "stake_deposit"
        case LstSell():
            return "dex_trade"
        case Aave(action):
            return AAVE_GAS[action]
        case SetEmode():
            return "set_emode"
        case Send(source):
            return "venue_transfer" if source.venue == "wallet" else None
    return None


def _subject(order: Order) -> str:
    match order:
        case Spot(venue, base):
            return f"{venue}:spot:{base}"
        case Perp(instrument):
            return str(instrument)
        case Swap(sell, buy):
            return f"wallet:{sell}/{buy}"
        case Stake(lst) | LstSell(lst):
            return f"wallet:token:{lst}"
        case Aave(action, asset):
            kind = "debt" if action in ("borrow", "repay") else "supply"
            return f"aave_v3:{kind}:{asset}"
        case Send(source, destination):
            return f"{source} → {destination.venue}"
        case Group(label):
            return label
    return "*"


def _describe(order: Order) -> str:
    if isinstance(order, Group):
        return f"group {order.label!r}"
    return type(order).__name__.lower()
