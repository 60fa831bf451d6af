"""Sweep throughput on 1 vs 2 local dask workers: `python -m bench.sweep_scaling`.

Eight points of usdt_market_neutral (target_ltv × stake_allocation) on scenario:default
over one year (8,760 hourly steps each), in a temporary BASIS_HOME and catalog. For each
worker count it times the cluster start and the sweep itself (submit, run, stream back,
store every run from the client); the speed-up compares the sweep times. It also prints
the load average and the busiest other processes, because the 2 cores of the reference
machine are shared. Not a test: timings depend on the machine, so nothing is asserted.

`--repeat N` runs each worker count N times and keeps the fastest (default 1).
"others CPU s" is the CPU time every other process on the machine used during the timed
sweep (from /proc), so a slow figure can be told apart from a busy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import tempfile
import time
from pathlib import Path

from basis.config.market import load_market
from basis.data.catalog import Catalog
from basis.data.scenario import load_scenario, write_scenario
from basis.research.cluster import open_client
from basis.research.grid import read_grid
from basis.research.sweep import SweepRequest, plan_sweep, run_sweep
from basis.store import SweepStore

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
MODE = "usdt_market_neutral"
GRID = "parameters:\n  target_ltv: [0.85, 0.86, 0.87, 0.88]\n  stake_allocation: [0.4, 0.5]\n"
END = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # one year from the scenario start


def busiest_others(limit: int = 6) -> list[str]:
    """What else is using the CPU now: `top`'s second one-second sample, busiest first."""
    listing = subprocess.run(
        ["top", "-b", "-n", "2", "-d", "1", "-o", "%CPU", "-w", "120"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    second = [i for i, line in enumerate(listing) if line.lstrip().startswith("PID")][-1:]
    if not second:
        return ["(top is not available)"]
    rows = listing[second[0] : second[0] + 1 + limit]
    mine = str(os.getpid())
    return [row for row in rows if row.split()[0] != mine]


def busy_seconds() -> tuple[float, float]:
    """(CPU seconds busy on the whole machine, CPU seconds of this process and its
    descendants) since boot, from /proc: their difference over an interval is what other
    processes used meanwhile."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    machine = (user + nice + system + irq + softirq + steal) / ticks
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry.name)
        parents[pid] = int(rest[1])
        used[pid] = (int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])) / ticks
    mine = {os.getpid()}
    grew = True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in mine} - mine
        grew = bool(children)
        mine |= children
    return machine, sum(used.get(pid, 0.0) for pid in mine)


def time_sweep(folder: Path, workers: int, repeat: int) -> tuple[float, float, float]:
    """(cluster start s, fastest sweep s, CPU s other processes used during that sweep)."""
    grid = read_grid(folder / "grid.yaml", CONFIGS)
    best, others = float("inf"), 0.0
    started = time.perf_counter()
    with open_client(workers=workers) as client:
        startup = time.perf_counter() - started
        for attempt in range(repeat):
            request = SweepRequest(
                MODE, grid, folder / "catalog", CONFIGS, end=END, name=f"w{workers}-{attempt}"
            )
            plan = plan_sweep(request)
            with SweepStore() as store:
                store.open_sweep(plan.spec)
                machine, ours = busy_seconds()
                began = time.perf_counter()
                run = run_sweep(plan, client, store)
                elapsed = time.perf_counter() - began
                machine_after, ours_after = busy_seconds()
            if run.done != len(plan.points):
                raise SystemExit(f"{run.failed} points failed with {workers} workers")
            if elapsed < best:
                best = elapsed
                others = max(0.0, (machine_after - machine) - (ours_after - ours))
    return startup, best, others


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="basis-sweep-bench-") as temporary:
        folder = Path(temporary)
        os.environ["BASIS_HOME"] = str(folder / "home")
        (folder / "grid.yaml").write_text(GRID)
        write_scenario(
            Catalog(folder / "catalog"), load_scenario("default", CONFIGS), load_market(CONFIGS)
        )
        print(f"machine: {os.cpu_count()} CPUs; load average before: {os.getloadavg()}")
        print("busiest other processes before:")
        for line in busiest_others():
            print(f"  {line}")
        results = {}
        for workers in (1, 2):
            results[workers] = time_sweep(folder, workers, args.repeat)
            print(f"after {workers} worker(s): load average {os.getloadavg()}; busiest now:")
            for line in busiest_others():
                print(f"  {line}")
    print(f"\n8 points × 8,760 h of {MODE} (scenario:default, 2024)")
    print(f"{'workers':>8} {'start s':>8} {'sweep s':>8} {'points/min':>11} {'others CPU s':>13}")
    for workers, (startup, elapsed, others) in results.items():
        print(
            f"{workers:>8} {startup:>8.1f} {elapsed:>8.1f} {8 * 60 / elapsed:>11.1f} "
            f"{others:>13.1f}"
        )
    print(
        "(others CPU s: CPU time other processes used during the timed sweep, of "
        f"{os.cpu_count()} × sweep s available)"
    )
    print(f"speed-up 2 vs 1 worker: {results[1][1] / results[2][1]:.2f}×")


if __name__ == "__main__":
    main()
