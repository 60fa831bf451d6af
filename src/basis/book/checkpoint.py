"""A book as a JSON document and back, exactly: what a live or paper runner persists.

The document holds every position row (with its accumulated P&L), claims, e-mode choices,
funding settlement times, the marks in column order, the clock and the ledger's totals per
category. Ledger entries are summed per (account, instrument, category) into one entry each:
a runner's discrete events live in its journal. The totals and the attribution are the
same to the last bit after a restore; the per-position split to float rounding. Floats
survive JSON exactly (Python writes the shortest repr that reads back to the same double).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from basis.book.book import Book
from basis.book.factors import ONE, Marks
from basis.book.instruments import Instrument
from basis.book.ledger import CATEGORIES, Category, Entry, summed
from basis.book.positions import Claim, Key, PerpTable, UnitTable
from basis.config.market import MarketConfig
from basis.errors import InvalidOperationError

__all__ = ["VERSION", "from_document", "to_document"]

VERSION = 1


def to_document(book: Book) -> dict[str, Any]:
    """The book's state as a JSON-ready dict (see the module docstring)."""
    units, perps = book._units, book._perps
    marks = book._marks.as_dict()
    return {
        "version": VERSION,
        "share_class": book.share_class,
        "now": book.now.isoformat(),
        "marks": [[name, value] for name, value in marks.items()],
        "units": [
            {
                "key": _key(units.keys[row]),
                "quantity": float(units.quantity[row]),
                "sign": float(units.sign[row]),
                "borrow": bool(units.borrow[row]),
                "columns": [int(c) for c in units.columns[:, row]],
                "pnl": [float(x) for x in units.pnl[row]],
            }
            for row in range(units.n)
        ],
        "perps": [
            {
                "key": _key(perps.keys[row]),
                "size": float(perps.size[row]),
                "entry": float(perps.entry[row]),
                "margin": float(perps.margin[row]),
                "isolated": perps.isolated[row],
                "opened": _time(perps.opened[row]),
                "columns": [int(c) for c in perps.columns[:, row]],
                "pnl": [float(x) for x in perps.pnl[row]],
            }
            for row in range(perps.n)
        ],
        "claims": [
            {
                "key": _key(key),
                "claims": [[c.amount, c.due.isoformat(), str(c.destination)] for c in claims],
            }
            for key, claims in book._claims.items()
        ],
        "emode": dict(book._emode),
        "settled": {str(perp): at.isoformat() for perp, at in book._settled.items()},
        "entries": [
            [e.account, str(e.instrument), e.category.value, e.amount] for e in summed(book.entries)
        ],
        "ledger": {
            c.value: float(t) for c, t in zip(CATEGORIES, book._ledger.totals(), strict=True)
        },
    }


def from_document(market: MarketConfig, document: dict[str, Any]) -> Book:
    """The book `to_document` wrote. Raises InvalidOperationError for a document of another
    version or shape (a checkpoint is never half-read)."""
    if document.get("version") != VERSION:
        raise InvalidOperationError(
            f"book checkpoint version {document.get('version')!r}; this basis reads {VERSION}"
        )
    try:
        marks = {name: value for name, value in document["marks"] if name != ONE}
        now = datetime.fromisoformat(document["now"])
        book = Book(market, document["share_class"], now, marks)
        book._marks = _marks(document["marks"])
        book._share_column = book._marks.column(f"price:{book.share_class}")
        book._units = _units(document["units"])
        book._perps = _perps(document["perps"])
        book._claims = {
            _parse_key(item["key"]): tuple(
                Claim(amount, datetime.fromisoformat(due), Instrument.parse(destination))
                for amount, due, destination in item["claims"]
            )
            for item in document["claims"]
        }
        book._emode = dict(document["emode"])
        book._settled = {
            Instrument.parse(perp): datetime.fromisoformat(at)
            for perp, at in document["settled"].items()
        }
        totals = np.array([float(document["ledger"][c.value]) for c in CATEGORIES])
        entries = [
            Entry(book.now, account, Instrument.parse(name), Category(category), amount)
            for account, name, category, amount in document["entries"]
        ]
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidOperationError(f"book checkpoint is malformed: {error!r}") from error
    book._ledger.restore(totals, entries)
    return book


def _marks(pairs: list[list[Any]]) -> Marks:
    """Marks with the same columns as written (rows point at column numbers)."""
    marks = Marks()
    for column, (name, value) in enumerate(pairs):
        if column == 0:
            continue
        marks.set({name: float(value)})
        if marks.column(name) != column:
            raise ValueError(f"mark {name} out of column order")
    return marks


def _units(rows: list[dict[str, Any]]) -> UnitTable:
    table = UnitTable(max(8, len(rows)))
    for row in rows:
        at = table.add(_parse_key(row["key"]), row["sign"], tuple(row["columns"]), row["borrow"])
        table.quantity[at] = row["quantity"]
        pnl = row["pnl"]  # a checkpoint from before the discount column has three
        table.pnl[at, : len(pnl)] = pnl
    return table


def _perps(rows: list[dict[str, Any]]) -> PerpTable:
    table = PerpTable(max(4, len(rows)))
    for row in rows:
        at = table.add(_parse_key(row["key"]), tuple(row["columns"]), row["isolated"])
        table.size[at], table.entry[at], table.margin[at] = row["size"], row["entry"], row["margin"]
        table.opened[at] = None if row["opened"] is None else datetime.fromisoformat(row["opened"])
        table.pnl[at] = row["pnl"]
    return table


def _key(key: Key) -> list[str]:
    return [key[0], str(key[1])]


def _parse_key(key: list[str]) -> Key:
    return key[0], Instrument.parse(key[1])


def _time(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
