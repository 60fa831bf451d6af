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
from typing import Any, Final

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
from basis.data.importers.table import ImportFinding
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
    findings: tuple[ImportFinding, ...] = ()  # accepted, also in `basis data check`
    refused: tuple[Skipped, ...] = ()  # files left out by --skip-invalid, with the error


@dataclass(frozen=True)
class Planned:
    """A file and the route that will read it."""

    path: Path
    name: str  # relative to the imported folder: the `source` recorded in the catalog
    route: Route


def plan_folder(folder: Path) -> tuple[list[Planned], list[Skipped], list[ImportFinding]]:
    """Route every file under `folder` (sorted by relative path) without reading any.

    Hidden files and folders (a path part starting with ".") are skipped, a folder once.

    Returns the files to import, the files skipped with their reason, and an
    `unknown_file` finding for each `.csv`/`.json` file no importer knows (a data drop
    that adds files never breaks an import). Raises `DataMissingError` when the folder
    does not exist or holds nothing to import, and `DataMalformedError` for two files
    that would become the same series or document.
    """
    if not folder.is_dir():
        raise DataMissingError(f"{folder}: no such folder; expected a folder of source files")
    root = folder.resolve()
    planned: list[Planned] = []
    skipped: list[Skipped] = []
    unknown: list[ImportFinding] = []
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
            detail = (
                "no importer for this file name: not imported (the layouts are in "
                "docs/data.md; rename the file if it is one of them)"
            )
            unknown.append(ImportFinding(name, "unknown_file", 1, detail))
        else:
            skipped.append(Skipped(name, f"not a data file ({path.suffix or 'no suffix'})"))
    if not planned:
        raise DataMissingError(
            f"{folder}: no data files to import ({len(skipped)} skipped); expected the "
            "layout described in docs/data.md, e.g. cex/binance/BTCUSDT_spot_1h.csv"
        )
    _no_two_files_per_target(planned)
    return planned, skipped, unknown


def import_folder(
    folder: Path,
    catalog: Catalog,
    dataset: str = REAL,
    *,
    strict: bool = False,
    skip_invalid: bool = False,
) -> ImportReport:
    """Import every file under `folder` into `dataset`, replacing series of the same name.

    Errors refuse a file: it cannot be parsed, a required column is missing, a unit is
    wrong, a timestamp cannot be read. By default one refused file refuses the import
    (`DataMalformedError` naming the file, its line or column and what was expected) and
    nothing is written; with `skip_invalid` every valid file is imported and the refused
    ones are listed in the report. Findings (`ImportFinding`) import and are kept in the
    dataset's `import:findings` document for `basis data check`; `strict` refuses the
    import when there is any. Raises `DataMissingError` (see `plan_folder`), and
    `ConfigError` for a dataset name that is empty, path-like or `scenario:*`.
    """
    check_dataset_name(dataset, imported=True)
    planned, skipped, findings = plan_folder(folder)
    frames: list[SeriesFrame] = []
    documents: list[ParamsDoc] = []
    refused: list[Skipped] = []
    for item in planned:
        try:
            loaded, noted = item.route.load(item.path, item.name)
        except DataMalformedError as error:
            if not skip_invalid:
                raise
            refused.append(Skipped(item.name, error.message))
            continue
        findings += noted
        if isinstance(loaded, SeriesFrame):
            frames.append(loaded)
        else:
            documents.append(loaded)
    if strict and findings:
        listed = "; ".join(f"{f.file}: {f.kind} ({f.detail})" for f in findings[:3])
        more = f" and {len(findings) - 3} more" if len(findings) > 3 else ""
        raise DataMalformedError(
            f"--strict: {len(findings)} finding(s) refuse the import: {listed}{more}"
        )
    if not frames and not documents:
        raise DataMissingError(
            f"{folder}: every data file was refused ({len(refused)}); nothing imported"
        )
    names = {document.name for document in documents}  # what the report lists
    kept = _findings_document(catalog, dataset, planned, findings)
    series = catalog.write(dataset, frames, [*documents, *([kept] if kept else [])])
    return ImportReport(
        folder=folder,
        dataset=dataset,
        series=tuple(series),
        params=tuple(info for info in catalog.params(dataset) if info.name in names),
        skipped=tuple(skipped),
        findings=tuple(findings),
        refused=tuple(refused),
    )


FINDINGS_DOCUMENT = "import:findings"
"""The parameter document that keeps each imported file's findings for `basis data check`."""


def _findings_document(
    catalog: Catalog, dataset: str, planned: list[Planned], findings: list[ImportFinding]
) -> ParamsDoc | None:
    """The dataset's findings: those of earlier imports for files not imported again, and
    this import's (a file imported again replaces its own); None when there are none and
    never were."""
    kept: list[dict[str, Any]] = []
    existed = any(info.name == FINDINGS_DOCUMENT for info in catalog.params(dataset))
    if existed:
        again = {item.name for item in planned} | {f.file for f in findings}
        earlier = catalog.read_params(dataset, FINDINGS_DOCUMENT).get("findings", [])
        kept = [f for f in earlier if f.get("file") not in again]
    if not existed and not findings:
        return None
    content = {"findings": kept + [f.document() for f in findings]}
    return ParamsDoc(FINDINGS_DOCUMENT, "basis data import", content)


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
