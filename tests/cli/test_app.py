"""`utc_date`, the one parser of --start and --end; `basis --version`."""

from __future__ import annotations

import datetime as dt

import pytest

import basis
from basis.cli.app import utc_date
from basis.errors import ConfigError
from tests.cli.runner import run


def test_utc_date_naive_date_is_midnight_utc() -> None:
    assert utc_date("2024-06-01", "start") == dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def test_utc_date_offset_time_is_converted_to_utc() -> None:
    # 02:30 at +02:00 is 00:30 UTC
    parsed = utc_date("2024-06-01T02:30+02:00", "end")
    assert parsed == dt.datetime(2024, 6, 1, 0, 30, tzinfo=dt.UTC)
    assert parsed is not None and parsed.tzinfo is dt.UTC


def test_utc_date_absent_option_is_none() -> None:
    assert utc_date(None, "start") is None


def test_utc_date_not_iso_raises_config_error_naming_the_option() -> None:
    with pytest.raises(ConfigError, match=r"--end 'June 1': expected a date or time"):
        utc_date("June 1", "end")


def test_version_prints_the_installed_version(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(monkeypatch, "--version")
    assert result.exit_code == 0
    assert result.stdout == f"basis {basis.__version__}\n"
