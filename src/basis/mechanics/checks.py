"""Input checks shared by the mechanics: each returns its value or raises InvalidOperationError."""

from __future__ import annotations

import math
from datetime import datetime

from basis.errors import InvalidOperationError

BPS = 10_000.0
"""Basis points in one."""

__all__ = [
    "BPS",
    "basis_points",
    "finite",
    "fraction",
    "non_negative",
    "non_negative_int",
    "positive",
    "utc_aware",
]


def finite(name: str, value: float) -> float:
    """Return `value`; raise InvalidOperationError when it is NaN or infinite."""
    if not math.isfinite(value):
        raise InvalidOperationError(f"{name} must be finite, got {value!r}")
    return value


def non_negative(name: str, value: float) -> float:
    """Return `value`; raise InvalidOperationError unless 0 <= value < inf (NaN fails)."""
    if not 0.0 <= value < math.inf:
        raise InvalidOperationError(f"{name} must be finite and >= 0, got {value!r}")
    return value


def positive(name: str, value: float) -> float:
    """Return `value`; raise InvalidOperationError unless 0 < value < inf (NaN fails)."""
    if not 0.0 < value < math.inf:
        raise InvalidOperationError(f"{name} must be finite and > 0, got {value!r}")
    return value


def fraction(name: str, value: float, *, below_one: bool = False) -> float:
    """Return `value`; raise InvalidOperationError unless it is in [0, 1] ([0, 1) if below_one)."""
    ok = 0.0 <= value < 1.0 if below_one else 0.0 <= value <= 1.0
    if not ok:
        interval = "[0, 1)" if below_one else "[0, 1]"
        raise InvalidOperationError(f"{name} must be in {interval}, got {value!r}")
    return value


def basis_points(name: str, value: float) -> float:
    """Return `value`; raise InvalidOperationError unless 0 <= value < 10000 (bp below 100 %)."""
    if not 0.0 <= value < BPS:
        raise InvalidOperationError(f"{name} must be in [0, 10000) bp, got {value!r}")
    return value


def non_negative_int(name: str, value: int) -> int:
    """Return `value`; raise InvalidOperationError unless it is an int >= 0 (bool is refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidOperationError(f"{name} must be an integer >= 0, got {value!r}")
    return value


def utc_aware(name: str, value: datetime) -> datetime:
    """Return `value`; raise InvalidOperationError when it carries no timezone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidOperationError(f"{name} must be timezone-aware (UTC), got naive {value!r}")
    return value
