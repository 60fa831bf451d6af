"""Builders for journal tests that open many fresh databases (hypothesis examples)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from basis.live.journal import Journal

# Commits sync to disk; a memory-backed folder keeps that from dominating the tests' time.
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None

_TEMPLATE: list[Path] = []


def scratch_folder(prefix: str) -> Path:
    """A new temporary folder, in memory where the machine has one; removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=SCRATCH))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def fresh_journal_url(folder: Path) -> str:
    """A new journal database in `folder`, copied from one migrated once per session
    (running the migrations for every example would dominate the tests' time)."""
    if not _TEMPLATE:
        template = scratch_folder("journal_template_") / "journal.sqlite"
        Journal.open(f"sqlite:///{template}").close()
        _TEMPLATE.append(template)
    shutil.copy(_TEMPLATE[0], folder / "journal.sqlite")
    return f"sqlite:///{folder / 'journal.sqlite'}"
