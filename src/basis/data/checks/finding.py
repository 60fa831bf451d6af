"""A finding: one detected data defect, its severity by policy, and the detail formatting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final, Literal

from pydantic import Field

from basis.config.base import FrozenModel
from basis.data.catalog import ParamsInfo, SeriesInfo

FindingKind = Literal[
    "gap",
    "duplicate",
    "conflicting_duplicate",
    "non_monotonic",
    "nan",
    "negative",
    "outlier",
    "interpolated",
    "placeholder",
    "inconsistent_params",
    "missing_range",
    "missing_object",
    "damaged_object",
    # what `basis data import` accepted with a remark (docs/data.md, "Errors and findings")
    "unknown_file",
    "inclusive_period",
    "short_period",
    "estimated",
    "new_category",
    "empty_field",
    "inconsistent_derived",
    "frequency_change",
]
Severity = Literal["error", "warning", "info"]

# The severity policy (docs/data-quality.md explains each choice). Errors are defects a run
# cannot resolve on its own; warnings are resolved by the resolution policy or only limit
# what the data is good for; info describes the data without being a defect.
SEVERITY: Final[dict[FindingKind, Severity]] = {
    "conflicting_duplicate": "error",
    "nan": "error",
    "negative": "error",
    "inconsistent_params": "error",
    "missing_object": "error",
    "damaged_object": "error",
    "duplicate": "warning",
    "non_monotonic": "warning",
    "gap": "warning",
    "interpolated": "warning",
    "placeholder": "warning",
    "outlier": "warning",
    "missing_range": "info",
    "unknown_file": "info",
    "inclusive_period": "info",
    "short_period": "warning",
    "estimated": "warning",
    "new_category": "warning",
    "empty_field": "warning",
    "inconsistent_derived": "warning",
    "frequency_change": "warning",
}
SEVERITY_ORDER: Final[dict[Severity, int]] = {"error": 0, "warning": 1, "info": 2}

# How many examples a detail names before it says "…".
EXAMPLES: Final = 3


class Finding(FrozenModel):
    """One defect of one series or parameter document, as `basis data check` reports it.

    `report()` is the public form (JSON output): every field but `dataset`, which the
    table groups by.
    """

    dataset: str
    source: str = Field(description="source file relative to the imported folder")
    series: str = Field(description="series or parameter document name")
    kind: FindingKind
    severity: Severity
    count: int = Field(ge=1, description="how many points, rows or values are affected")
    detail: str

    def report(self) -> dict[str, str | int]:
        """The finding as `basis data check --json` prints it (source, series, kind,
        severity, count, detail)."""
        return self.model_dump(exclude={"dataset"})


def finding(kind: FindingKind, about: SeriesInfo | ParamsInfo, count: int, detail: str) -> Finding:
    """A `Finding` of `kind` about a series or parameter document, with the severity the
    policy gives that kind."""
    series = about.series if isinstance(about, SeriesInfo) else about.name
    return Finding(
        dataset=about.dataset,
        source=about.source,
        series=series,
        kind=kind,
        severity=SEVERITY[kind],
        count=count,
        detail=detail,
    )


def stamp(value: dt.datetime) -> str:
    """A timestamp as the details print it: `2024-08-01 16:00` (UTC, minutes)."""
    return value.strftime("%Y-%m-%d %H:%M")


def examples(items: Sequence[str], total: int | None = None) -> str:
    """The first few `items` joined by "; ", with "; …" when `total` (or len) exceeds them."""
    shown = "; ".join(items[:EXAMPLES])
    more = (total if total is not None else len(items)) > EXAMPLES
    return f"{shown}; …" if more else shown


def rows(values: Sequence[int]) -> str:
    """Source rows as a detail names them: `row 12` or `rows 12, 13`."""
    label = "row" if len(values) == 1 else "rows"
    return f"{label} {', '.join(str(value) for value in values)}"
