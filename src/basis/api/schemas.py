"""Request and response models of the API: separate create, update and public shapes, so no
password, hash or token secret can leave in a response by accident."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from basis.data.catalog import scenario_dataset

Role = Literal["admin", "trader", "viewer"]
Scalar = str | int | float | bool | None


CAPITAL_DESCRIPTION = (
    "initial capital in the mode's share class, not USD: USDT for the USDT modes, ETH for "
    "eth_staking_only, eth_leveraged and pure_lending_eth"
)


class RequestBody(BaseModel):
    """A request body: unknown fields are refused, naming them."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PublicBody(BaseModel):
    """A response body."""

    model_config = ConfigDict(frozen=True)


# -- errors ---------------------------------------------------------------------------------


class FieldProblem(PublicBody):
    field: str
    message: str


class ErrorDetail(PublicBody):
    code: str = Field(description="stable code, the same as the CLI's (docs/errors.md)")
    message: str
    field: str | None = Field(None, description="the input at fault, when there is one")
    request_id: str = Field(description="quote it when reporting a 500")
    details: list[FieldProblem] | None = None


class ErrorBody(PublicBody):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in {
        401: "not signed in",
        403: "role or CSRF refused",
        404: "not found",
        422: "invalid input",
        429: "rate limited",
    }.items()
}


# -- auth -----------------------------------------------------------------------------------


class Login(RequestBody):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class Refresh(RequestBody):
    refresh_token: str = Field(min_length=1, max_length=4096)


class TokenPair(PublicBody):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds the access token is valid")


class Me(PublicBody):
    name: str
    role: Role


# -- modes, configs and data ----------------------------------------------------------------


class ModeSummary(PublicBody):
    name: str
    description: str


class ModeConfig(PublicBody):
    name: str
    config: dict[str, Any] = Field(description="defaults ← configs/modes/<name>.yaml ← set")


class Validate(RequestBody):
    mode: str = Field(min_length=1, max_length=64)
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set")
    capital: float | None = Field(None, gt=0, description=CAPITAL_DESCRIPTION)


class ConfigProblemOut(PublicBody):
    file: str
    field: str
    value: Any = None
    expected: str


class SeriesOut(PublicBody):
    dataset: str
    series: str
    kind: str
    source: str
    interval: str
    quote: str | None
    rows: int
    start: str | None
    end: str | None


class FindingOut(PublicBody):
    dataset: str
    source: str
    series: str
    kind: str
    severity: Literal["error", "warning", "info"]
    count: int
    detail: str


# -- backtests and jobs ---------------------------------------------------------------------


class BacktestCreate(RequestBody):
    """What `basis backtest` takes: --mode, --data, --start, --end, --capital, --set k=v."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    mode: str = Field(min_length=1, max_length=64)
    data: str = Field(scenario_dataset("default"), min_length=1, max_length=200)
    start: dt.datetime | dt.date | None = None
    end: dt.datetime | dt.date | None = None
    capital: float | None = Field(None, gt=0, allow_inf_nan=False, description=CAPITAL_DESCRIPTION)
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set")


class JobAccepted(PublicBody):
    job_id: str


class JobError(PublicBody):
    code: str
    message: str


class JobOut(PublicBody):
    job_id: str
    kind: str
    owner: str
    description: str
    created_at: str
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float = Field(ge=0, le=1)
    run_id: str | None
    error: JobError | None
    result: dict[str, Any] | None = Field(
        None, description="a stress job's summary (as `basis stress --json`)"
    )


class SweepCreate(RequestBody):
    """What `basis sweep` takes, with the grid file's content as `grid`."""

    mode: str = Field(min_length=1, max_length=64)
    grid: dict[str, Any] = Field(
        description='{"parameters": {key: [values]}, "scenarios": [names]?} as in a grid file'
    )
    data: str | None = Field(None, min_length=1, max_length=200)
    start: dt.datetime | dt.date | None = None
    end: dt.datetime | dt.date | None = None
    capital: float | None = Field(None, gt=0, allow_inf_nan=False, description=CAPITAL_DESCRIPTION)
    name: str | None = Field(None, min_length=1, max_length=100)


