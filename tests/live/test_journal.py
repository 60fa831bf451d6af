"""The order journal on SQLite and (marked `postgres`) PostgreSQL: states, fills, funding,
events, the kill flag, checkpoints, units of work, and durability across a reopen."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from basis.errors import JournalError, JournalStateError
from basis.live.journal import KILL_MODE, Journal
from basis.live.journal_records import (
    OPEN,
    TERMINAL,
    TRANSITIONS,
    OrderState,
    check_transition,
    order_document,
)
from basis.live.venue import FundingPaid, OrderRequest, VenueFill
from basis.store import resolve_url
from basis.store.schema import live_fills, live_orders

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)


class Clock:
    """A clock that moves one second per reading, so rows have distinct times."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def journal(database_url: str) -> Iterator[Journal]:
    with Journal.open(database_url, clock=Clock()) as opened:
        yield opened


def started(journal: Journal) -> str:
    return journal.start_run("btc_basis", paper=False, config={"tick": 60})


def fill(trade_id: str, amount: float, price: float, client_order_id: str | None) -> VenueFill:
    return VenueFill(
        trade_id=trade_id,
        venue_order_id="v1",
        client_order_id=client_order_id,
        market="binance:perp:BTCUSDT",
        side="sell",
        amount=amount,
        price=price,
        fee=0.1,
        fee_asset="USDT",
        time=T0,
    )


def sent_order(journal: Journal, run_id: str, amount: float = 2.0) -> str:
    order = journal.record_order(run_id, "binance", "binance:perp:BTCUSDT", "sell", amount, "hedge")
    journal.transition(order.client_order_id, OrderState.SENT)
    return order.client_order_id


def test_record_order_is_pending_with_sequence_and_deterministic_id(journal: Journal) -> None:
    run_id = started(journal)
    first = journal.record_order(run_id, "binance", "binance:spot:BTC", "buy", 0.5, "enter")
    second = journal.record_order(run_id, "okx", "okx:perp:BTCUSDT", "sell", 0.5, "hedge")
    assert (first.seq, second.seq) == (1, 2)
    assert first.client_order_id == f"bs{run_id}1"
    assert second.client_order_id == f"bs{run_id}2"
    assert first.state is OrderState.PENDING and first.filled == 0.0 and first.average is None
    assert journal.order(first.client_order_id) == first
    assert first.request() == OrderRequest(first.client_order_id, "binance:spot:BTC", "buy", 0.5)


def test_record_order_survives_a_reopen(database_url: str) -> None:
    with Journal.open(database_url) as first:
        run_id = started(first)
        order = first.record_order(run_id, "binance", "binance:spot:BTC", "buy", 0.5, "enter")
    with Journal.open(database_url) as second:
        assert second.open_orders() == [order]
        assert second.resume_run() == second.run(run_id)


def test_record_order_for_unknown_run_raises_naming_it(journal: Journal) -> None:
    with pytest.raises(JournalError, match="no live run '0123456789abcdef'"):
        journal.record_order("0123456789abcdef", "binance", "binance:spot:BTC", "buy", 1.0, "x")


@pytest.mark.parametrize(
    ("amount", "kind", "price", "match"),
    [
        (0.0, "market", None, "amount 0.0"),
        (float("nan"), "market", None, "amount nan"),
        (1.0, "limit", None, "limit order needs"),
        (1.0, "stop", None, "type 'stop'"),
    ],
)
def test_record_order_impossible_order_raises(
    journal: Journal, amount: float, kind: str, price: float | None, match: str
) -> None:
    run_id = started(journal)
    with pytest.raises(ValueError, match=match):
        journal.record_order(run_id, "binance", "binance:spot:BTC", "buy", amount, "x", kind, price)  # type: ignore[arg-type]


def test_record_order_bad_venue_name_raises(journal: Journal) -> None:
    run_id = started(journal)
    with pytest.raises(ValueError, match="account 'Binance' is not a lower-case name"):
        journal.record_order(run_id, "Binance", "binance:spot:BTC", "buy", 1.0, "x")


@pytest.mark.parametrize("current", list(OrderState))
@pytest.mark.parametrize("target", list(OrderState))
def test_transition_follows_the_table(current: OrderState, target: OrderState) -> None:
    legal = target == current or target in TRANSITIONS[current]
    if legal:
        check_transition("c1", current, target)
    else:
        with pytest.raises(JournalStateError, match=f"from {current} to {target}"):
            check_transition("c1", current, target)


