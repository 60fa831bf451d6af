"""Resolution policy: sorting, exact duplicates, conflicting duplicates by named rule."""

from __future__ import annotations

import polars as pl
import pytest

from basis.data.resolve import ResolutionPolicy, resolve
from basis.errors import DataConflictError
from tests.data.builders import T0, frame, hours


def test_resolve_exact_duplicates_and_disorder_sorted_and_dropped() -> None:
    ts = hours(3)
    raw = frame("funding", [ts[1], ts[0], ts[1], ts[2]], rate=[0.2, 0.1, 0.2, 0.3])
    clean = resolve(raw, "x:funding:Y", ResolutionPolicy())
    assert clean["ts"].to_list() == ts
    assert clean["rate"].to_list() == [0.1, 0.2, 0.3]
    assert "source_row" not in clean.columns


def test_resolve_conflict_without_rule_raises_with_rows() -> None:
    raw = frame("funding", [T0, T0], rate=[0.1, 0.3])
    with pytest.raises(DataConflictError, match=r"okx:funding:ETHUSDT.*rows 2, 3"):
        resolve(raw, "okx:funding:ETHUSDT", ResolutionPolicy())


@pytest.mark.parametrize(("rule", "expected"), [("first", 0.1), ("last", 0.3), ("mean", 0.2)])
def test_resolve_conflict_with_named_rule_resolves(rule: str, expected: float) -> None:
    raw = frame("funding", [T0, T0, *hours(1, T0.replace(hour=8))], rate=[0.1, 0.3, 0.5])
    policy = ResolutionPolicy.model_validate({"conflicts": {"okx:funding:ETHUSDT": rule}})
    clean = resolve(raw, "okx:funding:ETHUSDT", policy)
    assert clean["rate"].to_list() == pytest.approx([expected, 0.5])
    assert clean.schema == pl.Schema({"ts": raw.schema["ts"], "rate": pl.Float64()})


def test_resolve_rewards_same_date_different_tokens_are_not_duplicates() -> None:
    # One payout date carries an EIGEN and an ETHFI payout: two events, both kept.
    from basis.data.schema import KEYS

    raw = frame(
        "rewards", [T0, T0, T0], token=["EIGEN", "ETHFI", "EIGEN"], amount_per_lst=[1.0, 2.0, 1.0]
    )
    clean = resolve(raw, "etherfi:rewards:weETH", ResolutionPolicy(), KEYS["rewards"])
    assert sorted(clean["token"].to_list()) == ["EIGEN", "ETHFI"]
    with pytest.raises(DataConflictError):
        resolve(raw, "etherfi:rewards:weETH", ResolutionPolicy())  # by time alone: a conflict
