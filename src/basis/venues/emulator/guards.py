"""What the emulated venue checks before it acts: API keys, HMAC signatures, timestamps, weight.

Binance signs `HMAC-SHA256(secret, query string + body)` with the `signature` parameter left
out, and refuses a `timestamp` older than `recvWindow` ms or more than 1 s ahead of its own
clock. The emulator checks timestamps against the wall clock (clients sign with theirs),
while everything the market does runs on the accelerated emulator clock.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import parse_qsl

from basis.venues.emulator.accounts import EmulatorRejectedError

__all__ = ["KeyStore", "RateLimiter", "signed_params"]

MAX_AHEAD_MS = 1000
DEFAULT_RECV_WINDOW_MS = 5000
MAX_RECV_WINDOW_MS = 60000


class KeyStore:
    """API key → secret of the accounts the emulator knows; secrets never leave it."""

    def __init__(self) -> None:
        self._secrets: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def register(self, api_key: str, secret: str) -> None:
        if not api_key or not secret:
            raise EmulatorRejectedError(-1102, "api_key and secret must be non-empty")
        with self._lock:
            self._secrets[api_key] = secret.encode()

    def secret(self, api_key: str | None) -> bytes:
        with self._lock:
            found = self._secrets.get(api_key or "")
        if found is None:
            raise EmulatorRejectedError(
                -2015, "Invalid API-key, IP, or permissions for action.", status=401
            )
        return found

    def __repr__(self) -> str:
        return f"KeyStore({len(self._secrets)} keys)"


def signed_params(
    query: str,
    body: str,
    api_key: str | None,
    keys: KeyStore,
    now_ms: int,
) -> dict[str, str]:
    """The parameters of a signed request after checking key, signature and timestamp.

    Raises EmulatorRejectedError: -2015 (unknown key), -1022 (bad or missing signature),
    -1021 (timestamp outside recvWindow), -1131 (recvWindow too large), -1102 (no timestamp).
    """
    secret = keys.secret(api_key)
    payload, signature = _strip_signature(query), None
    for part in (query, body):
        for name, value in parse_qsl(part, keep_blank_values=True):
            if name == "signature":
                signature = value
    total = payload + _strip_signature(body)
    expected = hmac.new(secret, total.encode(), hashlib.sha256).hexdigest()
    if signature is None or not hmac.compare_digest(expected, signature.lower()):
        raise EmulatorRejectedError(-1022, "Signature for this request is not valid.", status=401)
    params = {k: v for k, v in parse_qsl(query + "&" + body) if k != "signature"}
    raw_timestamp = params.get("timestamp")
    if raw_timestamp is None or not raw_timestamp.isdigit():
        raise EmulatorRejectedError(-1102, "Mandatory parameter 'timestamp' was not sent.")
    window = int(params.get("recvWindow", DEFAULT_RECV_WINDOW_MS))
    if window > MAX_RECV_WINDOW_MS:
        raise EmulatorRejectedError(-1131, "recvWindow must be less than 60000")
    stamp = int(raw_timestamp)
    if stamp > now_ms + MAX_AHEAD_MS or now_ms - stamp > window:
        raise EmulatorRejectedError(
            -1021, "Timestamp for this request is outside of the recvWindow."
        )
    return params


def _strip_signature(part: str) -> str:
    kept = [item for item in part.split("&") if item and not item.startswith("signature=")]
    return "&".join(kept)


class RateLimiter:
    """Request weight per rolling minute per client (API key, else address), as Binance's
    `REQUEST_WEIGHT` limit; over it the answer is 429 with `Retry-After` seconds."""

    def __init__(self, weight_per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.limit = weight_per_minute
        self._clock = clock
        self._used: dict[str, deque[tuple[float, int]]] = {}
        self._lock = threading.Lock()

    def take(self, client: str, weight: int) -> int:
        """Count `weight` for `client` and return the weight used in the last minute; raise
        EmulatorRejectedError -1003 (HTTP 429) carrying `retry_after` when over the limit."""
        now = self._clock()
        with self._lock:
            used = self._used.setdefault(client, deque())
            while used and used[0][0] <= now - 60.0:
                used.popleft()
            total = sum(w for _, w in used)
            if total + weight > self.limit:
                retry_after = max(1, math.ceil(used[0][0] + 60.0 - now)) if used else 1
                raise EmulatorRejectedError(
                    -1003,
                    f"Too many requests; current limit is {self.limit} request weight per "
                    "1 MINUTE.",
                    status=429,
                    retry_after=retry_after,
                )
            used.append((now, weight))
            return total + weight
