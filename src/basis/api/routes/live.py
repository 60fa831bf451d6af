"""`/api/v1/live`: the live runner's state and controls; "no live runner" until it exists.

The live runtime (issue 10) plugs in through `Context.live`; these routes keep their paths
and roles: anyone signed in reads, trader and admin start, stop and kill.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from basis.api import auth
from basis.api.auth import Principal
from basis.api.deps import Context, Ctx, LiveRunner, require
from basis.api.schemas import ERRORS, LiveStatus
from basis.errors import ConflictError

router = APIRouter(prefix="/live", tags=["live"], responses=ERRORS)
Trader = Annotated[Principal, Depends(require("trader"))]
NO_RUNNER = "no live runner: this server runs backtests only"


def _runner(context: Context) -> LiveRunner:
    if context.live is None:
        raise ConflictError(NO_RUNNER)
    return context.live


@router.get("/status", summary="Is a live runner attached, and what is it doing")
def status(context: Ctx) -> LiveStatus:
    if context.live is None:
        return LiveStatus(running=False, detail=NO_RUNNER)
    return LiveStatus(
        running=True, detail="live runner attached", state=dict(context.live.status())
    )


@router.get("/positions", summary="Positions per account and venue")
def positions(context: Ctx) -> list[dict[str, Any]]:
    return [dict(row) for row in _runner(context).positions()]


@router.get("/orders", summary="Open orders from the order journal")
def orders(context: Ctx) -> list[dict[str, Any]]:
    return [dict(row) for row in _runner(context).orders()]


@router.get("/risk", summary="Risk state, health factors, margin ratios, limits")
def risk(context: Ctx) -> dict[str, Any]:
    return dict(_runner(context).risk())


@router.post("/start", summary="Start the live runner (trader, admin)")
def start(caller: Trader, context: Ctx) -> LiveStatus:
    _runner(context).start(caller.name)
    auth.trail(context.store, f"api:{caller.name}", "live.start", "live")
    return status(context)


@router.post("/stop", summary="Stop the live runner gracefully (trader, admin)")
def stop(caller: Trader, context: Ctx) -> LiveStatus:
    _runner(context).stop(caller.name)
    auth.trail(context.store, f"api:{caller.name}", "live.stop", "live")
    return status(context)


@router.post("/kill", summary="Kill switch: cancel all, block new orders (trader, admin)")
def kill(caller: Trader, context: Ctx) -> LiveStatus:
    _runner(context).kill(caller.name)
    context.hub.publish(
        "alert",
        {
            "kind": "kill_switch",
            "subject": "",
            "severity": "failure",
            "message": f"kill switch pressed by {caller.name}",
        },
    )
    return status(context)
