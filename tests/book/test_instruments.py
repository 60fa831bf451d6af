"""Instrument names: one `venue:kind:symbol` scheme, parsed and validated."""

from __future__ import annotations

import pytest

from basis.book.instruments import Instrument, Kind, priced_as
from basis.errors import InstrumentError


@pytest.mark.parametrize(
    "name",
    [
        "aave_v3:supply:weETH",
        "aave_v3:debt:WETH",
        "binance:perp:ETHUSDT",
        "binance:spot:ETH",
        "binance:token:USDT",
        "wallet:token:weETH",
        "etherfi:withdrawal:ETH",
        "bybit:transfer:USDT",
        "aave_v3:flash:WETH",
    ],
)
def test_parse_known_name_round_trips(name: str) -> None:
    assert str(Instrument.parse(name)) == name


def test_parse_perp_splits_base_and_quote() -> None:
    perp = Instrument.parse("hyperliquid:perp:ETHUSDC")
    assert (perp.venue, perp.kind, perp.base, perp.quote) == (
        "hyperliquid",
        Kind.PERP,
        "ETH",
        "USDC",
    )


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("binance:perp", "venue:kind:symbol"),
        ("binance:perp:ETHUSDT:x", "venue:kind:symbol"),
        ("binance:future:ETHUSDT", "unknown kind 'future'"),
        ("Binance:token:USDT", "lower-case identifier"),
        ("binance:token:US-DT", "letters and digits"),
        ("binance:perp:ETHEUR", "base asset followed by"),
        ("binance:perp:USDT", "base asset followed by"),
    ],
)
def test_parse_malformed_name_raises(name: str, problem: str) -> None:
    with pytest.raises(InstrumentError, match=problem):
        Instrument.parse(name)


def test_quote_of_non_perp_raises() -> None:
    with pytest.raises(InstrumentError, match="only perps"):
        _ = Instrument.wallet("ETH").quote


def test_constructors_build_the_documented_names() -> None:
    assert str(Instrument.wallet("weETH")) == "wallet:token:weETH"
    assert str(Instrument.token("binance", "USDT")) == "binance:token:USDT"
    assert str(Instrument.aave_supply("weETH")) == "aave_v3:supply:weETH"
    assert str(Instrument.aave_debt("WETH")) == "aave_v3:debt:WETH"
    assert str(Instrument.perp("okx", "BTCUSDT")) == "okx:perp:BTCUSDT"


def test_liabilities_are_debt_and_flash_only() -> None:
    liable = {kind for kind in Kind if Instrument("x", kind, "ETHUSDT").is_liability}
    assert liable == {Kind.DEBT, Kind.FLASH}


def test_priced_as_maps_weth_to_eth_only() -> None:
    assert (priced_as("WETH"), priced_as("ETH"), priced_as("weETH")) == ("ETH", "ETH", "weETH")
