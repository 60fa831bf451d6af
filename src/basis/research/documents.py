"""Output files of sweeps and studies: offline HTML pages (plotly.js inlined, as the run
report does), HTML tables, and atomic writes of HTML, Parquet and CSV."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from typing import Any, Final

import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs

__all__ = [
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

FONT: Final = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

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
.note { color: #5b6573; font-style: italic; margin: 8px 0; }
.scroll { max-height: 640px; overflow: auto; border: 1px solid #eceff2; }
tr.failed td { background: #fde2e1; color: #8a1c13; }
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
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
        f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def section(title: str, *parts: str) -> str:
    return f"<section>\n<h2>{escape(title)}</h2>\n" + "\n".join(parts) + "\n</section>"


def note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def figure_div(fig: go.Figure, div_id: str, height: int = 420) -> str:
    """A plotly figure as a `<div>` that uses the page's inlined plotly.js."""
    fig.update_layout(
        font={"family": FONT, "size": 12},
        margin={"l": 70, "r": 30, "t": 40, "b": 60},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
    )
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            div_id=div_id,
            default_height=f"{height}px",
            config={"displaylogo": False, "responsive": True},
        )
    )


def table_html(
    frame: pl.DataFrame, row_class: Callable[[dict[str, Any]], str] | None = None
) -> str:
    """The frame as a scrollable HTML table; numbers right-aligned, nulls as a dash."""
    head = "".join(f"<th>{escape(column)}</th>" for column in frame.columns)
    lines = []
    for record in frame.iter_rows(named=True):
        css = row_class(record) if row_class is not None else ""
        cells = "".join(_cell_html(value) for value in record.values())
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


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write(temporary)` beside `path`, then rename over `path`: a reader never sees
    a half-written file, and an interrupted write leaves no temporary behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(descriptor)
    temporary = Path(name)
    try:
        write(temporary)
        temporary.chmod(0o644)  # an output for people, not a secret: not mkstemp's 0600
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    return write_atomic(path, lambda target: target.write_text(text, encoding="utf-8"))


def write_table(frame: pl.DataFrame, stem: Path) -> tuple[Path, Path]:
    """Write `<stem>.parquet` and `<stem>.csv`; return both paths."""
    parquet = write_atomic(stem.with_name(f"{stem.name}.parquet"), frame.write_parquet)
    csv = write_atomic(stem.with_name(f"{stem.name}.csv"), frame.write_csv)
    return parquet, csv


def _cell_html(value: Any) -> str:
    css = ' class="num"' if isinstance(value, int | float) and not isinstance(value, bool) else ""
    return f"<td{css}>{escape(format_cell(value))}</td>"
