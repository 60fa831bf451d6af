"""What a directional strategy keeps between hours, as a versioned JSON document.

A paper or live run checkpoints it with the book, so a restarted run resumes with the
history, the fitted models and the position's entry an unbroken run would have, and makes
the same decisions (tests/live/test_parity.py). Arrays are base64 of little-endian float64:
exact, and NaN (a feature not known yet) survives JSON. Only the rows later decisions can
read are kept (`kept_rows`); the others come back as NaN, never read again, so the
document stays the same size however long the run.
"""

from __future__ import annotations

import base64
import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from basis.config.modes import DirectionalConfig
from basis.errors import InvalidOperationError
from basis.strategies.directional.features import COLUMNS, LOOKBACK, History
from basis.strategies.directional.model import Fit

__all__ = ["VERSION", "Entry", "Memory", "kept_rows", "read", "write"]

VERSION: Final = 1

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Entry:
    """The side held, its entry price, and σ over the horizon when it was entered."""

    side: int
    price: float
    sigma: float


@dataclass
class Memory:
    """Everything a directional strategy carries from one hour to the next."""

    history: History
    fits: list[Fit]
    pending: deque[tuple[int, int]]  # (row, side) of the predictions to judge
    hits: int
    judged: int
    funding_apr: float  # the last settled funding, as an APR (NaN before the first)
    entry: Entry | None
    stopped: int  # the side a take-profit or stop-loss closed, kept out until it changes
    next_fit: int
    decided_at: int


def kept_rows(config: DirectionalConfig) -> int:
    """The newest rows a later decision can read: a refit's training rows with their
    feature windows and labels, the rolling σ, the prediction's feature window."""
    training = config.train_hours + config.horizon_hours + LOOKBACK
    return max(training, config.sigma_hours + 1, LOOKBACK + 1)


def write(memory: Memory, config: DirectionalConfig) -> dict[str, Any]:
    """`memory` as a JSON-able document (see the module docstring)."""
    history = memory.history
    size = history.size
    first = max(0, size - kept_rows(config))
    return {
        "version": VERSION,
        "rows": size,
        "first_row": first,
        "first_price": float(history.price[0]) if size else None,  # buy and hold's base
        "history": {name: _pack(getattr(history, name)[first:size]) for name in COLUMNS},
        "fits": [_fit_document(fit) for fit in memory.fits],
        "pending": [[row, side] for row, side in memory.pending],
        "hits": memory.hits,
        "judged": memory.judged,
        "funding_apr": memory.funding_apr if math.isfinite(memory.funding_apr) else None,
        "entry": None
        if memory.entry is None
        else {"side": memory.entry.side, "price": memory.entry.price, "sigma": memory.entry.sigma},
        "stopped": memory.stopped,
        "next_fit": memory.next_fit,
        "decided_at": memory.decided_at,
    }


def read(document: dict[str, Any]) -> Memory:
    """The memory `write` kept. Raises InvalidOperationError for a document of another
    version or shape (a strategy is never half-restored)."""
    if document.get("version") != VERSION:
        raise InvalidOperationError(
            f"directional strategy checkpoint version {document.get('version')!r}; "
            f"this basis reads {VERSION}"
        )
    try:
        size, first = int(document["rows"]), int(document["first_row"])
        history = History()
        columns = {name: _unpack(document["history"][name]) for name in COLUMNS}
        for name, kept in columns.items():
            if kept.shape[0] != size - first:
                raise ValueError(f"history column {name} has {kept.shape[0]} rows")
            full = np.full(max(size, 1024), np.nan)
            full[first:size] = kept
            setattr(history, name, full)
        history.size = size
        if size:
            history.price[0] = float(document["first_price"])
        entry = document["entry"]
        funding_apr = document["funding_apr"]
        return Memory(
            history=history,
            fits=[_fit_from(fit) for fit in document["fits"]],
            pending=deque((int(row), int(side)) for row, side in document["pending"]),
            hits=int(document["hits"]),
            judged=int(document["judged"]),
            funding_apr=math.nan if funding_apr is None else float(funding_apr),
            entry=None
            if entry is None
            else Entry(int(entry["side"]), float(entry["price"]), float(entry["sigma"])),
            stopped=int(document["stopped"]),
            next_fit=int(document["next_fit"]),
            decided_at=int(document["decided_at"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidOperationError(
            f"directional strategy checkpoint is malformed: {error!r}"
        ) from None


def _fit_document(fit: Fit) -> dict[str, Any]:
    return {
        "time": fit.time.isoformat(),
        "first": fit.first.isoformat(),
        "last": fit.last.isoformat(),
        "rows": fit.rows,
        "mean": _pack(fit.mean),
        "scale": _pack(fit.scale),
        "coefficients": _pack(fit.coefficients),
        "intercept": fit.intercept,
        "in_sample_hit_rate": fit.in_sample_hit_rate,
    }


def _fit_from(document: dict[str, Any]) -> Fit:
    return Fit(
        time=datetime.fromisoformat(document["time"]),
        first=datetime.fromisoformat(document["first"]),
        last=datetime.fromisoformat(document["last"]),
        rows=int(document["rows"]),
        mean=_unpack(document["mean"]),
        scale=_unpack(document["scale"]),
        coefficients=_unpack(document["coefficients"]),
        intercept=float(document["intercept"]),
        in_sample_hit_rate=float(document["in_sample_hit_rate"]),
    )


def _pack(values: Floats) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype="<f8").tobytes()).decode("ascii")


def _unpack(text: str) -> Floats:
    values: Floats = np.frombuffer(base64.b64decode(text, validate=True), dtype="<f8").astype(
        np.float64
    )
    return values