def test_terminal_states_have_no_moves_and_open_is_the_rest() -> None:
    assert all(TRANSITIONS[state] == frozenset() for state in TERMINAL)
    assert {
        OrderState.PENDING,
        OrderState.SENT,
        OrderState.ACKNOWLEDGED,
        OrderState.PARTIALLY_FILLED,
        OrderState.UNKNOWN,
    } == OPEN


def test_transition_keeps_venue_id_and_error_and_refuses_illegal(journal: Journal) -> None:
    run_id = started(journal)
    client_id = sent_order(journal, run_id)
    acked = journal.transition(client_id, OrderState.ACKNOWLEDGED, venue_order_id="v1")
    assert acked.state is OrderState.ACKNOWLEDGED and acked.venue_order_id == "v1"
    with pytest.raises(JournalStateError, match="cannot move from acknowledged to pending"):
        journal.transition(client_id, OrderState.PENDING)
    cancelled = journal.transition(client_id, OrderState.CANCELLED, error="by user")
    assert (cancelled.venue_order_id, cancelled.error) == ("v1", "by user")
    with pytest.raises(JournalStateError, match="none \\(terminal\\)"):
        journal.transition(client_id, OrderState.ACKNOWLEDGED)


def test_add_fill_sums_amounts_and_weights_the_average(journal: Journal) -> None:
    run_id = started(journal)
    client_id = sent_order(journal, run_id, amount=2.0)
    assert journal.add_fill("binance", fill("t1", 0.5, 100.0, client_id))
    partly = journal.order(client_id)
    assert partly.state is OrderState.PARTIALLY_FILLED
    assert (partly.filled, partly.average, partly.venue_order_id) == (0.5, 100.0, "v1")
    # found by venue order id when the fill carries no client id
    assert journal.add_fill("binance", fill("t2", 1.5, 104.0, None))
    done = journal.order(client_id)
    assert done.state is OrderState.FILLED
    assert done.filled == 2.0
    assert done.average == pytest.approx((0.5 * 100 + 1.5 * 104) / 2.0)  # 103.0
    assert [item.trade_id for _, item in journal.fills(client_id)] == ["t1", "t2"]


def test_add_fill_twice_is_stored_once(journal: Journal) -> None:
    run_id = started(journal)
    client_id = sent_order(journal, run_id)
    assert journal.add_fill("binance", fill("t1", 0.5, 100.0, client_id))
    assert not journal.add_fill("binance", fill("t1", 0.5, 100.0, client_id))
    assert journal.order(client_id).filled == 0.5
    assert len(journal.fills(run_id=run_id)) == 1


def test_add_fill_of_unknown_order_raises(journal: Journal) -> None:
    started(journal)
    with pytest.raises(JournalError, match="fill t9 on binance: no journal order"):
        journal.add_fill("binance", fill("t9", 0.5, 100.0, "nope"))


def test_add_fill_to_pending_order_raises_state(journal: Journal) -> None:
    run_id = started(journal)
    order = journal.record_order(run_id, "binance", "binance:perp:BTCUSDT", "sell", 1.0, "x")
    with pytest.raises(JournalStateError, match="from pending to partially_filled"):
        journal.add_fill("binance", fill("t1", 0.5, 100.0, order.client_order_id))
    assert journal.fills() == []


def test_add_fill_beyond_the_amount_raises(journal: Journal) -> None:
    run_id = started(journal)
    client_id = sent_order(journal, run_id, amount=1.0)
    with pytest.raises(JournalError, match=r"beyond its amount 1\.0"):
        journal.add_fill("binance", fill("t1", 1.5, 100.0, client_id))


def test_add_fill_of_other_side_raises(journal: Journal) -> None:
    run_id = started(journal)
    order = journal.record_order(run_id, "binance", "binance:perp:BTCUSDT", "buy", 1.0, "x")
    journal.transition(order.client_order_id, OrderState.SENT)
    with pytest.raises(JournalError, match="is a sell of binance:perp:BTCUSDT, but order"):
        journal.add_fill("binance", fill("t1", 0.5, 100.0, order.client_order_id))


def test_add_funding_once_per_id(journal: Journal) -> None:
    paid = FundingPaid("f1", "binance:perp:BTCUSDT", 12.5, T0)
    assert journal.add_funding("binance", paid)
    assert not journal.add_funding("binance", paid)
    assert journal.add_funding("bybit", paid)  # ids are per venue
    assert journal.funding("binance") == [("binance", paid)]


