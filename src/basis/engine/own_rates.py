"""The book's own effect on Aave's rates: index marks grown at the rates its size implies.

The data's rates are those of a reserve without the book. A book that borrows 40,000 WETH
from a reserve of 500,000 moves its utilisation, and with it the rate it pays
(`mechanics.aave.rates_with_position`). Each hour, each Aave index the book is marked on
grows by the data's own growth times the ratio of the growth at the moved rate to the
growth at the observed one; the product of those ratios since the start is the index's
multiplier, so the book's index is the data's times its multiplier.

The position that moves the rate is the book's scaled balance (constant between trades) at
the data's index of the hour before, so an hour's multiplier depends on data known at its
start and on no trade inside a span: the loop and the span path compute the same floats.
A book with no Aave position, or data without reserve totals, keeps the data's indices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from basis.book import Book, Instrument
from basis.book import factors as f
from basis.config.aave import RateModel
from basis.mechanics import aave
from basis.model.market import MarketData, Snapshot

__all__ = ["OwnRates"]

Floats = npt.NDArray[np.float64]


Inputs = tuple[float, float, float, float, float, float]
"""An asset's hour: the data's liquidity and borrow index, supply and borrow APR, and the
reserve's total supply and debt (what `_ratios` takes, in that order)."""


@dataclass(frozen=True, slots=True)
class _Hour:
    """What an hour's growth starts from: its time and each asset's `Inputs`."""

    time: float
    assets: Mapping[str, Inputs]


class OwnRates:
    """Multipliers of the book's Aave indices over the data's (1 until the book borrows or
    supplies enough to move a rate)."""

    def __init__(self, book: Book, models: Mapping[str, RateModel]) -> None:
        self.book, self.models = book, models
        self.multiplier: dict[str, float] = {}  # index factor name → book index / data index
        self._last: _Hour | None = None

    # -- one step ----------------------------------------------------------------------------

    def marks(self, snap: Snapshot) -> Mapping[str, float]:
        """`snap`'s marks with each Aave index the book holds grown by the book's own
        effect on its rate over the hour before (the marks themselves when there is none)."""
        hour = _hour_of(snap)
        last, self._last = self._last, hour
        if last is not None:
            for asset, inputs in last.assets.items():
                scaled = self._scaled(asset)
                if scaled is None:
                    continue
                hourly = (np.array([value]) for value in inputs)
                ratios = _ratios(self.models[asset], scaled, hour.time - last.time, *hourly)
                for name, ratio in zip(_names(asset), ratios, strict=True):
                    self.multiplier[name] = self.multiplier.get(name, 1.0) * float(ratio[0])
        if not self.multiplier:
            return snap.marks
        marks = dict(snap.marks)
        for name, factor in self.multiplier.items():
            marks[name] = snap.marks[name] * factor
        return marks

    # -- a span ------------------------------------------------------------------------------

    def path(self, data: MarketData, k: int, end: int) -> dict[str, Floats]:
        """The multiplier of each index at steps k … end−1 (k ≥ 1), each as `marks` would
        have grown it, the book trading nothing in between; empty while all are 1."""
        previous = np.arange(k - 1, end - 1)
        seconds = np.diff(data.times[k - 1 : end]).astype(np.float64)
        columns = {name: np.full(end - k, factor) for name, factor in self.multiplier.items()}
        for asset in data.reserves:
            scaled = self._scaled(asset)
            if scaled is None:
                continue
            ratios = _ratios(self.models[asset], scaled, seconds, *_inputs(data, asset, previous))
            for name, ratio in zip(_names(asset), ratios, strict=True):
                start = np.array([self.multiplier.get(name, 1.0)])
                columns[name] = np.multiply.accumulate(np.concatenate((start, ratio)))[1:]
        return columns

    def commit(self, data: MarketData, path: Mapping[str, Floats], last: int, stop: int) -> None:
        """Take the state after step `last` of a span whose multipliers were `path` (its
        first `stop` steps committed)."""
        for name, values in path.items():
            self.multiplier[name] = float(values[stop - 1])
        rows = np.array([last])
        assets = {a: _first(_inputs(data, a, rows)) for a in data.reserves}
        self._last = _Hour(float(data.times[last]), assets)

    # -- checkpoints -------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """The multipliers and the hour the next growth starts from, as JSON (a paper
        run's checkpoint)."""
        last = self._last
        hour = None if last is None else {"time": last.time, "assets": dict(last.assets)}
        return {"multiplier": dict(self.multiplier), "last": hour}

    def restore(self, document: Mapping[str, Any]) -> None:
        """Resume from `document` (`document()`; empty for a checkpoint without one)."""
        self.multiplier = {n: float(v) for n, v in document.get("multiplier", {}).items()}
        last = document.get("last")
        self._last = (
            None
            if last is None
            else _Hour(float(last["time"]), {a: _first(v) for a, v in last["assets"].items()})
        )

    # -- helpers -----------------------------------------------------------------------------

    def _scaled(self, asset: str) -> tuple[float, float] | None:
        """The book's scaled supply and debt of `asset` (None: it holds neither)."""
        if asset not in self.models:
            return None
        units = self.book.units
        held = {Instrument.aave_supply(asset): 0.0, Instrument.aave_debt(asset): 0.0}
        for row, (_, instrument) in enumerate(units.keys):
            if instrument in held:
                held[instrument] += float(units.quantity[row])
        supplied, owed = held.values()
        return None if supplied == 0.0 and owed == 0.0 else (supplied, owed)


