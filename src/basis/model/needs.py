"""What a mode reads from the market (`Needs`), and how its perps are named."""

from __future__ import annotations

from dataclasses import dataclass

from basis.book import Instrument, Kind
from basis.config.market import MarketConfig

__all__ = ["Needs", "perp_instrument"]


@dataclass(frozen=True)
class Needs:
    """The inputs a mode reads: spot prices, LSTs, Aave markets, perps per venue, gas."""

    prices: tuple[str, ...] = ()
    lst: str | None = None
    aave_assets: tuple[str, ...] = ()
    perp_base: str | None = None
    perp_venues: tuple[str, ...] = ()
    onchain: bool = False
    rewards: bool = False
    estimated_rewards: bool = True  # False: leave out the payouts the vendor marks estimated
    volumes: bool = False  # each perp's last closed hourly volume (`Snapshot.volume`)


def perp_instrument(market: MarketConfig, venue: str, base: str) -> Instrument:
    """The linear perp on `venue`: USDC-quoted on perp DEXs, USDT-quoted on CEXs."""
    quote = "USDC" if market.venue(venue).kind == "perp_dex" else "USDT"
    return Instrument(venue, Kind.PERP, f"{base}{quote}")
