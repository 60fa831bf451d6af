"""The dashboard's form fields parsed like the CLI's options: empty means the default, and a
bad value is a ConfigError naming its field."""

from __future__ import annotations

import datetime as dt

from basis.api.services import at_field
from basis.errors import ConfigError

__all__ = ["form_date", "form_number", "form_overrides"]


def form_date(value: str, field: str) -> dt.date | None:
    """A date or time field of the launch form; empty means the default."""
    if not value.strip():
        return None
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        message = f"{field} {value!r}: expected a date or time, e.g. 2024-06-01"
        raise at_field(ConfigError(message), field) from None


def form_number(value: str, field: str) -> float | None:
    """A positive number field of the launch form; empty means the default."""
    if not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number > 0 or number == float("inf"):
        raise at_field(ConfigError(f"{field} {value!r}: expected a positive number"), field)
    return number


def form_overrides(text: str) -> dict[str, str]:
    """`key=value` lines (like `--set`); blank lines and `#` comments are skipped."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            message = f"overrides line {line!r}: expected key=value"
            raise at_field(ConfigError(message), "overrides")
        values[key.strip()] = value.strip()
    return values
