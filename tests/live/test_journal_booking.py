"""Exactly-once booking under hypothesis: fills arrive, ticks book them in a unit of work with
their checkpoint, and crashes strike inside ticks; every fill ends up booked exactly once."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from basis.live.journal import Journal
from basis.live.journal_records import OrderState
from basis.live.venue import VenueFill
from tests.live.fakes import SimulatedCrash
from tests.live.stubs import SCRATCH, fresh_journal_url

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def tick(journal: Journal, run_id: str, crash: bool) -> None:
    """One tick of a runtime: book the unbooked fills and checkpoint, all or nothing."""
    with journal.unit():
        fresh = journal.fills(unbooked=True)
        booked = (journal.load_checkpoint(run_id) or {"booked": []})["booked"]
        journal.mark_booked(fills=fresh)
        journal.save_checkpoint(run_id, {"booked": booked + [f.trade_id for _, f in fresh]})
        if crash:
            raise SimulatedCrash("died inside the tick's unit")


steps = st.lists(
    st.one_of(
        st.tuples(st.just("fill"), st.integers(min_value=1, max_value=3)),
        st.tuples(st.just("tick"), st.booleans()),
        st.tuples(st.just("restart"), st.just(0)),
    ),
    max_size=25,
)


@settings(max_examples=30, deadline=None)
@given(steps=steps)
def test_fills_are_booked_exactly_once_across_crashes(steps: list[tuple[str, object]]) -> None:
    with tempfile.TemporaryDirectory(dir=SCRATCH) as folder:
        url = fresh_journal_url(Path(folder))
        journal = Journal.open(url)
        run_id = journal.start_run("btc_basis", paper=False, config={})
        order = journal.record_order(run_id, "binance", "binance:perp:BTCUSDT", "buy", 1e6, "x")
        journal.transition(order.client_order_id, OrderState.SENT)
        stored = 0
        for action, value in steps:
            if action == "fill":
                for _ in range(int(value)):  # type: ignore[call-overload]
                    stored += 1
                    journal.add_fill("binance", fill(order.client_order_id, stored))
            elif action == "tick":
                with contextlib.suppress(SimulatedCrash):
                    tick(journal, run_id, crash=bool(value))
            else:
                journal.close()
                journal = Journal.open(url)
        tick(journal, run_id, crash=False)
        booked = (journal.load_checkpoint(run_id) or {"booked": []})["booked"]
        journal.close()
    assert sorted(booked) == sorted(f"t{n}" for n in range(1, stored + 1))


def fill(client_order_id: str, number: int) -> VenueFill:
    return VenueFill(
        trade_id=f"t{number}",
        venue_order_id="v1",
        client_order_id=client_order_id,
        market="binance:perp:BTCUSDT",
        side="buy",
        amount=1.0,
        price=100.0,
        fee=0.0,
        fee_asset="USDT",
        time=T0,
    )
