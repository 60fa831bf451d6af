"""Catalog integrity: every read is checked against the object's hash and the recorded shape;
failed writes leave no orphans; `collect_garbage` removes what nothing refers to."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from basis.data.catalog import MANIFEST, Catalog, SeriesFrame
from basis.data.ingest import import_folder
from basis.errors import DataCorruptError, DataError, IoError
from tests.data.builders import frame, hours
from tests.data.source_files import small_folder

SPOT = "binance:spot:BTCUSDT"
FUNDING = "binance:funding:BTCUSDT"


def imported(tmp_path: Path) -> Catalog:
    catalog = Catalog(tmp_path / "catalog")
    import_folder(small_folder(tmp_path / "src"), catalog)
    return catalog


def object_of(catalog: Catalog, series: str) -> Path:
    return catalog.objects.path(catalog.info("real", series).object, "parquet")


def test_read_object_copied_over_another_raises_data_corrupt(tmp_path: Path) -> None:
    catalog = imported(tmp_path)
    spot, funding = object_of(catalog, SPOT), object_of(catalog, FUNDING)
    spot.write_bytes(funding.read_bytes())
    with pytest.raises(DataCorruptError) as caught:
        catalog.read("real", SPOT)
    assert caught.value.code == "DATA_CORRUPT"
    assert caught.value.object_ == spot.stem
    message = str(caught.value)
    assert f"dataset 'real' series '{SPOT}'" in message
    assert f"object {spot} is damaged" in message
    assert "re-import it: `basis data import FOLDER --dataset real`" in message
    assert catalog.read("real", FUNDING).height == 3  # the source of the copy is intact


def test_read_forty_bytes_flipped_raises_data_corrupt(tmp_path: Path) -> None:
    catalog = imported(tmp_path)
    path = object_of(catalog, SPOT)
    content = bytearray(path.read_bytes())
    for offset in range(100, 140):
        content[offset] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(DataCorruptError, match="is damaged"):
        catalog.read("real", SPOT)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_read_any_single_byte_change_never_returns_a_frame(
    tmp_path: Path, data: st.DataObject
) -> None:
    root = tmp_path / "catalog"
    catalog = Catalog(root)
    if not catalog.datasets():
        catalog.write(
            "real", [SeriesFrame(SPOT, "ohlcv", "spot.csv", "1h", frame("ohlcv", hours(24)))]
        )
    path = object_of(catalog, SPOT)
    original = path.read_bytes()
    offset = data.draw(st.integers(0, len(original) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = bytearray(original)
    changed[offset] ^= flip
    path.write_bytes(bytes(changed))
    try:
        with pytest.raises(DataCorruptError):
            catalog.read("real", SPOT)
    finally:
        path.write_bytes(original)


@pytest.mark.parametrize("cut", [0, 10, -1])
def test_read_truncated_object_raises_data_corrupt(tmp_path: Path, cut: int) -> None:
    catalog = imported(tmp_path)
    path = object_of(catalog, SPOT)
    path.write_bytes(path.read_bytes()[:cut])
    with pytest.raises(DataCorruptError, match=r"is damaged \(\d+ bytes hash to"):
        catalog.read("real", SPOT)


def test_read_missing_object_raises_data_corrupt_naming_it(tmp_path: Path) -> None:
    catalog = imported(tmp_path)
    path = object_of(catalog, SPOT)
    path.unlink()
    with pytest.raises(DataCorruptError, match=re.escape(f"object {path} is missing")):
        catalog.read("real", SPOT)


def test_read_objects_folder_deleted_raises_data_corrupt(tmp_path: Path) -> None:
    catalog = imported(tmp_path)
    for path in catalog.objects.folder.iterdir():
        path.unlink()
    catalog.objects.folder.rmdir()
    with pytest.raises(DataCorruptError, match="is missing"):
        catalog.read("real", FUNDING)
    with pytest.raises(DataCorruptError, match="parameter document 'binance:margin'"):
        catalog.read_params("real", "binance:margin")


def test_read_manifest_shape_disagrees_raises_data_corrupt(tmp_path: Path) -> None:
    """The object is intact but is not what the manifest says the series is (3 rows)."""
    catalog = imported(tmp_path)
    manifest_path = catalog.root / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    entry = manifest["datasets"]["real"]["series"][FUNDING]
    entry["rows"] = 4
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(DataCorruptError, match="has 3 rows, the manifest records 4"):
        catalog.read("real", FUNDING)
    entry["rows"], entry["end"] = 3, "2024-01-01T16:00:00+00:00"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(DataCorruptError, match=r"covers .* the manifest records .*16:00"):
        catalog.read("real", FUNDING)
    entry["end"], entry["kind"] = "2024-01-01T08:00:00+00:00", "oracle"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(DataCorruptError, match="expected \\['ts', 'price', 'source_row'\\]"):
        catalog.read("real", FUNDING)


def test_read_params_damaged_document_raises_data_corrupt(tmp_path: Path) -> None:
    catalog = imported(tmp_path)
    info = catalog.params("real")[0]
    catalog.objects.path(info.object, "json").write_text('{"initial": 1}')
    with pytest.raises(DataCorruptError, match="parameter document 'binance:margin'"):
        catalog.read_params("real", "binance:margin")


def test_write_reimport_restores_a_damaged_object(tmp_path: Path) -> None:
    catalog = imported(tmp_path)
    path = object_of(catalog, SPOT)
    path.write_bytes(b"garbage")
    import_folder(tmp_path / "src", catalog)
    assert catalog.read("real", SPOT)["close"].to_list() == [105.0, 115.0]


def test_write_failing_midway_leaves_no_orphans_and_the_old_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = imported(tmp_path)
    before = sorted(path.name for path in catalog.objects.folder.iterdir())
    manifest = (catalog.root / MANIFEST).read_bytes()
    real_put = catalog.objects.put
    calls = []

    def put(content: bytes, suffix: str) -> str:
        calls.append(suffix)
        if len(calls) == 2:
            raise IoError("cannot write: disk full (ENOSPC)", path="x")
        return real_put(content, suffix)

    monkeypatch.setattr(catalog.objects, "put", put)
    frames = [
        SeriesFrame(f"binance:spot:{symbol}USDT", "ohlcv", "s.csv", "1h", frame("ohlcv", hours(n)))
        for n, symbol in ((5, "ETH"), (6, "SOL"))
    ]
    with pytest.raises(IoError):
        catalog.write("real", frames)
    assert sorted(path.name for path in catalog.objects.folder.iterdir()) == before
    assert (catalog.root / MANIFEST).read_bytes() == manifest


def test_collect_garbage_removes_unreferenced_objects_and_temporaries(tmp_path: Path) -> None:
    catalog = imported(tmp_path)
    live = sorted(path.name for path in catalog.objects.folder.iterdir())
    orphan = catalog.objects.folder / ("ab" * 32 + ".parquet")
    orphan.write_bytes(b"12345")
    temporary = catalog.objects.folder / ".x.parquet.k2j3.tmp"
    temporary.write_bytes(b"123")
    collected = catalog.collect_garbage()
    assert collected.objects == (orphan,)
    assert collected.temporaries == (temporary,)
    assert collected.bytes == 8
    assert sorted(path.name for path in catalog.objects.folder.iterdir()) == live
    assert catalog.collect_garbage().bytes == 0


def test_collect_garbage_empty_catalog_creates_nothing(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "none")
    assert catalog.collect_garbage().objects == ()
    assert not catalog.root.exists()


def test_read_params_intact_object_that_is_not_a_json_object_raises_data_corrupt(
    tmp_path: Path,
) -> None:
    """A hand-edited manifest can point a document at an intact object of the wrong kind."""
    catalog = imported(tmp_path)
    for content, problem in ((b"[1, 2]", "is not a JSON object"), (b"{nope", "is not JSON")):
        digest = hashlib.sha256(content).hexdigest()
        catalog.objects.path(digest, "json").write_bytes(content)
        manifest_path = catalog.root / MANIFEST
        manifest = json.loads(manifest_path.read_text())
        manifest["datasets"]["real"]["params"]["binance:margin"]["object"] = digest
        manifest_path.write_text(json.dumps(manifest))
        with pytest.raises(DataCorruptError, match=problem):
            catalog.read_params("real", "binance:margin")


def test_series_manifest_entry_malformed_raises_data_error_naming_the_manifest(
    tmp_path: Path,
) -> None:
    catalog = imported(tmp_path)
    manifest_path = catalog.root / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    del manifest["datasets"]["real"]["series"][SPOT]["rows"]
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(DataError, match=r"manifest.json: catalog manifest is corrupt: entry"):
        catalog.series("real")
