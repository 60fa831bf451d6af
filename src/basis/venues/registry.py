"""Every ccxt venue basis trades, by name, and one function that opens an adapter on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from basis.errors import ConfigError
from basis.live.venue import Venue
from basis.venues.binance import BINANCE
from basis.venues.bybit import BYBIT
from basis.venues.ccxt_venue import CcxtVenue, CcxtVenueConfig
from basis.venues.credentials import Credentials, credentials_from_env
from basis.venues.hyperliquid import HYPERLIQUID
from basis.venues.okx import OKX
from basis.venues.profile import VenueProfile

__all__ = ["PROFILES", "VENUES", "adapter", "open_venue", "parse_venue_urls"]

PROFILES: dict[str, VenueProfile] = {p.name: p for p in (BINANCE, BYBIT, OKX, HYPERLIQUID)}
VENUES: frozenset[str] = frozenset({*PROFILES, "pacifica"})
"""Every venue basis can trade live: the ccxt profiles and Pacifica (our own client)."""


def adapter(
    venue: str,
    credentials: Credentials | None,
    *,
    testnet: bool = False,
    url: str | None = None,
    throttle: bool = True,
) -> Venue:
    """An adapter on `venue` (ccxt's, or our Pacifica client). Raises ConfigError for a
    venue basis cannot trade."""
    if venue == "pacifica":
        from basis.venues.pacifica.client import PacificaConfig, PacificaVenue

        return PacificaVenue(
            PacificaConfig(testnet=testnet, url=url, throttle=throttle), credentials
        )
    config = CcxtVenueConfig(venue=venue, testnet=testnet, url=url, throttle=throttle)
    return CcxtVenue(config, profile(venue), credentials)


def profile(name: str) -> VenueProfile:
    """The profile of venue `name`; ConfigError listing the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ConfigError(f"unknown venue {name!r}; ccxt venues: {sorted(PROFILES)}") from None


def open_venue(config: CcxtVenueConfig, environ: Mapping[str, str] | None = None) -> CcxtVenue:
    """A `CcxtVenue` on `config.venue` with the credentials from the environment
    (`BASIS_<VENUE>_API_KEY`, `_SECRET`). Raises MissingSecretError or ConfigError."""
    chosen = profile(config.venue)
    return CcxtVenue(config, chosen, credentials_from_env(config.venue, environ))


def parse_venue_urls(items: Sequence[str]) -> dict[str, str]:
    """`--venue-url VENUE=URL` items as a mapping; ConfigError naming a malformed item."""
    urls: dict[str, str] = {}
    for item in items:
        name, sep, url = item.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            raise ConfigError(f"--venue-url {item!r}: expected VENUE=http(s)://host:port")
        if name not in VENUES:
            raise ConfigError(f"--venue-url {item!r}: unknown venue; known: {sorted(VENUES)}")
        urls[name] = url
    return urls
