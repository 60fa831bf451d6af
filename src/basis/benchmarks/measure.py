"""Time one mode on one dataset: load (`prepare`) and engine (`execute`), best of N runs.

Run in a fresh process (`python -m basis.benchmarks.measure …`, as `basis bench` does),
the peak resident set size it reports belongs to this mode alone: interpreter, imports,
the loaded inputs and the run. It prints one JSON object: the figures, or the error.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from basis.data.catalog import Catalog
from basis.engine.backtest import Backtest, execute, prepare
from basis.errors import BasisError, ConfigError

__all__ = ["Figures", "main", "measure", "peak_rss_mb"]


@dataclass(frozen=True)
class Figures:
    """What one benchmark of a mode found. Seconds are the best of the repeats.

    `dataset` is the dataset the run used: the suite asks `funding_arbitrage` on `real` to
    fall back to a scenario (the real data lacks the perp DEX venues it needs).
    """

    mode: str
    dataset: str
    steps: int
    engine_s: float  # `execute`: the engine over loaded inputs, with summary and checks
    load_s: float  # `prepare`: configs, Parquet read, resolution policy, alignment
    peak_mb: float  # peak RSS of the measuring process (MiB)

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.engine_s

    def as_json(self) -> dict[str, Any]:
        """The `basis bench --json` entry of this mode (without the mode, which keys it)."""
        return {
            "steps": self.steps,
            "engine_s": self.engine_s,
            "steps_per_s": self.steps_per_s,
            "load_s": self.load_s,
            "peak_mb": self.peak_mb,
            "dataset": self.dataset,
        }


def measure(request: Backtest, catalog: Catalog, configs: Path, repeat: int) -> Figures:
    """Prepare and execute `request` `repeat` times; the best load and engine seconds.

    Raises ConfigError for `repeat` < 1, and what `prepare` / `execute` raise.
    """
    if repeat < 1:
        raise ConfigError(f"--repeat {repeat}: expected at least 1")
    loads: list[float] = []
    engines: list[float] = []
    for _ in range(repeat):
        began = time.perf_counter()
        prepared = prepare(request, catalog, configs)
        loads.append(time.perf_counter() - began)
        began = time.perf_counter()
        execute(prepared)
        engines.append(time.perf_counter() - began)
        dataset, steps = prepared.inputs.data.dataset, prepared.steps
        del prepared  # one run's inputs in memory at a time: the peak does not grow with N
    return Figures(
        mode=request.mode,
        dataset=dataset,
        steps=steps,
        engine_s=min(engines),
        load_s=min(loads),
        peak_mb=peak_rss_mb(),
    )


def peak_rss_mb() -> float:
    """Peak resident set size of this process image so far, in MiB.

    Linux: `VmHWM` of /proc/self/status, the high-water mark of this image only;
    `ru_maxrss` would also count the parent it was forked from (it survives `execve`).
    Elsewhere `ru_maxrss`, with that caveat.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**10  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB


def main(argv: Sequence[str] | None = None) -> int:
    """Measure one mode; print `{"figures": …}` or `{"error": {"code", "message"}}`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mode", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--configs", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--fallback", default=None)
    args = parser.parse_args(argv)
    request = Backtest(args.mode, args.dataset, fallback=args.fallback)
    try:
        figures = measure(request, Catalog(args.catalog), args.configs, args.repeat)
    except BasisError as error:
        print(json.dumps({"error": {"code": error.code, "message": error.message}}))
        return error.exit_code
    print(json.dumps({"figures": asdict(figures)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
