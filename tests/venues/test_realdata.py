"""The emulator replaying the real Binance series (BASIS_REAL_DATA)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from basis.data.catalog import REAL, Catalog
from basis.data.ingest import import_folder
from basis.venues.emulator.exchange import OrderSpec
from basis.venues.emulator.server import EmulatorConfig, build_emulator
from tests.conftest import CONFIGS

from .stubs import KEY, ManualWall

pytestmark = pytest.mark.realdata


def test_replay_of_real_binance_series_fills_and_settles_every_8h(
    real_data: Path, tmp_path: Path
) -> None:
    catalog = Catalog(tmp_path)
    import_folder(real_data, catalog)
    start = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    wall = ManualWall()
    config = EmulatorConfig(dataset=REAL, start=start, speed=3600.0)
    exchange = build_emulator(config, catalog, CONFIGS, wall=wall).exchange
    assert ("futures", "BTCUSDT") in exchange.instruments
    assert ("futures", "ETHUSDT") in exchange.instruments
    mark = exchange.replay.mark("BTCUSDT", start)
    assert 50_000 < mark < 100_000  # BTC in June 2024
    exchange.place(KEY, OrderSpec("futures", "BTCUSDT", "SELL", "MARKET", 0.1, "real-1"))
    wall.advance(24.0)  # a day: three 8-hourly settlements
    exchange.advance()
    assert len(exchange.incomes) == 3
    assert all(i.time_ms % (8 * 3_600_000) == 0 for i in exchange.incomes)
