"""A book written to a checkpoint and read back is the same book, now and after more steps."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from basis.book import Book
from basis.book.checkpoint import from_document, to_document
from basis.errors import InvalidOperationError, MechanicsError

from .stubs import BINANCE_USDT, WALLET_ETH, WALLET_USDT, WALLET_WEETH, book, market
from .test_invariants import ACCOUNTS, _apply, _prepare, operations


def _observed(target: Book) -> tuple[object, ...]:
    """What a checkpoint keeps exactly (the per-position split is kept to rounding)."""
    return (
        target.holdings(),
        target.attribution(),
        target.marks().as_dict(),
        target.now,
        target.equity(),
        {h: target.claims(h.account, h.instrument) for h in target.holdings()},
    )


def _round_trip(target: Book) -> Book:
    return from_document(market(), json.loads(json.dumps(to_document(target))))


def _run(target: Book, steps: list[tuple[str, str, tuple[float, ...]]]) -> None:
    for account, name, parameters in steps:
        _prepare(target, account, name, parameters)
        with contextlib.suppress(MechanicsError):  # a refusal changes nothing (test_invariants)
            _apply(target, account, name, parameters)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations, operations)
def test_checkpoint_round_trip_same_book_now_and_after_more_steps(
    first: list[tuple[str, str, tuple[float, ...]]],
    then: list[tuple[str, str, tuple[float, ...]]],
) -> None:
    original = book("USDT")
    for account in ACCOUNTS:
        for instrument, amount in ((WALLET_ETH, 20.0), (WALLET_WEETH, 20.0), (WALLET_USDT, 5e4)):
            original.deposit(account, instrument, amount)
        original.deposit(account, BINANCE_USDT, 2e4)
        original.set_emode(account, "ETH")
    _run(original, first)
    restored = _round_trip(original)
    assert _observed(restored) == _observed(original)
    _same_split(restored, original)
    _run(original, then)
    _run(restored, then)
    assert _observed(restored) == _observed(original)
    _same_split(restored, original)


def _same_split(restored: Book, original: Book) -> None:
    """Equal per position and category to rounding; a category whose bookings cancel to
    0.0 on one side may be absent on the other (a checkpoint keeps sums, not entries)."""
    expected = _nonzero(original.attribution_by_position())
    split = _nonzero(restored.attribution_by_position())
    assert split.keys() == expected.keys()
    for key, categories in expected.items():
        assert split[key] == pytest.approx(categories, rel=1e-12, abs=1e-9), key


def _nonzero(split: dict[Any, dict[Any, float]]) -> dict[Any, dict[Any, float]]:
    kept = {key: {c: v for c, v in per.items() if abs(v) > 1e-9} for key, per in split.items()}
    return {key: per for key, per in kept.items() if per}


def test_checkpoint_other_version_refused() -> None:
    document = to_document(book("USDT"))
    document["version"] = 99
    with pytest.raises(InvalidOperationError, match="version 99"):
        from_document(market(), document)


def test_checkpoint_missing_field_refused_as_malformed() -> None:
    document = to_document(book("USDT"))
    del document["perps"]
    with pytest.raises(InvalidOperationError, match="malformed"):
        from_document(market(), document)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_compact_ledger_keeps_attribution_and_one_entry_per_key(
    steps: list[tuple[str, str, tuple[float, ...]]],
) -> None:
    target = book("USDT")
    for account in ACCOUNTS:
        target.deposit(account, WALLET_USDT, 5e4)
        target.deposit(account, BINANCE_USDT, 2e4)
    _run(target, steps)
    before, split = target.attribution(), target.attribution_by_position()
    target.compact_ledger()
    assert target.attribution() == before
    keys = [(e.account, e.instrument, e.category) for e in target.entries]
    assert len(keys) == len(set(keys))
    after = target.attribution_by_position()
    for key, categories in split.items():
        assert after[key] == pytest.approx(categories, rel=1e-12, abs=1e-9)
