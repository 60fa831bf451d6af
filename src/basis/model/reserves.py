"""Aave reserves as the book meets them: totals at each hour, and the room they leave.

The data's totals never hold the book; `room` adds the book's own position to them before
applying the available liquidity and the caps (`mechanics.aave`, docs/mechanics.md §2a).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from basis.config.aave import ReserveCaps
from basis.mechanics import aave

__all__ = ["UNBOUNDED", "Reserve", "ReservePath", "Room", "room"]

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Reserve:
    """An Aave reserve at one hour, without the book: total supplied and total variable
    debt, in asset units (the last daily observation, as the rates)."""

    supply: float
    debt: float


@dataclass(frozen=True, slots=True)
class ReservePath:
    """A reserve's totals at every step (`Reserve` per step)."""

    supply: Floats
    debt: Floats


@dataclass(frozen=True, slots=True)
class Room:
    """What a reserve lets the book still do now, in asset units (inf: unbounded)."""

    supply: float
    borrow: float
    withdraw: float


UNBOUNDED = Room(math.inf, math.inf, math.inf)


def room(reserve: Reserve | None, caps: ReserveCaps | None, supplied: float, owed: float) -> Room:
    """The room left in `reserve` for a book that supplies `supplied` and owes `owed` of its
    asset already: unbounded where the data has no totals."""
    if reserve is None:
        return UNBOUNDED
    supply_cap = None if caps is None else caps.supply
    borrow_cap = None if caps is None else caps.borrow
    return Room(
        aave.supply_room(reserve.supply, supplied, supply_cap),
        aave.borrow_room(reserve.supply, reserve.debt, supplied, owed, borrow_cap),
        aave.withdraw_room(reserve.supply, reserve.debt, supplied, owed),
    )
