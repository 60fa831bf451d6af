"""Files for people: written atomically, so a reader never sees half a report or table."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_atomic", "write_text"]


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write(temporary)` beside `path`, sync it, then rename it over `path`.

    Creates the folders; an interrupted write leaves neither a temporary nor a partial
    `path` behind. Returns `path`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(descriptor)
    temporary = Path(name)
    try:
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
