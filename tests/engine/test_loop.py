"""The loop: deterministic, never reads ahead, attribution adds up, flows are not P&L, and a
perp venue without data is dropped with a warning."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from basis.book.ledger import COLUMN, Category
from basis.config.flows import Flow
from basis.data.catalog import Catalog, SeriesFrame
from basis.engine.venue_events import time_weighted
from basis.errors import DataError
from basis.model.market import MarketData
from basis.model.result import EventKind, RunResult

from .stubs import (
    DEFAULT,
    NO_OKX,
    backtest,
    column,
    inputs_for,
    pnl,
    run_on,
    step_of,
    utc,
    with_data,
)

# Three weeks around a funding settlement hour, for the runs that compare paths.
START, END = utc(2024, 2, 26), utc(2024, 3, 18)
CUT = utc(2024, 3, 8)  # step t: what is known at t must not depend on anything after it
STABLES = ("price:USDT", "price:USDC")


def same_path_until(a: RunResult, b: RunResult, k: int) -> None:
    """Assert that two runs recorded the same steps 0..k and the same events up to step k."""
    at = datetime.fromtimestamp(int(a.times[k]), CUT.tzinfo)
    np.testing.assert_array_equal(a.times, b.times)
    np.testing.assert_array_equal(a.equity[: k + 1], b.equity[: k + 1])
    np.testing.assert_array_equal(a.flows[: k + 1], b.flows[: k + 1])
    np.testing.assert_array_equal(a.attribution[: k + 1], b.attribution[: k + 1])
    assert a.series.keys() == b.series.keys()
    for name in a.series:
        np.testing.assert_array_equal(a.series[name][: k + 1], b.series[name][: k + 1], name)
    assert [e for e in a.events if e.time <= at] == [e for e in b.events if e.time <= at]


# -- determinism ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["usdt_market_neutral", "funding_arbitrage"])
def test_same_request_twice_gives_the_same_run(catalog: Catalog, mode: str) -> None:
    first = backtest(catalog, mode, start=START, end=END)
    second = backtest(catalog, mode, start=START, end=END)
    assert first.run_id != second.run_id
    same_path_until(first, second, len(first.times) - 1)
    assert first.events == second.events
    assert first.warnings == second.warnings
    assert first.summary == second.summary
    assert first.config == second.config


# -- no look-ahead -------------------------------------------------------------------------


def future_changed(data: MarketData, k: int) -> MarketData:
    """`data` with every array changed strictly after step k: prices and marks × 1.5, LST
    rates and Aave indices × 1.01, funding +0.001 per settlement, gas × 4, Aave APRs
    +0.02, the benchmark +0.05, and reward payouts after step k tripled."""
    after = slice(k + 1, None)
    values = data.values.copy()
    for j, name in enumerate(data.names):
        if name in STABLES:
            continue
        factor = 1.5 if name.startswith(("price:", "mark:")) else 1.01
        values[after, j] *= factor

    def shifted(array: np.ndarray, add: float = 0.0, times: float = 1.0) -> np.ndarray:
        result = np.array(array, dtype=float)
        result[after] = result[after] * times + add
        return result

    cut = data.time(k)
    return replace(
        data,
        values=values,
        funding=tuple(replace(feed, rate=shifted(feed.rate, add=1e-3)) for feed in data.funding),
        base_fee_gwei=shifted(data.base_fee_gwei, times=4.0),
        priority_fee_gwei=shifted(data.priority_fee_gwei, times=4.0),
        supply_apr={a: shifted(v, add=0.02) for a, v in data.supply_apr.items()},
        borrow_apr={a: shifted(v, add=0.02) for a, v in data.borrow_apr.items()},
        benchmark_apy=None if data.benchmark_apy is None else shifted(data.benchmark_apy, 0.05),
        rewards=tuple(
            replace(p, amount_per_lst=p.amount_per_lst * 3.0) if p.time > cut else p
            for p in data.rewards
        ),
    )


@pytest.mark.parametrize(
    "mode", ["usdt_market_neutral", "btc_basis", "eth_leveraged", "funding_arbitrage"]
)
def test_market_changed_after_step_t_leaves_steps_up_to_t_unchanged(
    catalog: Catalog, mode: str
) -> None:
    inputs = inputs_for(catalog, mode, DEFAULT, START, END)
    k = step_of(run_on(mode, inputs), CUT)
    changed = future_changed(inputs.data, k)
    assert not np.array_equal(changed.values[k + 1 :], inputs.data.values[k + 1 :])
    np.testing.assert_array_equal(changed.values[: k + 1], inputs.data.values[: k + 1])
    base = run_on(mode, inputs)
    other = run_on(mode, with_data(inputs, changed))
    same_path_until(base, other, k)
    assert base.equity[-1] != other.equity[-1]  # the change after t does reach the run


def catalog_changed_after(catalog: Catalog, source: str, target: str, cut: datetime) -> None:
    """Copy `source` to `target` with every float of every row stamped after `cut` × 1.5."""
    frames = []
    for info in catalog.series(source):
        frame = catalog.read(source, info.series)
        floats = [name for name, dtype in frame.schema.items() if dtype == pl.Float64]
        later = pl.col("ts") > cut
        frame = frame.with_columns(
            [
                pl.when(later).then(pl.col(name) * 1.5).otherwise(pl.col(name)).alias(name)
                for name in floats
            ]
        )
        frames.append(
            SeriesFrame(info.series, info.kind, info.source, info.interval, frame, info.quote)
        )
    catalog.write(target, frames, replace_dataset=True)


@pytest.mark.parametrize("mode", ["pure_lending_usdt", "usdt_market_neutral"])
def test_stored_series_changed_after_t_leave_steps_up_to_t_unchanged(
    catalog: Catalog, mode: str
) -> None:
    # End to end: the catalog rows after t (Aave's daily snapshots included) change, the
    # panel is aligned again, and nothing up to t may move.
    changed = "scenario:default_changed_after_cut"
    catalog_changed_after(catalog, DEFAULT, changed, CUT)
    base = backtest(catalog, mode, DEFAULT, START, END)
    other = backtest(catalog, mode, changed, START, END)
    k = step_of(base, CUT)
    same_path_until(base, other, k)
    assert base.equity[-1] != other.equity[-1]


# -- attribution ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode",
    ["pure_lending_eth", "eth_basis", "eth_staking_only", "usdt_market_neutral_no_leverage"],
)
def test_pnl_columns_sum_to_equity_change_less_net_flows(catalog: Catalog, mode: str) -> None:
    result = backtest(catalog, mode, start=START, end=END)
    expected = result.final_equity - result.initial_equity - result.net_flows
    assert pnl(result) == pytest.approx(expected, rel=1e-6, abs=1e-6 * result.initial_equity)
    assert math.fsum(column(result, Category.FLOWS)) == pytest.approx(result.net_flows, abs=1e-6)
    for category, total in result.summary.attribution.items():
        assert total == pytest.approx(math.fsum(column(result, category)), abs=1e-9)
    # Step by step too: each row explains its own equity change.
    previous = np.concatenate(([result.initial_equity], result.equity[:-1]))
    per_step = np.delete(result.attribution, COLUMN[Category.FLOWS], axis=1).sum(axis=1)
    np.testing.assert_allclose(
        per_step, result.equity - previous - result.flows, atol=1e-6 * result.initial_equity
    )


# -- flows ---------------------------------------------------------------------------------

FLOW_START, FLOW_END = utc(2024, 1, 1), utc(2024, 1, 15)
DEPOSIT_AT, WITHDRAWAL_AT = utc(2024, 1, 5), utc(2024, 1, 10, 12)


def flows_file(tmp_path: Path, *flows: tuple[str, float]) -> Path:
    lines = ["flows:"] + [f"  - {{time: {at}, amount: {amount}}}" for at, amount in flows]
    path = tmp_path / "flows.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def deposit_then_withdrawal(tmp_path: Path) -> Path:
    """250,000 in on 2024-01-05 00:00, 400,000 out on 2024-01-10 12:00."""
    return flows_file(
        tmp_path, ("2024-01-05T00:00:00Z", 250_000.0), ("2024-01-10T12:00:00Z", -400_000.0)
    )


def test_flows_change_equity_by_their_amount_and_are_not_pnl(
    catalog: Catalog, deposit_then_withdrawal: Path
) -> None:
    result = backtest(
        catalog, "pure_lending_usdt", start=FLOW_START, end=FLOW_END, flows=deposit_then_withdrawal
    )
    deposit, withdrawal = step_of(result, DEPOSIT_AT), step_of(result, WITHDRAWAL_AT)
    assert np.flatnonzero(result.flows).tolist() == [deposit, withdrawal]
    assert result.flows[deposit] == 250_000.0
    assert result.flows[withdrawal] == pytest.approx(-400_000.0, abs=1e-6)
    flows = column(result, Category.FLOWS)
    assert flows[deposit] == 250_000.0
    assert flows[withdrawal] == pytest.approx(-400_000.0, abs=1e-6)
    for k in (deposit, withdrawal):
        step_pnl = math.fsum(result.attribution[k]) - flows[k]
        jump = result.equity[k] - result.equity[k - 1]
        assert jump == pytest.approx(result.flows[k] + step_pnl, abs=1e-6)
        assert abs(step_pnl) < 50.0  # an hour of interest and a transaction's gas
    # Over the run the P&L is two weeks of supply interest, not the ±650,000 that moved.
    assert 0.0 < pnl(result) < 0.002 * 1_250_000
    assert result.final_equity == pytest.approx(
        result.initial_equity + 250_000.0 - 400_000.0 + pnl(result), rel=1e-9
    )
    assert 0.0 < result.summary.metrics["total_return"] < 0.002  # time-weighted, flows apart


@pytest.mark.parametrize(("mode", "paid_after_hours"), [("pure_lending_usdt", 0), ("btc_basis", 1)])
def test_withdrawal_is_paid_out_once_the_cash_is_home(
    catalog: Catalog, deposit_then_withdrawal: Path, mode: str, paid_after_hours: int
) -> None:
    # Aave withdrawals land at once; CEX cash travels back to the wallet in 1 hour.
    result = backtest(catalog, mode, start=FLOW_START, end=FLOW_END, flows=deposit_then_withdrawal)
    requested = [e for e in result.events if e.kind is EventKind.FLOW and "requested" in e.detail]
    paid = [e for e in result.events if e.kind is EventKind.FLOW and "paid out" in e.detail]
    assert [(e.time, e.value) for e in requested] == [(WITHDRAWAL_AT, -400_000.0)]
    assert len(paid) == 1
    assert paid[0].detail == "paid out 400,000 USDT"
    assert paid[0].value == pytest.approx(-400_000.0, abs=1e-6)
    k = step_of(result, WITHDRAWAL_AT) + paid_after_hours
    assert paid[0].time == datetime.fromtimestamp(int(result.times[k]), WITHDRAWAL_AT.tzinfo)
    assert result.flows[k] == pytest.approx(-400_000.0, abs=1e-6)
    assert result.net_flows == pytest.approx(250_000.0 - 400_000.0, abs=1e-6)
    assert not any("unpaid" in w for w in result.warnings)


def test_flow_outside_the_window_is_a_data_error_naming_the_window(
    catalog: Catalog, tmp_path: Path
) -> None:
    path = flows_file(tmp_path, ("2024-02-01T00:00:00Z", 1_000.0))
    with pytest.raises(DataError) as raised:
        backtest(catalog, "pure_lending_usdt", start=FLOW_START, end=FLOW_END, flows=path)
    assert str(raised.value).endswith(
        "flow at 2024-02-01 00:00 is outside the hours the run acts at, "
        "2024-01-01 00:00 → 2024-01-14 23:00 UTC (its window ends at 2024-01-15 00:00, "
        "where the book is only valued)"
    )


def test_flow_at_the_end_of_the_window_is_a_data_error(catalog: Catalog) -> None:
    # The window's last step is its end, 2024-01-15 00:00: the book is valued there and
    # nothing decides, so no withdrawal could be unwound for.
    inputs = inputs_for(catalog, "pure_lending_usdt", DEFAULT, FLOW_START, FLOW_END)
    assert inputs.data.time(inputs.data.steps - 1) == FLOW_END
    with pytest.raises(DataError, match="outside the hours the run acts at"):
        run_on("pure_lending_usdt", inputs, flows=[Flow(time=FLOW_END, amount=1_000.0)])


def test_withdrawal_beyond_equity_is_a_data_error(catalog: Catalog, tmp_path: Path) -> None:
    path = flows_file(tmp_path, ("2024-01-05T00:00:00Z", -2_000_000.0))
    with pytest.raises(DataError, match=r"withdrawal of 2,000,000.00 USDT at 2024-01-05 00:00"):
        backtest(catalog, "pure_lending_usdt", start=FLOW_START, end=FLOW_END, flows=path)


# -- venues without data -------------------------------------------------------------------


def test_perp_venue_without_data_gets_no_allocation_and_a_warning(catalog: Catalog) -> None:
    result = backtest(catalog, "eth_basis", NO_OKX, START, END)
    (warning,) = [w for w in result.warnings if "okx" in w]
    assert warning.startswith(
        "venue okx has no usable ETHUSDT data for 2024-02-26 00:00 → 2024-03-18 00:00 UTC: "
        "allocation 0, its share goes to the other venues ("
    )
    assert "DATA_MISSING" in warning and "okx:perp:ETHUSDT" in warning
    assert result.config["venues"] == ["binance", "bybit"]
    assert not any("okx" in e.subject for e in result.events)
    assert not any(name.endswith(":okx") for name in result.series)
    # binance 0.4 and bybit 0.3 renormalised to 4/7 and 3/7: the first hedges in that ratio.
    first: dict[str, float] = {}
    for event in result.events:
        if ":perp:" in event.subject and event.kind is EventKind.TRADE:
            first.setdefault(event.subject, event.size)
    binance, bybit = first["binance:perp:ETHUSDT"], first["bybit:perp:ETHUSDT"]
    assert binance / bybit == pytest.approx(4.0 / 3.0, rel=2e-3)


def test_every_venue_with_data_is_used_without_warning(catalog: Catalog) -> None:
    result = backtest(catalog, "eth_basis", DEFAULT, START, END)
    assert result.config["venues"] == ["binance", "bybit", "okx"]
    assert not any("venue" in w for w in result.warnings)


def test_an_intent_without_orders_is_recorded_as_an_event(catalog: Catalog) -> None:
    """A decision to wait ("staking deferred") is on the record, with no trade."""
    from basis.engine.backtest import load_mode
    from basis.engine.loop import run as run_loop
    from basis.strategies import Intent, State, build
    from tests.conftest import CONFIGS

    from .stubs import market

    inputs = inputs_for(catalog, "pure_lending_usdt")
    config = load_mode(CONFIGS, "pure_lending_usdt", (), None)
    strategy = build(config, market())
    decide = strategy.decide
    first = inputs.data.time(5)

    def waiting(state: State) -> list[Intent]:
        if state.snapshot.time == first:
            return [Intent(EventKind.REBALANCE, "staking deferred: test", ())]
        return decide(state)

    strategy.decide = waiting  # type: ignore[method-assign]
    result = run_loop(strategy, inputs, market(), reference=True)  # every step decided
    noted = [e for e in result.events if e.detail == "staking deferred: test"]
    assert [(e.time, e.kind, e.value, e.cost) for e in noted] == [
        (first, EventKind.REBALANCE, 0.0, 0.0)
    ]


def test_a_hedge_venue_with_cash_and_no_perp_has_an_infinite_margin_ratio() -> None:
    """Refunded but not yet re-hedged: nothing to liquidate (inf), where a venue holding
    nothing has no ratio at all (NaN); the report draws neither."""
    from basis.engine.backtest import load_mode
    from basis.engine.loop import _Series
    from basis.model.orders import ACCOUNT
    from basis.strategies import build
    from tests.book.stubs import BINANCE_USDT, book
    from tests.conftest import CONFIGS

    from .stubs import market

    strategy = build(load_mode(CONFIGS, "btc_basis", (), None), market())
    held = book()
    held.deposit(ACCOUNT, BINANCE_USDT, 1_000.0)
    series = _Series(1, strategy, MarketData.__new__(MarketData))
    assert series.flat(held, set()) == ["binance"]
    assert series.flat(held, {"binance"}) == []  # listed: it has a perp, its ratio is real


def test_time_weighted_holding_over_a_period_by_hand() -> None:
    # held 0 until t=10, 4 from 10 to 20, 2 from 20 on; over [5, 25]: (0·5 + 4·10 + 2·5)/20
    log = [(10.0, 4.0), (20.0, 2.0)]
    assert time_weighted(log, 5.0, 25.0) == pytest.approx(50.0 / 20.0)
    assert time_weighted(log, 12.0, 18.0) == 4.0  # a log entry before the period counts
    assert time_weighted([], 0.0, 10.0) == 0.0
    assert time_weighted([(30.0, 9.0)], 0.0, 10.0) == 0.0  # a later entry does not


def test_a_late_entrant_earns_its_share_of_a_reward_period_not_all_of_it(
    catalog: Catalog,
) -> None:
    """Issue 13: the 2024-01-08 payout covers [01-01, 01-08); a book that staked at 01-04
    12:00 held for half of it and is paid half, where the old rule paid it in full."""
    start = utc(2024, 1, 4, 12)
    result = backtest(catalog, "eth_staking_only", DEFAULT, start=start)
    payout = next(
        p
        for p in inputs_for(catalog, "eth_staking_only", DEFAULT, start=start).data.rewards
        if p.time == utc(2024, 1, 8)
    )
    assert payout.period_start == utc(2024, 1, 1) and payout.period_end == utc(2024, 1, 8)
    stake = next(
        e for e in result.events if e.kind is EventKind.TRADE and e.detail.startswith("stake ")
    )
    minted = float(stake.detail.split("→ ")[1].split()[0])  # 6 significant digits
    paid = next(e for e in result.events if e.kind is EventKind.REWARDS)
    assert paid.time == utc(2024, 1, 8)
    assert paid.size == pytest.approx(payout.amount_per_lst * minted * 0.5, rel=1e-5)
