"""The kill switch from anywhere: the journal flag, then every venue with credentials."""

from __future__ import annotations

from collections.abc import Mapping

from basis.live.controls import KillReport, kill
from basis.live.journal import Journal
from basis.trading.launch import open_venues
from basis.venues.registry import PROFILES

__all__ = ["kill_all"]


async def kill_all(
    journal_url: str | None,
    flatten: bool,
    testnet: bool,
    urls: Mapping[str, str],
    reason: str = "basis live kill",
) -> KillReport:
    """Kill with every venue that has credentials (and every `--venue-url`): the flag is set
    first, so even with no venue reachable no runner trades again."""
    names = sorted(set(PROFILES) if not urls else set(urls))
    venues, _ = open_venues(names, testnet=testnet, urls=urls, need_keys=True)
    try:
        with Journal.open(journal_url) as journal:
            return await kill(journal, venues, flatten, reason=reason)
    finally:
        for venue in venues.values():
            await venue.close()
