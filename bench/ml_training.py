"""Benchmark: the ML directional modes' walk-forward training over the real window.

    BASIS_REAL_DATA=../shared/data/real .venv/bin/python bench/ml_training.py

Imports the real folder into a temporary catalog, runs `ml_directional_btc` and
`ml_directional_eth` over their real windows, and prints per mode: the refits, the time
spent fitting (the sum over refits, scikit-learn's import included in the first), the
whole backtest's wall time, and the out-of-sample hit rate. Issue 13's target is training
under 30 s on this machine. Not a test: timings depend on the machine; docs/benchmarks.md
records them.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from basis.config.market import load_market
from basis.data.catalog import REAL, Catalog
from basis.data.ingest import import_folder
from basis.engine.backtest import load_mode
from basis.engine.inputs import load_inputs
from basis.engine.loop import run
from basis.strategies import build
from basis.strategies.directional import strategy as directional

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def main() -> int:
    real = os.environ.get("BASIS_REAL_DATA")
    if not real:
        print("BASIS_REAL_DATA is not set", file=sys.stderr)
        return 2
    spent: list[float] = []
    fit = directional.fit

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return fit(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - began)

    directional.fit = timed  # type: ignore[assignment]
    market = load_market(CONFIGS)
    with tempfile.TemporaryDirectory() as folder:
        catalog = Catalog(Path(folder))
        import_folder(Path(real), catalog)
        for mode in ("ml_directional_btc", "ml_directional_eth"):
            spent.clear()
            strategy = build(load_mode(CONFIGS, mode, (), None), market)
            inputs = load_inputs(catalog, REAL, strategy.needs(), market)
            began = time.perf_counter()
            result = run(strategy, inputs, market, ())
            wall = time.perf_counter() - began
            metrics = result.summary.metrics if result.summary else {}
            print(
                f"{mode}: {inputs.data.steps:,} hours, {len(spent)} refits, fitting "
                f"{sum(spent):.2f} s (slowest {max(spent, default=0.0):.3f} s), backtest "
                f"{wall:.2f} s, hit rate {metrics.get('hit_rate') or 0.0:.3f}, "
                f"APR {metrics.get('apr') or 0.0:+.2%}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
