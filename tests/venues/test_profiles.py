"""Per-venue quirks: market names, test environments, URL overrides and credentials."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from basis.errors import ConfigError, InstrumentError, MissingSecretError
from basis.venues.ccxt_venue import CcxtVenue, CcxtVenueConfig
from basis.venues.credentials import Credentials, credentials_from_env
from basis.venues.registry import PROFILES, open_venue, parse_venue_urls


def adapter(venue: str, **config: Any) -> CcxtVenue:
    return CcxtVenue(CcxtVenueConfig(venue=venue, **config), PROFILES[venue], None)


def closed(venue: CcxtVenue) -> CcxtVenue:
    asyncio.run(venue.close())
    return venue


@pytest.mark.parametrize(
    ("venue", "market", "symbol"),
    [
        ("binance", "binance:perp:BTCUSDT", "BTC/USDT:USDT"),
        ("binance", "binance:spot:ETH", "ETH/USDT"),
        ("okx", "okx:perp:ETHUSDT", "ETH/USDT:USDT"),
        ("hyperliquid", "hyperliquid:perp:BTCUSDC", "BTC/USDC:USDC"),
    ],
)
def test_symbol_maps_book_market_to_ccxt_and_back(venue: str, market: str, symbol: str) -> None:
    chosen = closed(adapter(venue))
    assert chosen.symbol(market) == symbol
    assert chosen.market_name(symbol) == market


@given(st.from_regex(r"[A-Z][A-Z0-9]{1,9}", fullmatch=True), st.booleans())
def test_market_name_inverts_symbol_for_any_base(base: str, perp: bool) -> None:
    venue = BINANCE_ADAPTER
    market = f"binance:perp:{base}USDT" if perp else f"binance:spot:{base}"
    assert venue.market_name(venue.symbol(market)) == market


BINANCE_ADAPTER = closed(adapter("binance"))


@pytest.mark.parametrize(
    "market", ["bybit:perp:BTCUSDT", "binance:perp:BTCUSDC", "binance:future:BTC", "binance:spot:"]
)
def test_symbol_of_a_market_the_venue_lacks_raises_instrument_error(market: str) -> None:
    with pytest.raises(InstrumentError):
        BINANCE_ADAPTER.symbol(market)


def test_testnet_maps_each_venue_to_its_test_environment() -> None:
    binance = closed(adapter("binance", testnet=True)).exchange
    bybit = closed(adapter("bybit", testnet=True)).exchange
    okx = closed(adapter("okx", testnet=True)).exchange
    hyperliquid = closed(adapter("hyperliquid", testnet=True)).exchange
    assert binance.urls["api"]["fapiPrivate"] == "https://demo-fapi.binance.com/fapi/v1"
    assert binance.urls["api"]["private"] == "https://demo-api.binance.com/api/v3"
    assert bybit.urls["api"]["private"] == "https://api-testnet.{hostname}"  # bybit.com
    assert okx.headers["x-simulated-trading"] == "1"
    assert hyperliquid.urls["api"]["private"] == "https://api.hyperliquid-testnet.xyz"


def test_venue_url_points_every_rest_url_at_it_keeping_paths() -> None:
    exchange = closed(adapter("binance", url="http://127.0.0.1:8300")).exchange
    urls = exchange.urls["api"]
    assert urls["fapiPrivateV3"] == "http://127.0.0.1:8300/fapi/v3"
    assert urls["sapi"] == "http://127.0.0.1:8300/sapi/v1"
    assert all(str(u).startswith("http://127.0.0.1:8300/") for u in urls.values())


def test_parse_venue_urls_reads_items_and_refuses_bad_ones() -> None:
    assert parse_venue_urls(["binance=http://127.0.0.1:1"]) == {"binance": "http://127.0.0.1:1"}
    for bad in ["binance", "binance=ftp://x", "kraken=http://127.0.0.1:1"]:
        with pytest.raises(ConfigError):
            parse_venue_urls([bad])


def test_credentials_from_env_reads_the_pair_and_names_missing_variables() -> None:
    env = {"BASIS_OKX_API_KEY": "k", "BASIS_OKX_SECRET": "s", "BASIS_OKX_PASSPHRASE": "p"}
    assert credentials_from_env("okx", env) == Credentials("k", "s", "p")
    with pytest.raises(MissingSecretError, match="BASIS_BYBIT_SECRET") as missing:
        credentials_from_env("bybit", {"BASIS_BYBIT_API_KEY": "visible-key"})
    assert "visible-key" not in str(missing.value)


def test_open_venue_holds_credentials_out_of_repr() -> None:
    env = {"BASIS_BINANCE_API_KEY": "key-abc", "BASIS_BINANCE_SECRET": "secret-xyz"}
    venue = closed(open_venue(CcxtVenueConfig(venue="binance"), env))
    assert "key-abc" not in repr(venue) and "secret-xyz" not in repr(venue)
    assert repr(Credentials("key-abc", "secret-xyz")) == "Credentials(api_key=***, secret=***)"


def test_okx_cash_balances_leave_out_unrealised_pnl() -> None:
    from basis.venues.okx import cash_balances

    # an OKX account balance answer (shape of /api/v5/account/balance): eq = cashBal + upl
    info = {
        "code": "0",
        "data": [
            {
                "totalEq": "10150",
                "details": [
                    {"ccy": "USDT", "cashBal": "10000", "eq": "10150", "upl": "150"},
                    {"ccy": "BTC", "cashBal": "0.5", "eq": "0.5", "upl": "0"},
                    {"ccy": "ETH", "cashBal": "0", "eq": "0", "upl": "0"},
                ],
            }
        ],
    }
    assert cash_balances(info) == {"USDT": 10_000.0, "BTC": 0.5}


def test_contract_venue_amounts_convert_between_contracts_and_base_units() -> None:
    venue = closed(adapter("okx"))
    swap = {
        "id": "BTC-USDT-SWAP",
        "symbol": "BTC/USDT:USDT",
        "base": "BTC",
        "quote": "USDT",
        "settle": "USDT",
        "type": "swap",
        "spot": False,
        "swap": True,
        "contract": True,
        "linear": True,
        "contractSize": 0.01,  # OKX: one BTC-USDT-SWAP contract is 0.01 BTC
        "precision": {"amount": 0.01, "price": 0.1},
        "limits": {"amount": {"min": 0.01}},
    }
    venue.exchange.set_markets([swap])
    raw = {"id": "7", "clientOrderId": "c1", "side": "sell", "amount": 30.0, "filled": 12.0}
    order = venue._venue_order(raw | {"status": "open"}, "okx:perp:BTCUSDT", None)
    # 30 contracts = 0.3 BTC ordered, 12 contracts = 0.12 BTC filled
    assert (order.amount, order.filled) == (pytest.approx(0.3), pytest.approx(0.12))
    assert venue._precise("BTC/USDT:USDT", 0.3 / 0.01, "amount") == 30
