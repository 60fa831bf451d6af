"""The building blocks of the sweep, study and stress reports: sections, tables, figures."""

from __future__ import annotations

import re
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from basis.research.documents import (
    facts_table,
    figure_div,
    page,
    section,
    table_html,
    write_table,
)


def cells(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", html)


def test_table_html_formats_named_columns_and_keeps_nulls_a_dash() -> None:
    frame = pl.DataFrame(
        {"path": [0, 1], "apy": [0.0477, None], "error": [None, "x<y"]},
        schema={"path": pl.Int64, "apy": pl.Float64, "error": pl.String},
    )
    html = table_html(frame, formats={"apy": lambda v: f"{v:.2%}"})
    # 0.0477 as a percent with two decimals is 4.77%; the null APY and error print "—"
    assert cells(html) == ["0", "4.77%", "—", "1", "—", "x&lt;y"]
    assert html.count('<td class="num">') == 4  # the number columns, null or not; not text
    assert re.findall(r"<th(?: [^>]*)?>", html) == ['<th class="num">', '<th class="num">', "<th>"]


def test_table_html_row_class_marks_the_chosen_rows() -> None:
    frame = pl.DataFrame({"liquidations": [0, 2, 0]})
    html = table_html(frame, lambda r: "warning" if r["liquidations"] else "")
    assert re.findall(r"<tr[^>]*>", html)[1:] == ["<tr>", '<tr class="warning">', "<tr>"]


def test_facts_table_escapes_labels_and_values() -> None:
    html = facts_table([("Mode", "a&b"), ("<Seed>", "7")])
    assert html == (
        '<table class="facts"><tr><th>Mode</th><td>a&amp;b</td></tr>'
        "<tr><th>&lt;Seed&gt;</th><td>7</td></tr></table>"
    )


def test_section_level_one_is_the_page_heading() -> None:
    assert section("Report <1>", "<p>x</p>", level=1) == (
        "<section>\n<h1>Report &lt;1&gt;</h1>\n<p>x</p>\n</section>"
    )
    assert section("Paths").startswith("<section>\n<h2>Paths</h2>")


def test_figure_div_in_a_page_draws_offline_at_its_height() -> None:
    div = figure_div(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), "chart-one", 360)
    html = page("t", [section("Chart", div)])
    assert 'id="chart-one"' in div and "height:360px" in div.replace(" ", "")
    assert "<script" in html and not re.search(r"<script[^>]+src=", html)
    # plotly.js packed once and its loader in the head, the figure's JSON in the body
    assert html.count("<script") == 3


def test_write_table_writes_parquet_and_csv_beside_each_other(tmp_path: Path) -> None:
    frame = pl.DataFrame({"seed": [3, 4], "apy": [0.05, None]})
    parquet, csv = write_table(frame, tmp_path / "out" / "run.v1")
    assert (parquet.name, csv.name) == ("run.v1.parquet", "run.v1.csv")
    assert pl.read_parquet(parquet).equals(frame)
    assert csv.read_text() == "seed,apy\n3,0.05\n4,\n"
    assert sorted(p.name for p in parquet.parent.iterdir()) == ["run.v1.csv", "run.v1.parquet"]
