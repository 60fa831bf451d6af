"""The `basis` command tree. Command modules register onto these apps; keep commands thin."""

from __future__ import annotations

import datetime as dt
import math
from importlib import metadata
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

import basis
from basis.config import get_settings
from basis.data.catalog import Catalog
from basis.errors import ConfigError

app = typer.Typer(
    name="basis",
    help="Backtest, stress-test and run market-neutral crypto yield strategies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Import, check, show and generate market data.", no_args_is_help=True)
config_app = typer.Typer(help="Check configuration files.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(config_app, name="config")

# Tables and progress go to stderr when stdout must stay machine-readable (--json).
out = Console()
err = Console(stderr=True)


def version() -> str:
    """The installed distribution's version (the package's own when run from a checkout)."""
    try:
        return metadata.version("basis")
    except metadata.PackageNotFoundError:
        return basis.__version__


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"basis {version()}")
        raise typer.Exit()


@app.callback()
def _options(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Backtest, stress-test and run market-neutral crypto yield strategies."""


CapitalOption = Annotated[
    float | None,
    typer.Option(
        help="Initial capital in the mode's share class, not USD: USDT for the USDT modes, "
        "ETH for eth_staking_only, eth_leveraged and pure_lending_eth (300 = 300 ETH)."
    ),
]
EndOption = Annotated[
    str | None,
    typer.Option(
        help="Last hour, where the book is valued (default: the data's last), e.g. 2025-01-01."
    ),
]
CatalogOption = Annotated[
    Path | None,
    typer.Option(
        "--catalog", help="Catalog folder; default: BASIS_CATALOG or <BASIS_HOME>/catalog."
    ),
]


def percent(value: float | None) -> str:
    """A rate as every command prints it: `4.13 %`; `—` when missing or not finite."""
    return "—" if value is None or not math.isfinite(value) else f"{100 * value:.2f} %"


def open_catalog(path: Path | None) -> Catalog:
    """The catalog at `path`, else the default one from the settings."""
    return Catalog(path if path is not None else get_settings().catalog_path)


def utc_date(value: str | None, name: str) -> dt.datetime | None:
    """The option `--name` as a UTC instant: an ISO date or time, naive meaning UTC; None
    when not given. Raises ConfigError when `value` is not ISO 8601."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--{name} {value!r}: expected a date or time, e.g. 2024-06-01") from None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)
