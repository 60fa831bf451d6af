"""The catalog's content-addressed objects: written once, verified against their hash on read.

An object is a file `objects/<sha256>.<suffix>` whose name is the SHA-256 of its bytes.
`get` re-hashes what it reads, so an object that was truncated, flipped or copied over
another is refused (`DataCorruptError`) instead of silently changing a run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from basis.errors import DataCorruptError
from basis.files import io_error, io_errors, write_atomic

__all__ = ["Collected", "ObjectStore", "reimport"]


def reimport(dataset: str) -> str:
    """What to do about a damaged object of `dataset`, as every `DataCorruptError` says it."""
    if dataset.startswith("scenario:"):
        return f"regenerate it: `basis data generate {dataset.removeprefix('scenario:')}`"
    return f"re-import it: `basis data import FOLDER --dataset {dataset}`"


TEMPORARY_SUFFIX: Final = ".tmp"


@dataclass(frozen=True)
class Collected:
    """What a garbage collection removed: unreferenced objects and stale temporaries."""

    objects: tuple[Path, ...]
    temporaries: tuple[Path, ...]
    bytes: int


class ObjectStore:
    """The `objects/` folder of a catalog. Callers hold the catalog's lock to write."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, digest: str, suffix: str) -> Path:
        return self.folder / f"{digest}.{suffix}"

    def put(self, content: bytes, suffix: str) -> str:
        """Store `content` (once) and return its SHA-256; raises `IoError` naming the object."""
        digest = hashlib.sha256(content).hexdigest()
        path = self.path(digest, suffix)
        if not path.exists() or _digest(path) != digest:  # a damaged copy is rewritten
            write_atomic(path, lambda temporary: temporary.write_bytes(content))
        return digest

    def get(self, digest: str, suffix: str, owner: str, advice: str) -> bytes:
        """The bytes of object `digest`, checked against it.

        `owner` names who refers to it (dataset and series), `advice` what to do, for the
        message. Raises
        `DataCorruptError` when the object is missing or its bytes do not hash to `digest`,
        `IoError` when it cannot be read for another reason (permissions, a folder).
        """
        path = self.path(digest, suffix)
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            raise DataCorruptError(
                f"{owner}: object {path} is missing; {advice}", subject=owner, object_=digest
            ) from None
        except OSError as error:
            raise io_error(path, "read", error) from None
        actual = hashlib.sha256(content).hexdigest()
        if actual != digest:
            raise DataCorruptError(
                f"{owner}: object {path} is damaged ({len(content)} bytes hash to "
                f"{actual[:12]}…, not {digest[:12]}…); {advice}",
                subject=owner,
                object_=digest,
            )
        return content

    def collect(self, live: Set[str]) -> Collected:
        """Delete objects whose hash is not in `live`, and temporaries of interrupted writes.

        Call it under the catalog's lock (no write is then in progress) and only with the
        live set of a committed manifest.
        """
        if not self.folder.is_dir():
            return Collected((), (), 0)
        objects: list[Path] = []
        temporaries: list[Path] = []
        freed = 0
        with io_errors(self.folder, "clean up"):
            for path in sorted(self.folder.iterdir()):
                if not path.is_file():
                    continue
                stale = path.name.startswith(".") and path.name.endswith(TEMPORARY_SUFFIX)
                if not stale and (path.name.startswith(".") or path.name.split(".")[0] in live):
                    continue
                freed += path.stat().st_size
                path.unlink(missing_ok=True)
                (temporaries if stale else objects).append(path)
        return Collected(tuple(objects), tuple(temporaries), freed)


def _digest(path: Path) -> str:
    with io_errors(path, "read"):
        return hashlib.sha256(path.read_bytes()).hexdigest()
