"""Alignment into the hourly panel: prices, fills, gaps, funding, Aave indices, look-ahead."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basis.data.catalog import Catalog, SeriesFrame
from basis.data.panel import common_window, load_panel
from basis.data.resolve import ResolutionPolicy
from basis.errors import DataGapError, DataMissingError
from basis.mechanics.aave import SECONDS_PER_YEAR
from tests.data.builders import T0, candles, frame, hours

H = dt.timedelta(hours=1)


def catalog_with(tmp_path: Path, *items: tuple[str, str, str, pl.DataFrame]) -> Catalog:
    catalog = Catalog(tmp_path / "catalog")
    catalog.write(
        "real",
        [
            SeriesFrame(name, kind, f"{name}.csv", interval, df)
            for name, kind, interval, df in items
        ],
    )
    return catalog


def test_panel_candles_use_open_at_t_and_last_close_in_holes(tmp_path: Path) -> None:
    # Bars at 00, 01, (02 and 03 missing), 04. At 02 and 03 the last knowable price is
    # the close of the 01 bar (11.5), known at 02:00.
    ts = [T0, T0 + H, T0 + 4 * H]
    df = candles(ts, opens=[10.0, 11.0, 14.0], closes=[10.5, 11.5, 14.5])
    catalog = catalog_with(tmp_path, ("b:perp:X", "ohlcv", "1h", df))
    panel = load_panel(catalog, "real", ["b:perp:X"], T0, T0 + 5 * H)
    assert panel["b:perp:X.price"].tolist() == [10.0, 11.0, 11.5, 11.5, 14.0]
    assert panel.notes == ("b:perp:X: forward-filled 2 hour(s), longest hole 2 h",)


def test_panel_volume_is_the_last_closed_bars(tmp_path: Path) -> None:
    # Bars at 00, 01, (02 missing), 03 with volumes 5, 7, 9. At 00 no bar has closed (NaN);
    # at 01 the 00 bar has (5); at 02 the 01 bar (7); at 03 still the 01 bar, the 02 bar
    # being missing and the 03 bar still trading (7).
    ts = [T0, T0 + H, T0 + 3 * H]
    df = frame("ohlcv", ts, open=[1, 2, 3], close=[1, 2, 3], volume=[5.0, 7.0, 9.0])
    catalog = catalog_with(tmp_path, ("b:perp:X", "ohlcv", "1h", df))
    panel = load_panel(catalog, "real", ["b:perp:X"], T0, T0 + 4 * H)
    volume = panel["b:perp:X.volume"]
    assert math.isnan(volume[0]) and volume[1:].tolist() == [5.0, 7.0, 7.0]


def test_panel_hole_beyond_fill_limit_raises_naming_the_hole(tmp_path: Path) -> None:
    ts = [T0, T0 + 4 * H]
    catalog = catalog_with(tmp_path, ("b:perp:X", "ohlcv", "1h", candles(ts, [1, 2], [1, 2])))
    policy = ResolutionPolicy(max_price_fill_hours=2)
    with pytest.raises(DataGapError, match=r"b:perp:X.*3 h without data.*from 2024-01-01 01:00"):
        load_panel(catalog, "real", ["b:perp:X"], T0, T0 + 5 * H, policy)


def test_panel_window_outside_series_names_available_window(tmp_path: Path) -> None:
    catalog = catalog_with(
        tmp_path, ("b:perp:X", "ohlcv", "1h", candles(hours(3), [1] * 3, [1] * 3))
    )
    with pytest.raises(DataMissingError, match=r"covers 2024-01-01 00:00 → 2024-01-01 03:00"):
        load_panel(catalog, "real", ["b:perp:X"], T0, T0 + 5 * H)


def test_panel_funding_only_at_settlements_and_missing_never_filled(tmp_path: Path) -> None:
    # 8h schedule over one day: settlements 00, 08, 16; the 08:00 one is missing.
    df = frame("funding", [T0, T0 + 16 * H], rate=[0.0001, 0.0003])
    catalog = catalog_with(tmp_path, ("o:funding:X", "funding", "8h", df))
    panel = load_panel(catalog, "real", ["o:funding:X"], T0, T0 + 24 * H)
    rate, settles = panel["o:funding:X.rate"], panel["o:funding:X.settles"]
    assert np.flatnonzero(settles).tolist() == [0, 8, 16]
    assert rate[0] == 0.0001 and rate[16] == 0.0003
    assert np.isnan(rate[8]) and np.isnan(rate[1:8]).all()
    assert panel.notes == (
        "o:funding:X: 1 missing funding settlement(s) in the window (e.g. 2024-01-01 08:00); "
        "no payment is booked for them",
    )


def test_panel_aave_indices_grow_between_snapshots_and_snap(tmp_path: Path) -> None:
    # Snapshot day 0: liquidity index 1.0 at 4 % supply APR, borrow index 1.0 at 5 % APR.
    # After 6 h: liquidity 1 + 0.04 × 6·3600/yr (linear); borrow (1 + 0.05/yr)^(6·3600).
    # Day 1 snapshot observed 1.0002 / 1.0003: the panel snaps to it at 24:00.
    days = [T0, T0 + 24 * H]
    df = frame(
        "lending_rates",
        days,
        liquidity_index=[1.0, 1.0002],
        variable_borrow_index=[1.0, 1.0003],
        supply_rate=[0.04, 0.03],
        borrow_rate=[0.05, 0.06],
    )
    catalog = catalog_with(tmp_path, ("aave_v3:rates:USDT", "lending_rates", "1d", df))
    panel = load_panel(catalog, "real", ["aave_v3:rates:USDT"], T0, T0 + 48 * H)
    liquidity = panel["aave_v3:rates:USDT.liquidity_index"]
    borrow = panel["aave_v3:rates:USDT.variable_borrow_index"]
    six_hours = 6 * 3600
    assert liquidity[6] == pytest.approx(1.0 + 0.04 * six_hours / SECONDS_PER_YEAR, rel=1e-15)
    assert borrow[6] == pytest.approx(
        math.exp(six_hours * math.log1p(0.05 / SECONDS_PER_YEAR)), rel=1e-15
    )
    assert liquidity[24] == 1.0002 and borrow[24] == 1.0003
    assert liquidity[30] == pytest.approx(1.0002 * (1 + 0.03 * six_hours / SECONDS_PER_YEAR))
    assert panel["aave_v3:rates:USDT.supply_rate"][23] == 0.04
    assert math.isclose(panel["aave_v3:rates:USDT.supply_rate"][24], 0.03)


def test_common_window_is_intersection(tmp_path: Path) -> None:
    a = candles(hours(10), [1] * 10, [1] * 10)
    b = candles(hours(5, T0 + 3 * H), [1] * 5, [1] * 5)
    catalog = catalog_with(tmp_path, ("a:perp:X", "ohlcv", "1h", a), ("b:perp:X", "ohlcv", "1h", b))
    assert common_window(catalog.series("real")) == (T0 + 3 * H, T0 + 8 * H)


@settings(max_examples=30, deadline=None)
@given(
    cut=st.integers(min_value=1, max_value=46),
    noise=st.lists(st.floats(0.5, 2.0), min_size=48, max_size=48),
    holes=st.sets(st.integers(min_value=1, max_value=46), max_size=12),
)
def test_panel_no_look_ahead_changes_after_t_leave_earlier_values(
    tmp_path_factory: pytest.TempPathFactory, cut: int, noise: list[float], holes: set[int]
) -> None:
    # Bar i opens at ts[i] (known then) and closes at ts[i] + 1 h. Perturb every open after
    # ts[cut] and every close from bar `cut` on: none of it is knowable at ts[cut].
    ts = hours(48)
    base = candles(ts, [100.0 + i for i in range(48)], [100.5 + i for i in range(48)])
    factor = pl.Series(noise)
    changed = base.with_columns(
        open=pl.when(pl.col("ts") > ts[cut]).then(pl.col("open") * factor).otherwise("open"),
        close=pl.when(pl.col("ts") >= ts[cut]).then(pl.col("close") * factor).otherwise("close"),
    )
    keep = pl.Series([i not in holes for i in range(48)])
    policy = ResolutionPolicy(max_price_fill_hours=48)
    prices = []
    for df in (base.filter(keep), changed.filter(keep)):
        catalog = catalog_with(tmp_path_factory.mktemp("c"), ("b:perp:X", "ohlcv", "1h", df))
        panel = load_panel(catalog, "real", ["b:perp:X"], T0, T0 + 48 * H, policy)
        prices.append(panel["b:perp:X.price"])
    assert prices[0][: cut + 1].tolist() == prices[1][: cut + 1].tolist()


def test_panel_index_growth_matches_mechanics(tmp_path: Path) -> None:
    # The panel grows indices vectorised; it must agree with the scalar mechanics exactly.
    from basis.mechanics.aave import grow_borrow_index, grow_liquidity_index

    df = frame(
        "lending_rates",
        [T0, T0 + 24 * H],
        liquidity_index=[1.03, 1.04],
        variable_borrow_index=[1.05, 1.06],
        supply_rate=[0.047, 0.05],
        borrow_rate=[0.083, 0.09],
    )
    catalog = catalog_with(tmp_path, ("aave_v3:rates:USDT", "lending_rates", "1d", df))
    panel = load_panel(catalog, "real", ["aave_v3:rates:USDT"], T0, T0 + 24 * H)
    for hour in (1, 7, 23):
        seconds = hour * 3600
        assert panel["aave_v3:rates:USDT.liquidity_index"][hour] == pytest.approx(
            grow_liquidity_index(1.03, 0.047, seconds), rel=1e-15
        )
        assert panel["aave_v3:rates:USDT.variable_borrow_index"][hour] == pytest.approx(
            grow_borrow_index(1.05, 0.083, seconds), rel=1e-15
        )
