"""Imports point one way (STYLE rule 1): no module imports a package of a higher layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "basis"

# Lowest first; a package may import its own layer and any layer below it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "files"),
    ("config",),
    ("mechanics",),
    ("data",),
    ("book",),
    ("model",),  # orders, snapshots, spans, run results: shared by strategies and runtimes
    ("analytics",),  # pure functions over run results
    ("strategies",),
    ("engine",),  # the kernel and the backtest clock
    ("store",),
    ("research", "benchmarks"),
    ("audit",),  # the hash-chained audit log: every layer above records into it
    ("accounts",),  # accounts, their encrypted keys, and cross-account self-trade prevention
    ("live",),  # the wall-clock runtime, its journal use and the Venue protocol
    ("venues",),  # adapters and the emulator implement live's Venue protocol
    ("trading",),  # operating runs: the one place that opens venues for the runtime
    ("api",),
    ("cli",),
)
LEVEL = {package: level for level, packages in enumerate(LAYERS) for package in packages}


def _imported_packages(path: Path) -> set[str]:
    packages = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "basis" and len(parts) > 1:
                packages.add(parts[1])
    return packages


def _modules() -> list[Path]:
    return sorted(p for p in SOURCE.rglob("*.py") if p.parent != SOURCE or p.stem in LEVEL)


def test_layers_every_package_has_a_layer() -> None:
    packages = {
        p.name
        for p in SOURCE.iterdir()
        if p.is_dir() and not p.name.startswith("_") and (p / "__init__.py").exists()
    }
    assert packages - set(LEVEL) == set()


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SOURCE)))
def test_layers_module_imports_only_downwards(path: Path) -> None:
    relative = path.relative_to(SOURCE)
    own = relative.parts[0] if len(relative.parts) > 1 else relative.stem
    upward = {
        package
        for package in _imported_packages(path)
        if package in LEVEL and LEVEL[package] > LEVEL[own]
    }
    assert not upward, f"{relative} ({own}) imports higher layers: {sorted(upward)}"
