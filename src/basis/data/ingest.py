"""Import a folder of source files into a catalog dataset: parse everything, then one commit.

Every file under the folder is either routed to an importer, or skipped with a reason
(hidden files, documentation). A `.csv` or `.json` file that no importer knows is an
error, not a skip: it is almost always a data file that was renamed or added, and
skipping it would leave a series silently missing until a run fails far from the cause.
Nothing is written unless every file parses, and then all of it is written in one atomic
catalog commit, so a bad file leaves the catalog exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from basis.data.catalog import (
    REAL,
    Catalog,
    ParamsDoc,
    ParamsInfo,
    SeriesFrame,
    SeriesInfo,
    check_dataset_name,
)
from basis.data.importers import Route, route_for
from basis.errors import DataMalformedError, DataMissingError

DATA_SUFFIXES: Final = (".csv", ".json")


@dataclass(frozen=True)
class Skipped:
    """A file the import did not read, and why."""

    path: str  # relative to the imported folder
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """What one import wrote (as the catalog now describes it) and what it skipped."""

    folder: Path
    dataset: str
    series: tuple[SeriesInfo, ...]
    params: tuple[ParamsInfo, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True)
class Planned:
    """A file and the route that will read it."""

    path: Path
    name: str  # relative to the imported folder: the `source` recorded in the catalog
    route: Route


def plan_folder(folder: Path) -> tuple[list[Planned], list[Skipped]]:
    """Route every file under `folder` (sorted by relative path) without reading any.

    Hidden files and folders (a path part starting with ".") are skipped, a folder once.

    Returns the files to import and the files skipped with their reason. Raises
    `DataMissingError` when the folder does not exist or holds nothing to import, and
    `DataMalformedError` for a `.csv`/`.json` file no importer knows or for two files
    that would become the same series or document.
    """
    if not folder.is_dir():
        raise DataMissingError(f"{folder}: no such folder; expected a folder of source files")
    root = folder.resolve()
    planned: list[Planned] = []
    skipped: list[Skipped] = []
    hidden_folders: set[str] = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        parts = path.relative_to(root).parts
        name = "/".join(parts)
        hidden = next((i for i, part in enumerate(parts) if part.startswith(".")), None)
        if hidden is not None:
            where = "/".join(parts[: hidden + 1])
            if hidden == len(parts) - 1:
                skipped.append(Skipped(where, "hidden file"))
            elif where not in hidden_folders:
                hidden_folders.add(where)
                skipped.append(Skipped(f"{where}/", "hidden folder"))
            continue
        route = route_for(path)
        if route is not None:
            planned.append(Planned(path, name, route))
        elif path.suffix.lower() in DATA_SUFFIXES:
            raise DataMalformedError(
                f"{name}: no importer for this file name; expected one of the layouts in "
                "docs/data.md (rename the file or move it out of the folder)"
            )
        else:
            skipped.append(Skipped(name, f"not a data file ({path.suffix or 'no suffix'})"))
    if not planned:
        raise DataMissingError(
            f"{folder}: no data files to import ({len(skipped)} skipped); expected the "
            "layout described in docs/data.md, e.g. cex/binance/BTCUSDT_spot_1h.csv"
        )
    _no_two_files_per_target(planned)
    return planned, skipped


def import_folder(folder: Path, catalog: Catalog, dataset: str = REAL) -> ImportReport:
    """Import every file under `folder` into `dataset`, replacing series of the same name.

    Returns the report of what was written and skipped. Raises `DataMalformedError` (the
    first bad file, naming it, its line or column and what was expected) or
    `DataMissingError` (see `plan_folder`); in both cases nothing is written. Raises
    `ConfigError` for a dataset name that is empty, path-like or `scenario:*` (generated
    and real series never share a dataset).
    """
    check_dataset_name(dataset, imported=True)
    planned, skipped = plan_folder(folder)
    frames: list[SeriesFrame] = []
    documents: list[ParamsDoc] = []
    for item in planned:
        loaded = item.route.load(item.path, item.name)
        if isinstance(loaded, SeriesFrame):
            frames.append(loaded)
        else:
            documents.append(loaded)
    series = catalog.write(dataset, frames, documents)
    names = {document.name for document in documents}
    return ImportReport(
        folder=folder,
        dataset=dataset,
        series=tuple(series),
        params=tuple(info for info in catalog.params(dataset) if info.name in names),
        skipped=tuple(skipped),
    )


def _no_two_files_per_target(planned: list[Planned]) -> None:
    seen: dict[str, str] = {}
    for item in planned:
        target = item.route.target
        if target in seen:
            raise DataMalformedError(
                f"{item.name}: would become {target!r} like {seen[target]}; expected one "
                "source file per series"
            )
        seen[target] = item.name
