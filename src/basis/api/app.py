"""`create_app(settings)`: the FastAPI app with its store, jobs, hub, limits, routes and pages.

No singletons: everything the app shares lives in one `Context` built here, so a test
builds as many apps as it likes, each on its own data folder and database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from basis.api import errors, formats, pages
from basis.api.config import ServiceConfig
from basis.api.deps import Context, LiveRunner, principal
from basis.api.hub import Hub
from basis.api.jobs import JobManager
from basis.api.keys import signing_key
from basis.api.limits import EndedSessions, RateLimiter
from basis.api.notify import Notifier
from basis.api.routes import auth, catalog, jobs, live, results, users, ws
from basis.api.services import database_url
from basis.config.settings import Settings, get_settings
from basis.errors import UserError
from basis.store.users import UserStore

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX: Final = "/api/v1"
PACKAGE: Final = Path(__file__).resolve().parent
NO_USER: Final = (
    "no user can sign in; create one first: `basis users add NAME --role admin` "
    "(it asks for the password, or reads it from stdin)"
)
SECURITY_HEADERS: Final = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
        b"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
]


def create_app(
    settings: Settings | None = None,
    config: ServiceConfig | None = None,
    *,
    live_runner: LiveRunner | None = None,
) -> FastAPI:
    """The service over `settings` (default: the environment's).

    Raises UserError when no user can sign in (there is no default user), and ConfigError
    when the signing key or the database cannot be had.
    """
    settings = settings if settings is not None else get_settings()
    config = config if config is not None else ServiceConfig(cookie_secure=settings.env == "prod")
    key = signing_key(settings)
    store = UserStore(database_url(settings))
    if store.count_users() == 0:
        store.close()
        raise UserError(NO_USER)
    hub = Hub(config.ws_queue)
    templates = Jinja2Templates(directory=PACKAGE / "templates")
    formats.install(templates)
    context = Context(
        settings=settings,
        config=config,
        key=key,
        store=store,
        jobs=JobManager(config.job_workers, hub.publish),
        hub=hub,
        templates=templates,
        login_limit=RateLimiter(config.login_per_minute, 60.0),
        user_limit=RateLimiter(config.requests_per_minute, 60.0),
        ended=EndedSessions(),
        live=live_runner,
    )

    notifier = _notifier(settings)
    if notifier is not None:
        hub.listen(notifier.on_event)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub.bind(asyncio.get_running_loop())
        try:
            yield
        finally:
            context.jobs.shutdown()
            if notifier is not None:
                notifier.close()
            store.close()

    app = FastAPI(
        title="basis",
        summary="Backtests, results and the live book of market-neutral crypto yield.",
        version="1",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI loads from a CDN; the service works offline
        redoc_url=None,
    )
    app.state.context = context
    errors.install(app)
    app.include_router(_api())
    app.include_router(pages.public)
    app.include_router(pages.router, dependencies=[Depends(principal)])
    app.add_api_route("/health", health, methods=["GET"], tags=["service"], summary="Liveness")
    app.add_api_route("/static/plotly.min.js", plotly_js, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")
    app.add_middleware(errors.BodyLimit, limit=config.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(errors.RequestId)
    return app


def _notifier(settings: Settings) -> Notifier | None:
    """The notifier of `BASIS_NOTIFY_URLS`, or None when no URL is set."""
    if settings.notify_urls is None:
        return None
    urls = settings.notify_urls.get_secret_value().replace(",", " ").split()
    return Notifier(urls) if urls else None


def _api() -> APIRouter:
    """Every `/api/v1` route: login and refresh open, all others behind `principal`."""
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(auth.router)
    guarded = APIRouter(dependencies=[Depends(principal)])
    for module in (catalog, jobs, results, users, live):
        guarded.include_router(module.router)
    api.include_router(guarded)
    api.include_router(ws.router)  # authenticates on the socket itself
    return api


def health() -> dict[str, str]:
    """Liveness for load balancers: no auth, no secrets, no database."""
    return {"status": "ok"}


def plotly_js() -> FileResponse:
    """plotly.js as shipped in the installed plotly package (the report inlines the same)."""
    import plotly

    path = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    return FileResponse(
        path, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
    )


class SecurityHeaders:
    """Headers that keep pages out of frames and scripts from other origins."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
