"""Output files of sweeps, studies and stress runs: offline HTML pages (plotly.js inlined,
as the run report does), HTML tables, and atomic writes of HTML, Parquet and CSV."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any, Final

import plotly.graph_objects as go
import polars as pl

from basis.analytics.plotly_page import plotly_scripts
from basis.analytics.report_figures import FONT, embed
from basis.files import write_atomic, write_text

__all__ = [
    "facts_table",
    "figure_div",
    "format_cell",
    "note",
    "page",
    "section",
    "table_html",
    "write_atomic",
    "write_table",
    "write_text",
]

_CSS: Final = (
    f"body {{ margin: 0; background: #f4f5f7; color: #1d2430; font: 14px/1.45 {FONT}; }}"
    + """
main { max-width: 1200px; margin: 0 auto; padding: 20px; }
section { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px;
  padding: 16px 20px; margin: 0 0 16px; }
h1 { font-size: 1.5em; margin: 0 0 12px; } h2 { font-size: 1.15em; margin: 0 0 12px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.9em; }
th, td { padding: 4px 10px 4px 0; border-bottom: 1px solid #eceff2; text-align: left;
  vertical-align: top; white-space: nowrap; }
thead th { border-bottom: 2px solid #c9ced6; background: #fff; position: sticky; top: 0; }
.num { text-align: right; padding-left: 10px; }
.facts td { white-space: normal; }
.note { color: #5b6573; font-style: italic; margin: 8px 0; }
.headline { font-size: 1.1em; margin: 0 0 12px; }
.warnings { background: #fff7e0; border: 1px solid #e8b64c; border-radius: 6px;
  padding: 8px 14px; margin: 12px 0; }
.ok { color: #1e7b34; font-weight: 600; }
.bad { color: #fff; background: #c0392b; border-radius: 4px; padding: 0 6px; font-weight: 600; }
.scroll { max-height: 640px; overflow: auto; border: 1px solid #eceff2; }
tr.failed td { background: #fde2e1; color: #8a1c13; }
tr.warning td { background: #fff4e0; }
tr.best td { background: #e3f4e6; font-weight: 600; }
"""
)


def page(title: str, sections: Sequence[str]) -> str:
    """A self-contained HTML document: plotly.js inside, no network needed to view it."""
    body = "\n".join(sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n"
        f"{plotly_scripts()}"
        f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def section(title: str, *parts: str, level: int = 2) -> str:
    """A titled block of the page: `level` 1 for the page's heading, 2 for the others."""
    heading = f"<h{level}>{escape(title)}</h{level}>"
    return f"<section>\n{heading}\n" + "\n".join(parts) + "\n</section>"


def note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def figure_div(fig: go.Figure, div_id: str, height: int = 420) -> str:
    """A plotly figure as a `<div>` that the page's packed plotly.js draws."""
    fig.update_layout(
        font={"family": FONT, "size": 12},
        margin={"l": 70, "r": 30, "t": 40, "b": 60},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
    )
    return embed(fig, div_id, height)


def facts_table(rows: Sequence[tuple[str, str]]) -> str:
    """Labelled values, one (label, text) per row, as a two-column table; both escaped."""
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="facts">{cells}</table>'


def table_html(
    frame: pl.DataFrame,
    row_class: Callable[[dict[str, Any]], str] | None = None,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
) -> str:
    """The frame as a scrollable HTML table; numeric columns right-aligned, nulls a dash.

    `formats` prints the values of the columns it names (nulls stay a dash); the others
    print as `format_cell` does.
    """
    numeric = {column for column, dtype in frame.schema.items() if dtype.is_numeric()}
    head = "".join(f"<th{_align(c in numeric)}>{escape(c)}</th>" for c in frame.columns)
    chosen = formats or {}
    lines = []
    for record in frame.iter_rows(named=True):
        css = row_class(record) if row_class is not None else ""
        cells = "".join(
            _cell_html(value, key in numeric, chosen.get(key)) for key, value in record.items()
        )
        lines.append(f'<tr class="{css}">{cells}</tr>' if css else f"<tr>{cells}</tr>")
    body = "\n".join(lines)
    return (
        f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table></div>"
    )


def format_cell(value: Any) -> str:
    """A value as table text: floats to 6 significant digits, None as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def write_table(frame: pl.DataFrame, stem: Path) -> tuple[Path, Path]:
    """Write `<stem>.parquet` and `<stem>.csv`; return both paths."""
    parquet = write_atomic(stem.with_name(f"{stem.name}.parquet"), frame.write_parquet)
    csv = write_atomic(stem.with_name(f"{stem.name}.csv"), frame.write_csv)
    return parquet, csv


def _cell_html(value: Any, numeric: bool, fmt: Callable[[Any], str] | None) -> str:
    text = format_cell(value) if value is None or fmt is None else fmt(value)
    return f"<td{_align(numeric)}>{escape(text)}</td>"


def _align(numeric: bool) -> str:
    return ' class="num"' if numeric else ""
