"""The package's public surface: what `basis.book` exports, and the `Book` operations."""

from __future__ import annotations

import basis.book
from basis.book import Book


def test_public_names_are_pinned() -> None:
    assert set(basis.book.__all__) == {
        "CATEGORIES",
        "PNL_CATEGORIES",
        "AaveRisk",
        "Alert",
        "Book",
        "Breach",
        "Category",
        "Entry",
        "Exposure",
        "Holding",
        "Instrument",
        "Kind",
        "LstExit",
        "MarginRisk",
        "Marks",
        "PerpRisk",
        "PositionValue",
        "Risk",
        "exposure",
        "risk",
    }


def test_book_offers_every_operation_of_the_brief() -> None:
    operations = {
        "deposit", "withdraw", "swap", "spot_trade", "pay_gas",
        "set_emode", "aave_supply", "aave_withdraw", "aave_borrow", "aave_repay",
        "flash_borrow", "flash_repay", "aave_liquidate",
        "stake", "lst_dex_exit", "request_withdrawal", "claim_withdrawals", "pay_rewards",
        "perp_trade", "perp_margin", "settle_funding", "perp_liquidate",
        "send", "settle_transfers",
        "accrue", "accrue_path", "atomic",
    }  # fmt: skip
    assert operations <= set(dir(Book))
