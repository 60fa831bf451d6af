"""Run every detection over a catalog: each series, each dataset's coverage, its parameters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import polars as pl

from basis.data.catalog import Catalog, ParamsInfo, SeriesInfo
from basis.data.checks.coverage import missing_ranges
from basis.data.checks.finding import SEVERITY, SEVERITY_ORDER, Finding, finding
from basis.data.checks.interpolation import interpolated
from basis.data.checks.outliers import outliers
from basis.data.checks.params import Document, params
from basis.data.checks.placeholders import placeholders
from basis.data.checks.timing import duplicates, gaps, non_monotonic
from basis.data.checks.values import nan, negative
from basis.data.ingest import FINDINGS_DOCUMENT
from basis.errors import DataCorruptError, DataMissingError

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
            try:
                frame = catalog.read(name, info.series)
            except DataCorruptError as error:
                found.append(_damaged(catalog, info, "parquet", error))
                continue
            found.extend(check_series(frame, info))
        found.extend(missing_ranges(infos))
        documents: dict[str, Document] = {}
        for doc in catalog.params(name):
            try:
                documents[doc.name] = (doc, catalog.read_params(name, doc.name))
            except DataCorruptError as error:
                found.append(_damaged(catalog, doc, "json", error))
        found.extend(params(documents))
        if FINDINGS_DOCUMENT in documents:
            found.extend(import_findings(*documents.pop(FINDINGS_DOCUMENT)))
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


def _damaged(
    catalog: Catalog, about: SeriesInfo | ParamsInfo, suffix: str, error: DataCorruptError
) -> Finding:
    """A `missing_object` or `damaged_object` finding: the run would refuse this data."""
    missing = not catalog.objects.path(about.object, suffix).exists()
    return finding("missing_object" if missing else "damaged_object", about, 1, error.message)


def import_findings(info: ParamsInfo, content: Mapping[str, Any]) -> list[Finding]:
    """The findings `basis data import` kept (`import:findings`), one per entry: a file
    may have several of one kind (`inconsistent_derived`: one per derived column)."""
    found = []
    for entry in content.get("findings", []):
        kind = entry.get("kind")
        if kind not in SEVERITY:
            continue  # a kind a later version wrote: nothing to say about it here
        found.append(
            Finding(
                dataset=info.dataset,
                source=str(entry.get("file", "")),
                series=FINDINGS_DOCUMENT,
                kind=kind,
                severity=SEVERITY[kind],
                count=max(int(entry.get("count", 1)), 1),
                detail=str(entry.get("detail", "")),
            )
        )
    return found
