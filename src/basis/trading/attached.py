"""The live runtime as the API sees it: state read from the journal, and a run the server
may start and stop in a thread of its own.

Status, positions, orders and risk come from the journal, so a run started with
`basis live run` in another process shows too. `start` and `stop` control the run
`basis serve --live-mode` configured; the kill switch works whatever runs where.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from basis.data.catalog import Catalog
from basis.errors import BasisError, ConfigError, ConflictError
from basis.live.journal import Journal
from basis.live.journal_records import order_document
from basis.live.runner import Publish, Runner, TickReport
from basis.trading.control import kill_all
from basis.trading.inspect import status
from basis.trading.launch import LiveRequest, start

__all__ = ["AttachedLive"]


class AttachedLive:
    """A `LiveRunner` for `basis.api` over the journal at `request.journal`."""

    def __init__(
        self, request: LiveRequest | None, journal: str | None, configs: Path, catalog: Catalog
    ) -> None:
        self.request = None if request is None else replace(request, journal=journal)
        self.journal, self.configs, self.catalog = journal, configs, catalog
        self.publish: Publish | None = None  # the API's hub: each tick's status goes there
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.error: str | None = None  # why the server's run ended, when it failed

    # -- reading ---------------------------------------------------------------------------

    def status(self) -> Mapping[str, Any]:
        """A flat summary of the newest run (the API's `state` and the live page's table)."""
        found = self._journal_status()
        state = found.get("state") or {}
        kill = found.get("kill_switch")
        return {
            "run_id": found.get("run_id"),
            "mode": found.get("mode"),
            "paper": found.get("paper"),
            "status": found.get("status", "no live or paper run yet"),
            "time": state.get("time"),
            "ticks": state.get("ticks"),
            "equity": _cents(state.get("equity")),
            "initial_equity": _cents(state.get("initial_equity")),
            "share_class": state.get("share_class"),
            "degraded": ", ".join(sorted(state.get("degraded") or {})) or None,
            "kill_switch": None if kill is None else kill["reason"],
            "open_orders": len(found.get("open_orders", [])),
            "server_run": None if self.request is None else self.request.mode,
            "server_running": self.running,
            "server_error": self.error,
        }

    def positions(self) -> Sequence[Mapping[str, Any]]:
        state = self._journal_status().get("state") or {}
        return [
            {"instrument": p["instrument"], "quantity": p["quantity"], "entry": p.get("entry")}
            for p in state.get("positions", [])
        ]

    def risk(self) -> Mapping[str, Any]:
        """Margin ratios per venue, net delta per asset and the number of alerts."""
        risk = (self._journal_status().get("state") or {}).get("risk") or {}
        flat: dict[str, Any] = {"alerts": len(risk.get("alerts", []))}
        flat.update({f"margin_ratio:{v}": r for v, r in risk.get("margin_ratio", {}).items()})
        flat.update({f"net_delta:{a}": d for a, d in risk.get("net_delta", {}).items()})
        return flat

    def orders(self) -> Sequence[Mapping[str, Any]]:
        """The open orders of every run, one flat row each (fills: `basis live orders`)."""
        keys = ("client_order_id", "venue", "symbol", "side", "amount", "filled", "state")
        with Journal.open(self.journal) as journal:
            return [
                {key: order_document(order, [])[key] for key in keys}
                for order in journal.open_orders()
            ]

    def _journal_status(self) -> dict[str, Any]:
        with Journal.open(self.journal) as journal:
            return {} if journal.latest_run() is None else status(journal)

    # -- controls --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, by: str) -> None:
        """Start the configured run in a thread with its own event loop."""
        if self.request is None:
            raise ConflictError(
                "this server has no live run configured: start one with `basis live run`, "
                "or serve with --live-mode"
            )
        if self.running:
            raise ConflictError(f"the {self.request.mode} run is already running")
        ready = threading.Event()
        self.error = None
        request = self.request

        def body() -> None:
            async def main() -> None:
                self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
                ready.set()
                await start(request, self.configs, self.catalog, self._stop, self._on_tick)

            try:
                asyncio.run(main())
            except BasisError as error:
                self.error = str(error)
            finally:
                ready.set()

        self._thread = threading.Thread(target=body, name=f"live-{by}", daemon=True)
        self._thread.start()
        ready.wait(timeout=10)

    def _on_tick(self, runner: Runner, report: TickReport) -> None:
        if self.publish is not None:
            at = None if report.time is None else report.time.isoformat()
            self.publish("equity", {"run_id": runner.run_id, "equity": report.equity, "time": at})
            for event in report.events:
                topic = {"trade": "fill", "rejected": "order"}.get(event.kind.value, "alert")
                detail = {"kind": event.kind.value, "subject": event.subject}
                self.publish(topic, {**detail, "message": event.detail})

    def stop(self, by: str) -> None:
        """Stop the server's run after its current tick (as SIGTERM does)."""
        if not self.running or self._loop is None or self._stop is None:
            raise ConflictError("no live run of this server is running")
        self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=60)

    def kill(self, by: str) -> None:
        """The kill switch: the journal flag first, then every venue with credentials has
        its open orders cancelled (positions stay: `basis live kill --flatten` closes them)."""
        urls = dict(self.request.venue_urls or {}) if self.request else {}
        testnet = self.request.testnet if self.request else False
        report = asyncio.run(
            kill_all(self.journal, False, testnet, urls, reason=f"kill by {by}", actor=f"api:{by}")
        )
        if report.failed:
            failed = ", ".join(f"{v}: {e}" for v, e in report.failed.items())
            raise ConfigError(f"kill switch on, but venues did not answer: {failed}")


def _cents(value: float | None) -> float | None:
    """A summary's money figure to the cent (the journal keeps the exact value)."""
    return None if value is None else round(value, 2)
