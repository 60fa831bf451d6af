"""A real install: the wheel `pip wheel . --no-deps` builds carries the default configs and
runs from a fresh virtual environment outside the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from basis.cli.app import version
from tests.conftest import REPO

pytestmark = pytest.mark.slow  # builds a wheel and a venv: about 15 s

SOURCES = ("src", "configs", "pyproject.toml", "README.md")


def copy_sources(target: Path) -> Path:
    """What a fresh clone holds for the build (the `src/basis/configs` link included)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    return target


def check(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; returns its `bin` folder.

    Offline: the wheel is built with the test venv's setuptools (no build isolation, no
    index), and the fresh venv reaches basis's dependencies through a `.pth` line to the
    test venv's site-packages (which holds basis only as an editable link, not imported).
    """
    root = tmp_path_factory.mktemp("install")
    tree = copy_sources(root / "clone")
    build = [sys.executable, "-m", "pip", "wheel", str(tree), "--no-deps", "--no-index"]
    check([*build, "--no-build-isolation", "-w", str(root / "dist")], cwd=root)
    (wheel,) = (root / "dist").glob("basis-*.whl")
    venv = root / "venv"
    check([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=root)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    check([*pip, "install", "--no-deps", "--no-index", "--quiet", str(wheel)], cwd=root)
    site = check(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root
    )
    Path(site.strip(), "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


@pytest.fixture
def outside(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A working folder outside the repository and an environment without basis settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("BASIS_")}
    env |= {"BASIS_HOME": str(tmp_path / "home"), "COLUMNS": "120"}
    work = tmp_path / "work"
    work.mkdir()
    return work, env


def test_wheel_installs_basis_with_its_configs(installed: Path) -> None:
    where = check([str(installed / "python"), "-c", "import basis; print(basis.__file__)"], REPO)
    assert where.startswith(str(installed.parent))  # the installed copy, not the checkout
    configs = Path(where).parent / "configs"
    assert (configs / "modes" / "btc_basis.yaml").is_file()
    assert (configs / "sweeps" / "market_neutral_grid.yaml").is_file()


def test_installed_basis_modes_version_and_a_short_backtest(
    installed: Path, outside: tuple[Path, dict[str, str]]
) -> None:
    work, env = outside
    basis = str(installed / "basis")
    assert check([basis, "--version"], work, env) == f"basis {version()}\n"
    assert "usdt_market_neutral" in check([basis, "modes"], work, env)
    check([basis, "data", "generate", "default", "--years", "0.02"], work, env)
    document = json.loads(check([basis, "backtest", "--mode", "btc_basis", "--json"], work, env))
    assert document["dataset"] == "scenario:default"
    assert document["final_equity"] > 0
    (stored,) = json.loads(check([basis, "results", "list", "--json"], work, env))
    assert stored["run_id"] == document["run_id"]


def own_configs(folder: Path, capital: int) -> Path:
    """A copy of the default configs whose btc_basis starts with `capital`."""
    shutil.copytree(REPO / "configs", folder)
    mode = folder / "modes" / "btc_basis.yaml"
    text = mode.read_text()
    assert "initial_capital: 1000000\n" in text
    mode.write_text(text.replace("initial_capital: 1000000\n", f"initial_capital: {capital}\n"))
    return folder


def test_own_configs_folder_then_basis_configs_override_the_packaged_ones(
    installed: Path, outside: tuple[Path, dict[str, str]]
) -> None:
    work, env = outside
    basis = str(installed / "basis")
    check([basis, "data", "generate", "default", "--years", "0.01"], work, env)
    backtest = [basis, "backtest", "--mode", "btc_basis", "--json"]
    assert json.loads(check(backtest, work, env))["initial_equity"] == 1_000_000
    own_configs(work / "configs", 123_456)  # the working folder's configs/ wins
    assert json.loads(check(backtest, work, env))["initial_equity"] == 123_456
    env["BASIS_CONFIGS"] = str(own_configs(work / "elsewhere", 654_321))  # and BASIS_CONFIGS
    assert json.loads(check(backtest, work, env))["initial_equity"] == 654_321
