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
    order_types=("swap",),
    market_order_price=True,
)
