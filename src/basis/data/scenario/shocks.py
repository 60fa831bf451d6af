"""Declared shocks as time envelopes in [0, 1] that processes blend or scale by."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from basis.config.scenarios import ShockConfig, ShockKind
from basis.data.scenario.timeline import Timeline

Array = NDArray[np.float64]


def matching(
    shocks: tuple[ShockConfig, ...],
    kind: ShockKind,
    asset: str | None = None,
    venue: str | None = None,
) -> list[ShockConfig]:
    """Return the shocks of `kind` that apply to `asset` and `venue` (empty lists mean all)."""
    return [
        shock
        for shock in shocks
        if shock.kind == kind
        and (asset is None or not shock.assets or asset in shock.assets)
        and (venue is None or not shock.venues or venue in shock.venues)
    ]


def envelope(shock: ShockConfig, timeline: Timeline, offsets: Array) -> Array:
    """Return the shock's weight at hour `offsets` from the timeline start.

    Before the start 0. Inside the window 1, except price shocks, which ramp linearly from
    0 to 1 across it. After the window: `0.5^((t − end)/recovery_half_life_hours)` when a
    recovery half-life is given; otherwise 1 for price shocks (the move is kept) and 0 for
    the other kinds (the shock ends).
    """
    start = timeline.offset_of(shock.start)
    end = start + shock.duration_hours
    if shock.kind == "price":
        inside = np.clip((offsets - start) / shock.duration_hours, 0.0, 1.0)
    else:
        inside = ((offsets >= start) & (offsets < end)).astype(np.float64)
    after = offsets >= end
    if shock.recovery_half_life_hours is not None:
        tail = np.exp(-math.log(2.0) * (offsets - end) / shock.recovery_half_life_hours)
    else:
        tail = np.full(offsets.shape, 1.0 if shock.kind == "price" else 0.0)
    weights: Array = np.where(after, tail, inside)
    return weights


def blend_levels(
    values: Array,
    shocks: list[ShockConfig],
    timeline: Timeline,
    offsets: Array,
    deviation: Array | None = None,
) -> Array:
    """Return `values` pulled to each shock's level: `(1 − w)·values + w·(magnitude + deviation)`.

    Shocks apply in the order declared; `deviation` (default none) is noise kept at the level.
    """
    result = values
    for shock in shocks:
        weight = envelope(shock, timeline, offsets)
        level = shock.magnitude if deviation is None else shock.magnitude + deviation
        result = (1.0 - weight) * result + weight * level
    return result
