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
        with Journal.open(self.journal) as journal:
            if journal.latest_run() is None:
                found: dict[str, Any] = {"run_id": None, "detail": "no live or paper run yet"}
            else:
                found = status(journal)
        found["server_run"] = {
            "configured": self.request is not None,
            "mode": None if self.request is None else self.request.mode,
            "running": self.running,
            "error": self.error,
        }
        return found

    def positions(self) -> Sequence[Mapping[str, Any]]:
        state = self.status().get("state") or {}
        return list(state.get("positions", []))

    def risk(self) -> Mapping[str, Any]:
        state = self.status().get("state") or {}
        return dict(state.get("risk", {}))

    def orders(self) -> Sequence[Mapping[str, Any]]:
        with Journal.open(self.journal) as journal:
            return [
                order_document(order, [fill for _, fill in journal.fills(order.client_order_id)])
                for order in journal.open_orders()
            ]

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
        report = asyncio.run(kill_all(self.journal, False, testnet, urls, reason=f"kill by {by}"))
        if report.failed:
            failed = ", ".join(f"{v}: {e}" for v, e in report.failed.items())
            raise ConfigError(f"kill switch on, but venues did not answer: {failed}")
