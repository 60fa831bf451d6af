"""A token bucket per venue and account: requests spend credits that refill at a steady rate.

Venues publish their limits as a budget over a window (Pacifica: credits per 60 s, cancels
half price; Binance: request weight per minute). A bucket holding `capacity` credits that
refills `capacity / window` per second lets a burst through and then paces requests at the
venue's rate, so a client never needs the venue's 429 to find its limit. `reserve` is pure
given the clock: it takes the credits now (going into debt) and says how long to wait, so
callers are served in the order they asked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["TokenBucket"]


@dataclass
class TokenBucket:
    """`capacity` credits, refilled at `refill_per_second`; starts full."""

    capacity: float
    refill_per_second: float
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        if not (self.capacity > 0 and self.refill_per_second > 0):
            raise ValueError("a token bucket needs capacity > 0 and refill_per_second > 0")
        self.tokens, self.stamp = self.capacity, self.clock()

    @classmethod
    def per_window(
        cls, credits: float, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> TokenBucket:
        """A venue's `credits` per `window_seconds` (e.g. Pacifica's 300 per 60 s)."""
        return cls(credits, credits / window_seconds, clock)

    def _refill(self) -> None:
        now = self.clock()
        elapsed = max(now - self.stamp, 0.0)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.refill_per_second)
        self.stamp = now

    def reserve(self, cost: float) -> float:
        """Take `cost` credits now; return the seconds to wait before sending (0 when the
        bucket had them). A cost above the capacity waits as if it were the capacity."""
        self._refill()
        self.tokens -= min(cost, self.capacity)
        return 0.0 if self.tokens >= 0.0 else -self.tokens / self.refill_per_second

    async def acquire(
        self, cost: float, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> float:
        """Wait until `cost` credits are ours; return how long that took (seconds)."""
        wait = self.reserve(cost)
        if wait > 0.0:
            await sleep(wait)
        return wait
