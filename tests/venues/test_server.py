"""The emulator over HTTP (httpx on 127.0.0.1): Binance's error JSON, faults, inspection."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

import httpx
import pytest

from basis.venues.emulator.accounts import account_name

from .fixtures import StartEmulator
from .stubs import KEY, SECRET


def signed(params: dict[str, object], secret: str = SECRET) -> str:
    query = urlencode({**params, "timestamp": int(time.time() * 1000)})
    signature = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={signature}"


def order(client: httpx.Client, client_id: str, timeout: float = 5.0) -> httpx.Response:
    body = signed(
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "MARKET",
            "quantity": "0.01",
            "newClientOrderId": client_id,
        }
    )
    return client.post(
        "/fapi/v1/order",
        content=body,
        headers={"X-MBX-APIKEY": KEY, "Content-Type": "application/x-www-form-urlencoded"},
        timeout=timeout,
    )


def fault(client: httpx.Client, **spec: object) -> None:
    client.post("/_emulator/faults", json=spec).raise_for_status()


def test_order_over_http_appears_in_inspection_with_accounts(
    start_emulator: StartEmulator,
) -> None:
    running = start_emulator()
    with httpx.Client(base_url=running.url) as client:
        assert order(client, "h-1").json()["status"] == "FILLED"
        [listed] = client.get("/_emulator/orders").json()
        [fill] = client.get("/_emulator/fills").json()
    assert {k: listed[k] for k in ("client_order_id", "account", "symbol", "side", "status")} == {
        "client_order_id": "h-1",
        "account": account_name(KEY),
        "symbol": "BTCUSDT",
        "side": "sell",
        "status": "closed",
    }
    assert listed["amount"] == 0.01 and listed["fills"][0]["trade_id"] == fill["trade_id"]
    assert (fill["maker_account"], fill["taker_account"]) == ("venue", account_name(KEY))


def test_wrong_signature_gets_binance_error_json(start_emulator: StartEmulator) -> None:
    running = start_emulator()
    with httpx.Client(base_url=running.url) as client:
        answer = client.get(
            "/fapi/v3/account?" + signed({}, secret="not-the-secret"),
            headers={"X-MBX-APIKEY": KEY},
        )
        orders = client.get("/_emulator/orders").json()
    assert answer.status_code == 401
    assert answer.json() == {"code": -1022, "msg": "Signature for this request is not valid."}
    assert orders == []


def test_over_weight_limit_answers_429_with_retry_after(start_emulator: StartEmulator) -> None:
    running = start_emulator(weight_per_minute=3)
    with httpx.Client(base_url=running.url) as client:
        answers = [client.get("/fapi/v1/time") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].json()["code"] == -1003
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60


def test_error_fault_answers_5xx_for_next_n_matching_requests(
    start_emulator: StartEmulator,
) -> None:
    running = start_emulator()
    with httpx.Client(base_url=running.url) as client:
        fault(client, kind="error", count=2, path="/fapi/v1/order", status=503)
        codes = [order(client, f"e-{i}").status_code for i in range(3)]
        listed = [o["client_order_id"] for o in client.get("/_emulator/orders").json()]
    assert codes == [503, 503, 200]
    assert listed == ["e-2"]  # the failed requests did nothing


def test_rate_limit_fault_answers_429_with_its_retry_after(start_emulator: StartEmulator) -> None:
    running = start_emulator()
    with httpx.Client(base_url=running.url) as client:
        fault(client, kind="rate_limit", retry_after=7)
        answer = client.get("/fapi/v1/time")
        after = client.get("/fapi/v1/time")
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "7")
    assert after.status_code == 200


def test_delay_fault_outlasting_client_timeout_times_out_without_booking(
    start_emulator: StartEmulator,
) -> None:
    running = start_emulator()
    with httpx.Client(base_url=running.url) as client:
        fault(client, kind="delay", seconds=1.0, path="/fapi/v1/time")
        with pytest.raises(httpx.ReadTimeout):
            client.get("/fapi/v1/time", timeout=0.2)


def test_accept_then_timeout_books_the_order_but_the_answer_never_arrives(
    start_emulator: StartEmulator,
) -> None:
    running = start_emulator()
    with httpx.Client(base_url=running.url) as client:
        fault(client, kind="accept_then_timeout", seconds=2.0, path="/fapi/v1/order")
        with pytest.raises(httpx.ReadTimeout):
            order(client, "t-1", timeout=0.3)
        listed = client.get("/_emulator/orders").json()
    assert [(o["client_order_id"], o["status"]) for o in listed] == [("t-1", "closed")]


def test_drop_fault_closes_the_connection_without_doing_the_request(
    start_emulator: StartEmulator,
) -> None:
    running = start_emulator()
    with httpx.Client(base_url=running.url) as client:
        fault(client, kind="drop", path="/fapi/v1/order")
        with pytest.raises(httpx.TransportError):
            order(client, "d-1")
        listed = client.get("/_emulator/orders").json()
        assert client.get("/_emulator/faults").json() == {"pending": []}
    assert listed == []


def test_clock_endpoint_moves_with_the_wall_at_speed(start_emulator: StartEmulator) -> None:
    from .stubs import ManualWall

    wall = ManualWall()
    running = start_emulator(wall=wall, speed=3600.0)
    with httpx.Client(base_url=running.url) as client:
        before = client.get("/_emulator/clock").json()
        wall.advance(2.0)
        after = client.get("/_emulator/clock").json()
    assert before["now"] == "2024-01-01T00:00:00+00:00"
    assert after["now_ms"] - before["now_ms"] == 2 * 3_600_000


def test_account_registered_with_its_own_balances(start_emulator: StartEmulator) -> None:
    running = start_emulator()
    with httpx.Client(base_url=running.url) as client:
        body = {"api_key": "k2", "secret": "s2", "balances": ["spot:USDT=10", "futures:USDT=5"]}
        opened = client.post("/_emulator/accounts", json=body).json()
        refused = client.post("/_emulator/accounts", json={**body, "balances": ["USDT"]})
        accounts = {a["account"]: a for a in client.get("/_emulator/accounts").json()}
    assert opened == {"account": account_name("k2")}
    assert accounts[account_name("k2")]["spot"]["USDT"]["free"] == 10.0
    assert accounts[account_name("k2")]["futures_wallet"] == 5.0
    assert refused.status_code == 400 and "--balance" in refused.json()["error"]


def test_cross_between_accounts_is_one_fill_with_both_accounts(
    start_emulator: StartEmulator,
) -> None:
    running = start_emulator()
    with httpx.Client(base_url=running.url) as client:
        client.post("/_emulator/accounts", json={"api_key": "k2", "secret": "s2"})
        mark = float(client.get("/fapi/v1/premiumIndex?symbol=BTCUSDT").json()["markPrice"])
        price = f"{round(mark, 1):.1f}"  # between the book's sell and buy prices (±3 bp)
        resting = signed(
            {
                "symbol": "BTCUSDT",
                "side": "BUY",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "quantity": "0.01",
                "price": price,
                "newClientOrderId": "maker-1",
            },
            secret="s2",
        )
        headers = {"X-MBX-APIKEY": "k2", "Content-Type": "application/x-www-form-urlencoded"}
        client.post("/fapi/v1/order", content=resting, headers=headers).raise_for_status()
        assert order(client, "taker-1").json()["status"] == "FILLED"  # sells 0.01
        [fill] = client.get("/_emulator/fills").json()
        [maker, taker] = client.get("/_emulator/orders").json()
    assert (maker["status"], taker["status"]) == ("closed", "closed")
    assert (fill["maker_account"], fill["taker_account"]) == (account_name("k2"), account_name(KEY))
    assert (fill["client_order_id"], fill["price"]) == ("taker-1", float(price))
