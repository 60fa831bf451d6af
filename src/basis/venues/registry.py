"""Every ccxt venue basis trades, by name, and one function that opens an adapter on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from basis.errors import ConfigError, MissingSecretError
from basis.venues.binance import BINANCE
from basis.venues.bybit import BYBIT
from basis.venues.ccxt_venue import CcxtVenue, CcxtVenueConfig
from basis.venues.credentials import credentials_from_env
from basis.venues.hyperliquid import HYPERLIQUID
from basis.venues.okx import OKX
from basis.venues.profile import VenueProfile

__all__ = ["PROFILES", "open_venue", "open_venues", "parse_venue_urls"]

PROFILES: dict[str, VenueProfile] = {p.name: p for p in (BINANCE, BYBIT, OKX, HYPERLIQUID)}


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


def open_venues(
    names: Sequence[str],
    testnet: bool = False,
    urls: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, CcxtVenue]:
    """One adapter per venue of a run, as `basis live run --testnet --venue-url …` asks.

    Every credential is checked before any adapter is built, so a missing one fails fast
    with the names of all that are missing; a URL for a venue not in `names` is refused.
    """
    urls = dict(urls or {})
    unknown = sorted(set(urls) - set(names))
    if unknown:
        raise ConfigError(f"--venue-url names {unknown}, which the run does not trade: {names}")
    missing: list[str] = []
    for name in names:
        profile(name)
        try:
            credentials_from_env(name, environ)
        except MissingSecretError as error:
            missing.append(error.message)
    if missing:
        raise MissingSecretError("; ".join(missing))
    return {
        name: open_venue(CcxtVenueConfig(venue=name, testnet=testnet, url=urls.get(name)), environ)
        for name in names
    }


def parse_venue_urls(items: Sequence[str]) -> dict[str, str]:
    """`--venue-url VENUE=URL` items as a mapping; ConfigError naming a malformed item."""
    urls: dict[str, str] = {}
    for item in items:
        name, sep, url = item.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            raise ConfigError(f"--venue-url {item!r}: expected VENUE=http(s)://host:port")
        profile(name)
        urls[name] = url
    return urls
