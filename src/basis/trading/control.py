"""The kill switch from anywhere: the journal flag, then every venue with credentials."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from basis.accounts.store import AccountStore
from basis.errors import BasisError
from basis.live.controls import KillReport, kill
from basis.live.journal import Journal
from basis.trading.launch import open_venues
from basis.venues.registry import VENUES

__all__ = ["kill_all"]


async def kill_all(
    journal_url: str | None,
    flatten: bool,
    testnet: bool,
    urls: Mapping[str, str],
    reason: str = "basis live kill",
    actor: str = "operator",
) -> KillReport:
    """Kill with every venue that has credentials and every active stored account (or every
    `--venue-url`): the flag is set first, so even with no venue reachable no runner
    trades again. Stored accounts whose keys cannot be opened (no master key) are named in
    the report's `failed` under `accounts`; the kill goes on with the others."""
    failed: dict[str, str] = {}
    with AccountStore.open(journal_url) as store:
        stored = {account.name for account in store.list() if account.active}
        names = sorted(set(urls) if urls else set(VENUES) | stored)
        try:
            venues, _ = open_venues(
                names, testnet=testnet, urls=urls, need_keys=True, accounts=store, actor=actor
            )
        except BasisError as error:  # a missing master key must not stop the kill
            failed["accounts"] = error.message
            others = [name for name in names if name not in stored]
            venues, _ = open_venues(others, testnet=testnet, urls=urls, need_keys=True)
    try:
        with Journal.open(journal_url) as journal:
            report = await kill(journal, venues, flatten, reason=reason, actor=actor)
            return replace(report, failed={**failed, **report.failed})
    finally:
        for venue in venues.values():
            await venue.close()
