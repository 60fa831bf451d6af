"""`basis serve`: the API and dashboard on uvicorn, bound to localhost unless told otherwise."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from basis.cli.app import app, err

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
    application = create_app(settings)
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
