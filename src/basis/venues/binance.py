"""Binance: spot and USDⓈ-M futures through ccxt's `binance`; demo trading for `--testnet`.

Spot and futures are separate wallets on Binance: holdings add the spot wallet totals and
the USDⓈ-M wallet balance (realised P&L, fees and funding included, unrealised excluded),
and `transfer` moves USDT between them (`/sapi/v1/asset/transfer`).
"""

from __future__ import annotations

import math
from typing import Any

from basis.live.venue import Holdings, PerpHolding
from basis.venues.profile import Exchange, VenueProfile

__all__ = ["BINANCE", "transfer"]


def _use_demo_trading(exchange: Exchange) -> None:
    """Binance retired its futures sandbox; demo trading (demo-fapi / demo-api) replaced it."""
    exchange.enable_demo_trading(True)


async def _holdings(exchange: Exchange, venue: Any) -> Holdings:
    spot = await exchange.fetch_balance({"type": "spot"})
    futures = await exchange.fetch_balance({"type": "future"})
    balances: dict[str, float] = {}
    for asset, total in (spot.get("total") or {}).items():
        if total:
            balances[asset] = balances.get(asset, 0.0) + float(total)
    for row in futures["info"].get("assets", []):
        wallet = float(row.get("walletBalance", 0) or 0)
        if wallet:
            balances[row["asset"]] = balances.get(row["asset"], 0.0) + wallet
    positions: dict[str, PerpHolding] = {}
    for row in await exchange.fapiPrivateV3GetPositionRisk():
        size = float(row["positionAmt"])
        if size:
            name = venue.market_name(exchange.safe_symbol(row["symbol"], None, None, "swap"))
            positions[name] = PerpHolding(size=size, entry=float(row["entryPrice"]))
    return Holdings(balances=balances, positions=positions)


async def transfer(exchange: Exchange, amount: float, to_futures: bool, asset: str = "USDT") -> str:
    """Move `amount` of `asset` from spot to USDⓈ-M (or back); return the venue's transfer id."""
    source, target = ("spot", "linear") if to_futures else ("linear", "spot")  # USDⓈ-M: UMFUTURE
    result = await exchange.transfer(asset, amount, source, target)
    return str(result.get("id"))


async def _spot_cash(exchange: Exchange, asset: str, need: float) -> None:
    """Keep `need` of `asset` free in the spot wallet and the rest in USDⓈ-M (its margin)."""
    spot = await exchange.fetch_balance({"type": "spot"})
    free = float((spot.get("free") or {}).get(asset) or 0.0)
    if free < need:
        futures = await exchange.fetch_balance({"type": "future"})
        available = float((futures.get("free") or {}).get(asset) or 0.0)
        amount = min(_cents(need - free), _cents(available, up=False))
        if amount > 0.0:  # what it cannot cover, the venue refuses with the order
            await transfer(exchange, amount, to_futures=False, asset=asset)
    elif free - need >= 0.01:
        await transfer(exchange, _cents(free - need, up=False), to_futures=True, asset=asset)


def _cents(amount: float, up: bool = True) -> float:
    """Transfers in whole cents: up when the spot wallet needs it, down when it gives."""
    scaled = amount * 100.0
    return (math.ceil(scaled) if up else math.floor(scaled)) / 100.0


BINANCE = VenueProfile(
    name="binance",
    ccxt_id="binance",
    client_id_param="newClientOrderId",
    cash="USDT",
    use_testnet=_use_demo_trading,
    options={
        "fetchMarkets": {"types": ["spot", "linear"]},
        "fetchCurrencies": False,  # a private sapi call per load_markets: not needed
        "fetchMargins": False,
        "fetchOpenOrders": {"warnWithoutSymbol": False},
        "defaultType": "spot",
    },
    holdings=_holdings,
    since_param=True,
    spot_cash=_spot_cash,
)
