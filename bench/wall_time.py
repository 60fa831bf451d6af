"""Wall time of `basis backtest --mode usdt_market_neutral --data real --json`, broken down.

    BASIS_REAL_DATA=../shared/data/real .venv/bin/python bench/wall_time.py [--runs 7]

Prints, each as best and median of `--runs` fresh processes: the interpreter's start-up,
`import basis.cli`, the whole command (the ≤ 2 s target of issue 5), and the phases of the
command measured inside one process (imports, settings and catalog, load, engine, opening
the results store, saving the run, the JSON) plus the HTML report that `--json` no longer
writes. Then the largest imports (`python -X importtime`). The command runs against a
throw-away BASIS_HOME (so the user's results are untouched) after one warm-up run that
creates its results database; the real data is imported there from BASIS_REAL_DATA.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

MODE = "usdt_market_neutral"
BIN = Path(sys.executable).parent
PHASES = ("imports", "settings", "load", "engine", "store_open", "store_save", "json", "report")


def wall(command: list[str], env: dict[str, str]) -> float:
    """Seconds from spawn to exit of `command`; raises when it fails."""
    began = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def phases(catalog: Path) -> dict[str, float]:
    """The command's steps, timed in this (fresh) process: run with `--phases`."""
    began = time.perf_counter()
    import basis.cli  # noqa: F401  (what the console script imports)
    from basis.cli.app import open_catalog
    from basis.config import get_settings
    from basis.engine.backtest import Backtest, execute, prepare
    from basis.store import ResultStore, json_safe, run_json

    times = {"imports": time.perf_counter() - began}
    began = time.perf_counter()
    settings = get_settings()
    opened = open_catalog(catalog)
    times["settings"] = time.perf_counter() - began
    began = time.perf_counter()
    prepared = prepare(Backtest(MODE, "real"), opened, settings.configs_path)
    times["load"] = time.perf_counter() - began
    began = time.perf_counter()
    result = execute(prepared)
    times["engine"] = time.perf_counter() - began
    began = time.perf_counter()
    with ResultStore() as store:
        times["store_open"] = time.perf_counter() - began
        began = time.perf_counter()
        store.save(result)
        times["store_save"] = time.perf_counter() - began
    began = time.perf_counter()
    json.dumps(json_safe(run_json(result)), allow_nan=False)
    times["json"] = time.perf_counter() - began
    began = time.perf_counter()
    from basis.analytics.report import write_report

    with tempfile.TemporaryDirectory() as folder:
        write_report(result, Path(folder) / "report.html")
    times["report"] = time.perf_counter() - began
    return times


def largest_imports(env: dict[str, str], top: int) -> list[tuple[str, float]]:
    """Third-party packages and basis.cli modules by import seconds (`-X importtime`)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import basis.cli"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    own: Counter[str] = Counter()
    cumulative: dict[str, float] = {}
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if found is None:
            continue
        name = found[3]
        own[name.split(".")[0]] += int(found[1]) / 1e6
        if name.startswith("basis.cli."):
            cumulative[name] = int(found[2]) / 1e6
    packages = [(name, seconds) for name, seconds in own.most_common(top) if name != "basis"]
    modules = sorted(cumulative.items(), key=lambda item: -item[1])[:top]
    return [*packages, ("basis (own code)", own["basis"]), *modules]


def summary(name: str, values: list[float]) -> str:
    return f"{name:<28} best {min(values):6.3f} s   median {statistics.median(values):6.3f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--phases", type=Path, help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    if args.phases is not None:
        print(json.dumps(phases(args.phases)))
        return 0
    real = os.environ.get("BASIS_REAL_DATA")
    if not real:
        print("BASIS_REAL_DATA is not set", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "BASIS_HOME": home}
        env.pop("BASIS_CATALOG", None)
        env.pop("BASIS_DB_URL", None)
        catalog = Path(home) / "catalog"
        basis = str(BIN / "basis")
        subprocess.run(
            [basis, "data", "import", real, "--catalog", str(catalog)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        command = [basis, "backtest", "--mode", MODE, "--data", "real", "--json"]
        command += ["--catalog", str(catalog)]
        wall(command, env)  # warm-up: creates the results database, warms the page cache
        python = [sys.executable, "-c", "pass"]
        imports = [sys.executable, "-c", "import basis.cli"]
        starts = [wall(python, env) for _ in range(args.runs)]
        imported = [wall(imports, env) for _ in range(args.runs)]
        whole = [wall(command, env) for _ in range(args.runs)]
        measured: dict[str, list[float]] = {phase: [] for phase in PHASES}
        child = [sys.executable, __file__, "--phases", str(catalog)]
        for _ in range(args.runs):
            done = subprocess.run(child, env=env, check=True, capture_output=True, text=True)
            for phase, seconds in json.loads(done.stdout).items():
                measured[phase].append(seconds)
        ranked = largest_imports(env, 8)
    print(f"{args.runs} runs each, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores")
    print(summary(f"basis backtest --mode {MODE} --data real --json (wall)", whole))
    print(summary("python -c pass (wall)", starts))
    print(summary("python -c 'import basis.cli' (wall)", imported))
    print("phases inside one process:")
    for phase in PHASES:
        note = "  (not done by --json since issue 5)" if phase == "report" else ""
        print("  " + summary(phase, measured[phase]) + note)
    print("largest imports (one run, seconds):")
    for name, seconds in ranked:
        print(f"  {name:<32} {seconds:6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
