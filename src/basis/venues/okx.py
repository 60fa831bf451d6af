"""OKX: spot and USDT swaps through ccxt's `okx`; simulated trading for `--testnet`.

Simulated trading uses the production host with the header `x-simulated-trading: 1` (ccxt's
`set_sandbox_mode`) and demo API keys. OKX keys come with a passphrase:
`BASIS_OKX_PASSPHRASE`. The client order id is `clOrdId` (≤ 32 letters and digits), sent
through ccxt's unified `clientOrderId`. Swap sizes are in contracts (0.01 BTC for
BTC-USDT-SWAP): positions are converted to base units with the market's contract size.
"""

from __future__ import annotations

from typing import Any

from basis.live.venue import Holdings, PerpHolding
from basis.venues.credentials import Credentials
from basis.venues.profile import Exchange, VenueProfile

__all__ = ["OKX", "cash_balances"]


def cash_balances(info: dict[str, Any]) -> dict[str, float]:
    """Cash per currency from OKX's `/api/v5/account/balance` answer: `cashBal`, which
    leaves out the unrealised P&L that ccxt's balance total (`eq`) includes."""
    found: dict[str, float] = {}
    for account in info.get("data") or []:
        for detail in account.get("details") or []:
            cash = float(detail.get("cashBal") or 0.0)
            if cash:
                found[detail["ccy"]] = found.get(detail["ccy"], 0.0) + cash
    return found


async def _holdings(exchange: Exchange, venue: Any) -> Holdings:
    balance = await exchange.fetch_balance()
    positions = await exchange.fetch_positions()
    return Holdings(
        balances=cash_balances(balance["info"]),
        positions={
            venue.market_name(p["symbol"]): PerpHolding(
                size=float(p["contracts"])
                * float(p.get("contractSize") or 1.0)
                * (-1 if p["side"] == "short" else 1),
                entry=float(p["entryPrice"]),
            )
            for p in positions
            if p.get("contracts")
        },
    )


def _use_simulated_trading(exchange: Exchange) -> None:
    exchange.set_sandbox_mode(True)


def _with_passphrase(credentials: Credentials) -> dict[str, str]:
    fields = {"apiKey": credentials.api_key, "secret": credentials.secret}
    if credentials.passphrase:
        fields["password"] = credentials.passphrase
    return fields


OKX = VenueProfile(
    name="okx",
    ccxt_id="okx",
    client_id_param="clientOrderId",  # ccxt → clOrdId
    cash="USDT",
    use_testnet=_use_simulated_trading,
    options={"fetchMarkets": {"types": ["spot", "swap"]}},
    credential_fields=_with_passphrase,
    holdings=_holdings,
    order_types=("spot", "swap"),
)
