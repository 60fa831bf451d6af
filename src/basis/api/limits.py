"""Rate limits (a fixed-window counter per user or client address) and the ended page
sessions, safe across threads.

One app process holds them (the service runs one process; docs/deployment.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final

from basis.errors import RateLimitedError

__all__ = ["EndedSessions", "RateLimiter"]

_SWEEP_EVERY: Final = 1024


class RateLimiter:
    """At most `limit` hits per key per `window` seconds; `clock` is monotonic seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._counts: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._hits = 0

    def hit(self, key: str, what: str) -> None:
        """Count one hit of `key`; raises RateLimitedError (with the wait) past the limit."""
        now = self._clock()
        with self._lock:
            self._hits += 1
            if self._hits % _SWEEP_EVERY == 0:
                self._forget(now)
            started, count = self._counts.get(key, (now, 0))
            if now - started >= self._window:
                started, count = now, 0
            if count >= self._limit:
                wait = self._window - (now - started)
                raise RateLimitedError(
                    f"too many {what}: at most {self._limit} per {self._window:.0f} s; "
                    f"try again in {wait:.0f} s",
                    retry_after=wait,
                )
            self._counts[key] = (started, count + 1)

    def _forget(self, now: float) -> None:
        """Drop windows that have ended, so memory follows the active keys only."""
        ended = [key for key, (started, _) in self._counts.items() if now - started >= self._window]
        for key in ended:
            del self._counts[key]


class EndedSessions:
    """Token ids that must not work again: page sessions ended by logging out and refresh
    tokens already used, remembered until they would expire anyway (a restart forgets
    them: docs/api.md)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._ended: dict[str, float] = {}
        self._lock = threading.Lock()

    def end(self, session: str, expires: float) -> None:
        """Refuse `session` from now until `expires` (epoch seconds)."""
        now = self._clock()
        with self._lock:
            self._ended = {key: at for key, at in self._ended.items() if at > now}
            self._ended[session] = expires

    def __contains__(self, session: object) -> bool:
        with self._lock:
            return isinstance(session, str) and self._ended.get(session, 0.0) > self._clock()
