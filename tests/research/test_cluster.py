"""The dask helpers: outcomes in task order, streaming callbacks, errors that stay per task."""

from __future__ import annotations

import math
from collections.abc import Iterator

import distributed
import pytest

from basis.errors import ConfigError
from basis.research import cluster
from basis.research.cluster import Outcome, open_client, run_tasks


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    with open_client(workers=1) as opened:
        yield opened


def test_outcomes_come_back_in_task_order_and_each_is_reported_once(
    client: distributed.Client,
) -> None:
    seen: list[tuple[int, float | None]] = []
    outcomes = run_tasks(
        client, math.sqrt, [4.0, 9.0, 2.25], lambda i, o: seen.append((i, o.value))
    )
    assert [o.value for o in outcomes] == [2.0, 3.0, 1.5]
    assert all(o.ok and o.error is None and o.seconds >= 0.0 for o in outcomes)
    assert sorted(seen) == [(0, 2.0), (1, 3.0), (2, 1.5)]


def test_a_failing_task_becomes_an_error_outcome_and_the_others_finish(
    client: distributed.Client,
) -> None:
    outcomes: list[Outcome[float]] = run_tasks(
        client, math.sqrt, [16.0, -1.0, 25.0], lambda i, o: None
    )
    assert [o.value for o in outcomes] == [4.0, None, 5.0]
    failed = outcomes[1]
    assert failed.error is not None and not failed.ok
    assert failed.error.startswith(
        "ValueError: math domain error\nTraceback (most recent call last)"
    )
    assert "math.sqrt" not in failed.error or "ValueError" in failed.error


def test_no_tasks_submit_nothing(client: distributed.Client) -> None:
    assert run_tasks(client, math.sqrt, [], lambda i, o: None) == []


def test_an_unreachable_scheduler_is_a_config_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_SECONDS", 1)
    with pytest.raises(ConfigError) as raised, open_client("tcp://127.0.0.1:9"):
        pass
    assert "cannot reach the dask scheduler at 'tcp://127.0.0.1:9' within 1 s" in str(raised.value)


def test_workers_must_be_positive() -> None:
    with (
        pytest.raises(ConfigError, match="--workers must be at least 1, got 0"),
        open_client(workers=0),
    ):
        pass
