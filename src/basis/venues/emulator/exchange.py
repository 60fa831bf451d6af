"""The emulated venue's matching and settlement: fills at replayed prices, funding, balances.

Every call first brings the venue up to the clock (`advance`): for each hourly bar passed
it settles funding on the positions open then and fills resting limit orders that the
bar's price crosses, in that order, so the outcome depends on emulator time only, not on
when clients happen to call. Prices, fees and slippage come from `basis.mechanics`.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass
from typing import Literal

from basis.book.perpetuals import resize
from basis.config.venues import FeeSchedule, SlippageCurve, VenueConfig
from basis.mechanics import perps, trading
from basis.venues.emulator.accounts import (
    QUOTE,
    VENUE,
    Account,
    EmulatorRejectedError,
    Income,
    Market,
    OpeningBalances,
    Order,
    Trade,
    account_name,
)
from basis.venues.emulator.replay import EmulatorClock, MarketReplay

__all__ = ["Exchange", "Instrument", "OrderSpec"]

MIN_NOTIONAL = 5.0
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Instrument:
    """A tradable symbol with the filters the venue enforces."""

    market: Market
    symbol: str
    base: str
    quote: str
    step: float  # quantity step (LOT_SIZE)
    tick: float  # price step (PRICE_FILTER)
    min_notional: float = MIN_NOTIONAL


@dataclass(frozen=True)
class OrderSpec:
    """An order request as parsed from the wire."""

    market: Market
    symbol: str
    side: Literal["BUY", "SELL"]
    type: Literal["MARKET", "LIMIT"]
    amount: float
    client_order_id: str
    price: float | None = None
    reduce_only: bool = False
    time_in_force: str = "GTC"  # IOC and FOK expire when not filled at once


def filters_for(price: float) -> tuple[float, float]:
    """Quantity step and price tick for a pair trading at `price`: one step is worth $1–10
    and the tick is about 0.1 bp of the price (BTC: 0.0001 and 0.1, ETH: 0.001 and 0.01)."""
    step = 10.0 ** math.floor(math.log10(10.0 / price))
    tick = 10.0 ** (math.floor(math.log10(price)) - 5)
    return step, tick


def _multiple(value: float, step: float) -> bool:
    return abs(value / step - round(value / step)) < 1e-6


class Exchange:
    """Accounts, orders, trades and funding of one emulated venue; thread-safe."""

    def __init__(
        self,
        replay: MarketReplay,
        clock: EmulatorClock,
        config: VenueConfig,
        opening: OpeningBalances,
    ) -> None:
        self.replay, self.clock, self.config, self.opening = replay, clock, config, opening
        self.accounts: dict[str, Account] = {}
        self.orders: list[Order] = []  # every order; order_id − 1 is its index
        self._resting: dict[int, Order] = {}  # open orders by id
        self._by_client: dict[tuple[str, Market, str, str], Order] = {}  # the latest per id
        self.trades: list[Trade] = []
        self.incomes: list[Income] = []
        self.transfers = 0
        self._trade_ids = 0
        self._lock = threading.RLock()
        self._cursor = clock.now()
        listed: list[tuple[Market, str]] = [("futures", symbol) for symbol in replay.perp]
        if config.spot_fees is not None and config.spot_slippage is not None:
            listed += [("spot", symbol) for symbol in replay.spot]
        self.instruments: dict[tuple[Market, str], Instrument] = {}
        for market, symbol in listed:
            step, tick = filters_for(self.reference(market, symbol, replay.start))
            base = symbol.removesuffix(QUOTE)
            self.instruments[(market, symbol)] = Instrument(market, symbol, base, QUOTE, step, tick)

    # ----------------------------------------------------------------------------- reading
    def account(self, api_key: str, opening: OpeningBalances | None = None) -> Account:
        """The account of `api_key`, opened on first use with `opening` (default: the
        emulator's opening balances); `opening` is ignored for an account already open."""
        name = account_name(api_key)
        with self._lock:
            found = self.accounts.get(name)
            if found is None:
                start = opening or self.opening
                found = Account(name, dict(start.spot), wallet=start.futures)
                self.accounts[name] = found
            return found

    def instrument(self, market: Market, symbol: str) -> Instrument:
        found = self.instruments.get((market, symbol))
        if found is None:
            raise EmulatorRejectedError(-1121, "Invalid symbol.")
        return found

    def reference(self, market: Market, symbol: str, at: dt.datetime) -> float:
        """The replayed price an order fills against: spot price or perp mark."""
        if market == "spot":
            return self.replay.spot_price(symbol, at)
        return self.replay.mark(symbol, at)

    # ----------------------------------------------------------------------------- time
    def advance(self) -> dt.datetime:
        """Settle funding and fill resting orders for every bar up to now; return now."""
        with self._lock:
            now = self.clock.now()
            if now <= self._cursor:
                return self._cursor
            for bar in self.replay.bar_times(self._cursor, now):
                self._settle_funding(bar)
                self._match_resting(bar)
            self._cursor = now
            return now

    def _settle_funding(self, bar: dt.datetime) -> None:
        for symbol in self.replay.perp:
            settled = self.replay.settlements(symbol, bar - dt.timedelta(seconds=1), bar)
            for settlement in settled:
                for account in self.accounts.values():
                    position = account.positions.get(symbol)
                    if position is None or position.size == 0.0:
                        continue
                    amount = perps.funding_payment(position.size, settlement.mark, settlement.rate)
                    account.wallet += amount
                    self.incomes.append(
                        Income(
                            tran_id=len(self.incomes) + 1,
                            account=account.name,
                            symbol=symbol,
                            amount=amount,
                            rate=settlement.rate,
                            mark=settlement.mark,
                            size=position.size,
                            time_ms=_ms(settlement.time),
                        )
                    )

    def _match_resting(self, bar: dt.datetime) -> None:
        for order in list(self._resting.values()):
            if order.price is None:
                continue
            price = self.reference(order.market, order.symbol, bar)
            if order.sign * (order.price - price) >= 0.0:
                self._fill_resting(order, order.remaining, VENUE, bar)

    def _fill_resting(self, order: Order, amount: float, taker: str, at: dt.datetime) -> int:
        """Fill `amount` of a resting order at its limit price, as the maker; return the
        trade id."""
        price = order.price or 0.0
        account = self.accounts[order.account]
        if order.market == "spot":
            self._release(account, order, amount)
        fee = amount * price * self._fees(order.market).maker
        return self._apply(account, order, amount, price, fee, taker, maker=True, at=at)

    # ----------------------------------------------------------------------------- orders
    def place(self, api_key: str, spec: OrderSpec) -> Order:
        """Validate, book and (when marketable) fill an order; raise EmulatorRejectedError with
        the venue's code when the venue would refuse it."""
        with self._lock:
            now = self.advance()
            account = self.account(api_key)
            instrument = self.instrument(spec.market, spec.symbol)
            self._validate(account, instrument, spec, now)
            order = Order(
                order_id=len(self.orders) + 1,
                client_order_id=spec.client_order_id,
                account=account.name,
                market=spec.market,
                symbol=spec.symbol,
                side=spec.side,
                type=spec.type,
                amount=spec.amount,
                price=spec.price,
                reduce_only=spec.reduce_only,
                time_ms=_ms(now),
                update_ms=_ms(now),
            )
            price = self._book_price(order, spec.amount, now)
            marketable = spec.price is None or order.sign * (spec.price - price) >= 0.0
            fee = spec.amount * price * self._fees(spec.market).taker if marketable else 0.0
            self._check_funds(account, instrument, spec, price if marketable else None, fee, now)
            self.orders.append(order)
            self._by_client[(account.name, spec.market, spec.symbol, spec.client_order_id)] = order
            for resting in self._crossing(order, price):
                amount = min(order.remaining, resting.remaining)
                trade_id = self._fill_resting(resting, amount, account.name, now)
                taker_fee = amount * (resting.price or 0.0) * self._fees(spec.market).taker
                self._apply(
                    account,
                    order,
                    amount,
                    resting.price or 0.0,
                    taker_fee,
                    resting.account,
                    maker=False,
                    at=now,
                    trade_id=trade_id,
                )
                if order.remaining <= TOLERANCE:
                    return order
            price = self._book_price(order, order.remaining, now)
            if spec.price is None or order.sign * (spec.price - price) >= 0.0:
                fee = order.remaining * price * self._fees(spec.market).taker
                self._apply(account, order, order.remaining, price, fee, VENUE, False, now)
            elif spec.time_in_force in ("IOC", "FOK"):
                order.status = "EXPIRED"
            else:
                self._resting[order.order_id] = order
                if spec.market == "spot":
                    self._lock_funds(account, order)
            return order

    def _book_price(self, order: Order, amount: float, at: dt.datetime) -> float:
        """The replayed book's price for `amount`: the reference with its slippage."""
        reference = self.reference(order.market, order.symbol, at)
        bps = trading.slippage_bps(self._slippage(order.market), amount * reference)
        return trading.execution_price(order.sign, reference, bps)

    def _crossing(self, order: Order, book_price: float) -> list[Order]:
        """Other accounts' resting orders that `order` takes before the replayed book: the
        opposite side, at a price at least as good as the book's and within the order's
        limit, best price first, then oldest. An account's own orders are never crossed
        (the venue's self-trade prevention), so it trades with the book instead."""
        limit = order.price
        found = [
            r
            for r in self._resting.values()
            if (r.market, r.symbol) == (order.market, order.symbol)
            and r.side != order.side
            and r.account != order.account
            and r.price is not None
            and order.sign * (book_price - r.price) >= 0.0
            and (limit is None or order.sign * (limit - r.price) >= 0.0)
        ]
        return sorted(found, key=lambda r: (order.sign * (r.price or 0.0), r.order_id))

    def cancel(self, api_key: str, market: Market, symbol: str, ref: str | int) -> Order:
        """Cancel an open order found by client id (str) or order id (int)."""
        with self._lock:
            self.advance()
            order = self.find(api_key, market, symbol, ref)
            if not order.is_open:
                raise EmulatorRejectedError(-2011, "Unknown order sent.")
            if order.market == "spot":
                self._release(self.accounts[order.account], order, order.remaining)
            order.status = "CANCELED"
            order.update_ms = self.clock.now_ms()
            del self._resting[order.order_id]
            return order

    def find(self, api_key: str, market: Market, symbol: str, ref: str | int) -> Order:
        """The account's latest order in `symbol` with this client id (str) or order id (int);
        EmulatorRejectedError -2013 when there is none."""
        name = account_name(api_key)
        with self._lock:
            self.advance()
            if isinstance(ref, str):
                found = self._by_client.get((name, market, symbol, ref))
            else:
                found = self.orders[ref - 1] if 0 < ref <= len(self.orders) else None
            if found is not None and (found.account, found.market, found.symbol) == (
                name,
                market,
                symbol,
            ):
                return found
        raise EmulatorRejectedError(-2013, "Order does not exist.")

    def open_orders(self, api_key: str, market: Market, symbol: str | None) -> list[Order]:
        name = account_name(api_key)
        with self._lock:
            self.advance()
            return [
                o
                for o in self._resting.values()
                if o.account == name
                and o.market == market
                and (symbol is None or o.symbol == symbol)
            ]

    def transfer(self, api_key: str, asset: str, amount: float, to_futures: bool) -> int:
        """Move USDT between the spot and USDⓈ-M wallets of one account; return its id."""
        with self._lock:
            self.advance()
            account = self.account(api_key)
            if asset != QUOTE or not amount > 0:
                raise EmulatorRejectedError(
                    -1102, f"the emulator moves positive {QUOTE} amounts only"
                )
            held = account.free.get(QUOTE, 0.0) if to_futures else account.wallet
            if amount > held + TOLERANCE:
                raise EmulatorRejectedError(-5013, "Asset transfer failed: insufficient balance")
            delta = amount if to_futures else -amount
            account.free[QUOTE] = account.free.get(QUOTE, 0.0) - delta
            account.wallet += delta
            self.transfers += 1
            return self.transfers

    def unrealized(self, account: Account, at: dt.datetime) -> float:
        return sum(
            perps.unrealised_pnl(p.size, p.entry, self.replay.mark(s, at))
            for s, p in account.positions.items()
            if p.size
        )

    # ----------------------------------------------------------------------------- internals
    def _fees(self, market: Market) -> FeeSchedule:
        fees = self.config.spot_fees if market == "spot" else self.config.perp_fees
        if fees is None:  # no spot instrument is listed without spot fees
            raise EmulatorRejectedError(-1121, "Invalid symbol.")
        return fees

    def _slippage(self, market: Market) -> SlippageCurve:
        curve = self.config.spot_slippage if market == "spot" else self.config.perp_slippage
        if curve is None:
            raise EmulatorRejectedError(-1121, "Invalid symbol.")
        return curve

    def _validate(
        self, account: Account, instrument: Instrument, spec: OrderSpec, now: dt.datetime
    ) -> None:
        if not spec.amount > 0 or not _multiple(spec.amount, instrument.step):
            raise EmulatorRejectedError(-1013, "Filter failure: LOT_SIZE")
        if spec.type == "LIMIT":
            if spec.price is None or not spec.price > 0:
                raise EmulatorRejectedError(-1102, "Mandatory parameter 'price' was not sent.")
            if not _multiple(spec.price, instrument.tick):
                raise EmulatorRejectedError(-1013, "Filter failure: PRICE_FILTER")
        price = spec.price or self.reference(spec.market, spec.symbol, now)
        if spec.amount * price < instrument.min_notional and not spec.reduce_only:
            if spec.market == "spot":
                raise EmulatorRejectedError(-1013, "Filter failure: NOTIONAL")
            raise EmulatorRejectedError(
                -4164,
                f"Order's notional must be no smaller than {instrument.min_notional:g} "
                "(unless you choose reduce only).",
            )
        for order in self._resting.values():
            if (order.account, order.market, order.client_order_id) == (
                account.name,
                spec.market,
                spec.client_order_id,
            ):
                if spec.market == "spot":
                    raise EmulatorRejectedError(-2010, "Duplicate order sent.")
                raise EmulatorRejectedError(-4116, "ClientOrderId is duplicated.")
        if spec.reduce_only:
            if spec.market == "spot":
                raise EmulatorRejectedError(-1106, "Parameter 'reduceOnly' sent when not required.")
            size = account.position(spec.symbol).size
            sign = 1 if spec.side == "BUY" else -1
            if size * sign >= 0 or spec.amount > abs(size) + TOLERANCE:
                raise EmulatorRejectedError(-2022, "ReduceOnly Order is rejected.")

    def _check_funds(
        self,
        account: Account,
        instrument: Instrument,
        spec: OrderSpec,
        fill_price: float | None,
        fee: float,
        now: dt.datetime,
    ) -> None:
        insufficient = EmulatorRejectedError(
            -2010, "Account has insufficient balance for requested action."
        )
        if spec.market == "spot":
            if spec.side == "SELL":
                need, asset = spec.amount, instrument.base
            elif fill_price is not None:
                need, asset = spec.amount * fill_price + fee, QUOTE
            else:
                need, asset = (
                    spec.amount * (spec.price or 0.0) * (1 + self._fees("spot").maker),
                    QUOTE,
                )
            if need > account.free.get(asset, 0.0) + TOLERANCE:
                raise insufficient
            return
        if fill_price is None:
            return  # resting futures orders reserve no margin in the emulator
        position = account.position(spec.symbol)
        change = spec.amount if spec.side == "BUY" else -spec.amount
        new_size, new_entry, realised = resize(position.size, position.entry, change, fill_price)
        if abs(new_size) <= abs(position.size) + TOLERANCE:
            return  # reducing never needs margin
        wallet = account.wallet + realised - fee
        required, unrealised = 0.0, 0.0
        for symbol, held in account.positions.items():
            size, entry = (
                (new_size, new_entry) if symbol == spec.symbol else (held.size, held.entry)
            )
            mark = self.replay.mark(symbol, now)
            required += abs(size) * mark * self.config.margin.initial
            unrealised += perps.unrealised_pnl(size, entry, mark)
        if wallet + unrealised < required:
            raise EmulatorRejectedError(-2019, "Margin is insufficient.")

    def _apply(
        self,
        account: Account,
        order: Order,
        amount: float,
        price: float,
        fee: float,
        counterparty: str,
        maker: bool,
        at: dt.datetime,
        trade_id: int | None = None,
    ) -> int:
        """Book one execution of `amount` of `order` for `account` against `counterparty`;
        return its trade id (`trade_id` when given: both sides of a cross share one)."""
        realised = 0.0
        if order.market == "spot":
            base = order.symbol.removesuffix(QUOTE)
            account.free[base] = account.free.get(base, 0.0) + order.sign * amount
            account.free[QUOTE] = account.free.get(QUOTE, 0.0) - order.sign * amount * price - fee
        else:
            position = account.position(order.symbol)
            position.size, position.entry, realised = resize(
                position.size, position.entry, order.sign * amount, price
            )
            account.wallet += realised - fee
        order.filled += amount
        order.cost += amount * price
        order.update_ms = _ms(at)
        if order.remaining <= TOLERANCE:
            order.status = "FILLED"
            self._resting.pop(order.order_id, None)
        else:
            order.status = "PARTIALLY_FILLED"
        trade = Trade(
            trade_id=trade_id if trade_id is not None else self._next_trade_id(),
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            account=account.name,
            market=order.market,
            symbol=order.symbol,
            side=order.side,
            amount=amount,
            price=price,
            fee=fee,
            fee_asset=QUOTE,
            realized_pnl=realised,
            time_ms=_ms(at),
            maker_account=account.name if maker else counterparty,
            taker_account=counterparty if maker else account.name,
        )
        self.trades.append(trade)
        order.fills.append(trade.trade_id)
        return trade.trade_id

    def _next_trade_id(self) -> int:
        self._trade_ids += 1
        return self._trade_ids

    def _lock_funds(self, account: Account, order: Order) -> None:
        asset, amount = self._reserved(order, order.remaining)
        account.free[asset] = account.free.get(asset, 0.0) - amount
        account.locked[asset] = account.locked.get(asset, 0.0) + amount

    def _release(self, account: Account, order: Order, part: float) -> None:
        """Give back what a resting spot order holds for `part` of its amount."""
        asset, amount = self._reserved(order, part)
        account.locked[asset] = account.locked.get(asset, 0.0) - amount
        account.free[asset] = account.free.get(asset, 0.0) + amount

    def _reserved(self, order: Order, part: float) -> tuple[str, float]:
        """What a resting spot order holds back for `part` of its amount: quote (with the
        maker fee) to buy, base to sell."""
        if order.side == "BUY":
            price = order.price or 0.0
            return QUOTE, part * price * (1.0 + self._fees("spot").maker)
        return order.symbol.removesuffix(QUOTE), part


def _ms(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)
