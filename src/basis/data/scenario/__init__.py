"""The scenario generator: seeded synthetic markets with the same series names as real data."""

from basis.data.scenario.generator import (
    STEPS,
    generate,
    load_scenario,
    resolve,
    write_scenario,
)

__all__ = ["STEPS", "generate", "load_scenario", "resolve", "write_scenario"]
