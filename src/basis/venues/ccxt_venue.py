"""`CcxtVenue`: the `Venue` protocol over one `ccxt.async_support` exchange.

It names markets as the book does, sends the journal's client order id on every create,
asks the venue for that id before sending (a filled order is never sent twice), retries
429 and 5xx with bounded backoff that honours `Retry-After`, and turns ccxt's errors into
`OrderRejectedError` (a definite refusal) or `VenueUnavailableError` (fate unknown).
Amounts become the venue's precision here, with ccxt's helpers and `Decimal`, and nowhere
else. Keys and secrets stay in the ccxt instance: not in reprs, errors or log lines.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, TypeVar, get_args

from pydantic import Field

from basis.config.base import FrozenModel
from basis.errors import InstrumentError
from basis.live.venue import (
    FundingPaid,
    Holdings,
    OrderRejectedError,
    OrderRequest,
    OrderStatus,
    PerpHolding,
    Quote,
    VenueError,
    VenueFill,
    VenueOrder,
    VenueUnavailableError,
)
from basis.venues.credentials import Credentials
from basis.venues.profile import VenueProfile, point_urls_at

__all__ = ["CcxtVenue", "CcxtVenueConfig"]

T = TypeVar("T")
PAGE = 1000
MAX_PAGES = 20
SPOT_CASH_MARGIN = 1.01  # a spot buy's cash: its notional at the last price, 1 % for fees and moves
_QUERY = re.compile(r"\?\S*")


class CcxtVenueConfig(FrozenModel):
    """How one adapter talks to its venue: environment, address, timeouts and retries."""

    venue: str
    testnet: bool = False
    url: str | None = None  # `--venue-url`: every REST base URL of the venue points here
    timeout_ms: int = Field(default=10_000, ge=100, le=120_000)
    retries: int = Field(default=3, ge=0, le=10)
    backoff_seconds: float = Field(default=0.25, ge=0.0, le=10.0)
    max_backoff_seconds: float = Field(default=5.0, ge=0.0, le=60.0)
    max_retry_after_seconds: float = Field(default=30.0, ge=0.0, le=600.0)
    throttle: bool = True
    """ccxt's client-side pacing by the venue's request weights; tests against the emulator
    turn it off (the emulator enforces its own limit with 429)."""


class _Redactor(logging.Filter):
    """Replaces the keys and secrets of every adapter on a venue's ccxt logger in its records
    (ccxt's debug lines print request headers, which carry the API key)."""

    def __init__(self) -> None:
        super().__init__()
        self._credentials: list[Credentials] = []

    def add(self, credentials: Credentials) -> None:
        if credentials not in self._credentials:
            self._credentials.append(credentials)

    def filter(self, record: logging.LogRecord) -> bool:
        message = redacted = record.getMessage()
        for credentials in self._credentials:
            redacted = credentials.redact(redacted)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class CcxtVenue:
    """A venue account through ccxt. Build it with `CcxtVenue(config, profile, credentials)`."""

    def __init__(
        self,
        config: CcxtVenueConfig,
        profile: VenueProfile,
        credentials: Credentials | None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        import ccxt.async_support as ccxt_async  # heavy: imported only when a venue is built

        self.name = profile.name
        self.config, self.profile = config, profile
        self._credentials = credentials
        self._sleep = sleep
        self._errors = ccxt_async
        logger = logging.getLogger(f"basis.venues.ccxt.{profile.name}")
        redactor = next((f for f in logger.filters if isinstance(f, _Redactor)), None)
        if redactor is None:
            redactor = _Redactor()
            logger.addFilter(redactor)
        if credentials is not None:
            redactor.add(credentials)
        self._logger = logger
        settings: dict[str, Any] = {
            "enableRateLimit": config.throttle,
            "timeout": config.timeout_ms,
            "options": copy.deepcopy(dict(profile.options)),  # ccxt may change what it gets
            "logger": logger,
        }
        if credentials is not None:
            settings |= profile.credential_fields(credentials)
        exchange_class = getattr(ccxt_async, profile.ccxt_id)
        if profile.exchange_class is not None:
            exchange_class = profile.exchange_class(exchange_class)
        self._exchange = exchange_class(settings)
        if config.testnet:
            profile.use_testnet(self._exchange)
        if config.url is not None:
            point_urls_at(self._exchange, config.url)
        self._markets_loaded = False

    def __repr__(self) -> str:
        where = self.config.url or ("testnet" if self.config.testnet else "production")
        return f"CcxtVenue({self.name}, {where})"

    @property
    def exchange(self) -> Any:
        """The ccxt instance, for venue modules that need a raw call."""
        return self._exchange

    # ----------------------------------------------------------------------------- names
    def symbol(self, market: str) -> str:
        """The ccxt symbol of a book market: `binance:perp:BTCUSDT` → `BTC/USDT:USDT`,
        `binance:spot:BTC` → `BTC/USDT`. Raises InstrumentError for another venue or kind."""
        venue, _, rest = market.partition(":")
        kind, _, name = rest.partition(":")
        cash = self.profile.cash
        if venue != self.name or not name:
            raise InstrumentError(f"{market!r} is not a market of venue {self.name}")
        if kind == "spot":
            return f"{name}/{cash}"
        if kind == "perp" and name.endswith(cash) and len(name) > len(cash):
            base = name.removesuffix(cash)
            return f"{base}/{cash}:{cash}"
        raise InstrumentError(
            f"{market!r}: expected {self.name}:perp:<BASE>{cash} or {self.name}:spot:<BASE>"
        )

    def market_name(self, symbol: str) -> str:
        """The book market of a ccxt symbol (the inverse of `symbol`)."""
        pair, _, settle = symbol.partition(":")
        base, _, quote = pair.partition("/")
        if settle:
            return f"{self.name}:perp:{base}{quote}"
        return f"{self.name}:spot:{base}"

    # ----------------------------------------------------------------------------- reading
    async def quotes(self, markets: Sequence[str]) -> dict[str, Quote]:
        await self._markets()
        perps = [m for m in markets if ":perp:" in m]
        spots = [m for m in markets if ":perp:" not in m]
        found: dict[str, Quote] = {}
        if perps:
            symbols = [self.symbol(m) for m in perps]
            rates = await self._read("quotes", lambda: self._exchange.fetch_funding_rates(symbols))
            unmarked = [s for s in symbols if (rates.get(s) or {}).get("markPrice") is None]
            marks: dict[str, Any] = {}
            if unmarked:  # OKX's funding rates carry no mark: its mark-price tickers do
                marks = await self._read(
                    "quotes", lambda: self._exchange.fetch_mark_prices(unmarked)
                )
            for market, symbol in zip(perps, symbols, strict=True):
                rate = rates.get(symbol) or {}
                prices = rate if rate.get("markPrice") is not None else marks.get(symbol) or {}
                if prices.get("markPrice") is None:
                    raise VenueError(f"{self.name}: no mark price for {market}")
                found[market] = Quote(
                    market=market,
                    mark=float(prices["markPrice"]),
                    time=_time(prices.get("timestamp") or rate.get("timestamp")),
                    index=_float(prices.get("indexPrice")),
                    funding_rate=_float(rate.get("fundingRate")),
                )
        if spots:
            symbols = [self.symbol(m) for m in spots]
            tickers = await self._read("quotes", lambda: self._exchange.fetch_tickers(symbols))
            for market, symbol in zip(spots, symbols, strict=True):
                ticker = tickers.get(symbol)
                if ticker is None or ticker.get("last") is None:
                    raise VenueError(f"{self.name}: no last price for {market}")
                found[market] = Quote(market, float(ticker["last"]), _time(ticker.get("timestamp")))
        return found

    async def server_time(self) -> datetime:
        """The venue's clock (the emulator's accelerated one included); not in the `Venue`
        protocol: a runtime that follows the venue's time can read it here."""
        ms = await self._read("time", lambda: self._exchange.fetch_time())
        return _time(ms)

    async def holdings(self) -> Holdings:
        await self._markets()
        if self.profile.holdings is not None:
            reader = self.profile.holdings
            result: Holdings = await self._read("holdings", lambda: reader(self._exchange, self))
            return result
        balance = await self._read("holdings", lambda: self._exchange.fetch_balance())
        positions = await self._read("holdings", lambda: self._exchange.fetch_positions())
        return Holdings(
            balances={a: float(v) for a, v in (balance.get("total") or {}).items() if v},
            positions={
                self.market_name(p["symbol"]): PerpHolding(
                    size=float(p["contracts"])
                    * float(p.get("contractSize") or 1.0)  # contracts → base units
                    * (-1 if p["side"] == "short" else 1),
                    entry=float(p["entryPrice"]),
                )
                for p in positions
                if p.get("contracts")
            },
        )

    async def order(self, client_order_id: str, market: str) -> VenueOrder | None:
        await self._markets()
        symbol = self.symbol(market)
        params = self.profile.lookup_params(client_order_id)
        try:
            raw = await self._read(
                "order", lambda: self._exchange.fetch_order(None, symbol, params), missing=True
            )
        except _MissingOrderError:
            return None
        return self._venue_order(raw, market, client_order_id)

    async def open_orders(self) -> list[VenueOrder]:
        await self._markets()
        found: list[VenueOrder] = []
        for kind in self.profile.order_types:
            fetch = partial(self._exchange.fetch_open_orders, None, None, None, {"type": kind})
            rows: list[dict[str, Any]] = await self._read("open orders", fetch)
            found += [self._venue_order(r, self.market_name(r["symbol"]), None) for r in rows]
        return found

    async def fills(self, market: str, since: datetime) -> list[VenueFill]:
        await self._markets()
        symbol = self.symbol(market)

        async def page(start: int) -> list[dict[str, Any]]:
            if self.profile.since_param:
                params = {"startTime": start}
                rows: list[dict[str, Any]] = await self._exchange.fetch_my_trades(
                    symbol, None, PAGE, params
                )
            else:
                rows = await self._exchange.fetch_my_trades(symbol, start, PAGE, {})
            return rows

        rows = await self._paged("fills", page, since)
        return sorted((self._fill(t, market) for t in rows), key=lambda f: (f.time, f.trade_id))

    async def funding(self, since: datetime) -> list[FundingPaid]:
        """Every payment at or after `since`, page by page (the venue answers one page from
        its start time); a page restarts at the last time seen, so payments sharing that
        millisecond across a page boundary are kept, and each is kept once by its id."""
        await self._markets()

        async def page(start: int) -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = await self._exchange.fetch_funding_history(
                None, start, PAGE
            )
            return rows

        paid = [
            FundingPaid(
                funding_id=str(r["id"]),
                market=self.market_name(r["symbol"]),
                amount=float(r["amount"]),
                time=_time(r["timestamp"]),
            )
            for r in await self._paged("funding", page, since)
        ]
        return sorted(paid, key=lambda f: (f.time, f.funding_id))

    async def funding_rates(self, market: str, since: datetime) -> list[tuple[datetime, float]]:
        """The perp's settled funding rates at or after `since`, oldest first (not in the
        `Venue` protocol: for a strategy signal on trailing funding)."""
        await self._markets()
        symbol = self.symbol(market)
        start = int(since.timestamp() * 1000)
        rows = await self._read(
            "funding rates",
            lambda: self._exchange.fetch_funding_rate_history(symbol, start, PAGE),
        )
        return sorted((_time(r["timestamp"]), float(r["fundingRate"])) for r in rows)

    async def _paged(
        self,
        what: str,
        page: Callable[[int], Awaitable[list[dict[str, Any]]]],
        since: datetime,
    ) -> list[dict[str, Any]]:
        """Every row at or after `since`, page by page, kept once by id. A full page makes
        the next start at its last time, so rows sharing that millisecond are not lost
        (unless a whole page shares one: then the next page starts a millisecond later)."""
        start = int(since.timestamp() * 1000)
        rows: dict[str, dict[str, Any]] = {}
        for _ in range(MAX_PAGES):
            found = await self._read(what, partial(page, start))
            rows.update((str(r["id"]), r) for r in found if int(r["timestamp"]) >= start)
            if len(found) < PAGE:
                break
            last = max(int(r["timestamp"]) for r in found)
            start = last if last > start else start + 1
        return list(rows.values())

    # ----------------------------------------------------------------------------- orders
    async def place(self, request: OrderRequest) -> VenueOrder:
        await self._markets()
        symbol = self.symbol(request.market)
        # our amounts are base units; ccxt's are contracts (OKX: 0.01 BTC per BTC swap)
        amount = self._precise(symbol, request.amount / self._contract_size(symbol), "amount")
        price = None
        if request.type == "limit":
            if request.price is None:
                raise OrderRejectedError(f"{request.client_order_id}: a limit order needs a price")
            price = self._precise(symbol, request.price, "price")
        elif self.profile.market_order_price:
            mark = (await self.quotes([request.market]))[request.market].mark
            price = self._precise(symbol, mark, "price")
        if self.profile.lookup_before_create:
            existing = await self.order(request.client_order_id, request.market)
            if existing is not None:
                return existing
        params: dict[str, Any] = {self.profile.client_id_param: request.client_order_id}
        if request.reduce_only and ":perp:" in request.market:
            params["reduceOnly"] = True  # spot has no such flag: selling what is held reduces
        spot = ":spot:" in request.market
        if spot and request.side == "buy":
            reference = price or (await self.quotes([request.market]))[request.market].mark
            try:
                await self._spot_cash(float(amount) * float(reference) * SPOT_CASH_MARGIN)
            except VenueError as error:  # the order itself was never sent: a definite no
                raise OrderRejectedError(
                    f"{self.name}: {request.client_order_id} not sent: moving cash to the spot "
                    f"wallet failed ({error.message})"
                ) from None
        answer = await self._create(request, symbol, amount, price, params)
        if spot:
            try:
                await self._spot_cash(0.0)
            except VenueError as error:  # the order stands; the next spot order moves the cash
                self._logger.warning("%s: spare spot cash left in place: %s", self.name, error)
        return answer

    async def _spot_cash(self, need: float) -> None:
        """Move cash between separate spot and derivatives wallets (see `VenueProfile`)."""
        if self.profile.spot_cash is None:
            return
        move, cash = self.profile.spot_cash, self.profile.cash
        await self._read("wallet transfer", lambda: move(self._exchange, cash, need))

    async def _create(
        self,
        request: OrderRequest,
        symbol: str,
        amount: Decimal,
        price: Decimal | None,
        params: dict[str, Any],
    ) -> VenueOrder:
        errors = self._errors
        for attempt in range(self.config.retries + 1):
            try:
                raw = await self._exchange.create_order(
                    symbol,
                    request.type,
                    request.side,
                    float(amount),
                    None if price is None else float(price),
                    params,
                )
                return self._venue_order(raw, request.market, request.client_order_id, request)
            except _REFUSALS(errors) as error:
                if _duplicate(error):
                    found = await self.order(request.client_order_id, request.market)
                    if found is not None:
                        return found
                raise OrderRejectedError(
                    f"{self.name} refused {request.client_order_id}: {self._clean(error)}"
                ) from None
            except (errors.RateLimitExceeded, errors.DDoSProtection) as error:
                await self._backoff(attempt, error, f"place {request.client_order_id}")
            except errors.RequestTimeout as error:  # sent, no answer: fate unknown, not guessed
                raise VenueUnavailableError(
                    f"{self.name}: place {request.client_order_id}: fate unknown "
                    f"({self._clean(error)}); reconcile it by its client id"
                ) from None
            except errors.OperationFailed as error:
                # a 5xx, an internal error or a dropped connection: Binance says the order's
                # status is then unknown, so ask for the id before sending it again
                found = await self.order(request.client_order_id, request.market)
                if found is not None:
                    return found
                await self._backoff(attempt, error, f"place {request.client_order_id}")
            except errors.BaseError as error:
                raise VenueUnavailableError(
                    f"{self.name}: place {request.client_order_id}: unexpected answer "
                    f"({self._clean(error)}); reconcile it by its client id"
                ) from None
        raise VenueUnavailableError(f"{self.name}: place {request.client_order_id}: no answer")

    async def precise(self, market: str, amount: float) -> float:
        await self._markets()
        return float(self._precise(self.symbol(market), amount, "amount"))

    async def cancel(self, client_order_id: str, market: str) -> VenueOrder | None:
        await self._markets()
        symbol = self.symbol(market)
        params = self.profile.lookup_params(client_order_id)
        try:
            raw = await self._read(
                "cancel", lambda: self._exchange.cancel_order(None, symbol, params), missing=True
            )
        except _MissingOrderError:
            return await self.order(client_order_id, market)  # filled already, or never was
        return self._venue_order(raw, market, client_order_id)

    async def close(self) -> None:
        await self._exchange.close()

    # ----------------------------------------------------------------------------- internals
    async def _markets(self) -> None:
        if not self._markets_loaded:
            await self._read("markets", lambda: self._exchange.load_markets())
            self._markets_loaded = True

    async def _read(self, what: str, call: Callable[[], Awaitable[T]], missing: bool = False) -> T:
        """Run an idempotent call, retrying network errors, 429 and 5xx within the bounds."""
        errors = self._errors
        for attempt in range(self.config.retries + 1):
            try:
                return await call()
            except errors.OrderNotFound:
                if missing:
                    raise _MissingOrderError from None
                raise
            except errors.OperationFailed as error:
                await self._backoff(attempt, error, what)
            except errors.BaseError as error:
                raise VenueError(f"{self.name}: {what}: {self._clean(error)}") from None
        raise VenueUnavailableError(f"{self.name}: {what}: no answer")

    async def _backoff(self, attempt: int, error: Exception, what: str) -> None:
        """Sleep before the next attempt, or raise VenueUnavailableError when none is left
        or the venue asks to wait longer than `max_retry_after_seconds`."""
        kind = type(error).__name__
        if attempt >= self.config.retries:
            raise VenueUnavailableError(
                f"{self.name}: {what}: {kind} after {attempt + 1} attempts: {self._clean(error)}"
            ) from None
        delay = min(self.config.backoff_seconds * 2**attempt, self.config.max_backoff_seconds)
        if isinstance(error, self._errors.DDoSProtection):
            retry_after = _retry_after(self._exchange.last_response_headers)
            if retry_after is not None:
                if retry_after > self.config.max_retry_after_seconds:
                    raise VenueUnavailableError(
                        f"{self.name}: {what}: rate limited for {retry_after:g} s, longer than "
                        f"the {self.config.max_retry_after_seconds:g} s the adapter waits"
                    ) from None
                delay = max(delay, retry_after)
        await self._sleep(delay)

    def _precise(self, symbol: str, value: float, what: str) -> Decimal:
        """`value` at the venue's precision (ccxt truncates amounts, rounds prices)."""
        helper = (
            self._exchange.amount_to_precision
            if what == "amount"
            else self._exchange.price_to_precision
        )
        try:
            precise = Decimal(helper(symbol, value))
        except (InvalidOperation, self._errors.BaseError) as error:
            raise OrderRejectedError(
                f"{self.name} {symbol}: {what} {value!r} is not valid: {self._clean(error)}"
            ) from None
        if precise <= 0:
            raise OrderRejectedError(
                f"{self.name} {symbol}: {what} {value!r} is below the venue's precision"
            )
        return precise

    def _contract_size(self, symbol: str) -> float:
        """Base units per ccxt amount unit: the contract size of a derivative, 1 for spot."""
        market = self._exchange.market(symbol)
        return float(market.get("contractSize") or 1.0) if market.get("contract") else 1.0

    def _venue_order(
        self,
        raw: dict[str, Any],
        market: str,
        client_id: str | None,
        sent: OrderRequest | None = None,
    ) -> VenueOrder:
        """The order as ccxt parsed it; a create's bare acknowledgement (Bybit, OKX answer
        only the ids) is completed from the request `sent`."""
        status: OrderStatus = raw.get("status") or "open"
        if status not in get_args(OrderStatus):
            raise VenueError(f"{self.name}: order {raw.get('id')} has unknown status {status!r}")
        size = self._contract_size(self.symbol(market))
        return VenueOrder(
            client_order_id=raw.get("clientOrderId") or client_id or "",
            venue_order_id=str(raw.get("id")),
            market=market,
            side=raw.get("side") or (sent.side if sent else _missing("side", raw)),
            amount=float(raw["amount"]) * size
            if raw.get("amount") is not None
            else (sent.amount if sent else 0.0),
            filled=float(raw.get("filled") or 0.0) * size,
            status=status,
            average=_float(raw.get("average")),
            time=_optional_time(raw.get("timestamp")),
        )

    def _fill(self, trade: dict[str, Any], market: str) -> VenueFill:
        fee = trade.get("fee") or {}
        return VenueFill(
            trade_id=str(trade["id"]),
            venue_order_id=str(trade.get("order")),
            client_order_id=trade.get("clientOrderId"),
            market=market,
            side=trade["side"],
            amount=float(trade["amount"]) * self._contract_size(self.symbol(market)),
            price=float(trade["price"]),
            fee=float(fee.get("cost") or 0.0),
            fee_asset=str(fee.get("currency") or self.profile.cash),
            time=_time(trade["timestamp"]),
        )

    def _clean(self, error: BaseException) -> str:
        """An error's text without query strings, keys or secrets, on one short line."""
        text = _QUERY.sub("?…", f"{type(error).__name__}: {error}")
        if self._credentials is not None:
            text = self._credentials.redact(text)
        return " ".join(text.split())[:300]


class _MissingOrderError(Exception):
    """The venue has no such order (internal signal of `_read`)."""


def _REFUSALS(errors: Any) -> tuple[type[BaseException], ...]:  # noqa: N802
    return (
        errors.InsufficientFunds,
        errors.InvalidOrder,
        errors.BadRequest,
        errors.BadSymbol,
        errors.OperationRejected,
        errors.AuthenticationError,
        errors.PermissionDenied,
    )


def _duplicate(error: BaseException) -> bool:
    """Whether a refusal says the client order id is already in use."""
    text = str(error).lower()
    return "duplicate" in text or "-4116" in text or "already exists" in text


def _retry_after(headers: Any) -> float | None:
    for name, value in (headers or {}).items():
        if str(name).lower() == "retry-after":
            try:
                return float(value)
            except ValueError:
                return None
    return None


def _time(ms: Any) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, UTC) if ms is not None else datetime.now(UTC)


def _missing(field: str, raw: dict[str, Any]) -> Any:
    raise VenueError(f"the venue's order {raw.get('id')} has no {field}")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _optional_time(ms: Any) -> datetime | None:
    """A ccxt millisecond timestamp as a UTC instant; None when the venue gave none."""
    return None if ms is None else _time(ms)
