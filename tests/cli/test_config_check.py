"""`basis config check`: exit 0 when clean, 2 with a table of problems otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.cli.runner import run
from tests.conftest import CONFIGS


def test_config_check_repo_configs_exit_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(monkeypatch, "config", "check")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "no problems" in result.stdout


def test_config_check_bad_file_exit_two_and_names_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "modes" / "btc_basis.yaml"
    bad.parent.mkdir()
    bad.write_text("mode: btc_basis\nshare_class: USDT\nrebalance_threshold: 2\n")
    result = run(monkeypatch, "config", "check", str(tmp_path))
    assert result.exit_code == 2
    assert "rebalance_threshold" in result.stdout
    assert "less than 1" in result.stdout


def test_prod_profile_without_secret_exits_two_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BASIS_ENV", "prod")
    result = run(monkeypatch, "config", "check")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "CONFIG_MISSING_SECRET" in result.stderr


def test_config_show_applies_overrides_over_file_over_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = str(CONFIGS / "modes" / "usdt_market_neutral.yaml")
    result = run(monkeypatch, "config", "show", path, "--set", "target_ltv=0.85")
    assert result.exit_code == 0, result.stderr
    shown = yaml.safe_load(result.stdout)
    assert shown["target_ltv"] == 0.85  # --set
    assert shown["stake_allocation"] == 0.5  # file
    assert shown["reserve_ratio"] == 0.0  # model default, not in the file


def test_config_show_unknown_override_key_exits_two(monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(CONFIGS / "modes" / "btc_basis.yaml")
    result = run(monkeypatch, "config", "show", path, "--set", "leverage=3")
    assert result.exit_code == 2
    assert "CONFIG_UNKNOWN_KEY" in result.stderr
    assert "leverage" in result.stderr


def test_config_check_reads_sweep_grids_and_spaces_as_sweep_and_optimize_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sweeps = tmp_path / "sweeps"
    sweeps.mkdir()
    for example in (CONFIGS / "sweeps").glob("*.yaml"):
        (sweeps / example.name).write_text(example.read_text())
    assert run(monkeypatch, "config", "check", str(tmp_path)).exit_code == 0
    (sweeps / "flat_grid.yaml").write_text("parameters:\n  target_ltv: 0.85\n")
    (sweeps / "wide_space.yaml").write_text("parameters:\n  target_ltv: {low: 0.9, high: 0.8}\n")
    (sweeps / "notes.yaml").write_text("parameters: {}\n")
    result = run(monkeypatch, "config", "check", str(tmp_path), columns=400)
    assert result.exit_code == 2
    assert "expected a list of values" in result.stdout
    assert "wide_space.yaml" in result.stdout and "low" in result.stdout
    assert "a grid named <name>_grid.yaml or a space named <name>_space.yaml" in result.stdout
