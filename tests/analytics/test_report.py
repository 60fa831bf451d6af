"""The HTML report: sections, offline plotly, exact attribution totals, escaping, atomic write."""

from __future__ import annotations

import base64
import gzip
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from plotly.offline import get_plotlyjs

from basis import files
from basis.analytics.report import attribution_table, render_report, write_report
from basis.analytics.report_figures import (
    Sampler,
    drawdown,
    trailing_apy,
    unit_value,
    venue_line,
)
from basis.book.ledger import CATEGORIES, COLUMN, Category
from basis.errors import InvalidOperationError, IoError
from basis.model.result import Event, EventKind, RunResult, RunSummary

T0 = datetime(2024, 1, 1, tzinfo=UTC)
INITIAL = 1_000_000.0
SECTIONS = (
    "Run report",
    "Key metrics",
    "Equity and drawdown",
    "P&amp;L attribution",
    "APY against the sUSDe benchmark",
    "Aave health factor and LTV",
    "Margin ratio per venue",
    "Net delta",
    "Funding received per venue",
    "Events and trades",
)


def _summary() -> RunSummary:
    metrics: dict[str, float | None] = {
        "total_return": 0.0123,
        "apr": 0.15,
        "apy": 0.1618,
        "volatility": 0.021,
        "sharpe": 6.5,
        "sortino": None,
        "max_drawdown": 0.004,
        "max_drawdown_hours": 37.0,
        "calmar": 40.4,
        "turnover": 2.5,
        "fees_paid": 12.5,
        "gas_paid": 2.5,
    }
    risk = {
        "min_health_factor": 1.41,
        "min_margin_ratio": 0.25,
        "liquidations": 1,
        "hours_in_state": {"normal": 700.0, "delta_drift": 20.0},
    }
    return RunSummary(metrics=metrics, attribution={}, risk=risk)


def _events(count: int = 0) -> tuple[Event, ...]:
    """Four hand-picked events (one liquidation, one with markup in its detail), or `count`
    plain trades numbered in time order."""
    if count:
        return tuple(
            Event(T0 + timedelta(minutes=i), EventKind.TRADE, "cex", "*", f"trade #{i}")
            for i in range(count)
        )
    return (
        Event(T0 + timedelta(days=10), EventKind.LIQUIDATION, "cex", "binance", "margin call"),
        Event(T0, EventKind.TRADE, "cex", "binance:perp:ETHUSDT", "open short", -50.0, 1e5, -10.0),
        Event(T0 + timedelta(hours=5), EventKind.REJECTED, "aave", "*", "<b>too big</b> & late"),
        Event(T0 + timedelta(days=4), EventKind.FLOW, "wallet", "*", "deposit", value=10_000.0),
    )


