"""The results store on SQLite and (marked `postgres`) PostgreSQL: round trips, lookups, errors,
migrations. `make_result` is the one builder of hand-made runs, shared with the CLI tests."""

from __future__ import annotations

import multiprocessing
import struct
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from basis.book.ledger import CATEGORIES, COLUMN, Category
from basis.errors import ConfigError, RunNotFoundError
from basis.model.result import Event, EventKind, RunResult, RunSummary
from basis.store import ResultStore, migrate, resolve_url, run_json
from basis.store.migrate import current_revision, head_revision
from basis.store.schema import VERSION_TABLE, metadata

T0 = datetime(2024, 5, 1, tzinfo=UTC)
HOUR = 3600
# A NaN with a payload, negative zero and a subnormal: bits a lossy path would change.
ODD_NAN = struct.unpack("<d", struct.pack("<Q", 0x7FF8_0000_DEAD_BEEF))[0]
SUBNORMAL = 5e-324
STEPS = 6


def make_result(
    run_id: str = "run-0001-aaaa",
    mode: str = "eth_basis",
    share_class: str = "USDT",
    summary: bool = True,
) -> RunResult:
    """A six-hour run from 1 000 000 that gains 10 per hour from funding, with one 500 deposit
    at step 3 and 2 of fees at step 0: final equity 1 000 000 + 6·10 − 2 + 500 = 1 000 558."""
    steps = STEPS
    times = (int(T0.timestamp()) + HOUR * np.arange(steps)).astype(np.int64)
    attribution = np.zeros((steps, len(CATEGORIES)))
    attribution[:, COLUMN[Category.FUNDING]] = 10.0
    attribution[0, COLUMN[Category.TRADING_FEES]] = -2.0
    flows = np.zeros(steps)
    flows[3] = 500.0
    attribution[3, COLUMN[Category.FLOWS]] = 500.0
    attribution[1, COLUMN[Category.PRICE]] = -0.0
    equity = 1_000_000.0 + np.cumsum(attribution.sum(axis=1))
    health = np.full(steps, np.nan)
    health[2] = ODD_NAN
    margin = np.linspace(1.0, 0.9, steps)
    margin[4] = SUBNORMAL
    events = (
        Event(T0, EventKind.TRADE, "main", "binance:perp:ETHUSDT", "open short", -5.0, 10_000.0),
        Event(T0, EventKind.TRADE, "main", "binance:spot:ETH", "buy", 5.0, 10_000.0, -2.0),
        Event(
            T0.astimezone(timezone(timedelta(hours=2))) + timedelta(hours=3),
            EventKind.FLOW,
            "main",
            "*",
            "deposit",
            value=500.0,
        ),
    )
    totals = {
        category.value: float(attribution[:, COLUMN[category]].sum()) for category in CATEGORIES
    }
    return RunResult(
        run_id=run_id,
        mode=mode,
        share_class=share_class,
        dataset="scenario:default",
        start=T0,
        end=T0 + timedelta(hours=steps),
        config={
            "share_class": share_class,
            "hedge_allocation": {"binance": 1.0},
            "ltv_band": [-0.02, 0.01],
        },
        initial_equity=1_000_000.0,
        times=times,
        equity=equity,
        flows=flows,
        attribution=attribution,
        series={"health_factor": health, "margin_ratio:binance": margin, "state": np.zeros(steps)},
        events=events,
        warnings=("okx has no data for the window; its hedge share went to binance",),
        summary=RunSummary(
            metrics={
                "total_return": 5.58e-5,
                "apr": 0.0815,
                "apy": 0.0849,
                "sharpe": None,
                "max_drawdown": 0.0,
            },
            attribution=totals,
            risk={
                "min_health_factor": None,
                "min_margin_ratio": SUBNORMAL,
                "liquidations": 0,
                "hours_in_state": {"normal": steps, "delta_drift": 0},
            },
        )
        if summary
        else None,
    )


class Clock:
    """A clock that moves one minute per reading, so saves have distinct `created_at`."""

    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def store(database_url: str) -> Iterator[ResultStore]:
    with ResultStore(database_url, clock=Clock()) as opened:
        yield opened


