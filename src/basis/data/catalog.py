"""The market data catalog: canonical Parquet series grouped in datasets, committed atomically.

Layout under the catalog root:

    manifest.json               the only source of truth: datasets → series → object
    objects/<sha256>.parquet    immutable, content-addressed series frames
    objects/<sha256>.json       parameter documents (margin files, risk parameters, …)

A write stages every object first and then replaces `manifest.json` in one `os.replace`,
so a failed or interrupted write leaves the previous catalog untouched (and removes the
objects it staged), and writing the same content twice produces the same bytes (imports
are idempotent). Every read checks the object against its hash and a series against its
recorded shape (columns, rows, time range): a damaged catalog raises `DataCorruptError`,
it never changes a result.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import io
import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

import polars as pl

from basis.data.objects import Collected, ObjectStore, reimport
from basis.data.schema import ROW, SCHEMAS, conform
from basis.errors import ConfigError, DataCorruptError, DataError, DataMissingError, IoError
from basis.files import ensure_folder, io_errors, write_atomic

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
REAL = "real"


SCENARIO_PREFIX: Final = "scenario:"
_DATASET_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_dataset_name(name: str, *, imported: bool = False) -> str:
    """`name` if it can name a dataset: letters, digits, `_`, `.`, `-` (64 at most, no
    leading dot), optionally after `scenario:`. With `imported` (real files), `scenario:`
    names are refused: generated and real series must never share a dataset.

    Raises `ConfigError` saying what is wrong; returns `name`.
    """
    bare = name.removeprefix(SCENARIO_PREFIX)
    if not _DATASET_NAME.fullmatch(bare) or ".." in bare:
        raise ConfigError(
            f"dataset name {name!r}: expected letters, digits, '_', '.' or '-' (at most 64, "
            "not starting with '.'), e.g. `real` or `vendor_b`; not a path"
        )
    if imported and name.startswith(SCENARIO_PREFIX):
        raise ConfigError(
            f"dataset name {name!r}: `scenario:*` datasets hold generated data only "
            "(`basis data generate`); import real files under another name, e.g. `real`"
        )
    return name


def scenario_dataset(name: str) -> str:
    """The dataset name a generated scenario is stored under."""
    return f"{SCENARIO_PREFIX}{name}"


@dataclass(frozen=True)
class SeriesInfo:
    """What the catalog knows about one stored series."""

    dataset: str
    series: str  # "venue:dataset:symbol", e.g. "binance:perp:ETHUSDT"
    kind: str  # one of schema.KINDS
    source: str  # source file relative to the imported folder, or "scenario:<name>"
    interval: str  # "1h", "8h", "1d" or "event"
    quote: str | None  # currency prices are quoted in, when the series has prices
    rows: int
    start: str | None  # ISO-8601 UTC of the first and last timestamp
    end: str | None
    object: str  # content hash of the Parquet object


@dataclass(frozen=True)
class ParamsInfo:
    """A parameter document stored beside the series (not a time series)."""

    dataset: str
    name: str  # e.g. "binance:margin", "aave_v3:risk_parameters"
    source: str
    object: str


Entry = TypeVar("Entry", SeriesInfo, ParamsInfo)


@dataclass(frozen=True)
class SeriesFrame:
    """A series to write: its description and its canonical frame."""

    series: str
    kind: str
    source: str
    interval: str
    frame: pl.DataFrame
    quote: str | None = None

    def described(self, dataset: str, stored: pl.DataFrame, object_: str) -> SeriesInfo:
        """The catalog's record of this series once `stored` (its conformed frame) is kept
        as `object_`."""
        return SeriesInfo(
            dataset=dataset,
            series=self.series,
            kind=self.kind,
            source=self.source,
            interval=self.interval,
            quote=self.quote,
            rows=stored.height,
            start=_iso(stored["ts"].min()),
            end=_iso(stored["ts"].max()),
            object=object_,
        )


@dataclass(frozen=True)
class ParamsDoc:
    """A parameter document to write."""

    name: str
    source: str
    content: dict[str, Any] = field(default_factory=dict)


class Catalog:
    """A catalog folder. Reading never needs a lock; writes take one."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = ObjectStore(self.root / "objects")

    # -- reading ---------------------------------------------------------------------------

    def datasets(self) -> list[str]:
        return sorted(self._manifest()["datasets"])

    def series(self, dataset: str | None = None) -> list[SeriesInfo]:
        """Every series, or those of one dataset, sorted by dataset and name."""
        manifest = self._manifest()
        names = [dataset] if dataset is not None else sorted(manifest["datasets"])
        result: list[SeriesInfo] = []
        for name in names:
            entries = manifest["datasets"].get(name, {}).get("series", {})
            result.extend(_record(SeriesInfo, entries[key], self.root) for key in sorted(entries))
        return result

    def info(self, dataset: str, series: str) -> SeriesInfo:
        """Raises `DataMissingError` naming what is available when the series is not there."""
        entries = self._manifest()["datasets"].get(dataset)
        if entries is None:
            raise DataMissingError(
                f"no dataset {dataset!r} in catalog {self.root}; available: "
                f"{self.datasets() or 'none (run `basis data import` or `basis data generate`)'}"
            )
        entry = entries["series"].get(series)
        if entry is None:
            raise DataMissingError(
                f"no series {series!r} in dataset {dataset!r}; available: "
                f"{sorted(entries['series'])}"
            )
        return _record(SeriesInfo, entry, self.root)

    def read(self, dataset: str, series: str) -> pl.DataFrame:
        """The stored frame, rows in source order (duplicates and all).

        Raises `DataCorruptError` when its object is missing, does not match its hash, or
        its columns, rows or time range differ from what the manifest recorded.
        """
        info = self.info(dataset, series)
        subject = f"dataset {dataset!r} series {series!r}"
        content = self.objects.get(info.object, "parquet", subject, reimport(dataset))
        try:
            frame = pl.read_parquet(io.BytesIO(content))
        except (pl.exceptions.PolarsError, OSError, ValueError) as error:
            raise _corrupt(dataset, subject, info.object, f"is not Parquet ({error})") from None
        problem = _shape_problem(frame, info)
        if problem is not None:
            raise _corrupt(dataset, subject, info.object, problem)
        return frame

    def params(self, dataset: str | None = None) -> list[ParamsInfo]:
        manifest = self._manifest()
        names = [dataset] if dataset is not None else sorted(manifest["datasets"])
        result: list[ParamsInfo] = []
        for name in names:
            entries = manifest["datasets"].get(name, {}).get("params", {})
            result.extend(_record(ParamsInfo, entries[key], self.root) for key in sorted(entries))
        return result

    def read_params(self, dataset: str, name: str) -> dict[str, Any]:
        for info in self.params(dataset):
            if info.name == name:
                subject = f"dataset {dataset!r} parameter document {name!r}"
                raw = self.objects.get(info.object, "json", subject, reimport(dataset))
                try:
                    content = json.loads(raw)
                except (UnicodeDecodeError, json.JSONDecodeError) as error:
                    raise _corrupt(
                        dataset, subject, info.object, f"is not JSON ({error})"
                    ) from None
                if not isinstance(content, dict):
                    raise _corrupt(dataset, subject, info.object, "is not a JSON object")
                return content
        raise DataMissingError(f"no parameter document {name!r} in dataset {dataset!r}")

    # -- writing ---------------------------------------------------------------------------

    def write(
        self,
        dataset: str,
        frames: Sequence[SeriesFrame],
        params: Sequence[ParamsDoc] = (),
        replace_dataset: bool = False,
    ) -> list[SeriesInfo]:
        """Add or replace series (by name) in `dataset` in one atomic commit.

        With `replace_dataset`, the dataset afterwards holds exactly what is given.
        Every frame is checked against its kind's schema before anything is written.
        """
        check_dataset_name(dataset)
        staged = [(item, conform(item.kind, item.frame, item.source)) for item in frames]
        names = [item.series for item, _ in staged]
        if len(set(names)) != len(names):
            raise DataError(f"write to {dataset!r} names a series twice: {sorted(names)}")
        with self._lock():
            manifest = self._manifest()
            try:
                infos = self._stage(manifest, dataset, staged, params, replace_dataset)
                self._commit(manifest)
            except BaseException:
                # Nothing was committed: drop what this write staged, keep what was there.
                # A failing clean-up must not hide why the write failed.
                with suppress(IoError):
                    self.objects.collect(_live(self._manifest()))
                raise
            self.objects.collect(_live(manifest))
        return infos

    def collect_garbage(self) -> Collected:
        """Delete objects no dataset refers to and temporaries of interrupted writes
        (`basis data gc`); returns what was removed. Raises `IoError` when it cannot."""
        if not (self.root / MANIFEST).exists() and not self.objects.folder.exists():
            return Collected((), (), 0)
        with self._lock():
            return self.objects.collect(_live(self._manifest()))

    # -- internals -------------------------------------------------------------------------

    def _stage(
        self,
        manifest: dict[str, Any],
        dataset: str,
        staged: Sequence[tuple[SeriesFrame, pl.DataFrame]],
        params: Sequence[ParamsDoc],
        replace_dataset: bool,
    ) -> list[SeriesInfo]:
        """Store the objects of a write and enter them in `manifest` (not yet committed)."""
        entry = manifest["datasets"].setdefault(dataset, {"series": {}, "params": {}})
        if replace_dataset:
            entry["series"], entry["params"] = {}, {}
        infos = []
        for item, frame in staged:
            digest = self.objects.put(_parquet_bytes(frame), "parquet")
            info = item.described(dataset, frame, digest)
            entry["series"][item.series] = asdict(info)
            infos.append(info)
        for doc in params:
            text = json.dumps(doc.content, sort_keys=True, indent=1).encode()
            digest = self.objects.put(text, "json")
            entry["params"][doc.name] = asdict(
                ParamsInfo(dataset=dataset, name=doc.name, source=doc.source, object=digest)
            )
        return infos

    def _manifest(self) -> dict[str, Any]:
        path = self.root / MANIFEST
        with io_errors(self.root, "read the catalog"):
            if self.root.exists() and not self.root.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
            if not path.exists():
                return {"format": FORMAT_VERSION, "datasets": {}}
            text = path.read_bytes()
        try:
            manifest: dict[str, Any] = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DataError(f"{path}: catalog manifest is corrupt: {error}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            found = manifest.get("format") if isinstance(manifest, dict) else None
            raise DataError(f"{path}: catalog format {found!r}, expected {FORMAT_VERSION}")
        return manifest

    def _commit(self, manifest: dict[str, Any]) -> None:
        text = json.dumps(manifest, sort_keys=True, indent=1).encode()
        _atomic_write(self.root / MANIFEST, text)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        ensure_folder(self.root, "catalog")
        ensure_folder(self.objects.folder, "catalog objects")
        with io_errors(self.root / ".lock", "lock the catalog at"):
            handle = open(self.root / ".lock", "w")  # noqa: SIM115 (held across the yield)
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _corrupt(dataset: str, subject: str, object_: str, problem: str) -> DataCorruptError:
    return DataCorruptError(
        f"{subject}: object {object_[:12]}… {problem}; {reimport(dataset)}",
        subject=subject,
        object_=object_,
    )


def _record(kind: type[Entry], entry: Any, root: Path) -> Entry:
    """A manifest entry as `kind`; DataError naming the manifest when it is malformed."""
    try:
        return kind(**entry)
    except TypeError:
        raise DataError(
            f"{root / MANIFEST}: catalog manifest is corrupt: entry {entry!r} is not a "
            f"{kind.__name__}; re-import or regenerate the dataset"
        ) from None


def _live(manifest: dict[str, Any]) -> set[str]:
    """The object hashes a manifest refers to."""
    return {
        entry["object"]
        for dataset in manifest["datasets"].values()
        for group in ("series", "params")
        for entry in dataset[group].values()
    }


def _shape_problem(frame: pl.DataFrame, info: SeriesInfo) -> str | None:
    """Why `frame` is not the series `info` describes (columns, rows, range), or None."""
    expected = {**SCHEMAS.get(info.kind, {}), ROW: pl.Int64()}
    if dict(frame.schema) != expected:
        return f"has columns {list(frame.schema)}, expected {list(expected)} for {info.kind!r}"
    if frame.height != info.rows:
        return f"has {frame.height} rows, the manifest records {info.rows}"
    start, end = _iso(frame["ts"].min()), _iso(frame["ts"].max())
    if (start, end) != (info.start, info.end):
        return f"covers {start} → {end}, the manifest records {info.start} → {info.end}"
    return None


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=False)
    return buffer.getvalue()


def _atomic_write(path: Path, content: bytes) -> None:
    write_atomic(path, lambda temporary: temporary.write_bytes(content))


def _iso(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        raise DataError(f"expected a datetime timestamp, got {value!r}")
    return value.isoformat()
