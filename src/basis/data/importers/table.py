"""Read one source CSV as strings with line numbers, then type columns naming any failing cell.

Every error is a `DataMalformedError` whose message names the file (its path relative to
the imported folder), the source line and/or column, and what was expected.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import polars as pl

from basis.data.schema import ROW, TS
from basis.errors import DataMalformedError

TIMESTAMP_FORMS: Final = (
    "'YYYY-MM-DDTHH:MM:SSZ', 'YYYY-MM-DD HH:MM:SS+00:00', 'YYYY-MM-DDTHH:MM:SS.ffffff+00:00', "
    "'YYYY-MM-DD' or unix seconds"
)
# Any timestamp outside these bounds is a unit mistake (milliseconds, days), not market data.
EARLIEST: Final = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST: Final = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
_UNIX = r"^-?\d+$"


def read_text(path: Path, name: str) -> str:
    """The file as text without a byte-order mark; raises `DataMalformedError` when not UTF-8."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataMalformedError(
            f"{name}: byte {error.start} is not UTF-8 text; expected a UTF-8 CSV or JSON file"
        ) from None


@dataclass(frozen=True)
class ImportFinding:
    """Something an import accepted but a reader should know: the file still imports (an
    error refuses it instead). `kind` is one of `FINDING_KINDS`; `count` rows or items;
    `line` the source line of the first row concerned, when the finding is about rows."""

    file: str
    kind: str
    count: int
    detail: str
    line: int | None = None

    def document(self) -> dict[str, Any]:
        """The finding as `import:findings` keeps it (`line` only when there is one)."""
        kept: dict[str, Any] = {
            "file": self.file,
            "kind": self.kind,
            "count": self.count,
            "detail": self.detail,
        }
        if self.line is not None:
            kept["line"] = self.line
        return kept


FINDING_KINDS: Final = (
    "unknown_file",  # a file no importer knows: left out, the rest imports
    "inclusive_period",  # period_days counts both ends (one more than end − start)
    "short_period",  # a reward period shorter than a week: pro rata by days
    "estimated",  # rows the vendor marks estimated or approximated
    "new_category",  # a category value the importer does not know: those rows left out
    "empty_field",  # an empty field whose meaning survives (a price that is looked up)
    "inconsistent_derived",  # a derived column disagrees with its inputs beyond a tolerance
    "frequency_change",  # the row spacing changes inside the file (hourly becoming 8-hourly)
)


@dataclass(frozen=True)
class SourceTable:
    """The data rows of a CSV file, every cell a string (null when empty). Importers
    record what they accept with a remark in `findings` (`note`)."""

    name: str  # path relative to the imported folder, used in every message
    frame: pl.DataFrame
    first_line: int  # 1-based source line of the first data row
    findings: list[ImportFinding] = field(default_factory=list, compare=False)

    def note(self, kind: str, count: int, detail: str, line: int | None = None) -> None:
        """Record a finding about this file (see `FINDING_KINDS`); `line` is the source
        line of the first row concerned."""
        self.findings.append(ImportFinding(self.name, kind, count, detail, line))

    @property
    def columns(self) -> list[str]:
        return self.frame.columns

    def lines(self) -> pl.Series:
        """The source line number of every row, as the canonical `source_row` column."""
        return pl.int_range(
            self.first_line, self.first_line + self.frame.height, dtype=pl.Int64, eager=True
        ).alias(ROW)

    def line(self, index: int) -> int:
        return self.first_line + index

    def error(self, index: int, column: str, problem: str) -> DataMalformedError:
        """An error naming the file, the line of row `index`, the column and the problem."""
        return DataMalformedError(
            f"{self.name}: line {self.line(index)}, column {column!r}: {problem}"
        )

    def require(self, *columns: str) -> None:
        """Raises `DataMalformedError` naming every required column the header lacks."""
        missing = [column for column in columns if column not in self.frame.columns]
        if missing:
            raise DataMalformedError(
                f"{self.name}: missing column(s) {missing}; expected a header with "
                f"{list(columns)}, found {self.frame.columns}"
            )

    def strings(self, column: str, optional: bool = False) -> pl.Series:
        """The column's text; raises on an empty cell unless `optional`."""
        self.require(column)
        values = self.frame[column]
        if not optional:
            self.fail_empty(values.is_null(), column, "a value")
        return values

    def floats(self, column: str, optional: bool = False) -> pl.Series:
        """The column as Float64 (null where empty and `optional`).

        Raises `DataMalformedError` at the first cell that is not a finite decimal number:
        text, `nan`/`inf` (no source writes them on purpose), or empty when required.
        """
        raw = self.strings(column, optional)
        values = raw.cast(pl.Float64, strict=False)
        self.fail_where(
            raw.is_not_null() & values.is_null(),
            column,
            "is not a number; expected a decimal like 0.25",
        )
        self.fail_where(
            values.is_nan() | values.is_infinite(),
            column,
            "is not a finite number; expected a decimal like 0.25",
        )
        return values.alias(column)

    def timestamps(self, column: str) -> pl.Series:
        """The column as UTC microsecond timestamps, whichever of the accepted forms it uses.

        Raises `DataMalformedError` at the first empty, unreadable or out-of-range cell
        (2000–2100; a unix value in milliseconds lands far outside).
        """
        raw = self.strings(column)
        unix = raw.str.contains(_UNIX)
        seconds = raw.filter(unix).cast(pl.Int64, strict=False)
        low, high = int(EARLIEST.timestamp()), int(LATEST.timestamp())
        outside = seconds.is_null() | (seconds < low) | (seconds >= high)
        if outside.any():
            index = int(unix.arg_true()[outside.arg_true()[0]])
            raise self.error(
                index,
                column,
                f"{_shorten(raw[index])!r} is outside 2000–2100 as unix time; expected unix "
                "seconds (not milliseconds)",
            )
        parsed = pl.select(
            pl.coalesce(
                pl.when(unix).then(
                    pl.from_epoch(raw.cast(pl.Int64, strict=False), "s").cast(pl.Datetime("us"))
                ),
                raw.str.to_datetime(
                    "%Y-%m-%dT%H:%M:%SZ", time_unit="us", time_zone="UTC", strict=False
                ).dt.replace_time_zone(None),
                raw.str.to_datetime("%Y-%m-%d %H:%M:%S%:z", time_unit="us", strict=False)
                .dt.convert_time_zone("UTC")
                .dt.replace_time_zone(None),
                # ISO 8601 with an offset and optional fractions (Hyperliquid's funding)
                raw.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", time_unit="us", strict=False)
                .dt.convert_time_zone("UTC")
                .dt.replace_time_zone(None),
                raw.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
            ).dt.replace_time_zone("UTC")
        ).to_series()
        self.fail_where(parsed.is_null(), column, f"is not a timestamp; expected {TIMESTAMP_FORMS}")
        self.fail_where(
            (parsed < EARLIEST) | (parsed >= LATEST),
            column,
            "is outside 2000–2100; expected a market data timestamp",
        )
        return parsed.cast(TS).alias(column)

    def expect_values(self, column: str, expected: str) -> None:
        """Raises unless every cell of `column` is `expected` (what the file name says)."""
        values = self.strings(column)
        self.fail_where(
            values != expected, column, f"differs from the file name; expected {expected!r}"
        )

    def fail_empty(self, empty: pl.Series, column: str, expected: str) -> None:
        """Raise `DataMalformedError` at the first row where `empty` holds."""
        if empty.any():
            index = int(empty.arg_true()[0])
            raise self.error(index, column, f"empty cell; expected {expected}")

    def fail_where(self, bad: pl.Series, column: str, problem: str) -> None:
        """Raise `DataMalformedError` at the first row where `bad` holds, quoting its cell."""
        bad = bad.fill_null(False)
        if bad.any():
            index = int(bad.arg_true()[0])
            value = _shorten(self.frame[column][index])
            raise self.error(index, column, f"{value!r} {problem}")


