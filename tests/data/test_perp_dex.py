"""Perp-DEX funding files: hourly settlements stamped just after the hour, no prices."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from basis.data.catalog import Catalog
from basis.data.ingest import import_folder
from basis.errors import DataMalformedError

HEADER = "timestamp,symbol,funding_rate,premium\n"


def _folder(root: Path, rows: str, symbol: str = "ETH") -> Path:
    folder = root / "perp_dex" / "hyperliquid"
    folder.mkdir(parents=True)
    (folder / f"{symbol}_funding_1h.csv").write_text(HEADER + rows)
    return root


def test_hyperliquid_funding_is_floored_to_its_settlement_hour(tmp_path: Path) -> None:
    rows = (
        "2024-01-01T00:00:00.151000+00:00,ETH,1.25e-05,0.0009\n"
        "2024-01-01T01:00:00.006000+00:00,ETH,-2.5e-06,0.0002\n"
        "2024-01-01T02:00:00+00:00,ETH,0.0,0.0\n"
    )
    catalog = Catalog(tmp_path / "catalog")
    report = import_folder(_folder(tmp_path / "src", rows), catalog)
    (info,) = report.series
    assert (info.series, info.kind, info.interval) == (
        "hyperliquid:funding:ETHUSDC",
        "funding",
        "1h",
    )
    frame = catalog.read("real", "hyperliquid:funding:ETHUSDC")
    assert frame["ts"].to_list() == [datetime(2024, 1, 1, h, tzinfo=UTC) for h in range(3)]
    assert frame["rate"].to_list() == [1.25e-05, -2.5e-06, 0.0]  # per hour, as the venue pays


def test_a_file_of_another_symbol_is_refused_naming_the_row(tmp_path: Path) -> None:
    rows = "2024-01-01T00:00:00.151000+00:00,BTC,1.25e-05,0.0009\n"
    with pytest.raises(DataMalformedError, match=r"ETH_funding_1h\.csv: line 2.*symbol"):
        import_folder(_folder(tmp_path / "src", rows), Catalog(tmp_path / "catalog"))
