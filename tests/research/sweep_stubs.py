"""Builders for the sweep and optimisation tests: a small catalog, grid and space files."""

from __future__ import annotations

from pathlib import Path

from basis.config.market import load_market
from basis.data.catalog import Catalog, SeriesFrame
from basis.data.scenario import load_scenario, write_scenario
from tests.conftest import CONFIGS

MODE = "usdt_market_neutral"
END = "2024-01-12"
"""A window end inside both catalog datasets when `default` is long enough (see below)."""

LONG_YEARS = 0.05  # 438 hours: 2024-01-01 → 2024-01-19 06:00
SHORT_YEARS = 0.02  # 175 hours: 2024-01-01 → 2024-01-08 07:00, ends before END


def make_catalog(root: Path, default_years: float = LONG_YEARS) -> Path:
    """`scenario:default` over `default_years` and `scenario:eth_crash` over its own half
    year (the crash is on 2024-03-12, after END, so runs up to END are calm)."""
    market = load_market(CONFIGS)
    catalog = Catalog(root)
    write_scenario(catalog, load_scenario("default", CONFIGS), market, years=default_years)
    write_scenario(catalog, load_scenario("eth_crash", CONFIGS), market)
    return root


def write_file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def truncate_series(root: Path, dataset: str, series: str, rows: int) -> str:
    """Keep only the first `rows` rows of one series, so that runs needing it over a longer
    window fail (DataMissingError) while runs that do not need it still work. Returns the
    end of what is left."""
    catalog = Catalog(root)
    info = catalog.info(dataset, series)
    frame = catalog.read(dataset, series).head(rows)
    catalog.write(
        dataset,
        [SeriesFrame(series, info.kind, info.source, info.interval, frame, info.quote)],
    )
    end = catalog.info(dataset, series).end
    assert end is not None
    return end