def _ratios(
    model: RateModel,
    scaled: tuple[float, float],
    seconds: Floats | float,
    liquidity: Floats,
    borrow_index: Floats,
    supply_apr: Floats,
    borrow_apr: Floats,
    supply: Floats,
    debt: Floats,
) -> tuple[Floats, Floats]:
    """Per hour, the liquidity and borrow index growth at the moved rates over the growth at
    the observed ones."""
    own_supply, own_debt = scaled[0] * liquidity, scaled[1] * borrow_index
    borrow, supplied = aave.rates_with_position(
        borrow_apr, supply_apr, supply, debt, own_supply, own_debt, model
    )
    liquidity_ratio: Floats = aave.liquidity_growth(supplied, seconds) / aave.liquidity_growth(
        supply_apr, seconds
    )
    borrow_ratio: Floats = aave.borrow_growth(borrow, seconds) / aave.borrow_growth(
        borrow_apr, seconds
    )
    return liquidity_ratio, borrow_ratio


def _names(asset: str) -> tuple[str, str]:
    return f.liquidity_index(asset), f.borrow_index(asset)


def _inputs(data: MarketData, asset: str, rows: npt.NDArray[np.intp]) -> tuple[Floats, ...]:
    """`asset`'s `Inputs` at `rows` of `data`, as arrays."""
    reserve = data.reserves[asset]
    liquidity, borrow_index = (data.names.index(name) for name in _names(asset))
    return (
        data.values[rows, liquidity],
        data.values[rows, borrow_index],
        data.supply_apr[asset][rows],
        data.borrow_apr[asset][rows],
        reserve.supply[rows],
        reserve.debt[rows],
    )


def _first(values: Any) -> Inputs:
    """Six numbers (arrays of one, or a checkpoint's list) as `Inputs`."""
    a, b, c, d, e, g = (float(np.asarray(v).reshape(-1)[0]) for v in values)
    return a, b, c, d, e, g


def _hour_of(snap: Snapshot) -> _Hour:
    marks = snap.marks
    assets = {
        a: (
            marks[f.liquidity_index(a)],
            marks[f.borrow_index(a)],
            snap.supply_apr[a],
            snap.borrow_apr[a],
            reserve.supply,
            reserve.debt,
        )
        for a, reserve in snap.reserves.items()
        if f.liquidity_index(a) in marks
    }
    return _Hour(snap.time.timestamp(), assets)
