"""Run a session: its mode on each of its accounts, one book per account, one process.

Each account runs the mode over its own venue with its own book, margin and liquidation,
and its own journal run (resumed after a restart). Every tick the accounts' exposure and
risk are aggregated (`basis.book.utilisation`), the session's regime is handed back to
every strategy's state, and the session's view is stored for `basis session status` and
`basis dashboard`. The operator's `pause`, `resume` and `stop`, from any process, are read
from the sessions table before every tick. Self-trade prevention between the accounts is
the order manager's, as for any run: an order that could cross another managed account's
resting order is refused before it is sent.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from basis.accounts.sessions import Session, SessionStore
from basis.accounts.store import AccountStore
from basis.book.utilisation import AccountRisk, Regime, SessionRisk, account_risk, aggregate
from basis.config.market import MarketConfig, load_market
from basis.config.modes import ModeConfig
from basis.engine.backtest import load_mode
from basis.errors import ConfigError, SessionStateError
from basis.live.feed import VenueFeed
from basis.live.journal import Journal
from basis.live.runner import Runner, RunnerOptions, stopped_within
from basis.live.session import open_runner
from basis.live.venue import Venue
from basis.strategies import build
from basis.trading.launch import chain_legs, open_venues

__all__ = [
    "SessionRequest",
    "SessionRunner",
    "alive",
    "run_session",
    "session_document",
]

PAUSED = "session paused (basis session resume)"
OPENING = "opening: the shared capacity is set once every account is open"


@dataclass(frozen=True)
class SessionRequest:
    """What `basis session start` asks for."""

    name: str
    paper: bool = False
    testnet: bool = False
    venue_urls: Mapping[str, str] = field(default_factory=dict)  # account or venue -> URL
    database: str | None = None  # accounts, sessions and journal (default: the results store)
    tick: float = 60.0
    max_age: float = 30.0
    max_ticks: int | None = None
    throttle: bool = True


def alive(status: Mapping[str, Any] | None) -> bool:
    """True when the process that wrote `status` is still running on this machine."""
    if not status or not isinstance(status.get("pid"), int):
        return False
    try:
        os.kill(status["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class AccountRun:
    account: str
    venue: str
    runner: Runner
    adapter: Venue


@dataclass
class SessionRunner:
    """The accounts' runners of one session, ticked together."""

    session: Session
    market: MarketConfig
    config: ModeConfig
    runs: list[AccountRun]
    store: SessionStore
    journal: Journal
    paper: bool
    ticks: int = 0
    last: SessionRisk | None = None

    def assess(self) -> SessionRisk:
        """Each account's exposure and risk at its marks, and their aggregate."""
        accounts: list[AccountRisk] = []
        for run in self.runs:
            view, assessed = run.runner.kernel.check()
            thresholds = run.runner.kernel.config.regimes
            accounts.append(account_risk(run.account, view, assessed, self.market, thresholds))
        return aggregate(accounts, self.config.regimes)

    async def tick(self, hold: str | None) -> SessionRisk:
        """One tick of every account (the strategy is not asked while `hold`), then the
        aggregate, handed to each strategy for its next decision."""
        for run in self.runs:
            run.runner.hold = hold
            await run.runner.tick()
        return self.settle(hold)

    def settle(self, hold: str | None) -> SessionRisk:
        """After every account ticked: the aggregate, the regimes, the stored view."""
        self.ticks += 1
        assessed = self.assess()
        capacity = None
        if self.session.shared_capacity:  # every account sized like the smallest
            capacity = min(account.equity for account in assessed.accounts)
        for run in self.runs:
            run.runner.kernel.shared = assessed.regime
            run.runner.kernel.capacity = capacity
        self._note_regimes(assessed)
        self.last = assessed
        self.store.set_status(self.session.name, self.status(assessed, hold))
        return assessed

    def next_wait(self) -> float:
        return min(run.runner.next_wait() for run in self.runs)

    def _note_regimes(self, assessed: SessionRisk) -> None:
        """A change of an account's regime is an event of its run (the dashboard's alerts)."""
        before = {a.account: a.regime for a in self.last.accounts} if self.last else {}
        for run, account in zip(self.runs, assessed.accounts, strict=True):
            previous = before.get(run.account, Regime.BUILD)
            if account.regime != previous:
                self.journal.record_event(
                    run.runner.run_id,
                    "regime",
                    f"{run.account}: {previous} -> {account.regime} "
                    f"(margin use {account.margin_use:.1%})",
                    {},
                )

    def status(self, assessed: SessionRisk, hold: str | None) -> dict[str, Any]:
        """The stored view: per account and aggregate (finite numbers, else null)."""
        accounts = []
        for run, account in zip(self.runs, assessed.accounts, strict=True):
            runner = run.runner
            alerts = runner.status()["risk"]["alerts"]
            accounts.append(
                {
                    "account": run.account,
                    "venue": run.venue,
                    "run_id": runner.run_id,
                    **_risk_document(account),
                    "initial_equity": _finite(runner.initial_equity),
                    "degraded": dict(runner.degraded),
                    "alerts": alerts,
                }
            )
        open_orders = [
            o for o in self.journal.open_orders() if o.venue in {r.account for r in self.runs}
        ]
        return {
            "pid": os.getpid(),
            "heartbeat": datetime.now(UTC).isoformat(),
            "paper": self.paper,
            "ticks": self.ticks,
            "time": max(r.runner.kernel.book.now for r in self.runs).isoformat(),
            "share_class": self.config.share_class,
            "held_back": hold,
            "shared_capacity": None
            if not self.session.shared_capacity
            else _finite(min(a.equity for a in assessed.accounts)),
            "thresholds": self.config.regimes.model_dump(),
            "accounts": accounts,
            "aggregate": _risk_document(assessed),
            "open_orders": [
                {
                    "account": o.venue,
                    "market": o.market,
                    "side": o.side,
                    "amount": o.amount,
                    "state": str(o.state),
                    "client_order_id": o.client_order_id,
                }
                for o in open_orders
            ],
        }


