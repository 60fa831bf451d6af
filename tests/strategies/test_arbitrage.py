"""`funding_arbitrage`: its signal is the funding known at each step, nothing later."""

from __future__ import annotations

from dataclasses import replace

from basis.data.catalog import Catalog
from basis.model.result import Event, EventKind, RunResult
from tests.engine.stubs import inputs_for, run_on, with_data

ARBITRAGE = ("funding_arbitrage.entry_spread_apr=0.0", "funding_arbitrage.exit_spread_apr=-0.01")
"""Thresholds at which the mode enters and exits often on the default scenario."""
CUT = 1000  # the step from which the test rewrites the funding


def decisions(result: RunResult) -> list[Event]:
    return [e for e in result.events if e.kind in (EventKind.REBALANCE, EventKind.MARGIN_TOP_UP)]


def test_changing_funding_after_t_changes_no_decision_up_to_t(catalog: Catalog) -> None:
    """Every funding rate from step `CUT` on is replaced by its negative: the decisions
    before that step stay the same, and some after it change (the change matters)."""
    inputs = inputs_for(catalog, "funding_arbitrage")
    data = inputs.data
    feeds = []
    for feed in data.funding:
        rate = feed.rate.copy()
        rate[CUT:] = -rate[CUT:]
        feeds.append(replace(feed, rate=rate))
    changed = with_data(inputs, replace(data, funding=tuple(feeds)))
    original = decisions(run_on("funding_arbitrage", inputs, ARBITRAGE))
    rewritten = decisions(run_on("funding_arbitrage", changed, ARBITRAGE))
    cut = data.time(CUT)
    assert [e for e in rewritten if e.time < cut] == [e for e in original if e.time < cut]
    assert any(e.time < cut for e in original)
    assert [e for e in rewritten if e.time >= cut] != [e for e in original if e.time >= cut]
