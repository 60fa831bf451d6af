"""`basis.files`: OSError becomes one IoError line; atomic writes leave nothing half-way."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from basis.errors import IoError
from basis.files import ensure_folder, io_error, require_writable, write_atomic, write_text
from tests.mounts import tmpfs


def test_io_error_names_path_cause_errno_and_advice() -> None:
    error = io_error(Path("/x/y"), "write", OSError(errno.ENOSPC, "No space left on device"))
    assert error.code == "IO_ERROR"
    assert error.path == "/x/y"
    assert error.message == (
        "cannot write /x/y: No space left on device (ENOSPC); free space on that file "
        "system or choose another path"
    )


def test_io_error_without_errno_says_what_it_has() -> None:
    assert io_error("p", "read", OSError("odd")).message == "cannot read p: odd"


def test_write_atomic_failing_writer_leaves_no_temporary_and_keeps_the_old_file(
    tmp_path: Path,
) -> None:
    target = write_text(tmp_path / "r.html", "old")

    def broken(temporary: Path) -> None:
        temporary.write_text("half")
        raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(IoError, match=r"cannot write .*r.html: Input/output error \(EIO\)"):
        write_atomic(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_write_atomic_full_disk_leaves_nothing(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "16k") as root:
        with pytest.raises(IoError, match=r"No space left on device \(ENOSPC\)"):
            write_text(root / "big.txt", "x" * 100_000)
        assert list(root.iterdir()) == []


def test_require_writable_a_file_in_the_way_is_enotdir(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(IoError, match=r"Not a directory \(ENOTDIR\)"):
        require_writable(tmp_path / "file" / "deeper" / "r.html")
    with pytest.raises(IoError, match=r"Is a directory \(EISDIR\)"):
        require_writable(tmp_path)
    require_writable(tmp_path / "new" / "folder" / "r.html")
    assert not (tmp_path / "new").exists()  # checking creates nothing


def test_ensure_folder_over_a_file_names_what(tmp_path: Path) -> None:
    (tmp_path / "catalog").write_text("x")
    with pytest.raises(IoError, match=r"cannot create the catalog folder .*catalog: File exists"):
        ensure_folder(tmp_path / "catalog", "catalog")