def _risk_document(risk: AccountRisk | SessionRisk) -> dict[str, Any]:
    return {
        "equity": _finite(risk.equity),
        "equity_usd": _finite(risk.equity_usd),
        "exposure": {asset: _finite(units) for asset, units in sorted(risk.delta.items())},
        "margin_use": _finite(risk.margin_use),
        "liquidation_distance": _finite(risk.liquidation_distance),
        "regime": risk.regime.value,
    }


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


OnTick = Callable[[SessionRunner, SessionRisk], None]


async def run_session(
    request: SessionRequest,
    configs: Path,
    stop: asyncio.Event,
    on_tick: OnTick | None = None,
    warn: Callable[[str], None] | None = None,
    actor: str = "operator",
) -> SessionRunner:
    """Start (or resume) the session and tick until `stop`, `max_ticks` or a `stop` from
    another process; returns the stopped session. Raises `SessionStateError` when it is
    running in another process, `ConfigError` when its mode cannot run as asked."""
    with AccountStore.open(request.database) as accounts, Journal.open(request.database) as journal:
        store = SessionStore(accounts)
        session = store.get(request.name)
        if session.state in ("running", "paused") and alive(session.status):
            pid = session.status["pid"] if session.status else "?"
            raise SessionStateError(
                f"session {session.name!r} is {session.state} in process {pid}: stop it "
                "first (basis session stop)"
            )
        market = load_market(configs)
        base = load_mode(configs, session.mode, session.overrides, None)
        details = {"paper": request.paper, "testnet": request.testnet}
        session = store.change(session.name, "start", actor=actor, details=details)
        running = SessionRunner(session, market, base, [], store, journal, request.paper)
        try:
            await _open_accounts(running, request, accounts, warn)
            store.set_runs(session.name, {r.account: r.runner.run_id for r in running.runs})
            await _loop(running, request, stop, on_tick)
        finally:
            for run in running.runs:
                journal.stop_run(run.runner.run_id)
                await run.adapter.close()
            if store.get(session.name).state != "stopped":
                store.change(session.name, "stop", actor=actor, details={"by": "process exit"})
        return running


async def _open_accounts(
    running: SessionRunner,
    request: SessionRequest,
    accounts: AccountStore,
    warn: Callable[[str], None] | None,
) -> None:
    session, market = running.session, running.market
    options = RunnerOptions(tick=request.tick, max_age=request.max_age)
    for name in session.accounts:
        account = accounts.get(name)
        config = running.config.on_account(
            account.venue, session.capital * session.allocation[name]
        )
        needs = build(config, market).needs()
        if chain_legs(needs):
            raise ConfigError(
                f"{config.mode} holds on-chain legs (Aave, staking): sessions run CEX modes "
                "(btc_basis, eth_basis)"
            )
        url = request.venue_urls.get(name) or request.venue_urls.get(account.venue)
        if request.paper:  # public quotes only: no key is opened
            opened, warnings = open_venues(
                [account.venue],
                testnet=request.testnet or account.testnet,
                urls={account.venue: url} if url else {},
                need_keys=False,
                throttle=request.throttle,
            )
            adapters = {name: next(iter(opened.values()))} if opened else {}
        else:
            adapters, warnings = open_venues(
                [name],
                testnet=request.testnet,
                urls={name: url} if url else {},
                need_keys=True,
                accounts=accounts,
                actor=f"session:{session.name}",
                throttle=request.throttle,
            )
        for warning in warnings:
            if warn is not None:
                warn(warning)
        if name not in adapters:
            raise ConfigError(f"session {session.name}: account {name} cannot be opened")
        adapter = adapters[name]
        feed = VenueFeed({account.venue: adapter}, market, needs)
        run_id = session.runs.get(name)
        runner, _ = await open_runner(
            config,
            market,
            running.journal,
            feed,
            paper=request.paper,
            hedge_venues=[account.venue],
            venues={name: adapter},
            options=options,
            record={
                "session": session.name,
                "account": name,
                "mode": config.model_dump(mode="json"),
                "venues": [account.venue],
                "testnet": request.testnet,
            },
            resume=run_id is not None,
            run_id=run_id,
            accounts={account.venue: name},
            # with shared capacity no account trades before the smallest equity is known
            hold=OPENING if session.shared_capacity else None,
        )
        running.runs.append(AccountRun(name, account.venue, runner, adapter))


async def _loop(
    running: SessionRunner, request: SessionRequest, stop: asyncio.Event, on_tick: OnTick | None
) -> None:
    store, name = running.store, running.session.name
    hold = None
    assessed = running.settle(hold)  # each account's first tick ran as it opened
    if on_tick is not None:
        on_tick(running, assessed)
    while not stop.is_set():
        if request.max_ticks is not None and running.ticks >= request.max_ticks:
            return
        if await stopped_within(stop, running.next_wait()):
            return
        state = store.get(name).state
        if state == "stopped":
            return
        hold = PAUSED if state == "paused" else None
        assessed = await running.tick(hold)
        if on_tick is not None:
            on_tick(running, assessed)


def session_document(session: Session) -> dict[str, Any]:
    """`basis session status --json`: the stored session, its last view and whether the
    process that wrote it is alive."""
    live = session.state in ("running", "paused") and alive(session.status)
    return {**session.document(), "alive": live, "status": session.status}
