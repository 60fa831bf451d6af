"""The per-step path counts: accruals allocate no rows, entries or arrays, and hold memory flat.

Times are not asserted here; `python -m bench.book_step_rate` prints steps per second.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from basis.book import Book
from basis.book import factors as f
from basis.book.ledger import CATEGORIES, COLUMN
from basis.mechanics import aave

from .stubs import BORROW_APR, SUPPLY_APR, hours, six_positions, step_marks


def _run(steps: range, book: Book) -> None:
    for step in steps:
        book.accrue(hours(step), step_marks(step), SUPPLY_APR, BORROW_APR)


def test_accrue_books_no_entries_and_adds_no_rows() -> None:
    book = six_positions()
    entries, rows, perps = len(book.entries), book.units.n, book.perps.n
    arrays = (book.units.quantity, book.units.pnl, book.perps.size, book.perps.pnl)
    _run(range(1, 2001), book)
    assert (len(book.entries), book.units.n, book.perps.n) == (entries, rows, perps)
    after = (book.units.quantity, book.units.pnl, book.perps.size, book.perps.pnl)
    assert all(a is b for a, b in zip(arrays, after, strict=True))  # updated in place


def test_accrue_holds_memory_flat_over_many_steps() -> None:
    book = six_positions()
    _run(range(1, 101), book)
    tracemalloc.start()
    _run(range(101, 201), book)
    first, _ = tracemalloc.get_traced_memory()
    _run(range(201, 5201), book)
    last, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert last - first < 4096  # bytes: nothing accumulates per step


def test_accrue_path_returns_per_step_attribution_for_the_recorder() -> None:
    # The same 100 steps, one call per step vs one vectorised span with the indices
    # pre-grown by the same mechanics.
    stepped, spanned = six_positions(), six_positions()
    start = spanned.attribution()
    _run(range(1, 101), stepped)
    supply, debt = f.liquidity_index("weETH"), f.borrow_index("WETH")
    names = [*sorted(step_marks(0)), supply, debt]
    rows, index, borrow = [], 1.0, 1.0
    for step in range(1, 101):
        index = aave.grow_liquidity_index(index, SUPPLY_APR["weETH"], 3600.0)
        borrow = aave.grow_borrow_index(borrow, BORROW_APR["WETH"], 3600.0)
        marks = step_marks(step)
        rows.append([*(marks[name] for name in names[:-2]), index, borrow])
    steps = spanned.accrue_path([hours(s) for s in range(1, 101)], names, np.array(rows))
    assert steps.shape == (100, len(CATEGORIES))
    assert spanned.equity() == pytest.approx(stepped.equity(), rel=1e-12)
    for category, value in stepped.attribution().items():
        assert spanned.attribution()[category] == pytest.approx(value, rel=1e-9, abs=1e-9)
        assert steps[:, COLUMN[category]].sum() == pytest.approx(
            value - start[category], rel=1e-9, abs=1e-9
        )
