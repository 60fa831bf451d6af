"""Parameter documents: JSON files kept as they are, and small CSV tables turned into JSON."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from basis.data.importers.table import SourceTable, read_text
from basis.errors import DataMalformedError

Scalar = str | int | float | bool | None

_INTEGER: Final = re.compile(r"-?\d+")
_DECIMAL: Final = re.compile(r"-?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?")
_PERCENT: Final = re.compile(r"(-?(\d+\.\d*|\.\d+|\d+))%")


def json_document(path: Path, name: str) -> dict[str, Any]:
    """The JSON object of the file, as is.

    Raises `DataMalformedError` naming line and column when the JSON is invalid, when it
    holds NaN or Infinity (not JSON), or when the top level is not an object.
    """
    try:
        content = json.loads(read_text(path, name), parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise DataMalformedError(
            f"{name}: line {error.lineno}, column {error.colno}: invalid JSON: {error.msg}"
        ) from None
    except ValueError as error:
        raise DataMalformedError(f"{name}: {error}; expected finite JSON numbers") from None
    if not isinstance(content, dict):
        raise DataMalformedError(
            f"{name}: top level is a {type(content).__name__}; expected a JSON object"
        )
    return content


def risk_snapshot(table: SourceTable) -> dict[str, Any]:
    """`{asset: {parameter: value}}` from a table whose rows are parameters and columns assets.

    "80.50%" becomes 0.805, TRUE/FALSE become booleans, anything else ("N/A", "0.0032B")
    stays text. Raises `DataMalformedError` for an empty or repeated parameter name.
    """
    label = table.columns[0]
    parameters = table.strings(label).to_list()
    for index, parameter in enumerate(parameters):
        if parameters.index(parameter) != index:
            raise table.error(index, label, f"parameter {parameter!r} appears twice")
    return {
        asset: {
            parameter: _snapshot_value(value)
            for parameter, value in zip(parameters, table.frame[asset].to_list(), strict=True)
        }
        for asset in table.columns[1:]
    }


def rows_table(table: SourceTable) -> dict[str, Any]:
    """`{"rows": [{column: value}, ...]}` in source order; integers and decimals parsed,
    everything else (dates, names) kept as text, empty cells as null."""
    return {
        "rows": [
            {column: _number_or_text(value) for column, value in row.items()}
            for row in table.frame.iter_rows(named=True)
        ]
    }


def _snapshot_value(text: str | None) -> Scalar:
    if text is None:
        return None
    if text in ("TRUE", "FALSE"):
        return text == "TRUE"
    percent = _PERCENT.fullmatch(text)
    if percent:
        return float(Decimal(percent.group(1)) / 100)
    return text


def _number_or_text(text: str | None) -> Scalar:
    if text is None:
        return None
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    return text


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")
