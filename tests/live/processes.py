"""Child processes of the live tests: `basis live run` against `basis venue serve` (both real
CLIs), killed with SIGKILL or stopped with SIGTERM as an operator would, and the CLI's JSON
read back. Every child is stopped when its block ends, whatever the test did."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.venues.stubs import KEY, SECRET

BASIS = str(Path(sys.executable).with_name("basis"))  # the console script beside python
BUSY = ("--set", "rebalance_threshold=0.00001", "--set", "delta_tolerance=0.00001")
"""`btc_basis` re-hedges on nearly every tick once the emulator's prices move every tick."""
EMULATOR = ("--data", "scenario:default", "--weight-per-minute", "10000000")
"""The emulator's options in these tests: the rate limit out of the way (429s have their own
fault tests), a scenario the fixture wrote."""


def live_env(home: Path) -> dict[str, str]:
    """The environment of a child: its own BASIS_HOME and the emulator account's key."""
    return {
        **os.environ,
        "BASIS_HOME": str(home),
        "BASIS_BINANCE_API_KEY": KEY,
        "BASIS_BINANCE_SECRET": SECRET,
    }


@dataclass
class LiveRun:
    """One `basis live run --log-json` child; its stdout (a JSON line per tick) and stderr
    go to files, so a test reads them without blocking."""

    process: subprocess.Popen[bytes]
    log: Path
    errors: Path

    def ticks(self) -> list[dict[str, Any]]:
        """The ticks printed so far (a line still being written is left out)."""
        text = self.log.read_text() if self.log.exists() else ""
        return [json.loads(line) for line in text.split("\n")[:-1] if line]

    def wait_for_ticks(self, count: int, timeout: float) -> bool:
        """Wait until `count` ticks are printed; False when the child exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.ticks()) >= count:
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.02)
        return False

    def kill(self) -> None:
        """kill -9: no handler runs, nothing is flushed or finished."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, as an operator stops a run; the exit code (killed after `timeout`)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def stderr(self) -> str:
        return self.errors.read_text() if self.errors.exists() else ""


@contextmanager
def live_run(
    url: str, journal: str, folder: Path, *options: str, env: dict[str, str]
) -> Iterator[LiveRun]:
    """`basis live run --mode btc_basis` on the emulator at `url` with `journal`, ticking
    fast without ccxt's pacing; `options` are added. Killed afterwards if still alive."""
    folder.mkdir(parents=True, exist_ok=True)
    log, errors = folder / "stdout.jsonl", folder / "stderr.txt"
    command = [BASIS, "live", "run", "--mode", "btc_basis", "--venue-url", f"binance={url}"]
    command += ["--journal", journal, "--no-throttle", "--log-json", *options]
    with log.open("wb") as stdout, errors.open("wb") as stderr:
        process = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)
    run = LiveRun(process, log, errors)
    try:
        yield run
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def basis_json(*args: str, env: dict[str, str]) -> Any:
    """Run `basis ARGS` (a command with `--json`) and parse its stdout."""
    done = subprocess.run(
        [BASIS, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"basis {' '.join(args)} failed: {done.stderr}")
    return json.loads(done.stdout)
