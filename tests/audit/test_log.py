"""The audit log: appends chain by hash; an edited, deleted or reordered row is found."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from basis import audit
from basis.errors import AuditChainError
from basis.store.results import open_database
from basis.store.schema import audit_log


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    opened, _, _ = open_database(database_url, "audit")
    yield opened
    opened.dispose()


def _fill(engine: sa.Engine, count: int = 5) -> list[audit.AuditEntry]:
    return [
        audit.record(engine, "alice", "account.add", f"acct-{i}", {"n": i, "venue": "binance"})
        for i in range(count)
    ]


def test_record_chains_each_entry_to_the_previous(engine: sa.Engine) -> None:
    first, second = _fill(engine, 2)
    assert first.seq == 1 and first.prev_hash == audit.GENESIS
    assert second.seq == 2 and second.prev_hash == first.hash
    assert audit.verify(engine) == [first, second]


def test_record_inside_a_rolled_back_transaction_leaves_no_entry(engine: sa.Engine) -> None:
    def change_that_fails() -> None:
        with engine.begin() as connection:
            audit.record(connection, "alice", "account.add", "a", {})
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert audit.entries(engine) == []


def test_record_details_are_canonical_json(engine: sa.Engine) -> None:
    entry = audit.record(engine, "a", "x", "s", {"b": 1, "a": [1, "é"]})
    assert entry.details == '{"a":[1,"é"],"b":1}'
    assert entry.details_dict() == {"a": [1, "é"], "b": 1}


def test_record_non_json_details_raise_value_error(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="JSON"):
        audit.record(engine, "a", "x", "s", {"v": float("nan")})


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "mallory"),
        ("action", "account.enable"),
        ("subject", "other"),
        ("details", '{"n":99}'),
        ("time", datetime(2020, 1, 1, tzinfo=UTC)),
    ],
)
def test_verify_edited_entry_names_it(engine: sa.Engine, column: str, value: object) -> None:
    _fill(engine)
    with engine.begin() as connection:
        connection.execute(sa.update(audit_log).where(audit_log.c.seq == 3).values({column: value}))
    with pytest.raises(AuditChainError, match="entry 3: hash does not match"):
        audit.verify(engine)


def test_verify_edited_entry_with_recomputed_hash_breaks_the_next(engine: sa.Engine) -> None:
    entries = _fill(engine)
    edited = entries[2]
    digest = audit.entry_hash(
        3, edited.time, "mallory", edited.action, edited.subject, edited.details, edited.prev_hash
    )
    with engine.begin() as connection:
        connection.execute(
            sa.update(audit_log).where(audit_log.c.seq == 3).values(actor="mallory", hash=digest)
        )
    with pytest.raises(AuditChainError, match="entry 4: prev_hash"):
        audit.verify(engine)


def test_verify_deleted_entry_names_the_gap(engine: sa.Engine) -> None:
    _fill(engine)
    with engine.begin() as connection:
        connection.execute(sa.delete(audit_log).where(audit_log.c.seq == 2))
    with pytest.raises(AuditChainError, match="entry 3: expected entry 2"):
        audit.verify(engine)


def test_verify_swapped_entries_names_the_first(engine: sa.Engine) -> None:
    _fill(engine)
    with engine.begin() as connection:
        connection.execute(sa.update(audit_log).where(audit_log.c.seq == 2).values(seq=-2))
        connection.execute(sa.update(audit_log).where(audit_log.c.seq == 4).values(seq=2))
        connection.execute(sa.update(audit_log).where(audit_log.c.seq == -2).values(seq=4))
    with pytest.raises(AuditChainError, match="entry 2"):
        audit.verify(engine)


def test_verify_empty_log_is_intact(engine: sa.Engine) -> None:
    assert audit.verify(engine) == []


_TIME = datetime(2026, 1, 1, tzinfo=UTC)
_FIELDS = st.sampled_from(["actor", "action", "subject", "details", "time", "prev_hash"])


@settings(max_examples=60, deadline=None)
@given(count=st.integers(1, 8), data=st.data())
def test_find_break_any_single_edit_is_found(count: int, data: st.DataObject) -> None:
    chain: list[audit.AuditEntry] = []
    previous = audit.GENESIS
    for seq in range(1, count + 1):
        time = _TIME + timedelta(seconds=seq)
        details = f'{{"n":{seq}}}'
        digest = audit.entry_hash(seq, time, "a", "act", f"s{seq}", details, previous)
        chain.append(audit.AuditEntry(seq, time, "a", "act", f"s{seq}", details, previous, digest))
        previous = digest
    assert audit.find_break(chain) is None
    index = data.draw(st.integers(0, count - 1))
    field = data.draw(_FIELDS)
    entry = chain[index]
    value: object = entry.time + timedelta(microseconds=1) if field == "time" else "x"
    chain[index] = audit.AuditEntry(**{**_as_dict(entry), field: value})
    broken = audit.find_break(chain)
    assert broken is not None and broken.seq == entry.seq


def _as_dict(entry: audit.AuditEntry) -> dict[str, object]:
    return {name: getattr(entry, name) for name in audit.AuditEntry.__slots__}
