"""Run every detection over a catalog: each series, each dataset's coverage, its parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import polars as pl

from basis.data.catalog import Catalog, SeriesInfo
from basis.data.checks.coverage import missing_ranges
from basis.data.checks.finding import SEVERITY_ORDER, Finding
from basis.data.checks.interpolation import interpolated
from basis.data.checks.outliers import outliers
from basis.data.checks.params import params
from basis.data.checks.placeholders import placeholders
from basis.data.checks.timing import duplicates, gaps, non_monotonic
from basis.data.checks.values import nan, negative
from basis.errors import DataMissingError

SeriesCheck = Callable[[pl.DataFrame, SeriesInfo], list[Finding]]

SERIES_CHECKS: Final[tuple[SeriesCheck, ...]] = (
    non_monotonic,
    duplicates,
    gaps,
    nan,
    negative,
    outliers,
    interpolated,
    placeholders,
)


def check_series(frame: pl.DataFrame, info: SeriesInfo) -> list[Finding]:
    """Every finding of the per-series detections on one stored frame (source order).

    Raises `DataError` when the series' kind or interval is not understood.
    """
    return [found for check in SERIES_CHECKS for found in check(frame, info)]


def check_catalog(catalog: Catalog, dataset: str | None = None) -> list[Finding]:
    """Every finding for one dataset of `catalog`, or for all of them, sorted by dataset,
    series (or parameter document), severity and kind.

    Raises `DataMissingError` when the dataset is not in the catalog (naming those that
    are) or when there is nothing to check (an empty catalog or dataset).
    """
    available = catalog.datasets()
    if dataset is not None and dataset not in available:
        raise DataMissingError(
            f"no dataset {dataset!r} in catalog {catalog.root}; available: {available or 'none'}"
        )
    names = [dataset] if dataset is not None else available
    if not any(catalog.series(name) or catalog.params(name) for name in names):
        where = f"dataset {dataset!r} in catalog" if dataset is not None else "catalog"
        raise DataMissingError(
            f"{where} {catalog.root} holds no series or parameter documents to check; "
            "run `basis data import` or `basis data generate` first"
        )
    findings: list[Finding] = []
    for name in names:
        found: list[Finding] = []
        infos = catalog.series(name)
        for info in infos:
            found.extend(check_series(catalog.read(name, info.series), info))
        found.extend(missing_ranges(infos))
        documents = {
            doc.name: (doc, catalog.read_params(name, doc.name)) for doc in catalog.params(name)
        }
        found.extend(params(documents))
        findings.extend(
            sorted(
                found,
                key=lambda item: (
                    item.dataset,
                    item.series,
                    SEVERITY_ORDER[item.severity],
                    item.kind,
                ),
            )
        )
    return findings
