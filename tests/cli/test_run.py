"""`basis run`: the main job generates the default scenario and checks it, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from basis.data.catalog import Catalog
from tests.cli.runner import run


def test_run_default_generates_and_checks_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASIS_CATALOG", str(tmp_path / "catalog"))
    result = run(monkeypatch, "run", "--years", "0.1")
    assert result.exit_code == 0, result.stderr
    assert "0 finding(s): 0 error(s)" in result.stdout
    catalog = Catalog(tmp_path / "catalog")
    assert catalog.datasets() == ["scenario:default"]
    perp = catalog.info("scenario:default", "binance:perp:ETHUSDT")
    assert perp.rows == 876  # 0.1 × 8760 hourly bars


def test_run_unknown_scenario_exits_two_naming_known_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "run", "--scenario", "nope", "--catalog", str(tmp_path))
    assert result.exit_code == 2
    assert "unknown scenario 'nope'" in result.stderr
    assert "default" in result.stderr
