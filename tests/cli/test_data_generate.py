"""`basis data generate`: writes the scenario into the catalog and lists it; errors are one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from basis.data.catalog import Catalog
from tests.cli.runner import run


def test_data_generate_default_quarter_year_into_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "data", "generate", "default", "--years", "0.25", "--catalog",
                 str(tmp_path))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    catalog = Catalog(tmp_path)
    series = catalog.series("scenario:default")
    assert len(series) == 41  # see tests/data/scenario/test_generator.py EXPECTED
    spot = catalog.info("scenario:default", "binance:spot:ETHUSDT")
    assert spot.rows == 2190  # 0.25 × 8760 hours
    assert "binance:spot:ETHUSDT" in result.stdout
    assert "scenario:default — seed 7, 0.25 years" in result.stdout
    assert catalog.read_params("scenario:default", "scenario")["years"] == 0.25


def test_data_generate_path_and_seed_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "mine.yaml"
    file.write_text("name: mine\ndescription: a user scenario\nyears: 0.02\n")
    result = run(monkeypatch, "data", "generate", str(file), "--seed", "3", "--catalog",
                 str(tmp_path / "catalog"))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    catalog = Catalog(tmp_path / "catalog")
    assert catalog.read_params("scenario:mine", "scenario")["seed"] == 3


def test_data_generate_unknown_scenario_one_line_exit_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "data", "generate", "nope", "--catalog", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown scenario 'nope'" in result.stderr
    assert not (tmp_path / "manifest.json").exists()


def test_data_generate_horizon_before_shock_exit_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(monkeypatch, "data", "generate", "eth_crash", "--years", "0.1", "--catalog",
                 str(tmp_path))  # fmt: skip
    assert result.exit_code == 2
    assert "outside the scenario" in result.stderr
