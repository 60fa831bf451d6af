"""The book: every account's positions, valued and attributed, with all operations."""

from __future__ import annotations

from basis.book.lending import LendingOperations
from basis.book.perpetuals import PerpetualOperations
from basis.book.span import SpanOperations
from basis.book.staking import StakingOperations
from basis.book.trading import TradingOperations
from basis.book.transfers import TransferOperations
from basis.book.venue_sync import VenueSyncOperations

__all__ = ["Book"]


class Book(
    TradingOperations,
    LendingOperations,
    VenueSyncOperations,
    PerpetualOperations,
    StakingOperations,
    TransferOperations,
    SpanOperations,
):
    """Portfolio state and ledger of one or many accounts (DESIGN §1).

    Build it with `Book(market, share_class, start, marks)`; move it through time with
    `accrue` (`accrue_path`, or `preview_span` + `commit_span` for spans without trades);
    apply fills and venue events with the operations of `TradingOperations` (flows,
    trades, gas), `LendingOperations` (Aave), `PerpetualOperations`, `StakingOperations`
    and `TransferOperations`, and venue reports with `VenueSyncOperations`; group them
    with `atomic()`. Read it with `exposure` and `risk`, which never mutate it.
    """
