"""`basis venue serve`: the local venue emulator on 127.0.0.1 (docs/live.md, "Emulator")."""

from __future__ import annotations

from typing import Annotated

import typer

from basis.cli.app import CatalogOption, app, err, open_catalog, utc_date
from basis.config import get_settings
from basis.config.loader import build
from basis.errors import MissingSecretError
from basis.venues.credentials import credentials_from_env

venue_app = typer.Typer(help="Run the local venue emulator.", no_args_is_help=True)
app.add_typer(venue_app, name="venue")


_DEFAULT_BALANCE = {"pacifica": "futures:USDT=1000000"}  # all of it is perp margin


@venue_app.command("serve")
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.", min=1, max=65535)] = 8300,
    data: Annotated[
        str, typer.Option(help="Dataset to replay: real or scenario:NAME.")
    ] = "scenario:default",
    speed: Annotated[float, typer.Option(help="Emulator seconds per wall second.")] = 1.0,
    balance: Annotated[
        list[str] | None,
        typer.Option(
            help="Opening balance of every account, [spot:|futures:]ASSET=AMOUNT; repeatable. "
            "Unprefixed USDT is split evenly between the spot and USDⓈ-M wallets."
        ),
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="Emulator start (ISO UTC); default: the data's first hour.")
    ] = None,
    weight_per_minute: Annotated[
        int, typer.Option(help="Request weight per minute before 429.", min=1)
    ] = 2400,
    dialect: Annotated[
        str,
        typer.Option(
            help="binance: Binance's spot and USDⓈ-M REST; pacifica: Pacifica's REST under "
            "/api/v1 and its WebSocket at /ws, with Pacifica's signatures (docs/pacifica.md)."
        ),
    ] = "binance",
    catalog: CatalogOption = None,
) -> None:
    """Serve a venue's API on 127.0.0.1, replaying catalog data.

    BASIS_<VENUE>_API_KEY / BASIS_<VENUE>_SECRET, when set, are registered as an account
    (Pacifica: the account's public key and the keypair that signs for it).
    """
    from basis.venues.emulator.server import EmulatorConfig, serve  # uvicorn: load on use

    options = {
        "dataset": data,
        "speed": speed,
        "start": utc_date(start, "start"),
        "balances": tuple(balance or (_DEFAULT_BALANCE.get(dialect, "USDT=1000000"),)),
        "dialect": dialect,
        "weight_per_minute": weight_per_minute,
        "port": port,
    }
    config = build(EmulatorConfig, options, "basis venue serve")
    try:
        found = credentials_from_env(config.dialect)
        pairs = [(found.api_key, found.secret)]
    except MissingSecretError:
        pairs = []
    settings = get_settings()
    serve(config, open_catalog(catalog), settings.configs_path, pairs, announce=err.print)
