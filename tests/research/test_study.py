"""Optuna studies on a local dask cluster: seeded reproducibility, constraints, failed trials
told FAIL, and resuming from the store."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path

import distributed
import pytest
from optuna.trial import TrialState

from basis.research.cluster import open_client
from basis.research.constraints import parse_constraint
from basis.research.parameters import ModeChecker
from basis.research.space import read_space
from basis.research.study import StudyOutcome, StudyRequest, plan_study, run_study
from basis.research.study_report import best_so_far, render_study_report, trials_table
from basis.store import SweepStore
from tests.conftest import CONFIGS
from tests.research.sweep_stubs import END, MODE, make_catalog, truncate_series, write_file

END_TIME = dt.datetime.fromisoformat(END).replace(tzinfo=dt.UTC)
SPACE = (
    "parameters:\n"
    "  target_ltv: {low: 0.82, high: 0.9}\n"
    "  stake_allocation: {low: 0.4, high: 0.6, step: 0.1}\n"
)
HF = "min_health_factor>=1.1"


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    with open_client(workers=2) as opened:
        yield opened


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_catalog(tmp_path_factory.mktemp("study") / "catalog")


def study(
    client: distributed.Client,
    folder: Path,
    catalog: Path,
    name: str,
    *,
    space: str = SPACE,
    trials: int = 4,
    seed: int = 3,
    constraints: tuple[str, ...] = (HF,),
) -> StudyOutcome:
    request = StudyRequest(
        mode=MODE,
        space=read_space(write_file(folder, "space.yaml", space), ModeChecker(CONFIGS, MODE, None)),
        objective="apy",
        catalog=catalog,
        configs=CONFIGS,
        trials=trials,
        constraints=tuple(parse_constraint(text) for text in constraints),
        end=END_TIME,
        seed=seed,
        name=name,
    )
    plan = plan_study(request)
    with SweepStore() as store:
        store.open_sweep(plan.spec)
        return run_study(plan, client, store, batch=2)


def summary(outcome: StudyOutcome) -> list[tuple[int, dict[str, object], float | None]]:
    return [(t.number, dict(t.params), t.value) for t in outcome.trials]


def test_same_seed_gives_the_same_trials_and_another_seed_does_not(
    client: distributed.Client, catalog: Path, tmp_path: Path
) -> None:
    first = study(client, tmp_path, catalog, "first")
    again = study(client, tmp_path, catalog, "again")
    other = study(client, tmp_path, catalog, "other", seed=4)
    assert [n for n, _, _ in summary(first)] == [0, 1, 2, 3]
    assert summary(first) == summary(again)
    assert [p for _, p, _ in summary(first)] != [p for _, p, _ in summary(other)]
    assert first.ran == again.ran == 4
    for trial in first.trials:
        assert 0.82 <= float(trial.params["target_ltv"]) <= 0.9  # type: ignore[arg-type]
        assert trial.params["stake_allocation"] in (0.4, 0.5, 0.6)  # stepped, rounded


def test_constraints_decide_feasibility_and_the_best_feasible_trial(
    client: distributed.Client, catalog: Path, tmp_path: Path
) -> None:
    outcome = study(client, tmp_path, catalog, "constrained", trials=6)
    assert all(t.state == "complete" for t in outcome.trials)
    for trial, frozen in zip(outcome.trials, outcome.study.trials, strict=True):
        hf = float(trial.numbers["min_health_factor"])
        assert trial.violations == (1.1 - hf,)
        assert trial.feasible == (hf >= 1.1)
        assert frozen.constraints == {HF: 1.1 - hf}  # what TPE sees
        assert frozen.state == TrialState.COMPLETE and frozen.value == trial.value
    feasible = [t for t in outcome.trials if t.feasible]
    assert feasible and len(feasible) < len(outcome.trials)  # the constraint bites
    assert outcome.best is not None
    assert outcome.best.value == max(t.value for t in feasible if t.value is not None)
    path = best_so_far(outcome.trials, maximize=True)
    assert path[-1] == outcome.best.value
    assert all(b is None or a is None or b >= a for a, b in itertools.pairwise(path))


def test_failed_runs_are_told_fail_recorded_and_do_not_stop_the_study(
    client: distributed.Client, tmp_path: Path
) -> None:
    # wstETH's rate series ends after 100 hours, so every wstETH trial fails in the worker
    # (its data does not cover the window) while weETH trials run.
    root = make_catalog(tmp_path / "catalog")
    ends = truncate_series(root, "scenario:default", "staking:lst:wstETH", 100)
    assert ends.startswith("2024-01-05T03:00")
    space = SPACE + "  lst: {choices: [weETH, wstETH]}\n"
    outcome = study(client, tmp_path, root, "failing", space=space, trials=6, constraints=())
    by_lst = {t.params["lst"] for t in outcome.trials}
    assert by_lst == {"weETH", "wstETH"}  # the seed samples both
    for trial, frozen in zip(outcome.trials, outcome.study.trials, strict=True):
        if trial.params["lst"] == "wstETH":
            assert trial.state == "failed" and frozen.state == TrialState.FAIL
            assert trial.error is not None and trial.error.startswith("DataMissingError")
            assert "staking:lst:wstETH" in trial.error
        else:
            assert trial.state == "complete" and frozen.state == TrialState.COMPLETE
    with SweepStore() as store:
        rows = store.points("failing")
    assert {r.status for r in rows if r.params["lst"] == "wstETH"} == {"failed"}
    assert {r.status for r in rows if r.params["lst"] == "weETH"} == {"done"}
    assert outcome.best is not None and outcome.best.params["lst"] == "weETH"


def test_rerun_reuses_stored_trials_and_extends_the_study(
    client: distributed.Client, catalog: Path, tmp_path: Path
) -> None:
    first = study(client, tmp_path, catalog, "grows", trials=4)
    longer = study(client, tmp_path, catalog, "grows", trials=6)
    assert summary(longer)[:4] == summary(first)
    assert [t.reused for t in longer.trials] == [True] * 4 + [False] * 2
    assert longer.ran == 2
    assert [t.run_id for t in longer.trials[:4]] == [t.run_id for t in first.trials]


def test_trials_table_and_report(client: distributed.Client, catalog: Path, tmp_path: Path) -> None:
    outcome = study(client, tmp_path, catalog, "reported", trials=2)
    plan = plan_study(
        StudyRequest(
            mode=MODE,
            space=read_space(tmp_path / "space.yaml", ModeChecker(CONFIGS, MODE, None)),
            objective="apy",
            catalog=catalog,
            configs=CONFIGS,
            trials=2,
            constraints=(parse_constraint(HF),),
            end=END_TIME,
            seed=3,
            name="reported",
        )
    )
    table = trials_table(plan, outcome)
    assert table.columns[:9] == [
        "trial",
        "target_ltv",
        "stake_allocation",
        "state",
        "objective",
        "feasible",
        "reused",
        "run_id",
        "error",
    ]
    assert table["objective"].to_list() == [t.value for t in outcome.trials]
    assert table["apy"].to_list() == table["objective"].to_list()
    html = render_study_report(plan, outcome, table)
    assert "<script" in html and " src=" not in html.split("</head>", 1)[1]
    assert 'id="study-history"' in html
    assert f"2 trials: 2 complete ({sum(t.feasible for t in outcome.trials)} feasible)" in html
