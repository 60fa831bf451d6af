"""The ledger: entries, running totals per category, rollback to a mark."""

from __future__ import annotations

from basis.book.instruments import Instrument
from basis.book.ledger import CATEGORIES, COLUMN, PNL_CATEGORIES, Category, Entry, Ledger

from .stubs import T0


def test_categories_are_design_section_4_live_reconciliation_and_the_lst_discount() -> None:
    assert [c.value for c in CATEGORIES] == [
        "funding",
        "supply_interest",
        "borrow_interest",
        "staking_yield",
        "rewards",
        "price",
        "lst_discount",
        "basis",
        "trading_fees",
        "slippage",
        "gas",
        "transfer_fees",
        "liquidation",
        "reconciliation",
        "flows",
    ]
    assert Category.FLOWS not in PNL_CATEGORIES and len(PNL_CATEGORIES) == 14


def test_record_adds_to_its_category_total() -> None:
    ledger = Ledger()
    usdt = Instrument.wallet("USDT")
    ledger.record(Entry(T0, "a", usdt, Category.GAS, -2.5))
    ledger.record(Entry(T0, "a", usdt, Category.GAS, -1.5))
    ledger.record(Entry(T0, "a", usdt, Category.FLOWS, 100.0))
    totals = ledger.totals()
    assert totals[COLUMN[Category.GAS]] == -4.0
    assert totals[COLUMN[Category.FLOWS]] == 100.0
    assert totals.sum() == 96.0
    assert len(ledger.entries) == 3


def test_rollback_drops_later_entries_and_restores_totals() -> None:
    ledger = Ledger()
    usdt = Instrument.wallet("USDT")
    ledger.record(Entry(T0, "a", usdt, Category.FUNDING, 3.0))
    mark = ledger.mark()
    ledger.record(Entry(T0, "a", usdt, Category.FUNDING, 7.0))
    ledger.rollback(mark)
    assert [e.amount for e in ledger.entries] == [3.0]
    assert ledger.totals()[COLUMN[Category.FUNDING]] == 3.0