def hourly_run(
    days: int = 30, *, lending_only: bool = False, events: tuple[Event, ...] | None = None
) -> RunResult:
    """A run of `days` hours×24 with round per-step bookings: a delta-neutral run with Aave,
    two perp venues and a benchmark, or a lending-only run with none of those series."""
    n = days * 24
    times = (int(T0.timestamp()) + 3_600 * np.arange(n)).astype(np.int64)
    steps = np.arange(n, dtype=np.float64)
    attribution = np.zeros((n, len(CATEGORIES)))
    flows = np.zeros(n)
    flows[n // 3] = 10_000.0
    attribution[:, COLUMN[Category.FLOWS]] = flows
    attribution[:, COLUMN[Category.SUPPLY_INTEREST]] = 5.0
    nan = np.full(n, np.nan)
    series: dict[str, np.ndarray] = {"state": np.zeros(n), "traded": np.zeros(n)}
    if lending_only:
        series["health_factor"] = nan  # recorded but never applicable
    else:
        attribution[:, COLUMN[Category.FUNDING]] = 16.0
        attribution[:, COLUMN[Category.BORROW_INTEREST]] = -4.0
        attribution[:, COLUMN[Category.PRICE]] = 300.0 * np.sin(steps / 30.0)
        attribution[0, COLUMN[Category.TRADING_FEES]] = -12.5
        attribution[0, COLUMN[Category.GAS]] = -2.5
        attribution[n // 2, COLUMN[Category.LIQUIDATION]] = -500.0
        margin_hyperliquid = np.full(n, 0.4)
        margin_hyperliquid[:10] = np.inf  # flat: balance / 0
        series |= {
            "health_factor": 1.5 + 0.1 * np.sin(steps / 50.0),
            "ltv": np.full(n, 0.6),
            "net_delta": np.full(n, 0.001),
            "margin_ratio:binance": 0.3 + 0.05 * np.cos(steps / 40.0),
            "margin_ratio:hyperliquid": margin_hyperliquid,
            "funding:binance": np.full(n, 10.0),
            "funding:hyperliquid": np.full(n, 6.0),
            "benchmark_apy": np.full(n, 0.12),
        }
    pnl = np.delete(attribution, COLUMN[Category.FLOWS], axis=1).sum(axis=1)
    equity = INITIAL + np.cumsum(pnl + flows)
    return RunResult(
        run_id="run-0001",
        mode="lending" if lending_only else "delta_neutral_lst",
        share_class="USDT",
        dataset="synthetic-<calm>",
        start=T0,
        end=T0 + timedelta(days=days),
        config={"mode": "lending", "leverage": 3},
        initial_equity=INITIAL,
        times=times,
        equity=equity,
        flows=flows,
        attribution=attribution,
        series=series,
        events=_events() if events is None else events,
        warnings=() if lending_only else ("funding data has a 3-hour gap",),
        summary=_summary(),
    )


@pytest.fixture
def written(tmp_path: Path) -> str:
    return write_report(hourly_run(), tmp_path / "report.html").read_text(encoding="utf-8")


def test_write_report_full_run_has_every_section_and_no_empty_notes(written: str) -> None:
    for title in SECTIONS:
        assert title in written, title
    assert "funding data has a 3-hour gap" in written
    assert "no Aave position" not in written
    assert "No benchmark" not in written
    assert written.count('class="plotly-graph-div"') == 7


def test_write_report_any_run_embeds_plotly_once_and_loads_nothing_remote(written: str) -> None:
    (packed,) = re.findall(r'<script id="plotly-js-gzip"[^>]*>([^<]*)</script>', written)
    assert gzip.decompress(base64.b64decode(packed)).decode() == get_plotlyjs()
    assert not re.search(r"<script[^>]+src=", written)
    assert "<link" not in written
    assert "mathjax" not in written.replace(packed, "").lower()
    assert written.count('<script type="application/json" data-figure=') == 7


def test_attribution_table_any_run_total_is_sum_of_categories_and_matches_equity() -> None:
    run = hourly_run()
    table = attribution_table(run)
    assert [name for name, _ in table.categories] == [c.value for c in CATEGORIES[:-1]]
    assert table.total == sum(value for _, value in table.categories)
    assert dict(table.categories)["funding"] == 16.0 * 720
    assert dict(table.categories)["liquidation"] == -500.0
    assert table.check == pytest.approx(table.total, rel=1e-9)


def test_write_report_attribution_rows_sum_to_the_written_total(written: str) -> None:
    section = written[written.index('<table class="attribution">') :]
    section = section[: section.index("</table>")]
    cells = re.findall(
        r'<tr(?: class="(\w+)")?><th>[^<]*</th><td class="num">([-\d,.]+)</td>', section
    )
    numbers = {css: float(value.replace(",", "")) for css, value in cells if css}
    categories = [float(value.replace(",", "")) for css, value in cells if not css]
    assert len(categories) == 7  # the categories that booked something; flows excluded
    assert sum(categories) == pytest.approx(numbers["total"], abs=0.005 * len(categories))
    assert numbers["check"] == pytest.approx(numbers["total"], abs=0.01)


def test_write_report_metrics_rates_in_percent_and_missing_as_dash(tmp_path: Path) -> None:
    run = hourly_run(days=2)
    risk = {**run.summary.risk, "liquidations": np.int64(1)} if run.summary else {}
    metrics = {"apr": 0.15, "total_return": -1e-7, "sharpe": float("nan"), "turnover": 2.5}
    fields = {f: getattr(run, f) for f in run.__dataclass_fields__}
    summary = RunSummary(metrics=metrics, attribution={}, risk=risk)
    html = render_report(RunResult(**{**fields, "summary": summary}))

    def cell(label: str) -> str:
        found = re.search(rf'<th>{re.escape(label)}</th><td class="num">([^<]*)</td>', html)
        assert found is not None, label
        return found.group(1)

    assert cell("APR") == "15.00%"
    assert cell("Total return") == "0.00%"
    assert cell("APY") == "—"
    assert cell("Sharpe") == "—"
    assert cell("Turnover") == "2.50"
    assert cell("Min margin ratio") == "25.00%"
    assert cell("Liquidations") == "1"
    assert cell("Hours in delta_drift") == "20"
    assert cell("Hours in margin_critical") == "0"


def test_write_report_event_text_is_escaped_and_liquidations_highlighted(written: str) -> None:
    assert "&lt;b&gt;too big&lt;/b&gt; &amp; late" in written
    assert "<b>too big</b>" not in written
    assert "synthetic-&lt;calm&gt;" in written
    assert written.count('<tr class="liquidation">') == 1
    assert '<th>Liquidations</th><td><span class="bad">1</span>' in written


def test_write_report_events_newest_last(written: str) -> None:
    table = written[written.index('<table class="events">') :]
    order = [table.index(text) for text in ("open short", "too big", "deposit", "margin call")]
    assert order == sorted(order)


def test_render_report_many_events_shows_first_and_last_thousand() -> None:
    html = render_report(hourly_run(events=_events(2_500)))
    assert "trade #999<" in html
    assert "trade #1000<" not in html
    assert "trade #1499<" not in html
    assert "trade #1500<" in html
    assert "trade #2499<" in html
    assert "500 events omitted" in html


def test_write_report_lending_only_says_no_aave_position_and_no_benchmark(tmp_path: Path) -> None:
    run = hourly_run(lending_only=True, events=())
    html = write_report(run, tmp_path / "r.html").read_text()
    for title in SECTIONS:
        assert title in html, title
    assert "This mode has no Aave position." in html
    assert "No benchmark in this dataset." in html
    assert "This mode has no perp margin account." in html
    assert "This mode has no perp funding." in html
    assert 'class="warnings"' not in html
    assert '<span class="ok">0</span>' in html


def test_write_report_nested_path_creates_folders_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "report.html"
    assert write_report(hourly_run(days=2), target) == target
    write_report(hourly_run(days=3), target)  # replaces the first one
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]
    assert "(3.0 days)" in target.read_text()


def test_write_report_failed_rename_keeps_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")

    def broken(source: object, destination: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(files.os, "replace", broken)
    with pytest.raises(IoError, match=r"cannot write .*report.html: disk gone"):
        write_report(hourly_run(days=2), target)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert target.read_text() == "old"


def test_render_report_without_summary_raises_invalid_operation() -> None:
    run = hourly_run(days=2)
    bare = RunResult(**{**{f: getattr(run, f) for f in run.__dataclass_fields__}, "summary": None})
    with pytest.raises(InvalidOperationError, match="has no summary"):
        render_report(bare)


def test_drawdown_hand_path_without_flows_bottoms_at_minus_ten_percent() -> None:
    # Without flows the unit value is the equity; trough (99 − 110) / peak 110 = −0.1.
    value = unit_value(np.array([100.0, 110.0, 99.0, 105.0]), np.zeros(4), 100.0)
    assert value.tolist() == [100.0, 110.0, 99.0, 105.0]
    assert drawdown(value).tolist() == [0.0, 0.0, -0.1, (105.0 - 110.0) / 110.0]
    assert drawdown(value).min() == -0.1


def test_unit_value_deposit_is_not_a_return() -> None:
    # 100 → 110 (+10 %), then +100 deposited (210, +0 %) and 210 → 231 (+10 %):
    # W = 1.1, 1.1, 1.21, so the unit value is 100 × W.
    equity = np.array([110.0, 210.0, 231.0])
    value = unit_value(equity, np.array([0.0, 100.0, 0.0]), 100.0)
    assert value.tolist() == pytest.approx([110.0, 110.0, 121.0], rel=1e-12)


def test_trailing_apy_constant_growth_is_the_compounded_rate() -> None:
    # The value grows 0.001 % an hour from 1: every 720-hour window gives 1.00001^8760 − 1.
    value = 1.00001 ** np.arange(1, 1_001, dtype=np.float64)
    apy = trailing_apy(value, 1.0)
    assert np.isnan(apy[:719]).all()
    assert apy[719:] == pytest.approx(1.00001**8760 - 1.0, rel=1e-9)


def test_sampler_long_run_keeps_one_point_a_day_and_the_daily_low() -> None:
    times = (int(T0.timestamp()) + 3_600 * np.arange(24 * 365)).astype(np.int64)
    sampler = Sampler.for_times(times)
    values = np.ones(len(times))
    values[30] = 0.5  # day 1, hour 6
    values[48:72] = np.inf  # day 2 has no finite value
    assert len(sampler.x) == 365
    assert sampler.low(values)[1] == 0.5
    assert sampler.last(values)[1] == 1.0
    assert np.isnan(sampler.low(values)[2])
    assert sampler.x[0] == (times[23]) * 1000.0


def test_write_report_one_year_run_stays_small(tmp_path: Path) -> None:
    path = write_report(hourly_run(days=365), tmp_path / "year.html")
    assert path.stat().st_size < len(get_plotlyjs()) + 500_000


@pytest.mark.slow
def test_write_report_headless_chromium_renders_plotly_offline(tmp_path: Path) -> None:
    binary = next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)
    if binary is None:
        pytest.skip("no chromium or chromium-browser on PATH to render the report headless")
    path = write_report(hourly_run(), tmp_path / "report.html")
    command = [
        binary,
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--proxy-server=http://127.0.0.1:9",  # any network fetch would fail
        "--virtual-time-budget=10000",
        "--dump-dom",
        path.as_uri(),
    ]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    # plotly.js was inflated in the page and drew all seven figures (each has its svgs).
    drawn = re.findall(r'<div id="(figure-[a-z-]+)" class="plotly-graph-div[^"]*"', dom)
    assert len(drawn) == 7
    assert dom.count('class="main-svg"') >= 2 * 7


def test_write_report_ltv_axis_has_two_decimals(written: str) -> None:
    aave = written[written.index('"figure-aave"') :]
    aave = aave[: aave.index("</script>")]
    assert '"title":{"text":"LTV"},"tickformat":".2%"' in aave


def test_write_report_legends_sit_below_the_plot_clear_of_the_toolbar(written: str) -> None:
    layouts = re.findall(r'"legend":\{[^}]*\}', written)
    assert layouts
    assert all('"yanchor":"top"' in layout and '"y":-0.12' in layout for layout in layouts)


def test_venue_lines_each_have_their_own_dash_and_width() -> None:
    lines = [venue_line(index) for index in range(3)]
    assert [line["dash"] for line in lines] == ["solid", "dash", "dot"]
    assert [line["width"] for line in lines] == [3.5, 2.5, 1.5]


def test_write_report_names_the_categories_that_booked_nothing(written: str) -> None:
    # hourly_run books funding, supply and borrow interest, price, trading fees, gas and a
    # liquidation; the other categories stayed at zero.
    expected = (
        "staking_yield, rewards, lst_discount, basis, slippage, transfer_fees, reconciliation"
    )
    assert f'<p class="note">Nothing booked in: {expected}.</p>' in written
