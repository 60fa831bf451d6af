"""Faults injected on request: each applies to the next N venue requests that match it."""

from __future__ import annotations

import threading
from typing import Literal

from pydantic import Field

from basis.config.base import FrozenModel

__all__ = ["FaultPlan", "FaultSpec"]

FaultKind = Literal["delay", "error", "rate_limit", "accept_then_timeout", "drop"]


class FaultSpec(FrozenModel):
    """One fault: what happens, to which requests, how many times.

    * `delay`: wait `seconds`, then answer normally;
    * `error`: answer HTTP `status` (5xx) with the venue's internal-error JSON, do nothing;
    * `rate_limit`: answer 429 with `Retry-After: retry_after`, do nothing;
    * `accept_then_timeout`: do the request (an order is booked), then hold the answer for
      `seconds` so the client times out first;
    * `drop`: close the connection without an answer and without doing the request.

    `method` and `path` (a prefix such as `/fapi/v1/order`) narrow the requests it hits;
    None matches every venue request (never the `/_emulator` endpoints).
    """

    kind: FaultKind
    count: int = Field(default=1, ge=1, le=1_000_000)
    method: Literal["GET", "POST", "DELETE", "PUT"] | None = None
    path: str | None = None
    seconds: float = Field(default=30.0, ge=0.0, le=3600.0)
    status: int = Field(default=503, ge=500, le=599)
    retry_after: int = Field(default=1, ge=0, le=3600)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or path.startswith(self.path)
        )


class FaultPlan:
    """The faults still to apply, first added first served; thread-safe."""

    def __init__(self) -> None:
        self._pending: list[tuple[FaultSpec, int]] = []
        self._lock = threading.Lock()

    def add(self, spec: FaultSpec) -> None:
        with self._lock:
            self._pending.append((spec, spec.count))

    def take(self, method: str, path: str) -> FaultSpec | None:
        """The first pending fault matching this request, with one use consumed."""
        with self._lock:
            for index, (spec, left) in enumerate(self._pending):
                if spec.matches(method, path):
                    if left == 1:
                        del self._pending[index]
                    else:
                        self._pending[index] = (spec, left - 1)
                    return spec
        return None

    def pending(self) -> list[dict[str, object]]:
        with self._lock:
            return [{**spec.model_dump(), "remaining": left} for spec, left in self._pending]

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
