"""Bybit: v5 linear (USDT perps) and spot through ccxt's `bybit`; its testnet for `--testnet`.

Bybit has two test environments: the testnet (api-testnet.bybit.com, separate accounts and
keys), used here, and demo trading (api-demo.bybit.com, ccxt `enable_demo_trading`), which
is not. The client order id is v5's `orderLinkId` (≤ 36 characters), sent through ccxt's
unified `clientOrderId`, which ccxt maps to it.
"""

from __future__ import annotations

from typing import Any

from basis.venues.profile import Exchange, VenueProfile

__all__ = ["BYBIT"]


def _use_testnet(exchange: Exchange) -> None:
    exchange.set_sandbox_mode(True)


def _by_order_link_id(client_id: str) -> dict[str, Any]:
    """ccxt's `fetch_order` on a unified account refuses to run without `acknowledged`
    (it sees only the last 500 orders) and names the order by `orderLinkId`."""
    return {"orderLinkId": client_id, "acknowledged": True}


BYBIT = VenueProfile(
    name="bybit",
    ccxt_id="bybit",
    client_id_param="clientOrderId",  # ccxt → orderLinkId
    cash="USDT",
    use_testnet=_use_testnet,
    options={"fetchMarkets": {"types": ["spot", "linear"]}},
    lookup_params=_by_order_link_id,
    order_types=("spot", "swap"),
)
