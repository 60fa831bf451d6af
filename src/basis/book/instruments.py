"""Instrument names `venue:kind:symbol`: parsing, validation and what each kind holds."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from basis.errors import InstrumentError

__all__ = [
    "AAVE",
    "QUOTES",
    "WALLET",
    "Instrument",
    "Kind",
    "priced_as",
]

AAVE = "aave_v3"
"""The venue name of the Aave v3 Ethereum market."""

WALLET = "wallet"
"""The venue name of an account's on-chain wallet."""

QUOTES: tuple[str, ...] = ("USDT", "USDC", "USD")
"""Quote currencies a perp symbol may end with (`ETHUSDT` = ETH quoted in USDT)."""

ALIASES: dict[str, str] = {"WETH": "ETH"}
"""Symbols priced as another asset: wrapped ETH is ETH."""

_VENUE = re.compile(r"[a-z][a-z0-9_]*")
_SYMBOL = re.compile(r"[A-Za-z0-9]+")


class Kind(StrEnum):
    """What a balance at a venue is and how it is held."""

    TOKEN = "token"  # a token balance at a venue or wallet; venue cash is `binance:token:USDT`
    SPOT = "spot"  # a spot asset bought on a CEX spot market
    SUPPLY = "supply"  # Aave supply, held as a scaled balance (value = scaled × liquidity index)
    DEBT = "debt"  # Aave variable debt, held as a scaled balance (value = scaled × borrow index)
    PERP = "perp"  # a linear perpetual: size, entry price, isolated margin
    WITHDRAWAL = "withdrawal"  # ETH claimable from a staking protocol's queue (`etherfi:...:ETH`)
    TRANSFER = "transfer"  # funds in flight to the venue, credited when they arrive
    FLASH = "flash"  # a flash loan, open only inside an atomic group


LIABILITIES = frozenset({Kind.DEBT, Kind.FLASH})
"""Kinds whose balance is owed, so they count negatively in equity."""


def priced_as(symbol: str) -> str:
    """Return the asset whose price values `symbol` (WETH → ETH, else the symbol itself)."""
    return ALIASES.get(symbol, symbol)


@dataclass(frozen=True, slots=True)
class Instrument:
    """One instrument, `venue:kind:symbol`; build with `Instrument.parse` or the constructor.

    Raises InstrumentError when a part is malformed: the venue must be a lower-case
    identifier, the symbol alphanumeric, and a perp symbol must end with a known quote.
    """

    venue: str
    kind: Kind
    symbol: str

    def __post_init__(self) -> None:
        if not _VENUE.fullmatch(self.venue):
            raise InstrumentError(
                f"instrument venue {self.venue!r}: expected a lower-case identifier"
            )
        if not isinstance(self.kind, Kind):
            raise InstrumentError(f"instrument kind {self.kind!r}: expected one of {_kinds()}")
        if not _SYMBOL.fullmatch(self.symbol):
            raise InstrumentError(f"instrument symbol {self.symbol!r}: expected letters and digits")
        if self.kind is Kind.PERP:
            _split_perp(self.symbol)

    @classmethod
    def parse(cls, name: str) -> Instrument:
        """Return the instrument named `venue:kind:symbol`; raise InstrumentError otherwise."""
        parts = name.split(":")
        if len(parts) != 3:
            raise InstrumentError(f"instrument {name!r}: expected venue:kind:symbol")
        venue, kind, symbol = parts
        try:
            parsed_kind = Kind(kind)
        except ValueError:
            raise InstrumentError(
                f"instrument {name!r}: unknown kind {kind!r}; expected one of {_kinds()}"
            ) from None
        return cls(venue, parsed_kind, symbol)

    def __str__(self) -> str:
        return f"{self.venue}:{self.kind.value}:{self.symbol}"

    @property
    def base(self) -> str:
        """The asset whose units the balance counts: the symbol, or a perp's base asset."""
        if self.kind is Kind.PERP:
            return _split_perp(self.symbol)[0]
        return self.symbol

    @property
    def quote(self) -> str:
        """A perp's quote (and margin) currency; raises InstrumentError for other kinds."""
        if self.kind is not Kind.PERP:
            raise InstrumentError(f"instrument {self}: only perps have a quote currency")
        return _split_perp(self.symbol)[1]

    @property
    def is_liability(self) -> bool:
        """True for debt and flash loans, which count negatively in equity."""
        return self.kind in LIABILITIES

    # The constructors below are cached: instruments are immutable, and building one
    # validates its parts with regular expressions (a hot path of the engine).
    @staticmethod
    @functools.cache
    def token(venue: str, symbol: str) -> Instrument:
        """`venue:token:symbol`, e.g. venue cash `binance:token:USDT` or `wallet:token:weETH`."""
        return Instrument(venue, Kind.TOKEN, symbol)

    @staticmethod
    @functools.cache
    def wallet(symbol: str) -> Instrument:
        """`wallet:token:symbol`."""
        return Instrument(WALLET, Kind.TOKEN, symbol)

    @staticmethod
    @functools.cache
    def aave_supply(asset: str) -> Instrument:
        """`aave_v3:supply:asset`."""
        return Instrument(AAVE, Kind.SUPPLY, asset)

    @staticmethod
    @functools.cache
    def aave_debt(asset: str) -> Instrument:
        """`aave_v3:debt:asset`."""
        return Instrument(AAVE, Kind.DEBT, asset)

    @staticmethod
    @functools.cache
    def perp(venue: str, symbol: str) -> Instrument:
        """`venue:perp:symbol`, e.g. `binance:perp:ETHUSDT`."""
        return Instrument(venue, Kind.PERP, symbol)


@functools.cache
def _split_perp(symbol: str) -> tuple[str, str]:
    for quote in QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    raise InstrumentError(
        f"perp symbol {symbol!r}: expected a base asset followed by one of {list(QUOTES)}"
    )


def _kinds() -> list[str]:
    return [kind.value for kind in Kind]
