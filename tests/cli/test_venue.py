"""`basis venue serve`: bad options become one line and exit code 2, before anything listens."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.runner import run


def test_venue_serve_bad_speed_is_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(monkeypatch, "venue", "serve", "--speed", "0")
    assert result.exit_code == 2
    assert "CONFIG_INVALID" in result.stderr and "speed" in result.stderr


def test_venue_serve_bad_balance_is_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = run(monkeypatch, "venue", "serve", "--balance", "USDT", "--catalog", str(tmp_path))
    assert result.exit_code == 2
    assert "--balance 'USDT'" in result.stderr
    assert not (tmp_path / "manifest.json").exists()  # refused before generating data


def test_cli_import_loads_neither_ccxt_nor_the_server() -> None:
    import subprocess
    import sys

    code = (
        "import sys, basis.cli; "
        "print(sorted(m for m in ('ccxt', 'uvicorn', 'starlette') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert loaded.stdout.strip() == "[]"