def read_table(path: Path, name: str) -> SourceTable:
    """Read a CSV with optional BOM, CRLF endings and `#` metadata lines before the header.

    Returns the data rows as strings. Raises `DataMalformedError` for an empty file, a
    header-only file, a blank line between rows, a row with the wrong number of fields,
    a repeated column name or a quoted line break (which would break line numbering).
    """
    lines = read_text(path, name).split("\n")
    lines = [line.removesuffix("\r") for line in lines]
    while lines and not lines[-1].strip():
        lines.pop()
    header_index = 0
    while header_index < len(lines) and lines[header_index].startswith("#"):
        header_index += 1
    if header_index >= len(lines) or not lines[header_index].strip():
        raise DataMalformedError(
            f"{name}: empty file, no header line after {header_index} comment line(s); "
            "expected a header line and data rows"
        )
    header, rows = lines[header_index], lines[header_index + 1 :]
    first_line = header_index + 2
    if not rows:
        raise DataMalformedError(
            f"{name}: no data rows after the header on line {header_index + 1}; "
            "expected at least one row"
        )
    names = next(csv.reader([header]))
    repeated = sorted({column for column in names if names.count(column) > 1})
    if repeated:
        raise DataMalformedError(
            f"{name}: line {header_index + 1}: column(s) {repeated} appear twice in the header"
        )
    _check_fields(name, rows, len(names), first_line)
    try:
        frame = pl.read_csv(
            io.StringIO("\n".join([header, *rows])), infer_schema=False, has_header=True
        )
    except pl.exceptions.PolarsError as error:
        reason = str(error).splitlines()[0]
        raise DataMalformedError(f"{name}: cannot be read as CSV: {reason}") from None
    if frame.height != len(rows):
        raise DataMalformedError(
            f"{name}: {len(rows)} data lines but {frame.height} CSV rows; expected one row "
            "per line (no quoted line breaks)"
        )
    frame = frame.with_columns(
        pl.when(pl.col(column) == "").then(None).otherwise(pl.col(column)).alias(column)
        for column in frame.columns
    )
    return SourceTable(name=name, frame=frame, first_line=first_line)


def _check_fields(name: str, rows: Sequence[str], expected: int, first_line: int) -> None:
    """Raises at the first blank line or row whose field count differs from the header's."""
    quoted = any('"' in row for row in rows)
    for offset, row in enumerate(rows):
        if not row.strip():
            raise DataMalformedError(
                f"{name}: line {first_line + offset}: blank line between data rows; "
                "expected a data row"
            )
        count = len(next(csv.reader([row]))) if quoted else row.count(",") + 1
        if count != expected:
            hint = " (no quoted line breaks)" if quoted else ""
            raise DataMalformedError(
                f"{name}: line {first_line + offset}: {count} field(s); expected {expected} "
                f"as in the header{hint}"
            )


def _shorten(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
