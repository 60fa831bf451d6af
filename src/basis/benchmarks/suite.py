"""Run the engine benchmark grid: every dataset × mode, each in a fresh process, in turn.

One process per mode keeps the figures apart: the peak memory of one mode is not the
high-water mark left by the one before, and no mode runs on caches another warmed. The
runs are sequential so that they do not compete for the cores they are timed on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from basis.benchmarks.datasets import (
    SCENARIO,
    BenchData,
    ensure_fallback,
    ensure_real,
    ensure_scenario,
)
from basis.benchmarks.measure import Figures
from basis.config.market import load_market
from basis.data.catalog import REAL, Catalog, scenario_dataset
from basis.engine.backtest import EVERY_VENUE_MODES, FALLBACK_SCENARIO
from basis.errors import BasisError, ConfigError
from basis.strategies import MODES

__all__ = ["DATASETS", "STEP_RATE_TARGETS", "Suite", "run_suite"]

DATASETS = (REAL, SCENARIO)
STEP_RATE_TARGETS: dict[str, float] = {
    "pure_lending_usdt": 200_000.0,
    "btc_basis": 200_000.0,
    "usdt_market_neutral": 50_000.0,
}
"""Engine steps/s the performance issue (5) asks for, per mode."""

Progress = Callable[[str], None]
FALLBACK = scenario_dataset(FALLBACK_SCENARIO)


@dataclass(frozen=True)
class Suite:
    """The figures per dataset measured (in the order asked, modes likewise) and what the
    user must be told about them (datasets left out, fallbacks)."""

    by_dataset: Mapping[str, tuple[Figures, ...]]
    notes: tuple[str, ...]

    @property
    def figures(self) -> tuple[Figures, ...]:
        return tuple(figures for group in self.by_dataset.values() for figures in group)


def run_suite(
    modes: Sequence[str],
    datasets: Sequence[str],
    catalog: Catalog,
    configs: Path,
    *,
    data: BenchData | None = None,
    repeat: int = 1,
    real_folder: Path | None = None,
    progress: Progress | None = None,
) -> Suite:
    """Benchmark `modes` on `datasets` (`real`, `scenario`), preparing the datasets first.

    The real dataset is imported from `real_folder` when the catalog lacks it, and left
    out with a note when there is no folder either. Raises ConfigError for an unknown
    mode or dataset or `repeat` < 1, and the error a measuring process raised.
    """
    _check(modes, datasets, repeat)
    market = load_market(configs)
    notes: list[str] = []
    resolved: list[str] = []
    for label in dict.fromkeys(datasets):
        if label == SCENARIO:
            resolved.append(ensure_scenario(catalog, configs, market, data or BenchData()))
        elif ensure_real(catalog, real_folder):
            resolved.append(REAL)
        else:
            notes.append(
                f"real dataset left out: catalog {catalog.root} has none and BASIS_REAL_DATA "
                "is not set (point it at shared/data/real, or `basis data import` it)"
            )
    if REAL in resolved and EVERY_VENUE_MODES & set(modes):
        ensure_fallback(catalog, configs, market)
    jobs = [(dataset, mode) for dataset in resolved for mode in dict.fromkeys(modes)]
    by_dataset: dict[str, list[Figures]] = {dataset: [] for dataset in resolved}
    for done, (dataset, mode) in enumerate(jobs, start=1):
        if progress is not None:
            progress(f"[{done}/{len(jobs)}] {mode} on {dataset}")
        fallback = FALLBACK if dataset == REAL and mode in EVERY_VENUE_MODES else None
        measured = _measure_in_child(mode, dataset, catalog.root, configs, repeat, fallback)
        if measured.dataset != dataset:
            notes.append(
                f"{mode} asked for {dataset} ran on {measured.dataset}: the dataset lacks "
                "series it needs (the suite asks for --fallback)"
            )
        by_dataset[dataset].append(measured)
    return Suite({key: tuple(group) for key, group in by_dataset.items()}, tuple(notes))


def _check(modes: Sequence[str], datasets: Sequence[str], repeat: int) -> None:
    unknown = [mode for mode in modes if mode not in MODES]
    if unknown or not modes:
        raise ConfigError(f"--modes {','.join(modes)!r}: expected some of {list(MODES)}")
    wrong = [label for label in datasets if label not in DATASETS]
    if wrong or not datasets:
        raise ConfigError(f"--datasets {','.join(datasets)!r}: expected some of {list(DATASETS)}")
    if repeat < 1:
        raise ConfigError(f"--repeat {repeat}: expected at least 1")


def _measure_in_child(
    mode: str, dataset: str, catalog: Path, configs: Path, repeat: int, fallback: str | None
) -> Figures:
    command = [
        sys.executable,
        "-m",
        "basis.benchmarks.measure",
        *("--mode", mode, "--dataset", dataset, "--repeat", str(repeat)),
        *("--catalog", str(catalog.resolve()), "--configs", str(configs.resolve())),
        *(("--fallback", fallback) if fallback else ()),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        answer = None
    if isinstance(answer, dict) and "figures" in answer:
        return Figures(**answer["figures"])
    if isinstance(answer, dict) and "error" in answer:
        raise _error(answer["error"]["code"], answer["error"]["message"])
    last = (done.stderr.strip().splitlines() or ["no output"])[-1]
    raise BasisError(f"benchmark of {mode} on {dataset} failed (exit {done.returncode}): {last}")


def _error(code: str, message: str) -> BasisError:
    """The measuring process's error as the same class (same code and exit status)."""
    pending: list[type[BasisError]] = [BasisError]
    while pending:
        kind = pending.pop()
        if kind.code == code:
            return kind(message)
        pending.extend(kind.__subclasses__())
    return BasisError(f"[{code}] {message}")
