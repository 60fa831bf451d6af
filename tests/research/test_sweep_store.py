"""Sweep bookkeeping in the results store (SQLite; PostgreSQL when BASIS_TEST_PG_URL is set)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from basis.errors import ConfigError
from basis.store import PointRecord, SweepSpec, SweepStore
from basis.store.sweeps import STATUS_DONE, STATUS_FAILED
from tests.store.test_results import make_result

SPEC = SweepSpec(
    name="grid-1",
    kind="sweep",
    mode="eth_basis",
    dataset="scenario:default",
    grid={"parameters": {"delta_tolerance": [0.005, 0.01]}, "start": None, "capital": None},
)
FIRST = PointRecord("k" * 64, 0, "scenario:default", {"delta_tolerance": 0.005})
SECOND = PointRecord("j" * 64, 1, "scenario:default", {"delta_tolerance": 0.01})


@pytest.fixture
def store(database_url: str) -> Iterator[SweepStore]:
    """A sweep store on a fresh database: a SQLite file, or a schema of its own."""
    with SweepStore(database_url) as opened:
        yield opened


def test_open_creates_then_resumes_the_same_sweep(store: SweepStore) -> None:
    assert store.open_sweep(SPEC) is True
    assert store.open_sweep(SPEC) is False
    stored = store.sweep("grid-1")
    assert stored == SweepSpec("grid-1", "sweep", "eth_basis", "scenario:default", dict(SPEC.grid))
    assert store.sweep("other") is None


def test_same_name_with_another_grid_or_mode_is_refused_naming_the_difference(
    store: SweepStore,
) -> None:
    store.open_sweep(SPEC)
    other_grid = SweepSpec(
        "grid-1", "sweep", "eth_basis", "scenario:default", {**SPEC.grid, "start": "2024-02-01"}
    )
    with pytest.raises(ConfigError) as raised:
        store.open_sweep(other_grid)
    assert str(raised.value) == (
        "[CONFIG_INVALID] sweep name 'grid-1' is already used by a different sweep: grid start: "
        'stored null, given "2024-02-01"; choose another --name'
    )
    with pytest.raises(ConfigError, match='mode: stored "eth_basis", given "btc_basis"'):
        store.open_sweep(SweepSpec("grid-1", "sweep", "btc_basis", SPEC.dataset, SPEC.grid))


def test_done_point_saves_its_run_and_reads_back_with_its_numbers(store: SweepStore) -> None:
    store.open_sweep(SPEC)
    result = make_result("run-sweep-0001")
    store.record_done("grid-1", FIRST, result, 1.5)
    (row,) = store.points("grid-1")
    assert (row.key, row.position, row.status, row.run_id) == (
        FIRST.key,
        0,
        STATUS_DONE,
        result.run_id,
    )
    assert row.params == {"delta_tolerance": 0.005}
    assert row.done and row.error is None and row.seconds == 1.5
    assert row.final_equity == 1_000_558.0  # make_result: 1e6 + 6·10 − 2 + 500
    assert result.summary is not None
    assert row.metrics == dict(result.summary.metrics)
    assert row.risk == dict(result.summary.risk)
    assert store.load("run-sweep-0001").final_equity == 1_000_558.0


def test_failed_point_is_kept_with_its_error_and_a_retry_replaces_it(store: SweepStore) -> None:
    store.open_sweep(SPEC)
    store.record_failed("grid-1", SECOND, "DataMissingError: no data", 0.25)
    store.record_done("grid-1", FIRST, make_result("run-sweep-0002"), 1.0)
    rows = store.points("grid-1")
    assert [(r.position, r.status, r.error, r.run_id) for r in rows] == [
        (0, STATUS_DONE, None, "run-sweep-0002"),
        (1, STATUS_FAILED, "DataMissingError: no data", None),
    ]
    assert rows[1].metrics is None and not rows[1].done
    store.record_done("grid-1", SECOND, make_result("run-sweep-0003"), 2.0)
    retried = store.points("grid-1")[1]
    assert (retried.status, retried.error, retried.run_id) == (STATUS_DONE, None, "run-sweep-0003")


def test_deleting_a_points_run_makes_the_point_pending_again(store: SweepStore) -> None:
    store.open_sweep(SPEC)
    store.record_done("grid-1", FIRST, make_result("run-sweep-0004"), 1.0)
    store.delete("run-sweep-0004")
    (row,) = store.points("grid-1")
    assert row.status == STATUS_DONE and row.run_id is None
    assert not row.done  # the run is gone: a resumed sweep runs the point again


def test_a_run_the_store_refuses_leaves_no_point_behind(store: SweepStore) -> None:
    store.open_sweep(SPEC)
    with pytest.raises(ValueError, match="has no summary"):
        store.record_done("grid-1", FIRST, make_result("run-sweep-0005", summary=False), 1.0)
    assert store.points("grid-1") == []
    assert store.list() == []


def test_a_point_asked_on_real_data_shows_the_scenario_its_run_fell_back_to(
    store: SweepStore,
) -> None:
    import dataclasses

    from basis.research.grid import Point
    from basis.research.sweep_table import sweep_table

    store.open_sweep(SPEC)
    point = Point(0, "real", {"delta_tolerance": 0.005})
    asked = dataclasses.replace(FIRST, key=point.key, dataset="real")
    fell_back = dataclasses.replace(make_result("run-sweep-0010"), dataset="scenario:default")
    store.record_done("grid-1", asked, fell_back, 1.0)
    (row,) = store.points("grid-1")
    assert (row.dataset, row.ran_on) == ("real", "scenario:default")
    table = sweep_table([point], {row.key: row}, ["delta_tolerance"])
    assert table.select("dataset", "ran_on").row(0) == ("real", "scenario:default")
