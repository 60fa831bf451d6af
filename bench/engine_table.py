"""Regenerate the engine table of docs/benchmarks.md: `python bench/engine_table.py --write`.

    BASIS_REAL_DATA=../shared/data/real .venv/bin/python bench/engine_table.py --write

Runs `basis bench`'s suite (every mode on the real window and on 5 years of `default`,
one fresh process per mode, best of `--repeat`) and prints the Markdown tables, or with
`--write` replaces the block between the `engine-bench` markers of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sys
from pathlib import Path

from basis.benchmarks import SCENARIO, STEP_RATE_TARGETS, Figures, Suite, run_suite
from basis.config import get_settings
from basis.data.catalog import REAL, Catalog
from basis.strategies import MODES

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
START, END = "<!-- engine-bench:start -->", "<!-- engine-bench:end -->"


def machine() -> str:
    """Cores, memory, OS and Python of this machine, in one line."""
    meminfo = Path("/proc/meminfo")
    memory = ""
    if meminfo.is_file():
        found = re.search(r"MemTotal:\s+(\d+) kB", meminfo.read_text())
        memory = f", {int(found[1]) / 2**20:.0f} GiB RAM" if found else ""
    return (
        f"{os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}, "
        f"CPython {platform.python_version()}"
    )


def markdown(suite: Suite, repeat: int) -> str:
    """The tables, one per dataset, with the targets marked met or not."""
    lines = [
        f"Recorded {dt.date.today().isoformat()} on {machine()}, best of {repeat}, with "
        f"`python bench/engine_table.py --repeat {repeat} --write`.",
        "",
    ]
    lines += _targets(suite)
    for dataset, group in suite.by_dataset.items():
        lines += [
            f"**{dataset}**",
            "",
            "| mode | steps | engine s | steps/s | target | load s | peak RSS MB |",
            "|---|---:|---:|---:|---|---:|---:|",
        ]
        lines += [_row(figures, dataset) for figures in group]
        lines.append("")
    lines += [f"- {note}" for note in suite.notes]
    return "\n".join(lines).rstrip() + "\n"


def _targets(suite: Suite) -> list[str]:
    """The steps/s targets against each dataset's figure; met only when met on all."""
    datasets = list(suite.by_dataset)
    lines = [
        "| steps/s target | " + " | ".join(datasets) + " | status |",
        "|---|" + "---:|" * len(datasets) + "---|",
    ]
    for mode, target in STEP_RATE_TARGETS.items():
        rates = [
            next((f.steps_per_s for f in group if f.mode == mode), None)
            for group in suite.by_dataset.values()
        ]
        measured = [rate for rate in rates if rate is not None]
        if not measured:
            continue
        status = "✔ met" if min(measured) >= target else "✘ not met"
        cells = " | ".join("" if rate is None else f"{rate:,.0f}" for rate in rates)
        lines.append(f"| `{mode}` ≥ {target:,.0f} | {cells} | {status} |")
    return [*lines, ""]


def _row(figures: Figures, dataset: str) -> str:
    mode = f"`{figures.mode}`"
    if figures.dataset != dataset:
        mode += f" (on `{figures.dataset}`)"
    target = STEP_RATE_TARGETS.get(figures.mode)
    verdict = ""
    if target is not None:
        verdict = f"≥ {target:,.0f} " + ("✔ met" if figures.steps_per_s >= target else "✘ not met")
    return (
        f"| {mode} | {figures.steps:,} | {figures.engine_s:.3f} | {figures.steps_per_s:,.0f} "
        f"| {verdict} | {figures.load_s:.3f} | {figures.peak_mb:,.0f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--catalog", type=Path, default=None)
    parser.add_argument("--write", action="store_true", help=f"replace the block in {DOC.name}")
    args = parser.parse_args()
    settings = get_settings()
    suite = run_suite(
        args.modes.split(","),
        (REAL, SCENARIO),
        Catalog(args.catalog or settings.catalog_path),
        settings.configs_path,
        repeat=args.repeat,
        real_folder=settings.real_data,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    table = markdown(suite, args.repeat)
    if not args.write:
        print(table)
        return 0
    text = DOC.read_text()
    if START not in text or END not in text:
        print(f"{DOC}: markers {START} … {END} not found", file=sys.stderr)
        return 1
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{START}\n{table}{END}{tail}")
    print(f"wrote the engine tables into {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