def row_counts(database_url: str) -> dict[str, int]:
    engine = sa.create_engine(resolve_url(database_url), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        counts = {
            table.name: connection.execute(
                sa.select(sa.func.count()).select_from(table)
            ).scalar_one()
            for table in metadata.sorted_tables
        }
    engine.dispose()
    return counts


def assert_same_run(loaded: RunResult, saved: RunResult) -> None:
    for name in ("times", "equity", "flows", "attribution"):
        before, after = getattr(saved, name), getattr(loaded, name)
        assert after.dtype == before.dtype and after.shape == before.shape, name
        assert after.tobytes() == before.tobytes(), name
    assert list(loaded.series) == list(saved.series)
    for name, values in saved.series.items():
        assert loaded.series[name].dtype == np.float64
        assert loaded.series[name].tobytes() == values.tobytes(), name
    scalars = ("run_id", "mode", "share_class", "dataset", "start", "end", "config")
    for name in (*scalars, "initial_equity", "events", "warnings", "summary"):
        assert getattr(loaded, name) == getattr(saved, name), name


def test_save_then_load_round_trips_bit_identically(store: ResultStore) -> None:
    saved = make_result()
    assert store.save(saved) == saved.run_id
    loaded = store.load(saved.run_id)
    assert_same_run(loaded, saved)
    assert loaded.final_equity == 1_000_558.0
    assert loaded.equity.flags.writeable


def test_load_gives_utc_datetimes_for_any_saved_zone(store: ResultStore) -> None:
    saved = make_result()
    store.save(saved)
    loaded = store.load(saved.run_id)
    instants = [loaded.start, loaded.end, *(event.time for event in loaded.events)]
    assert all(instant.tzinfo is UTC for instant in instants)
    assert loaded.events[2].time == datetime(2024, 5, 1, 3, tzinfo=UTC)


def test_save_keeps_non_finite_floats_in_documents(store: ResultStore) -> None:
    base = make_result()
    assert base.summary is not None
    saved = replace(
        base,
        config={"limit": float("inf"), "floor": float("-inf")},
        summary=replace(base.summary, risk={"min_health_factor": float("inf")}),
    )
    store.save(saved)
    loaded = store.load(saved.run_id)
    assert loaded.config == {"limit": float("inf"), "floor": float("-inf")}
    assert loaded.summary is not None
    assert loaded.summary.risk == {"min_health_factor": float("inf")}


def test_save_then_load_empty_run(store: ResultStore) -> None:
    base = make_result()
    saved = replace(
        base,
        times=base.times[:0],
        equity=base.equity[:0],
        flows=base.flows[:0],
        attribution=base.attribution[:0],
        series={name: values[:0] for name, values in base.series.items()},
        events=(),
    )
    store.save(saved)
    loaded = store.load(saved.run_id)
    assert loaded.attribution.shape == (0, len(CATEGORIES))
    assert loaded.events == ()


def test_list_newest_first_filtered_by_mode_and_limited(store: ResultStore) -> None:
    for index, mode in enumerate(["eth_basis", "btc_basis", "eth_basis"]):
        store.save(make_result(run_id=f"run-{index}", mode=mode))
    assert [row.run_id for row in store.list()] == ["run-2", "run-1", "run-0"]
    assert [row.run_id for row in store.list(mode="eth_basis")] == ["run-2", "run-0"]
    assert [row.run_id for row in store.list(limit=1)] == ["run-2"]
    assert store.list(mode="pure_lending_usdt") == []


def test_list_row_carries_headline_numbers(store: ResultStore) -> None:
    store.save(make_result())
    (row,) = store.list()
    assert (row.mode, row.dataset, row.share_class) == ("eth_basis", "scenario:default", "USDT")
    assert (row.start, row.end) == (T0, T0 + timedelta(hours=6))
    assert row.created_at == datetime(2025, 1, 1, 0, 1, tzinfo=UTC)
    assert (row.apr, row.apy, row.max_drawdown) == (0.0815, 0.0849, 0.0)
    assert row.min_health_factor is None
    assert row.final_equity == 1_000_558.0


def test_load_unique_prefix_finds_the_run(store: ResultStore) -> None:
    store.save(make_result(run_id="a1b2c3d4e5"))
    store.save(make_result(run_id="a1b2c3ffff"))
    assert store.load("a1b2c3d").run_id == "a1b2c3d4e5"


def test_load_ambiguous_prefix_lists_the_matches(store: ResultStore) -> None:
    store.save(make_result(run_id="a1b2c3d4e5"))
    store.save(make_result(run_id="a1b2c3ffff"))
    with pytest.raises(RunNotFoundError, match="ambiguous") as caught:
        store.load("a1b2c3")
    assert "a1b2c3d4e5" in str(caught.value) and "a1b2c3ffff" in str(caught.value)


def test_load_prefix_shorter_than_six_is_not_found(store: ResultStore) -> None:
    store.save(make_result(run_id="a1b2c3d4e5"))
    with pytest.raises(RunNotFoundError, match="at least 6 characters"):
        store.load("a1b2c")


def test_load_prefix_wildcards_match_literally(store: ResultStore) -> None:
    store.save(make_result(run_id="a1b2c3d4e5"))
    with pytest.raises(RunNotFoundError, match="no run 'a1b2c%'"):
        store.load("a1b2c%")


def test_load_unknown_id_raises_not_found_naming_it(store: ResultStore) -> None:
    with pytest.raises(RunNotFoundError, match="no run 'missing-run'") as caught:
        store.load("missing-run")
    assert caught.value.code == "RUN_NOT_FOUND" and caught.value.exit_code == 2


def test_save_duplicate_run_id_raises_naming_it_and_keeps_the_first(
    store: ResultStore,
) -> None:
    store.save(make_result(run_id="run-dup"))
    with pytest.raises(ValueError, match="run 'run-dup' is already stored"):
        store.save(make_result(run_id="run-dup", mode="btc_basis"))
    assert store.load("run-dup").mode == "eth_basis"


def test_save_without_summary_raises(store: ResultStore) -> None:
    with pytest.raises(ValueError, match="has no summary"):
        store.save(make_result(summary=False))
    assert store.list() == []


def test_save_naive_datetime_raises(store: ResultStore) -> None:
    with pytest.raises(ValueError, match="has no timezone"):
        store.save(replace(make_result(), start=datetime(2024, 5, 1)))


def test_save_mismatched_lengths_raises(store: ResultStore) -> None:
    result = make_result()
    with pytest.raises(ValueError, match="one value per step"):
        store.save(replace(result, flows=result.flows[:-1]))


def test_save_failing_midway_leaves_nothing(store: ResultStore, database_url: str) -> None:
    result = make_result()
    unbindable = Event(T0, EventKind.WARNING, "main", "*", object())  # type: ignore[arg-type]
    with pytest.raises(sa.exc.StatementError):
        store.save(replace(result, events=(*result.events, unbindable)))
    assert set(row_counts(database_url).values()) == {0}  # every table, sweeps' too
    store.save(result)  # and the id is still free


def test_delete_removes_the_run_its_series_and_events(
    store: ResultStore, database_url: str
) -> None:
    store.save(make_result(run_id="run-keep"))
    store.save(make_result(run_id="run-gone-123"))
    assert store.delete("run-gone") == "run-gone-123"
    with pytest.raises(RunNotFoundError):
        store.load("run-gone-123")
    counts = row_counts(database_url)
    assert counts["basis_runs"] == 1
    assert counts["basis_run_series"] == 3 + len(CATEGORIES) + 3
    assert counts["basis_run_events"] == 3


def test_delete_unknown_id_raises_not_found(store: ResultStore) -> None:
    with pytest.raises(RunNotFoundError, match="no run 'nothing-here'"):
        store.delete("nothing-here")


def test_open_upgrades_empty_database_to_head_and_reopen_is_a_no_op(database_url: str) -> None:
    engine = sa.create_engine(resolve_url(database_url), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        assert current_revision(connection) is None
    with ResultStore(database_url) as first:
        first.save(make_result())
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision() == "0006"
        versions = connection.execute(sa.text(f"SELECT * FROM {VERSION_TABLE}")).all()
    with ResultStore(database_url) as second:
        assert second.load("run-0001-aaaa").mode == "eth_basis"
    with engine.connect() as connection:
        assert connection.execute(sa.text(f"SELECT * FROM {VERSION_TABLE}")).all() == versions
    engine.dispose()


def test_threads_opening_one_new_database_at_once_all_get_it_at_head(database_url: str) -> None:
    """The API and a run thread may open a journal the run is creating: Alembic keeps its
    context in module globals, so concurrent upgrades must be serialised in-process."""
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def open_it() -> None:
        barrier.wait()
        try:
            ResultStore(database_url).close()
        except Exception as error:  # noqa: BLE001 (collected and asserted below)
            failures.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    engine = sa.create_engine(resolve_url(database_url), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        versions = connection.execute(sa.text(f"SELECT * FROM {VERSION_TABLE}")).all()
    engine.dispose()
    assert len(versions) == 1


def _open_at_once(url: str, barrier: Any, outcomes: Any) -> None:
    """A process's part of the test below: open the store when every process is ready."""
    barrier.wait()
    try:
        ResultStore(url).close()
        outcomes.put("")
    except Exception as error:  # noqa: BLE001 (reported to the test, which asserts on it)
        outcomes.put(repr(error))


def test_processes_creating_one_sqlite_file_at_once_all_get_it_at_head(tmp_path: Path) -> None:
    """A CLI run and `basis serve` may create one SQLite file together: each would find it
    empty and create the same tables ("table basis_runs already exists", 2 trials in 5
    before the directory lock). Four processes, three fresh files."""
    context = multiprocessing.get_context("spawn")
    for trial in range(3):
        url = f"sqlite:///{tmp_path / f'trial{trial}.sqlite'}"
        barrier, outcomes = context.Barrier(4), context.Queue()
        processes = [
            context.Process(target=_open_at_once, args=(url, barrier, outcomes)) for _ in range(4)
        ]
        for process in processes:
            process.start()
        results = [outcomes.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=60)
        assert results == [""] * 4
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"trial{i}.sqlite" for i in range(3)]


def test_migrated_database_matches_the_table_definitions(database_url: str) -> None:
    ResultStore(database_url).close()
    engine = sa.create_engine(resolve_url(database_url), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert [diff for diff in differences if VERSION_TABLE not in str(diff)] == []


def test_default_url_is_sqlite_in_basis_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "new" / "home"
    monkeypatch.setenv("BASIS_HOME", str(home))
    monkeypatch.delenv("BASIS_DB_URL", raising=False)
    with ResultStore() as default:
        default.save(make_result())
        assert default.url == f"sqlite:///{home / 'results.sqlite'}"
    assert (home / "results.sqlite").is_file()


def test_basis_db_url_is_used_when_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASIS_DB_URL", f"sqlite:///{tmp_path / 'elsewhere.sqlite'}")
    with ResultStore() as configured:
        assert configured.url.endswith("elsewhere.sqlite")


def test_resolve_url_maps_postgresql_to_psycopg() -> None:
    for given in ("postgresql://u:secret@db:5432/basis", "postgres://u:secret@db:5432/basis"):
        url = resolve_url(given)
        assert url.drivername == "postgresql+psycopg"
        assert (url.host, url.database, url.password) == ("db", "basis", "secret")
    assert resolve_url("postgresql+psycopg://u@db/basis").drivername == "postgresql+psycopg"


def test_malformed_url_raises_config_error() -> None:
    with pytest.raises(ConfigError, match="not a URL"):
        resolve_url("not a url")


def test_unreachable_server_raises_config_error_without_password() -> None:
    with pytest.raises(ConfigError, match="cannot open results database") as caught:
        ResultStore("postgresql://user:hunter2@127.0.0.1:9/basis?connect_timeout=2")
    assert "hunter2" not in str(caught.value)


def test_run_json_has_the_backtest_keys_in_order() -> None:
    document = run_json(make_result())
    assert list(document) == [
        "mode",
        "share_class",
        "dataset",
        "fallback",
        "allocation",
        "start",
        "end",
        "initial_equity",
        "final_equity",
        "net_flows",
        "metrics",
        "attribution",
        "risk",
        "warnings",
        "run_id",
    ]
    assert document["start"] == "2024-05-01T00:00:00+00:00"
    assert (document["final_equity"], document["net_flows"]) == (1_000_558.0, 500.0)
    assert document["metrics"]["sharpe"] is None
    assert document["risk"]["hours_in_state"] == {"normal": 6, "delta_drift": 0}
    assert document["warnings"] == [make_result().warnings[0]]


def test_run_json_turns_non_finite_numbers_into_null() -> None:
    base = make_result()
    assert base.summary is not None
    result = replace(base, summary=replace(base.summary, risk={"min_health_factor": np.inf}))
    assert run_json(result)["risk"] == {"min_health_factor": None}


def test_run_json_without_summary_raises() -> None:
    with pytest.raises(ValueError, match="has no summary"):
        run_json(make_result(summary=False))


def test_the_shipped_head_read_without_alembic_is_alembics_head() -> None:
    """The store skips Alembic at head by reading the scripts' text: it must agree."""
    assert migrate.shipped_head() == migrate.head_revision() == "0006"
