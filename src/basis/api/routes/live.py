"""`/api/v1/live`: the live runner's state and controls; "no live runner" until it exists.

The live runtime (issue 10) plugs in through `Context.live`; these routes keep their paths
and roles: anyone signed in reads, trader and admin start, stop and kill.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from basis.api.auth import Principal
from basis.api.deps import Context, Ctx, require
from basis.api.schemas import ERRORS, LiveStatus
from basis.errors import ConflictError

router = APIRouter(prefix="/live", tags=["live"], responses=ERRORS)
Trader = Annotated[Principal, Depends(require("trader"))]
NO_RUNNER = "no live runner: this server runs backtests only"


def _runner(context: Context) -> None:
    if context.live is None:
        raise ConflictError(NO_RUNNER)


@router.get("/status", summary="Is a live runner attached, and what is it doing")
def status(context: Ctx) -> LiveStatus:
    if context.live is None:
        return LiveStatus(running=False, detail=NO_RUNNER)
    return LiveStatus(running=True, detail="live runner attached")


@router.post("/start", summary="Start the live runner (trader, admin)")
def start(caller: Trader, context: Ctx) -> LiveStatus:
    _runner(context)
    return status(context)


@router.post("/stop", summary="Stop the live runner gracefully (trader, admin)")
def stop(caller: Trader, context: Ctx) -> LiveStatus:
    _runner(context)
    return status(context)


@router.post("/kill", summary="Kill switch: cancel all, block new orders (trader, admin)")
def kill(caller: Trader, context: Ctx) -> LiveStatus:
    _runner(context)
    return status(context)
