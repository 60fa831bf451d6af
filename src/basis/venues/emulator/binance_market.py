"""Binance's market and account endpoints: exchange info, prices, balances, positions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from basis.venues.emulator.accounts import QUOTE, EmulatorRejectedError, Market
from basis.venues.emulator.binance_wire import Call, Json, ms, number, requested_symbols
from basis.venues.emulator.exchange import Instrument

__all__ = [
    "exchange_info",
    "funding_rate_history",
    "futures_account",
    "futures_balance",
    "leverage_bracket",
    "position_rows",
    "premium_index",
    "server_time",
    "spot_account",
    "ticker",
    "wallet_transfer",
]


def server_time(call: Call) -> Json:
    return {"serverTime": ms(call.exchange.advance())}


def _symbol_filters(instrument: Instrument) -> list[Json]:
    step, tick = number(instrument.step), number(instrument.tick)
    notional = number(instrument.min_notional)
    filters: list[Json] = [
        {"filterType": "PRICE_FILTER", "minPrice": tick, "maxPrice": "10000000", "tickSize": tick},
        {"filterType": "LOT_SIZE", "minQty": step, "maxQty": "100000", "stepSize": step},
        {"filterType": "MARKET_LOT_SIZE", "minQty": step, "maxQty": "100000", "stepSize": step},
    ]
    if instrument.market == "spot":
        filters.append({"filterType": "NOTIONAL", "minNotional": notional})
    else:
        filters.append({"filterType": "MIN_NOTIONAL", "notional": notional})
    return filters


def _decimals(step: float) -> int:
    text = number(step)
    return len(text.split(".")[1]) if "." in text else 0


def exchange_info(market: Market) -> Callable[[Call], Json]:
    def handler(call: Call) -> Json:
        now = call.exchange.advance()
        symbols = []
        for instrument in call.exchange.instruments.values():
            if instrument.market != market:
                continue
            entry: dict[str, Json] = {
                "symbol": instrument.symbol,
                "status": "TRADING",
                "baseAsset": instrument.base,
                "quoteAsset": instrument.quote,
                "baseAssetPrecision": 8,
                "quotePrecision": 8,
                "filters": _symbol_filters(instrument),
            }
            if market == "spot":
                entry |= {
                    "quoteAssetPrecision": 8,
                    "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
                    "isSpotTradingAllowed": True,
                    "isMarginTradingAllowed": False,
                    "permissions": ["SPOT"],
                }
            else:
                entry |= {
                    "pair": instrument.symbol,
                    "contractType": "PERPETUAL",
                    "deliveryDate": 4133404800000,
                    "onboardDate": ms(call.exchange.replay.start),
                    "contractStatus": "TRADING",
                    "marginAsset": QUOTE,
                    "pricePrecision": _decimals(instrument.tick),
                    "quantityPrecision": _decimals(instrument.step),
                    "underlyingType": "COIN",
                    "orderTypes": ["LIMIT", "MARKET"],
                    "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
                }
            symbols.append(entry)
        limit = {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1}
        return {
            "timezone": "UTC",
            "serverTime": ms(now),
            "rateLimits": [limit | {"limit": call.weight_limit}],
            "exchangeFilters": [],
            "symbols": symbols,
        }

    return handler


def ticker(market: Market) -> Callable[[Call], Json]:
    def handler(call: Call) -> Json:
        now = call.exchange.advance()
        rows = []
        for symbol in requested_symbols(call, market):
            last = call.exchange.reference(market, symbol, now)
            opened = call.exchange.reference(market, symbol, now - dt.timedelta(days=1))
            price = number(last)
            rows.append(
                {
                    "symbol": symbol,
                    "priceChange": number(last - opened)
                    if last >= opened
                    else "-" + number(opened - last),
                    "priceChangePercent": f"{(last / opened - 1) * 100:.3f}",
                    "weightedAvgPrice": price,
                    "lastPrice": price,
                    "lastQty": "0",
                    "bidPrice": price,
                    "bidQty": "0",
                    "askPrice": price,
                    "askQty": "0",
                    "openPrice": number(opened),
                    "highPrice": number(max(last, opened)),
                    "lowPrice": number(min(last, opened)),
                    "volume": "0",
                    "quoteVolume": "0",
                    "openTime": ms(now) - 86_400_000,
                    "closeTime": ms(now),
                    "count": 0,
                }
            )
        return rows[0] if "symbol" in call.params else rows

    return handler


def premium_index(call: Call) -> Json:
    exchange = call.exchange
    now = exchange.advance()
    rows = [
        {
            "symbol": symbol,
            "markPrice": number(exchange.replay.mark(symbol, now)),
            "indexPrice": number(exchange.replay.index(symbol, now)),
            "estimatedSettlePrice": number(exchange.replay.index(symbol, now)),
            "lastFundingRate": f"{exchange.replay.last_rate(symbol, now):.8f}",
            "interestRate": "0.00010000",
            "nextFundingTime": ms(exchange.replay.next_settlement(now)),
            "time": ms(now),
        }
        for symbol in requested_symbols(call, "futures")
    ]
    return rows[0] if "symbol" in call.params else rows


def funding_rate_history(call: Call) -> Json:
    """Settled funding of one perp in [startTime, endTime], never past emulator time."""
    exchange = call.exchange
    now = exchange.advance()
    symbol = exchange.instrument("futures", call.text("symbol")).symbol
    start_ms = call.integer("startTime") or 0
    end_ms = min(call.integer("endTime") or ms(now), ms(now))
    limit = min(call.integer("limit") or 100, 1000)
    after = dt.datetime.fromtimestamp(start_ms / 1000, dt.UTC) - dt.timedelta(milliseconds=1)
    until = dt.datetime.fromtimestamp(end_ms / 1000, dt.UTC)
    settled = exchange.replay.settlements(symbol, after, until)
    return [
        {
            "symbol": symbol,
            "fundingRate": f"{s.rate:.8f}",
            "fundingTime": ms(s.time),
            "markPrice": number(s.mark),
        }
        for s in settled
        if start_ms <= ms(s.time) <= end_ms
    ][:limit]


# ----------------------------------------------------------------------------- accounts
def spot_account(call: Call) -> Json:
    exchange = call.exchange
    now = exchange.advance()
    account = exchange.account(call.api_key)
    assets = sorted(set(account.free) | set(account.locked))
    return {
        "makerCommission": round(exchange.config.spot_fees.maker * 10_000)
        if exchange.config.spot_fees
        else 0,
        "takerCommission": round(exchange.config.spot_fees.taker * 10_000)
        if exchange.config.spot_fees
        else 0,
        "canTrade": True,
        "canWithdraw": True,
        "canDeposit": True,
        "updateTime": ms(now),
        "accountType": "SPOT",
        "balances": [
            {
                "asset": a,
                "free": number(account.free.get(a, 0.0)),
                "locked": number(account.locked.get(a, 0.0)),
            }
            for a in assets
        ],
        "permissions": ["SPOT"],
    }


def position_rows(call: Call) -> list[Json]:
    exchange = call.exchange
    now = exchange.advance()
    account = exchange.account(call.api_key)
    rows = []
    for symbol, position in sorted(account.positions.items()):
        if "symbol" in call.params and call.params["symbol"] != symbol:
            continue
        mark = exchange.replay.mark(symbol, now)
        notional = position.size * mark
        initial = abs(notional) * exchange.config.margin.initial
        rows.append(
            {
                "symbol": symbol,
                "positionSide": "BOTH",
                "positionAmt": number(position.size),
                "entryPrice": number(position.entry),
                "breakEvenPrice": number(position.entry),
                "markPrice": number(mark),
                "unRealizedProfit": number(position.size * (mark - position.entry)),
                "liquidationPrice": "0",
                "isolatedMargin": "0",
                "notional": number(notional),
                "marginAsset": QUOTE,
                "isolatedWallet": "0",
                "initialMargin": number(initial),
                "maintMargin": number(abs(notional) * exchange.config.margin.maintenance),
                "positionInitialMargin": number(initial),
                "openOrderInitialMargin": "0",
                "adl": 0,
                "bidNotional": "0",
                "askNotional": "0",
                "leverage": str(round(1 / exchange.config.margin.initial)),
                "marginType": "cross",
                "updateTime": ms(now),
            }
        )
    return rows


def futures_account(call: Call) -> Json:
    exchange = call.exchange
    now = exchange.advance()
    account = exchange.account(call.api_key)
    unrealised = exchange.unrealized(account, now)
    positions = position_rows(call)
    initial = sum(float(p["initialMargin"]) for p in positions)
    maintenance = sum(float(p["maintMargin"]) for p in positions)
    available = account.wallet + unrealised - initial
    asset = {
        "asset": QUOTE,
        "walletBalance": number(account.wallet),
        "unrealizedProfit": number(unrealised),
        "marginBalance": number(account.wallet + unrealised),
        "maintMargin": number(maintenance),
        "initialMargin": number(initial),
        "positionInitialMargin": number(initial),
        "openOrderInitialMargin": "0",
        "crossWalletBalance": number(account.wallet),
        "crossUnPnl": number(unrealised),
        "availableBalance": number(available),
        "maxWithdrawAmount": number(max(available, 0.0)),
        "updateTime": ms(now),
    }
    return {
        "totalInitialMargin": asset["initialMargin"],
        "totalMaintMargin": asset["maintMargin"],
        "totalWalletBalance": asset["walletBalance"],
        "totalUnrealizedProfit": asset["unrealizedProfit"],
        "totalMarginBalance": asset["marginBalance"],
        "totalPositionInitialMargin": asset["initialMargin"],
        "totalOpenOrderInitialMargin": "0",
        "totalCrossWalletBalance": asset["walletBalance"],
        "totalCrossUnPnl": asset["unrealizedProfit"],
        "availableBalance": asset["availableBalance"],
        "maxWithdrawAmount": asset["maxWithdrawAmount"],
        "assets": [asset],
        "positions": positions,
    }


def futures_balance(call: Call) -> Json:
    asset = futures_account(call)["assets"][0]
    return [
        {
            "accountAlias": "emulator",
            "asset": QUOTE,
            "balance": asset["walletBalance"],
            "crossWalletBalance": asset["crossWalletBalance"],
            "crossUnPnl": asset["crossUnPnl"],
            "availableBalance": asset["availableBalance"],
            "maxWithdrawAmount": asset["maxWithdrawAmount"],
            "marginAvailable": True,
            "updateTime": asset["updateTime"],
        }
    ]


def leverage_bracket(call: Call) -> Json:
    margin = call.exchange.config.margin
    return [
        {
            "symbol": symbol,
            "brackets": [
                {
                    "bracket": 1,
                    "initialLeverage": round(1 / margin.initial),
                    "notionalCap": 1_000_000_000,
                    "notionalFloor": 0,
                    "maintMarginRatio": margin.maintenance,
                    "cum": 0.0,
                }
            ],
        }
        for symbol in requested_symbols(call, "futures")
    ]


def wallet_transfer(call: Call) -> Json:
    kind = call.text("type")
    if kind not in ("MAIN_UMFUTURE", "UMFUTURE_MAIN"):
        raise EmulatorRejectedError(
            -1100, f"the emulator supports MAIN_UMFUTURE and UMFUTURE_MAIN, got {kind!r}"
        )
    tran_id = call.exchange.transfer(
        call.api_key, call.text("asset"), call.decimal("amount"), kind == "MAIN_UMFUTURE"
    )
    return {"tranId": tran_id}
