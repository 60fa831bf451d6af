"""Small file systems for hostile-environment tests: a tiny tmpfs (full disk) and read-only
mounts. Mounting needs root with CAP_SYS_ADMIN; elsewhere the tests skip and say why."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise OSError(done.stderr.strip() or f"mount {' '.join(args)} failed")


def _can_mount() -> str | None:
    """None when this process may mount, else why not."""
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    if shutil.which("mount") is None:
        return "no `mount` command"
    return None


@contextmanager
def tmpfs(path: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """Mount a tmpfs of `size` (e.g. "256k") at `path`; skips the test when not allowed."""
    import pytest

    reason = _can_mount()
    if reason is not None:
        pytest.skip(reason)
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    try:
        _mount("-t", "tmpfs", "-o", options, "tmpfs", str(path))
    except OSError as error:
        pytest.skip(f"cannot mount a tmpfs here ({error})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """Make the existing folder `path` read-only with a read-only bind mount over itself."""
    import pytest

    reason = _can_mount()
    if reason is not None:
        pytest.skip(reason)
    try:
        _mount("--bind", str(path), str(path))
    except OSError as error:
        pytest.skip(f"cannot bind-mount here ({error})")
    try:
        try:
            _mount("-o", "remount,ro,bind", str(path))
        except OSError as error:
            pytest.skip(f"cannot remount read-only here ({error})")
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path: Path) -> None:
    """Write zeros to `path` until its file system is full (unbuffered: nothing to flush)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(descriptor, b"\0" * 4096)
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
    finally:
        os.close(descriptor)
