"""Where the engine's time goes, per mode: `python bench/profile_engine.py [--modes a,b]`.

Loads each mode's inputs first (not profiled), then runs `execute` under pyinstrument and
prints, per mode, the functions with the most time of their own (self) and the most time
including their callees (inclusive, each function counted once per stack), as % of the
run. Not a test: the shares depend on the engine of the day. docs/benchmarks.md records
them. `--html DIR` also writes pyinstrument's interactive page per mode.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from pyinstrument import Profiler
from pyinstrument.frame import Frame

from basis.config import get_settings
from basis.data.catalog import REAL, Catalog
from basis.engine.backtest import Backtest, execute, prepare
from basis.strategies import MODES

Key = tuple[str, str]  # (function, file:line)


def _key(frame: Frame) -> Key:
    name = f"{frame.class_name}.{frame.function}" if frame.class_name else frame.function
    return name, f"{frame.file_path_short}:{frame.line_no}"


def _engine_root(frame: Frame) -> Frame:
    """The `execute` frame of engine/backtest.py: the run, without the profiler's own frames."""
    pending = [frame]
    while pending:
        current = pending.pop()
        if current.function == "execute" and (current.file_path or "").endswith(
            "engine/backtest.py"
        ):
            return current
        pending.extend(current.children)
    return frame


def shares(root: Frame) -> tuple[Counter[Key], Counter[Key], float]:
    """Self and inclusive seconds per function, and the total, from a pyinstrument tree."""
    own: Counter[Key] = Counter()
    inclusive: Counter[Key] = Counter()
    pending: list[tuple[Frame, frozenset[Key]]] = [(root, frozenset())]
    while pending:
        frame, above = pending.pop()
        if frame.is_synthetic:
            continue
        key = _key(frame)
        own[key] += frame.total_self_time
        if key not in above:  # a recursive call is already inside its caller's time
            inclusive[key] += frame.time
        pending.extend((child, above | {key}) for child in frame.children)
    return own, inclusive, root.time


def profile(mode: str, catalog: Catalog, configs: Path, dataset: str, html: Path | None) -> str:
    """One mode's report as text."""
    prepared = prepare(Backtest(mode, dataset), catalog, configs)
    profiler = Profiler(interval=0.0005)
    began = time.perf_counter()
    profiler.start()
    execute(prepared)
    profiler.stop()
    seconds = time.perf_counter() - began
    root = profiler.last_session.root_frame() if profiler.last_session else None
    if root is None:
        return f"{mode}: no samples"
    if html is not None:
        html.mkdir(parents=True, exist_ok=True)
        (html / f"{mode}.html").write_text(profiler.output_html())
    own, inclusive, total = shares(_engine_root(root))
    lines = [
        f"## {mode} on {prepared.inputs.data.dataset}: {prepared.steps:,} steps, "
        f"{seconds:.2f} s under the profiler ({prepared.steps / seconds:,.0f} steps/s)",
        "",
        "| self % | inclusive % | function | where |",
        "|---:|---:|---|---|",
    ]
    for key, spent in own.most_common(TOP):
        lines.append(
            f"| {100 * spent / total:.1f} | {100 * inclusive[key] / total:.1f} | "
            f"`{key[0]}` | {key[1]} |"
        )
    lines += ["", "Largest inclusive (callees included):", ""]
    lines += [
        f"- {100 * spent / total:.1f} % `{key[0]}` ({key[1]})"
        for key, spent in inclusive.most_common(TOP + 2)[2:]  # [0:2]: execute and run
    ]
    return "\n".join(lines) + "\n"


TOP = 12


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--dataset", default=REAL, help="`real` or `scenario:NAME`")
    parser.add_argument("--catalog", type=Path, default=None)
    parser.add_argument("--html", type=Path, default=None, help="also write HTML pages here")
    args = parser.parse_args()
    settings = get_settings()
    catalog = Catalog(args.catalog or settings.catalog_path)
    for mode in args.modes.split(","):
        print(profile(mode.strip(), catalog, settings.configs_path, args.dataset, args.html))
    return 0


if __name__ == "__main__":
    sys.exit(main())
