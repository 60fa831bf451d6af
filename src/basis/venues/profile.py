"""What differs between ccxt venues, declared once per venue: class, client-id parameter, test
environment, URL override and the few calls that need the venue's raw API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from basis.errors import ConfigError
from basis.venues.credentials import Credentials

__all__ = ["VenueProfile", "point_urls_at"]

Exchange = Any  # a ccxt.async_support exchange; ccxt ships no type hints


@dataclass(frozen=True)
class VenueProfile:
    """One venue's quirks behind the one `CcxtVenue`.

    * `ccxt_id`: the `ccxt.async_support` class name;
    * `client_id_param`: the create-order parameter carrying our client order id;
    * `cash`: the quote of spot pairs and the settle asset of linear perps;
    * `options`: ccxt options set on every instance (fewer calls, builder fees off, …);
    * `use_testnet`: switches a fresh instance to the venue's test environment;
    * `holdings`: reads balances and positions when the unified calls do not fit;
    * `exchange_class`: wraps the ccxt class (Hyperliquid: no builder-fee approval);
    * `credential_fields`: the ccxt constructor fields our key and secret go into;
    * `order_types`: the ccxt market types `open_orders` asks for;
    * `spot_cash`: moves cash between separate spot and derivatives wallets.
    """

    name: str
    ccxt_id: str
    client_id_param: str
    cash: str
    use_testnet: Callable[[Exchange], None]
    options: Mapping[str, Any] = field(default_factory=dict)
    holdings: Callable[[Exchange, Any], Awaitable[Any]] | None = None
    exchange_class: Callable[[type], type] | None = None
    credential_fields: Callable[[Credentials], dict[str, str]] = field(
        default=lambda c: {"apiKey": c.api_key, "secret": c.secret}
    )
    lookup_params: Callable[[str], dict[str, Any]] = field(
        default=lambda client_id: {"clientOrderId": client_id}
    )
    """The fetch/cancel-order parameters that name an order by our client id."""
    order_types: tuple[str, ...] = ("spot", "swap")
    since_param: bool = False
    """Pass `since` as the venue's `startTime` parameter (Binance: ccxt clamps `since` to a
    one-week window on its own otherwise)."""
    market_order_price: bool = False
    """The venue's market orders need a reference price (Hyperliquid: ccxt turns it into an
    IOC limit order within its slippage option)."""
    spot_cash: Callable[[Exchange, str, float], Awaitable[None]] | None = None
    """Venues whose spot and derivatives wallets are separate (Binance): make `need` of the
    cash asset free in the spot wallet and keep the rest in the derivatives wallet, where it
    is the perps' margin. Called before a spot buy (need: its cost) and after any spot fill
    (need 0)."""
    lookup_before_create: bool = True
    """Binance (and others) refuse a duplicate client id only while that order is open, so
    the adapter asks for the id before every create: a filled order is never sent twice."""


def point_urls_at(exchange: Exchange, base_url: str) -> None:
    """Point every REST base URL of `exchange` at `base_url` (scheme and host), keeping each
    URL's path: `https://fapi.binance.com/fapi/v1` → `http://127.0.0.1:8300/fapi/v1`."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"--venue-url {base_url!r}: expected http(s)://host:port")
    root = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"

    def rewrite(value: Any) -> Any:
        if isinstance(value, str):
            return root + urlsplit(value.replace("{hostname}", "host")).path
        if isinstance(value, dict):
            return {key: rewrite(item) for key, item in value.items()}
        return value

    exchange.urls["api"] = rewrite(exchange.urls["api"])
