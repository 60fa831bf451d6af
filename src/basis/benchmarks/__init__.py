"""Engine benchmarks: steps/s, load time and peak memory per mode, each in a fresh process.

`basis bench` and `make bench` are the front ends; docs/benchmarks.md records the figures.
"""

from basis.benchmarks.datasets import SCENARIO, BenchData, scenario_label
from basis.benchmarks.measure import Figures, measure
from basis.benchmarks.suite import STEP_RATE_TARGETS, Suite, run_suite

__all__ = [
    "SCENARIO",
    "STEP_RATE_TARGETS",
    "BenchData",
    "Figures",
    "Suite",
    "measure",
    "run_suite",
    "scenario_label",
]
