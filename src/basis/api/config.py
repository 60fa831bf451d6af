"""The service's limits and lifetimes: one frozen model, defaults a desk can run with."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ServiceConfig(BaseModel):
    """Token lifetimes, login back-off, rate and size limits, job workers, WebSocket queues."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    access_minutes: float = Field(15.0, gt=0, description="lifetime of an access token")
    refresh_hours: float = Field(24.0, gt=0, description="lifetime of a refresh token")
    session_hours: float = Field(12.0, gt=0, description="lifetime of a page session cookie")
    cookie_secure: bool = Field(False, description="Secure cookies (set behind TLS; prod)")
    lock_after: int = Field(3, ge=1, description="failed logins before the back-off starts")
    lock_base_seconds: float = Field(2.0, gt=0, description="first back-off; doubles each time")
    lock_max_seconds: float = Field(900.0, gt=0, description="longest back-off")
    login_per_minute: int = Field(20, ge=1, description="login attempts per client address")
    requests_per_minute: int = Field(1200, ge=1, description="requests per signed-in user")
    max_body_bytes: int = Field(1_000_000, ge=1024, description="largest request body")
    job_workers: int = Field(2, ge=1, description="backtests that run at once")
    dask_scheduler: str | None = Field(None, description="stress jobs' cluster; None: local")
    dask_workers: int | None = Field(None, ge=1, description="local cluster size; None: CPUs")
    ws_queue: int = Field(256, ge=1, description="messages a WebSocket client may lag behind")
    min_password_length: int = Field(12, ge=8, description="shortest password accepted")
