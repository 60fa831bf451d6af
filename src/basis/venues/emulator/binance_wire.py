"""Binance's wire format for the emulator: a parsed request, a route, numbers as strings."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from basis.venues.emulator.accounts import EmulatorRejectedError, Market
from basis.venues.emulator.exchange import Exchange

__all__ = ["Call", "Json", "Route", "ms", "number", "requested_symbols"]

Json = Any


@dataclass(frozen=True)
class Call:
    """One request as the handlers see it: the exchange, the parameters and the API key."""

    exchange: Exchange
    params: dict[str, str]
    api_key: str
    weight_limit: int = 2400

    def text(self, name: str) -> str:
        value = self.params.get(name)
        if value is None or value == "":
            raise EmulatorRejectedError(-1102, f"Mandatory parameter '{name}' was not sent.")
        return value

    def decimal(self, name: str) -> float:
        raw = self.text(name)
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not value == value or value < 0 or raw.lower() in ("inf", "infinity"):
            raise EmulatorRejectedError(
                -1100, f"Illegal characters found in parameter '{name}'; got {raw!r}."
            )
        return value

    def integer(self, name: str) -> int | None:
        raw = self.params.get(name)
        if raw is None:
            return None
        if not raw.lstrip("-").isdigit():
            raise EmulatorRejectedError(-1100, f"Illegal characters found in parameter '{name}'.")
        return int(raw)


@dataclass(frozen=True)
class Route:
    handler: Callable[[Call], Json]
    signed: bool
    weight: int = 1


def number(value: float) -> str:
    """A number as Binance writes it: a plain decimal string, no exponent."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def ms(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)


def requested_symbols(call: Call, market: Market) -> list[str]:
    if "symbol" in call.params:
        return [call.exchange.instrument(market, call.text("symbol")).symbol]
    if "symbols" in call.params:
        try:
            names = json.loads(call.params["symbols"])
        except ValueError:
            raise EmulatorRejectedError(
                -1100, "Illegal characters in parameter 'symbols'."
            ) from None
        return [call.exchange.instrument(market, str(n)).symbol for n in names]
    return [s for (m, s) in call.exchange.instruments if m == market]
