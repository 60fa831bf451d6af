"""Files for people and the OS boundary: atomic writes, and `OSError` turned into one line.

A report or a catalog object is written to a temporary beside its target and renamed over
it, so a reader never sees half a file. Whatever the operating system refuses (a full
disk, a read-only file system, a permission, a file where a folder should be) becomes an
`IoError` naming the path and the cause, never a traceback.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from basis.errors import IoError

__all__ = [
    "ensure_folder",
    "io_error",
    "io_errors",
    "require_writable",
    "write_atomic",
    "write_text",
]

# What the user can do about the common causes, appended to the message.
_ADVICE: Final[dict[int, str]] = {
    errno.ENOSPC: "free space on that file system or choose another path",
    errno.EDQUOT: "free space on that file system or choose another path",
    errno.EROFS: "the file system is read-only; point BASIS_HOME (or the option) elsewhere",
    errno.EACCES: "check the permissions, or point BASIS_HOME (or the option) elsewhere",
    errno.EPERM: "check the permissions, or point BASIS_HOME (or the option) elsewhere",
    errno.ENOTDIR: "a file stands where a folder is expected; move it or choose another path",
    errno.EEXIST: "a file stands where a folder is expected; move it or choose another path",
    errno.EISDIR: "a folder stands where a file is expected; choose another path",
}


def io_error(path: Path | str, action: str, error: OSError) -> IoError:
    """`error` as one line: `cannot <action> <path>: <cause> (<ERRNO>); <advice>`."""
    number = error.errno or 0
    cause = error.strerror or str(error) or type(error).__name__
    name = errno.errorcode.get(number)
    message = f"cannot {action} {path}: {cause}" + (f" ({name})" if name else "")
    advice = _ADVICE.get(number)
    return IoError(message + (f"; {advice}" if advice else ""), path=str(path))


@contextmanager
def io_errors(path: Path | str, action: str) -> Iterator[None]:
    """Translate any `OSError` raised inside into an `IoError` about `path`."""
    try:
        yield
    except OSError as error:
        raise io_error(path, action, error) from None


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write(temporary)` beside `path`, sync it, then rename it over `path`.

    Creates the folders; an interrupted or failed write leaves neither a temporary nor a
    partial `path` behind. Returns `path`; raises `IoError` naming `path` when the
    operating system refuses (full disk, read-only, permissions, a file in the way).
    """
    with io_errors(path, "write"):
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(descriptor)
    temporary = Path(name)
    try:
        with io_errors(path, "write"):
            write(temporary)
            temporary.chmod(0o644)  # an output for people, not a secret: not mkstemp's 0600
            with temporary.open("rb") as written:
                os.fsync(written.fileno())
            os.replace(temporary, path)
    except BaseException:  # the temporary must not outlive an interrupted write, even Ctrl-C
        temporary.unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    """Write `text` (UTF-8) to `path` atomically; return `path`."""
    return write_atomic(path, lambda target: target.write_text(text, encoding="utf-8"))


def require_writable(path: Path, shown: Path | str | None = None) -> None:
    """Raise `IoError` now when `path` could not be written by `write_atomic`: a folder
    stands there, a file stands where one of its folders should be, or the nearest
    existing folder is read-only. Creates nothing, so a command can check its outputs
    before its work. `shown` is the path the message names (default: `path`)."""
    with io_errors(shown if shown is not None else path, "write"):
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        if not os.access(folder, os.W_OK):
            readonly = os.statvfs(folder).f_flag & os.ST_RDONLY
            number = errno.EROFS if readonly else errno.EACCES
            raise PermissionError(number, os.strerror(number))


def ensure_folder(path: Path, what: str) -> Path:
    """Create folder `path` (and parents) if needed; raises `IoError` naming `what` and the
    path when it cannot (a file in the way, read-only, permissions). Returns `path`."""
    with io_errors(path, f"create the {what} folder"):
        path.mkdir(parents=True, exist_ok=True)
        if not path.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    return path
