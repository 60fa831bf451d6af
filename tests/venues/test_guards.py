"""Keys, HMAC signatures, timestamps and request weight, as Binance checks them."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from basis.venues.emulator.accounts import EmulatorRejectedError
from basis.venues.emulator.guards import KeyStore, RateLimiter, signed_params

NOW = 1_700_000_000_000


def keys() -> KeyStore:
    store = KeyStore()
    store.register("key", "secret")
    return store


def sign(payload: str, secret: str = "secret") -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def test_signed_params_valid_signature_returns_params() -> None:
    query = f"symbol=BTCUSDT&timestamp={NOW}&recvWindow=5000"
    params = signed_params(f"{query}&signature={sign(query)}", "", "key", keys(), NOW)
    assert params == {"symbol": "BTCUSDT", "timestamp": str(NOW), "recvWindow": "5000"}


def test_signed_params_signature_in_body_covers_query_and_body() -> None:
    query, body = "symbol=BTCUSDT", f"side=BUY&timestamp={NOW}"
    signed = f"{body}&signature={sign(query + body)}"
    assert signed_params(query, signed, "key", keys(), NOW)["side"] == "BUY"


@pytest.mark.parametrize(
    ("query", "key", "code"),
    [
        (f"timestamp={NOW}&signature={sign(f'timestamp={NOW}', 'other')}", "key", -1022),
        (f"timestamp={NOW}", "key", -1022),  # no signature at all
        (f"timestamp={NOW}&signature={sign(f'timestamp={NOW}')}", "unknown", -2015),
        (f"timestamp={NOW - 6000}&signature={sign(f'timestamp={NOW - 6000}')}", "key", -1021),
        (f"timestamp={NOW + 1500}&signature={sign(f'timestamp={NOW + 1500}')}", "key", -1021),
    ],
)
def test_signed_params_bad_request_is_refused_with_binance_code(
    query: str, key: str, code: int
) -> None:
    with pytest.raises(EmulatorRejectedError) as refused:
        signed_params(query, "", key, keys(), NOW)
    assert refused.value.venue_code == code
    assert "secret" not in refused.value.message


def test_key_store_repr_shows_no_secret() -> None:
    assert "secret" not in repr(keys())


def test_rate_limiter_over_weight_gives_429_with_retry_after_by_hand() -> None:
    moments = iter([0.0, 10.0, 20.0, 25.0, 61.0])
    limiter = RateLimiter(10, clock=lambda: next(moments))
    assert limiter.take("a", 4) == 4  # t = 0
    assert limiter.take("a", 4) == 8  # t = 10
    with pytest.raises(EmulatorRejectedError) as limited:
        limiter.take("a", 4)  # t = 20: 8 + 4 > 10
    # the weight taken at t = 0 leaves the window at t = 60: retry after 60 − 20 = 40 s
    assert (limited.value.status, limited.value.retry_after) == (429, 40)
    assert limiter.take("b", 10) == 10  # t = 25: another client has its own budget
    assert limiter.take("a", 4) == 8  # t = 61: the first 4 left the window
