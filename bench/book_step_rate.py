"""Print the book's accrual + revaluation rate on six positions: `python -m bench.book_step_rate`.

Two figures: one `accrue` call per hourly step (marks as a dict, Aave indices grown from
rates), and `accrue_path` over spans of steps with pre-built factor columns. Not a test:
timings depend on the machine, so nothing here is asserted.
"""

from __future__ import annotations

import time

import numpy as np
from tests.book.stubs import BORROW_APR, SUPPLY_APR, hours, six_positions, step_marks

from basis.book import factors as f
from basis.mechanics import aave


def per_step(steps: int) -> float:
    """Steps per second of `accrue` called once per step."""
    book = six_positions()
    marks = [step_marks(step) for step in range(1, steps + 1)]
    times = [hours(step) for step in range(1, steps + 1)]
    began = time.perf_counter()
    for at, mark in zip(times, marks, strict=True):
        book.accrue(at, mark, SUPPLY_APR, BORROW_APR)
    return steps / (time.perf_counter() - began)


def spans(steps: int, span: int) -> float:
    """Steps per second of `accrue_path` over spans of `span` steps."""
    book = six_positions()
    names = [*sorted(step_marks(0)), f.liquidity_index("weETH"), f.borrow_index("WETH")]
    rows, index, borrow = [], 1.0, 1.0
    for step in range(1, steps + 1):
        index = aave.grow_liquidity_index(index, SUPPLY_APR["weETH"], 3600.0)
        borrow = aave.grow_borrow_index(borrow, BORROW_APR["WETH"], 3600.0)
        marks = step_marks(step)
        rows.append([*(marks[name] for name in names[:-2]), index, borrow])
    values = np.array(rows)
    times = [hours(step) for step in range(1, steps + 1)]
    began = time.perf_counter()
    for start in range(0, steps, span):
        book.accrue_path(times[start : start + span], names, values[start : start + span])
    return steps / (time.perf_counter() - began)


def main() -> None:
    print(f"accrue, one call per step:      {per_step(50_000):>12,.0f} steps/s")
    for span in (24, 168, 8760):
        print(f"accrue_path, spans of {span:>5} steps: {spans(87_600, span):>12,.0f} steps/s")


if __name__ == "__main__":
    main()
