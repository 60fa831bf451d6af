"""`basis serve`: the API and dashboard on uvicorn, bound to localhost unless told otherwise."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Annotated

import typer

from basis.cli.app import app, err

if TYPE_CHECKING:
    from basis.config.settings import Settings
    from basis.trading.attached import AttachedLive

# uvicorn's sans-I/O WebSocket protocol waits while the socket is paused for writing, so a
# client that stops reading fills its queue in the hub and is dropped.
WS_PROTOCOL = "websockets-sansio"


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to bind; 0.0.0.0 exposes it.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to bind.")] = 8000,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(help="Proxy addresses whose X-Forwarded-* headers are trusted."),
    ] = None,
    live_mode: Annotated[
        str | None,
        typer.Option(help="A live run the API may start and stop (POST /api/v1/live/start)."),
    ] = None,
    live_paper: Annotated[bool, typer.Option(help="That run on paper.")] = False,
    live_venue_url: Annotated[
        list[str] | None, typer.Option(help="VENUE=URL for that run (the emulator).")
    ] = None,
    live_tick: Annotated[float, typer.Option(help="Seconds between its ticks.")] = 60.0,
) -> None:
    """Serve the REST API, the WebSocket and the dashboard (docs/api.md, docs/deployment.md).

    Refuses to start with no user (create one with `basis users add`), and in the prod
    profile without BASIS_SECRET_KEY and BASIS_DB_URL.
    """
    # FastAPI and uvicorn load only here: the rest of the CLI starts fast.
    import uvicorn

    from basis.api.app import create_app
    from basis.api.logs import log_config
    from basis.config import get_settings

    settings = get_settings()
    live = _attached_live(settings, live_mode, live_paper, live_venue_url or [], live_tick)
    application = create_app(settings, live_runner=live)
    live.publish = application.state.context.hub.publish
    if not _loopback(host):
        err.print(
            f"[yellow]warning[/yellow] binding {host}: put a TLS reverse proxy in front "
            "(docs/deployment.md)",
            highlight=False,
        )
    err.print(f"basis ({settings.env}) on http://{host}:{port}", highlight=False)
    uvicorn.run(
        application,
        host=host,
        port=port,
        workers=1,  # jobs and WebSocket clients live in this one process
        ws=WS_PROTOCOL,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        log_config=log_config(),
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _attached_live(
    settings: Settings, mode: str | None, paper: bool, urls: list[str], tick: float
) -> AttachedLive:
    """The live runtime the API shows: the journal in the results store, and the run
    `--live-mode` configures (None: status and the kill switch only)."""
    from basis.data.catalog import Catalog
    from basis.trading.attached import AttachedLive
    from basis.trading.launch import LiveRequest
    from basis.venues.registry import parse_venue_urls

    request = None
    if mode is not None:
        request = LiveRequest(mode, paper=paper, venue_urls=parse_venue_urls(urls), tick=tick)
    return AttachedLive(request, None, settings.configs_path, Catalog(settings.catalog_path))
