"""`basis data import` and `basis data show`: load source files into the catalog, inspect one."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import JustifyMethod
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from basis.cli.app import CatalogOption, data_app, open_catalog, out
from basis.data.catalog import REAL, Catalog, SeriesInfo
from basis.data.ingest import ImportReport, import_folder
from basis.data.schema import ROW

DatasetOption = Annotated[str, typer.Option("--dataset", help="Dataset inside the catalog.")]


@data_app.command("import")
def import_(
    folder: Annotated[Path, typer.Argument(help="Folder of source files (e.g. data/real).")],
    catalog: CatalogOption = None,
    dataset: DatasetOption = REAL,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Refuse the import when there is any finding, not only errors."
        ),
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import every valid file and list the refused ones with their reasons "
            "(default: one refused file refuses the import).",
        ),
    ] = False,
) -> None:
    """Import every source file under FOLDER into the catalog in one atomic commit.

    Errors (unreadable file, missing column, wrong unit, bad timestamp) refuse the file and,
    by default, the import; findings (estimated rows, inclusive periods, new categories,
    derived columns off their inputs, a change of row spacing, unknown files, ...) import
    and show here and in `basis data check`.
    """
    target = open_catalog(catalog)
    started = time.perf_counter()
    report = import_folder(folder, target, dataset, strict=strict, skip_invalid=skip_invalid)
    _print_report(report, target, time.perf_counter() - started)


@data_app.command("show")
def show(
    series: Annotated[str, typer.Argument(help="Series name, e.g. binance:perp:ETHUSDT.")],
    dataset: DatasetOption = REAL,
    catalog: CatalogOption = None,
    rows: Annotated[int, typer.Option("--rows", min=0, help="Rows shown at head and tail.")] = 5,
) -> None:
    """Summarise one stored series (range, per-column min/mean/max) and print its head and tail."""
    store = open_catalog(catalog)
    info = store.info(dataset, series)
    frame = store.read(dataset, series)
    out.print(_summary(info))
    out.print(_statistics(frame))
    if frame.height <= 2 * rows:
        out.print(_rows(frame, f"all {frame.height} rows"))
    elif rows:
        out.print(_rows(frame.head(rows), f"first {rows} rows"))
        out.print(_rows(frame.tail(rows), f"last {rows} rows"))


def _print_report(report: ImportReport, catalog: Catalog, seconds: float) -> None:
    table = Table(title=f"imported into dataset {report.dataset!r}", title_justify="left")
    for column in ("series", "kind", "rows", "start", "end", "source"):
        table.add_column(column, justify="right" if column == "rows" else "left", overflow="fold")
    for info in report.series:
        table.add_row(*_cells(info.series, info.kind, info.rows, info.start, info.end, info.source))
    for document in report.params:
        table.add_row(*_cells(document.name, "params", None, None, None, document.source))
    out.print(table)
    if report.skipped:
        skipped = Table(title="skipped files", title_justify="left")
        skipped.add_column("file", overflow="fold")
        skipped.add_column("reason")
        for item in report.skipped:
            skipped.add_row(*_cells(item.path, item.reason))
        out.print(skipped)
    if report.findings:
        found = Table(title="findings (imported; also in basis data check)", title_justify="left")
        for column in ("file", "kind", "rows", "detail"):
            found.add_column(column, overflow="fold")
        for finding in report.findings:
            found.add_row(*_cells(finding.file, finding.kind, finding.count, finding.detail))
        out.print(found)
    if report.refused:
        refused = Table(title="refused files (--skip-invalid)", title_justify="left")
        refused.add_column("file", overflow="fold")
        refused.add_column("reason", overflow="fold")
        for left in report.refused:
            refused.add_row(*_cells(left.path, left.reason))
        out.print(refused)
    mark = "[yellow]partial[/yellow]" if report.refused else "[green]ok[/green]"
    out.print(
        f"{mark}: {len(report.series)} series and {len(report.params)} parameter "
        f"documents from {escape(str(report.folder))} into {escape(str(catalog.root))} in "
        f"{seconds:.2f} s; {len(report.skipped)} file(s) skipped, "
        f"{len(report.findings)} finding(s), {len(report.refused)} file(s) refused",
        highlight=False,
    )


def _summary(info: SeriesInfo) -> Table:
    title = Text(f"{info.dataset} / {info.series}")
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for field, value in (
        ("kind", info.kind),
        ("source", info.source),
        ("interval", info.interval),
        ("quote", info.quote or "—"),
        ("rows", str(info.rows)),
        ("range", f"{info.start} → {info.end}"),
    ):
        table.add_row(*_cells(field, value))
    return table


def _statistics(frame: pl.DataFrame) -> Table:
    """Min, mean and max of each value column (`source_row` is bookkeeping, left out)."""
    table = Table(title="columns", title_justify="left")
    for column in ("column", "type", "min", "mean", "max"):
        table.add_column(
            column, justify="left" if column in ("column", "type") else "right", overflow="fold"
        )
    for name in frame.columns:
        if name == ROW:
            continue
        values = frame[name]
        numeric = values.dtype.is_numeric()
        low, high = (
            (values.min(), values.max()) if numeric or values.dtype.is_temporal() else ("", "")
        )
        mean = values.mean() if numeric else None
        table.add_row(*_cells(name, _type_name(values.dtype), low, mean, high))
    return table


def _rows(frame: pl.DataFrame, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for name in frame.columns:
        temporal = frame[name].dtype.is_temporal()
        header = f"{name} (UTC)" if temporal else name
        justify: JustifyMethod = "left" if frame[name].dtype == pl.String else "right"
        # A date is never cut: it keeps its 16 characters, other columns fold instead.
        table.add_column(
            header,
            justify=justify,
            overflow="fold",
            no_wrap=temporal,
            min_width=16 if temporal else None,
        )
    for row in frame.iter_rows():
        table.add_row(*_cells(*row))
    return table


def _type_name(dtype: pl.DataType) -> str:
    return "timestamp (UTC)" if dtype.is_temporal() else str(dtype).lower()


def _cells(*values: object) -> list[Text]:
    """Plain text cells: data never goes through rich markup or emoji codes."""
    return [Text(_format(value)) for value in values]


def _format(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)
