"""Hyperliquid: linear USDC perps through ccxt's `hyperliquid`, with builder fees off.

ccxt approves its own builder on a Hyperliquid account at the first private call and then
attaches `{"builder": {"b": …, "f": …}}` to every order (at a 0 % fee when its `builderFee`
option is off, but still approved and attached). basis approves no builder and attaches
none: the subclass below never sends `approveBuilderFee`, and `approvedBuilderFee` stays
False, which is what makes ccxt leave `builder` out of orders. `refSet` skips ccxt's
`setReferrer` call. Credentials: the API key is the wallet address, the secret its
(agent) private key. `--testnet` is Hyperliquid's testnet (api.hyperliquid-testnet.xyz).
"""

from __future__ import annotations

from typing import Any

from basis.live.venue import Holdings, PerpHolding
from basis.venues.credentials import Credentials
from basis.venues.profile import Exchange, VenueProfile

__all__ = ["HYPERLIQUID", "NO_BUILDER_OPTIONS"]

NO_BUILDER_OPTIONS = {"builderFee": False, "approvedBuilderFee": False, "refSet": True}


def _without_builder_fee(base: type) -> type:
    """`base` (ccxt's hyperliquid class) that never approves a builder fee."""

    class HyperliquidWithoutBuilder(base):  # type: ignore[misc]
        async def handle_builder_fee_approval(self) -> bool:
            return True  # nothing to approve: orders carry no builder

    return HyperliquidWithoutBuilder


async def _holdings(exchange: Exchange, venue: Any) -> Holdings:
    """USDC = account value less unrealised P&L (Holdings exclude it; ccxt's balance total
    is the account value, which includes it); positions from `assetPositions`."""
    state = await exchange.publicPostInfo(
        {"type": "clearinghouseState", "user": exchange.walletAddress}
    )
    positions: dict[str, PerpHolding] = {}
    unrealised = 0.0
    for row in state.get("assetPositions") or []:
        position = row.get("position") or {}
        size = float(position.get("szi") or 0.0)
        if size:
            unrealised += float(position.get("unrealizedPnl") or 0.0)
            name = f"{venue.name}:perp:{position['coin']}USDC"
            positions[name] = PerpHolding(size=size, entry=float(position.get("entryPx") or 0.0))
    value = float((state.get("marginSummary") or {}).get("accountValue") or 0.0)
    balances = {"USDC": value - unrealised} if value or unrealised else {}
    return Holdings(balances=balances, positions=positions)


def _use_testnet(exchange: Exchange) -> None:
    exchange.set_sandbox_mode(True)


def _wallet(credentials: Credentials) -> dict[str, str]:
    return {"walletAddress": credentials.api_key, "privateKey": credentials.secret}


HYPERLIQUID = VenueProfile(
    name="hyperliquid",
    ccxt_id="hyperliquid",
    client_id_param="clientOrderId",  # a cloid: 0x + 32 hex digits
    cash="USDC",
    use_testnet=_use_testnet,
    options={**NO_BUILDER_OPTIONS, "fetchMarkets": {"types": ["swap"]}},
    exchange_class=_without_builder_fee,
    credential_fields=_wallet,
    holdings=_holdings,
    order_types=("swap",),
    market_order_price=True,
)
