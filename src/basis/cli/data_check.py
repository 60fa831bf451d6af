"""`basis data check`: list every defect of the stored data, as tables or as JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Annotated, Final

import typer
from rich.console import JustifyMethod
from rich.table import Table
from rich.text import Text

from basis.cli.app import CatalogOption, data_app, open_catalog, out
from basis.data.catalog import Catalog
from basis.data.checks import Finding, check_catalog

STYLES: Final = {"error": "bold red", "warning": "yellow", "info": "cyan"}


@data_app.command("check")
def check(
    catalog: CatalogOption = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="Check one dataset; default: all of them.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the findings as one JSON list on stdout.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when any finding has severity error.")
    ] = False,
) -> None:
    """Check stored series and parameter documents for gaps, duplicates, bad values and more."""
    store = open_catalog(catalog)
    findings = check_catalog(store, dataset)
    if as_json:
        typer.echo(json.dumps([item.report() for item in findings], indent=1, ensure_ascii=False))
    else:
        names = [dataset] if dataset is not None else store.datasets()
        for name in names:
            out.print(_table(store, name, [item for item in findings if item.dataset == name]))
        out.print(_summary(findings), highlight=False)
    if strict and any(item.severity == "error" for item in findings):
        raise typer.Exit(1)


def _table(store: Catalog, dataset: str, findings: Sequence[Finding]) -> Table:
    """One section per series (range and rows once), one line per finding; clean series say ok."""
    table = Table(title=f"dataset {dataset!r}", title_justify="left")
    for column in ("series", "range", "rows", "kind", "severity", "count", "detail"):
        justify: JustifyMethod = "right" if column in ("rows", "count") else "left"
        table.add_column(column, justify=justify, overflow="fold")
    table.columns[0].max_width = 36
    table.columns[-1].ratio = 1
    subjects = [
        (info.series, info.source, _span(info.start, info.end), str(info.rows))
        for info in store.series(dataset)
    ]
    subjects += [(doc.name, doc.source, "parameters", "") for doc in store.params(dataset)]
    for name, source, span, rows in subjects:
        own = [item for item in findings if item.series == name]
        table.add_section()
        subject = Text(name)
        subject.append(f"\n{source}", style="dim")
        if not own:
            table.add_row(subject, Text(span), Text(rows), Text("ok", style="green"))
        for index, item in enumerate(own):
            first = index == 0
            table.add_row(
                subject if first else Text(""),
                Text(span if first else ""),
                Text(rows if first else ""),
                Text(item.kind),
                Text(item.severity, style=STYLES[item.severity]),
                Text(str(item.count)),
                Text(item.detail),
            )
    return table


def _span(start: str | None, end: str | None) -> str:
    return f"{_day(start)}\n→ {_day(end)}"


def _day(value: str | None) -> str:
    return "—" if value is None else value[:16].replace("T", " ")


def _summary(findings: Sequence[Finding]) -> Text:
    counts = Counter(item.severity for item in findings)
    text = Text(f"{len(findings)} finding(s): ")
    text.append(f"{counts['error']} error(s)", style=STYLES["error"])
    text.append(", ")
    text.append(f"{counts['warning']} warning(s)", style=STYLES["warning"])
    text.append(", ")
    text.append(f"{counts['info']} info", style=STYLES["info"])
    return text
