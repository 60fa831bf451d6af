"""Start a live or paper run: open its venues and its feed, then tick until stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from basis.accounts.store import AccountStore
from basis.config import loader
from basis.config.limits import LimitsConfig
from basis.config.market import load_market
from basis.config.modes import ModeConfig
from basis.data.catalog import Catalog
from basis.engine.backtest import load_mode
from basis.engine.inputs import load_inputs
from basis.errors import ConfigError, MissingSecretError
from basis.live.feed import Feed, ReplayFeed, VenueFeed
from basis.live.journal import Journal
from basis.live.runner import Runner, RunnerOptions, TickReport
from basis.live.session import open_runner
from basis.live.venue import Venue
from basis.model.market import RewardPayout
from basis.model.needs import Needs
from basis.strategies import build
from basis.venues.credentials import Credentials, account_credentials, credentials_from_env
from basis.venues.registry import VENUES, adapter

__all__ = ["LiveRequest", "chain_legs", "open_venues", "start"]

OnTick = Callable[[Runner, TickReport], None]


@dataclass(frozen=True)
class LiveRequest:
    """What `basis live run` asks for; every field has the default a user would expect."""

    mode: str
    paper: bool = False
    testnet: bool = False
    overrides: Sequence[str] = ()
    venue_urls: Mapping[str, str] | None = None
    journal: str | None = None
    tick: float = 60.0
    max_age: float = 30.0
    replay: str | None = None  # paper on catalog data instead of venue quotes
    limits: Path | None = None
    max_ticks: int | None = None
    new_run: bool = False
    throttle: bool = True  # ccxt's client-side pacing; off only against a local emulator


def chain_legs(needs: Needs) -> bool:
    """True when a mode holds on-chain positions (Aave, LSTs, gas)."""
    return bool(needs.onchain or needs.lst or needs.aave_assets)


def open_venues(
    names: Sequence[str],
    *,
    testnet: bool,
    urls: Mapping[str, str],
    need_keys: bool,
    environ: Mapping[str, str] | None = None,
    accounts: AccountStore | None = None,
    actor: str = "live",
    throttle: bool = True,
) -> tuple[dict[str, Venue], list[str]]:
    """Adapters for the venues of `names` that basis can reach, and a warning per venue left
    out (no ccxt adapter, no credentials for a live run, a disabled account). Paper runs
    read public quotes and need no key. A venue at a `--venue-url` (the emulator) is not
    paced by ccxt, nor any venue with `throttle` off (`--no-throttle`).

    A name that is a stored account in `accounts` trades on that account's venue with its
    sealed credentials, opened here in memory (`--testnet` or the account's own flag); any
    other name is a venue whose keys come from `BASIS_<VENUE>_API_KEY` / `_SECRET`.
    """
    venues: dict[str, Venue] = {}
    warnings = []
    for name in names:
        account = accounts.find(name) if accounts is not None else None
        venue = account.venue if account is not None else name
        if venue not in VENUES:
            warnings.append(f"{name}: no venue adapter yet; allocation 0")
            continue
        if account is not None and not account.active:
            warnings.append(f"account {name} is disabled; allocation 0")
            continue
        if account is not None and accounts is not None:
            credentials = account_credentials(accounts, name, actor=actor)
        else:
            try:
                credentials = credentials_from_env(name, environ)
            except MissingSecretError as error:
                if need_keys:
                    warnings.append(f"{error.message}; allocation 0")
                    continue
                credentials = Credentials("", "")
        url = urls.get(name)
        on_testnet = testnet or (account is not None and account.testnet)
        # the emulator enforces its own request limit (429): client-side pacing only slows it
        paced = throttle and url is None
        venues[name] = adapter(venue, credentials, testnet=on_testnet, url=url, throttle=paced)
    return venues, warnings


async def start(
    request: LiveRequest,
    configs: Path,
    catalog: Catalog,
    stop: asyncio.Event,
    on_tick: OnTick | None = None,
    warn: Callable[[str], None] | None = None,
) -> Runner:
    """Run `request` until `stop` is set (or `max_ticks`); returns the runner, stopped and
    persisted. Raises ConfigError for a mode or venue set that cannot run as asked."""
    market = load_market(configs)
    config = load_mode(configs, request.mode, request.overrides, None)
    needs = build(config, market).needs()
    limits = _limits(request.limits)
    _check_request(request, config, needs)
    venues: dict[str, Venue] = {}
    feed: Feed
    rewards: tuple[RewardPayout, ...] = ()
    if request.replay is not None:
        inputs = load_inputs(catalog, request.replay, needs, market)
        feed, hedge, rewards = ReplayFeed(inputs.data), list(inputs.venues), inputs.data.rewards
        for warning in inputs.warnings:
            _say(warn, warning)
    else:
        with AccountStore.open(request.journal) as accounts:
            venues, warnings = open_venues(
                list(config.hedge_allocation),
                testnet=request.testnet,
                urls=request.venue_urls or {},
                need_keys=not request.paper,
                accounts=accounts if not request.paper else None,
                actor=f"live:{request.mode}",
                throttle=request.throttle,
            )
        for warning in warnings:
            _say(warn, warning)
        if not venues:
            raise ConfigError(
                f"{request.mode}: none of its venues {list(config.hedge_allocation)} can be "
                "reached (store an account of that name with `basis accounts add`, or set "
                "BASIS_<VENUE>_API_KEY and BASIS_<VENUE>_SECRET)"
            )
        feed, hedge = VenueFeed(venues, market, needs), list(venues)
    options = RunnerOptions(tick=request.tick, max_age=request.max_age)
    with Journal.open(request.journal) as journal:
        try:
            runner, first = await open_runner(
                config,
                market,
                journal,
                feed,
                paper=request.paper,
                hedge_venues=hedge,
                venues=venues,
                limits=limits,
                options=options,
                record=_record(request, config, hedge),
                rewards=rewards,
                resume=not request.new_run,
            )
            if on_tick is not None:
                on_tick(runner, first)
            await runner.run(stop, request.max_ticks, on_tick)
            journal.stop_run(runner.run_id)
            return runner
        finally:
            for venue in venues.values():
                await venue.close()


def _check_request(request: LiveRequest, config: ModeConfig, needs: Needs) -> None:
    if request.replay is not None and not request.paper:
        raise ConfigError("--replay replays catalog data: it runs only with --paper")
    if chain_legs(needs) and request.replay is None:
        kind = "live execution" if not request.paper else "paper trading on venue quotes"
        raise ConfigError(
            f"{config.mode} holds on-chain legs (Aave, staking); {kind} has no chain data or "
            "execution yet: run it with --paper --replay DATASET, or choose a CEX mode "
            "(btc_basis, eth_basis)"
        )
    if request.tick <= 0 or request.max_age <= 0:
        raise ConfigError("--tick and --max-age must be > 0 seconds")


def _limits(path: Path | None) -> LimitsConfig | None:
    return None if path is None else loader.load(LimitsConfig, path)


def _record(request: LiveRequest, config: ModeConfig, venues: Sequence[str]) -> dict[str, object]:
    return {
        "mode": config.model_dump(mode="json"),
        "overrides": list(request.overrides),
        "venues": list(venues),
        "testnet": request.testnet,
        "replay": request.replay,
    }


def _say(warn: Callable[[str], None] | None, message: str) -> None:
    if warn is not None:
        warn(message)
