"""Binance: spot and USDⓈ-M futures through ccxt's `binance`; demo trading for `--testnet`.

Spot and futures are separate wallets on Binance: holdings add the spot wallet totals and
the USDⓈ-M wallet balance (realised P&L, fees and funding included, unrealised excluded),
and `transfer` moves USDT between them (`/sapi/v1/asset/transfer`).
"""

from __future__ import annotations

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
)