def test_open_orders_lists_every_non_terminal_order(journal: Journal) -> None:
    run_id = started(journal)
    pending = journal.record_order(run_id, "binance", "binance:spot:BTC", "buy", 1.0, "a")
    unknown = sent_order(journal, run_id)
    journal.transition(unknown, OrderState.UNKNOWN, error="timeout")
    done = sent_order(journal, run_id)
    journal.transition(done, OrderState.REJECTED, error="balance")
    assert [o.client_order_id for o in journal.open_orders()] == [
        pending.client_order_id,
        unknown,
    ]
    assert [o.client_order_id for o in journal.orders(states={OrderState.REJECTED})] == [done]


def test_events_keep_amounts_and_order(journal: Journal) -> None:
    run_id = started(journal)
    journal.record_event(run_id, "refused", "max order notional", {"notional": 1e6})
    journal.record_event(run_id, "reconciliation", "USDT differs", {"USDT": -3.25})
    events = journal.events(run_id)
    assert [(e.kind, e.amounts) for e in events] == [
        ("refused", {"notional": 1e6}),
        ("reconciliation", {"USDT": -3.25}),
    ]
    assert [e.kind for e in journal.events(kind="refused")] == ["refused"]


def test_kill_flag_set_read_and_cleared(journal: Journal) -> None:
    assert journal.kill_request() is None
    journal.request_kill(flatten=True, reason="desk halt")
    request = journal.kill_request()
    assert request is not None and request.flatten and request.reason == "desk halt"
    journal.request_kill(flatten=False, reason="again")  # a second request replaces the first
    again = journal.kill_request()
    assert again is not None and not again.flatten and again.reason == "again"
    journal.clear_kill()
    assert journal.kill_request() is None
    assert [e.kind for e in journal.events()] == [
        "kill_requested",
        "kill_requested",
        "kill_cleared",
    ]


def test_checkpoint_latest_wins(journal: Journal) -> None:
    run_id = started(journal)
    assert journal.load_checkpoint(run_id) is None
    journal.save_checkpoint(run_id, {"tick": 1, "equity": 100.0})
    journal.save_checkpoint(run_id, {"tick": 2, "equity": float("nan")})
    loaded = journal.load_checkpoint(run_id)
    assert loaded is not None and loaded["tick"] == 2 and loaded["equity"] != loaded["equity"]


def test_unit_commits_together(journal: Journal, database_url: str) -> None:
    run_id = started(journal)
    client_id = sent_order(journal, run_id)
    with journal.unit():
        journal.add_fill("binance", fill("t1", 2.0, 100.0, client_id))
        journal.save_checkpoint(run_id, {"tick": 1})
        assert journal.in_unit
    with Journal.open(database_url) as other:
        assert other.order(client_id).state is OrderState.FILLED
        assert other.load_checkpoint(run_id) == {"tick": 1}


def test_unit_rolls_back_everything_on_an_exception(journal: Journal, database_url: str) -> None:
    run_id = started(journal)
    client_id = sent_order(journal, run_id)

    def tick() -> None:
        with journal.unit():
            journal.add_fill("binance", fill("t1", 0.5, 100.0, client_id))
            journal.save_checkpoint(run_id, {"tick": 1})
            journal.record_event(run_id, "tick", "booked", {})
            raise RuntimeError("crash mid-tick")

    with pytest.raises(RuntimeError, match="crash mid-tick"):
        tick()
    assert not journal.in_unit
    engine = sa.create_engine(resolve_url(database_url), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(live_fills)).scalar() == 0
        state = connection.execute(sa.select(live_orders.c.state)).scalar_one()
    engine.dispose()
    assert state == "sent"
    assert journal.load_checkpoint(run_id) is None and journal.events(run_id) == []


def test_runs_latest_resume_and_stop(journal: Journal) -> None:
    first = started(journal)
    kill = journal.start_run(KILL_MODE, paper=False, config={})
    assert journal.latest_run() is not None and journal.latest_run().run_id == first  # type: ignore[union-attr]
    assert journal.latest_run(KILL_MODE).run_id == kill  # type: ignore[union-attr]
    resumed = journal.resume_run()
    assert resumed is not None and resumed.run_id == first  # kill runs are never resumed
    journal.stop_run(first)
    assert journal.resume_run() is None
    stopped = journal.run(first)
    assert stopped.status == "stopped" and stopped.stopped_at is not None
    assert stopped.config == {"tick": 60} and stopped.paper is False


