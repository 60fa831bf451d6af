"""Client order ids: deterministic, unique over (run, sequence), within each venue's rules."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from basis.live.client_ids import MAX_SEQ, RULES, client_order_id, new_run_id, rule_for

VENUES = [*RULES, "paper"]
run_ids = st.text(alphabet="0123456789abcdef", min_size=16, max_size=16)
seqs = st.integers(min_value=1, max_value=MAX_SEQ)


@given(venue=st.sampled_from(VENUES), run_id=run_ids, seq=seqs)
def test_every_id_matches_its_venue_rule(venue: str, run_id: str, seq: int) -> None:
    assert rule_for(venue).fullmatch(client_order_id(venue, run_id, seq))


@given(
    venue=st.sampled_from(VENUES),
    first=st.tuples(run_ids, seqs),
    second=st.tuples(run_ids, seqs),
)
def test_ids_differ_when_run_or_sequence_differ(
    venue: str, first: tuple[str, int], second: tuple[str, int]
) -> None:
    same = client_order_id(venue, *first) == client_order_id(venue, *second)
    assert same == (first == second)


def test_ids_worked_examples() -> None:
    run_id = "00ff00ff00ff00ff"
    assert client_order_id("binance", run_id, 7) == "bs00ff00ff00ff00ff7"
    assert client_order_id("okx", run_id, MAX_SEQ) == "bs00ff00ff00ff00ff" + "9" * 14  # 32
    assert client_order_id("hyperliquid", run_id, 255) == "0x00ff00ff00ff00ff00000000000000ff"
    assert client_order_id("pacifica", run_id, 255) == "00ff00ff-00ff-400f-8f00-0000000000ff"
    assert str(uuid.UUID(client_order_id("pacifica", run_id, 255)).version) == "4"


def test_new_run_ids_are_16_hex_digits() -> None:
    assert rule_for("hyperliquid").fullmatch("0x" + new_run_id() + new_run_id())


@pytest.mark.parametrize(
    ("run_id", "seq", "match"),
    [("ABCDEF0123456789", 1, "not 16 lower-case hex"), ("00ff00ff00ff00ff", 0, "outside 1")],
)
def test_bad_run_id_or_sequence_raises(run_id: str, seq: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        client_order_id("binance", run_id, seq)
