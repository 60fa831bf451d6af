"""Benchmark: load the hourly panel a usdt_market_neutral run needs over the real window.

    BASIS_REAL_DATA=../shared/data/real .venv/bin/python bench/panel_load.py [--repeat N]

Imports the real folder into a temporary catalog once, then times `load_panel` (Parquet
read, resolution policy, alignment) for the series of the market-neutral mode over the
window they all cover, and prints the best and median of N runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from basis.data.catalog import REAL, Catalog
from basis.data.ingest import import_folder
from basis.data.panel import common_window, load_panel
from basis.data.resolve import ResolutionPolicy

SERIES = [
    # OKX is left out: its ETH perp has a 720 h hole (2024-08-31 → 2024-09-30) that the
    # policy rightly refuses to fill; the engine gives such a venue allocation 0.
    *(f"{venue}:perp:ETHUSDT" for venue in ("binance", "bybit")),
    *(f"{venue}:funding:ETHUSDT" for venue in ("binance", "bybit")),
    "binance:spot:BTCUSDT",
    "bybit:spot:ETHUSDT",
    "aave_v3:rates:weETH",
    "aave_v3:rates:WETH",
    "aave_v3:rates:USDT",
    "aave_v3:oracle:WETH",
    "aave_v3:oracle:weETH",
    "staking:lst:weETH",
    "ethereum:gas:mainnet",
    "etherfi:rewards:weETH",
]
POLICY = ResolutionPolicy()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    real = os.environ.get("BASIS_REAL_DATA")
    if not real:
        print("BASIS_REAL_DATA is not set", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as root:
        catalog = Catalog(Path(root))
        began = time.perf_counter()
        import_folder(Path(real), catalog)
        import_s = time.perf_counter() - began
        start, end = common_window([catalog.info(REAL, name) for name in SERIES])
        timings = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            panel = load_panel(catalog, REAL, SERIES, start, end, POLICY)
            timings.append(time.perf_counter() - began)
    print(f"import of the real folder: {import_s:.2f} s")
    print(
        f"window {start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M}: {panel.steps} hourly steps, "
        f"{len(panel.columns)} columns from {len(SERIES)} series"
    )
    print(
        f"load_panel over {args.repeat} runs: best {min(timings) * 1000:.1f} ms, "
        f"median {statistics.median(timings) * 1000:.1f} ms"
    )
    for note in panel.notes:
        print(f"  note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
