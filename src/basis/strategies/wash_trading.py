"""No strategy trades volume between managed accounts: such a request is refused, with why."""

from __future__ import annotations

from typing import Final

from basis.errors import WashTradingRefusedError

__all__ = ["refuse_wash_trading"]

_WASH_WORDS: Final = ("volume", "wash", "self_trade", "selftrade", "self_match")


def refuse_wash_trading(name: str) -> None:
    """Raise `WashTradingRefusedError` when the mode `name` asks for volume between accounts
    ("volume", "equal_volume", "wash_…"): basis has no such strategy and will not run one."""
    lowered = name.lower().replace("-", "_").replace(" ", "_")
    if any(word in lowered for word in _WASH_WORDS):
        raise WashTradingRefusedError(
            f"mode {name!r}: basis has no strategy whose purpose is volume between the "
            "accounts it manages, and will not run one. Trades between one owner's accounts "
            "are wash trades: they fake activity, are banned by every venue's terms and by "
            "market-abuse law, and cross-account self-trade prevention refuses their orders "
            "in every mode (docs/accounts.md)"
        )