class StudyCreate(RequestBody):
    """What `basis optimize` takes, with the space file's content as `space`."""

    mode: str = Field(min_length=1, max_length=64)
    space: dict[str, Any] = Field(
        description='{"parameters": {key: {"low", "high", "step"?, "log"?} | {"choices"}}}'
    )
    objective: str = Field("apy", min_length=1, max_length=64)
    direction: Literal["maximize", "minimize"] = "maximize"
    trials: int = Field(20, ge=1, le=10_000)
    constraints: list[str] = Field(default_factory=list, max_length=20)
    data: str = Field(scenario_dataset("default"), min_length=1, max_length=200)
    start: dt.datetime | dt.date | None = None
    end: dt.datetime | dt.date | None = None
    capital: float | None = Field(None, gt=0, allow_inf_nan=False, description=CAPITAL_DESCRIPTION)
    seed: int = Field(0, ge=0)
    name: str | None = Field(None, min_length=1, max_length=100)


class StressCreate(RequestBody):
    """What `basis stress` takes: --mode, --scenario, --paths, --seed, --years, --set."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    mode: str = Field(min_length=1, max_length=64)
    scenario: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    paths: int = Field(ge=1, le=10_000)
    seed: int | None = Field(None, ge=0)
    years: float | None = Field(None, gt=0, le=50, allow_inf_nan=False)
    capital: float | None = Field(None, gt=0, allow_inf_nan=False, description=CAPITAL_DESCRIPTION)
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set")


# -- results --------------------------------------------------------------------------------


class RunRowOut(PublicBody):
    run_id: str
    mode: str
    dataset: str
    start: dt.datetime
    end: dt.datetime
    created_at: dt.datetime
    apr: float | None
    apy: float | None
    max_drawdown: float | None
    min_health_factor: float | None
    final_equity: float | None
    share_class: str


class RunPage(PublicBody):
    runs: list[RunRowOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page; null on the last")


class RunOut(PublicBody):
    """Exactly the object `basis backtest --json` prints (and `basis results show --json`)."""

    mode: str
    share_class: str
    dataset: str
    fallback: dict[str, Any] | None = Field(
        description="null, or {requested, used, reason} when the run fell back (--fallback)"
    )
    allocation: dict[str, float] | None = Field(
        description="hedge weights per venue the run used; null where the mode has none"
    )
    start: str
    end: str
    initial_equity: float | None
    final_equity: float | None
    net_flows: float | None
    metrics: dict[str, float | None]
    attribution: dict[str, float | None]
    risk: dict[str, Any]
    warnings: list[str]
    run_id: str


class RunSeries(PublicBody):
    run_id: str
    times: list[str] = Field(description="ISO-8601 UTC instants, one per (sampled) hour")
    series: dict[str, list[float | None]]


# -- users and tokens -----------------------------------------------------------------------


class UserCreate(RequestBody):
    name: str = Field(min_length=2, max_length=64)
    role: Role
    password: str = Field(min_length=1, max_length=1024)


class UserUpdate(RequestBody):
    role: Role | None = None
    password: str | None = Field(None, min_length=1, max_length=1024)
    disabled: bool | None = None


class UserPublic(PublicBody):
    name: str
    role: Role
    created_at: dt.datetime
    disabled: bool


class TokenCreate(RequestBody):
    label: str = Field(min_length=1, max_length=100)
    expires_days: float | None = Field(None, gt=0, le=3650)


class TokenPublic(PublicBody):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    token_id: str
    user: str = Field(validation_alias=AliasChoices("user", "user_name"))
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreated(TokenPublic):
    token: str = Field(description="the token itself: shown once, stored only as a hash")


# -- live -----------------------------------------------------------------------------------


class LiveStatus(PublicBody):
    running: bool
    detail: str
    state: dict[str, Any] | None = Field(None, description="the runner's own status document")
