"""Wiring a live or paper run: the one place that builds a `Runner` (CLI and API call it).

The newest run of the same mode and kind (paper or live), stopped or crashed, is resumed
from its checkpoint unless a new run is asked for; a new run starts on paper with the mode's
capital, live with the venues' balances as its opening flows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from basis.book.checkpoint import from_document
from basis.config.limits import LimitsConfig
from basis.config.market import MarketConfig
from basis.config.modes import ModeConfig
from basis.engine.kernel import build_kernel
from basis.errors import ConfigError
from basis.live.feed import Feed, ReplayFeed, Taken
from basis.live.journal import Journal
from basis.live.orders import OrderManager
from basis.live.runner import LiveVenues, PaperVenues, Runner, RunnerOptions, TickReport
from basis.live.venue import Venue, VenueUnavailableError
from basis.model.market import RewardPayout

__all__ = ["open_runner"]


async def open_runner(
    config: ModeConfig,
    market: MarketConfig,
    journal: Journal,
    feed: Feed,
    *,
    paper: bool,
    hedge_venues: Sequence[str],
    venues: Mapping[str, Venue] | None = None,
    limits: LimitsConfig | None = None,
    options: RunnerOptions | None = None,
    record: Mapping[str, Any] | None = None,
    rewards: Sequence[RewardPayout] = (),
    resume: bool = True,
    run_id: str | None = None,
    accounts: Mapping[str, str] | None = None,
    hold: str | None = None,
) -> tuple[Runner, TickReport]:
    """Build the runner of `config` (resuming its crashed run when `resume`) and take its
    first tick; returns both. Live runs need `venues` (account name → adapter); `accounts`
    maps a book venue to its account when the names differ. `run_id` resumes that run (a
    session's account) instead of the newest run of the mode. `hold` keeps the strategy
    from deciding on the first tick (it stays on the runner until cleared)."""
    if run_id is not None:
        previous = journal.run(run_id) if resume else None
    else:
        previous = journal.latest_run(config.mode) if resume else None
    if previous is not None and (previous.paper != paper or previous.status == "killed"):
        previous = None
    if previous is None:
        run_id = journal.start_run(config.mode, paper, dict(record or {}))
    else:
        run_id = previous.run_id
        journal.reopen_run(run_id)
    saved = journal.load_checkpoint(run_id)
    if saved is not None and isinstance(feed, ReplayFeed):
        feed.seek(after=datetime.fromisoformat(saved["book"]["now"]))
    first = await feed.take()
    if not first.snapshots:
        raise_degraded(first)
    kernel = build_kernel(config, market, hedge_venues, first.now)
    if saved is not None:  # on the market as the mode sees it (its margin model)
        kernel.book = from_document(kernel.strategy.market, saved["book"])
        if "strategy" in saved:  # what the strategy carries between steps
            kernel.strategy.restore(saved["strategy"])
    side: PaperVenues | LiveVenues
    if paper:
        side = PaperVenues(kernel, journal, run_id, limits, rewards)
        if saved is not None:
            side.restore(saved.get("venues", {}))
    else:
        if not venues:
            raise ConfigError("a live run needs at least one venue with credentials")
        orders = OrderManager(journal, venues, run_id, limits=limits)
        side = LiveVenues(kernel, journal, orders, venues, accounts)
    runner = Runner(kernel, journal, run_id, feed, side, options or RunnerOptions(), hold=hold)
    if saved is not None:
        runner.ticks = saved["runner"]["ticks"]
        runner.initial_equity = saved["runner"]["initial_equity"]
        runner.opening = False
    return runner, await runner.tick(first)


def raise_degraded(taken: Taken) -> None:
    detail = "; ".join(f"{venue}: {error}" for venue, error in sorted(taken.degraded.items()))
    raise VenueUnavailableError(f"no market snapshot at start: {detail}")