def test_unbooked_fills_and_funding_until_marked_booked(journal: Journal) -> None:
    run_id = started(journal)
    client_id = sent_order(journal, run_id)
    journal.add_fill("binance", fill("t1", 0.5, 100.0, client_id))
    journal.add_fill("binance", fill("t2", 0.5, 101.0, client_id))
    paid = FundingPaid("f1", "binance:perp:BTCUSDT", 3.0, T0)
    journal.add_funding("binance", paid)
    first, second = journal.fills(unbooked=True)
    with journal.unit():  # booked together with the tick's checkpoint
        journal.mark_booked(fills=[first], funding=[("binance", paid)])
        journal.save_checkpoint(run_id, {"booked": ["t1", "f1"]})
    assert journal.fills(unbooked=True) == [second]
    assert journal.funding(unbooked=True) == []
    assert len(journal.fills()) == 2


def test_order_cancelled_elsewhere_cannot_be_sent(database_url: str) -> None:
    """Another process (a restart's reconciliation) cancels a pending order: the send that
    was about to happen fails instead of sending an order the journal calls cancelled."""
    with Journal.open(database_url) as runner, Journal.open(database_url) as other:
        run_id = started(runner)
        order = runner.record_order(run_id, "binance", "binance:spot:BTC", "buy", 1.0, "x")
        other.transition(order.client_order_id, OrderState.CANCELLED, error="never sent")
        with pytest.raises(JournalStateError, match="from cancelled to sent"):
            runner.transition(order.client_order_id, OrderState.SENT)
        assert runner.find_order("missing") is None


def test_hyperliquid_orders_get_hex_client_ids(journal: Journal) -> None:
    run_id = started(journal)
    order = journal.record_order(run_id, "hyperliquid", "hyperliquid:perp:BTCUSDC", "buy", 1.0, "x")
    assert order.client_order_id == f"0x{run_id}{1:016x}"


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"venues": {"binance": {"api_key": "k"}}}, "venues.binance.api_key"),
        ({"accounts": [{"apiKey": "k"}]}, "accounts[0].apiKey"),
        ({"okx_passphrase": "p"}, "okx_passphrase"),
        ({"secret": "s"}, "secret"),
    ],
)
def test_start_run_refuses_config_naming_a_secret(
    journal: Journal, config: dict[str, object], named: str
) -> None:
    with pytest.raises(JournalError, match=f"run config key '{re.escape(named)}' names a secret"):
        journal.start_run("btc_basis", paper=False, config=config)
    assert journal.latest_run() is None


def test_checkpoint_with_instrument_names_is_kept_and_secret_key_refused(journal: Journal) -> None:
    run_id = started(journal)
    document = {"positions": {"binance:token:USDT": 1e6, "wallet:token:weETH": 2.5}}
    journal.save_checkpoint(run_id, document)
    assert journal.load_checkpoint(run_id) == document
    with pytest.raises(JournalError, match=r"checkpoint key 'hot_wallet\.private_key'"):
        journal.save_checkpoint(run_id, {"hot_wallet": {"private_key": "0xabc"}})


def test_order_documents_carry_their_fills_as_json_values(journal: Journal) -> None:
    run_id = started(journal)
    client_id = sent_order(journal, run_id, amount=1.0)
    journal.add_fill("binance", fill("t1", 0.25, 100.0, client_id))
    other = journal.record_order(run_id, "okx", "okx:spot:ETH", "buy", 2.0, "enter")
    [(first, fills), (second, none)] = journal.orders_with_fills(run_id)
    document = order_document(first, fills)
    assert json.loads(json.dumps(document)) == document
    assert (document["symbol"], document["state"], document["filled"]) == (
        "BTCUSDT",
        "partially_filled",
        0.25,
    )
    assert document["fills"] == [
        {
            "trade_id": "t1",
            "amount": 0.25,
            "price": 100.0,
            "fee": 0.1,
            "fee_asset": "USDT",
            "time": "2025-03-01T12:00:00+00:00",
        }
    ]
    assert second == other and none == []


def test_record_order_from_two_writers_numbers_every_order_once(database_url: str) -> None:
    """Two processes journal orders into one run at once (a runner and a kill switch)."""
    with Journal.open(database_url) as first, Journal.open(database_url) as second:
        run_id = started(first)

        def journal_orders(journal: Journal) -> None:
            for _ in range(15):
                journal.record_order(run_id, "binance", "binance:spot:BTC", "buy", 1.0, "x")

        with ThreadPoolExecutor(max_workers=2) as pool:
            for done in [pool.submit(journal_orders, j) for j in (first, second)]:
                done.result()
        assert sorted(order.seq for order in first.orders(run_id)) == list(range(1, 31))
