"""Jinja filters for the pages: rates as percentages, amounts with separators, "—" for none."""

from __future__ import annotations

import math
from typing import Any, Final

from fastapi.templating import Jinja2Templates
from jinja2 import Undefined

from basis.analytics.metrics import RATE_METRICS

__all__ = ["install"]

NONE: Final = "—"


def _missing(value: Any) -> bool:
    """None, a name the template data lacks, NaN or ±inf: shown as "—"."""
    if value is None or isinstance(value, Undefined):
        return True
    return isinstance(value, float) and not math.isfinite(value)


def pct(value: Any) -> str:
    """0.0512 → "5.12 %"."""
    return NONE if _missing(value) else f"{100 * float(value):.2f} %"


def num(value: Any, digits: int = 2) -> str:
    """1234567.891 → "1,234,567.89"."""
    if _missing(value):
        return NONE
    return f"{value:,.{digits}f}" if isinstance(value, int | float) else str(value)


def metric(value: Any, name: str) -> str:
    """A metric as the CLI shows it: rates in percent, hours and counts whole, others 3 dp."""
    if name in RATE_METRICS or name.endswith(("_return", "_apr", "_apy")):
        return pct(value)
    if name.endswith(("_hours", "_paid")):
        return num(value, 0 if name.endswith("_hours") else 2)
    return num(value, 3)


def install(templates: Jinja2Templates) -> None:
    """Register the filters on the pages' environment."""
    templates.env.filters.update(pct=pct, num=num, metric=metric)
