"""The ML directional modes: features and labels by hand, the model, the signal contract,
sizing, and the proof that nothing after an hour moves a decision made at it."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from basis.data.catalog import Catalog
from basis.data.signals import load_signals
from basis.engine.backtest import load_mode
from basis.engine.loop import run
from basis.errors import DataError, InvalidOperationError
from basis.model.result import Event, EventKind
from basis.strategies import Intent, State, build
from basis.strategies.directional.features import FEATURES, LOOKBACK, features, labels
from basis.strategies.directional.model import fit, probability_up
from basis.strategies.directional.strategy import Directional
from tests.conftest import CONFIGS
from tests.engine.stubs import DEFAULT, backtest, inputs_for, market, with_data

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


# -- features and labels ---------------------------------------------------------------------


def test_features_of_a_hand_made_history() -> None:
    # price doubles every 24 h (log return ln2/24 an hour), mark 1 % above, funding 10 %
    # APR for a week then 17 %, volume 100 then 300 at the last row.
    n = LOOKBACK + 2
    price = 100.0 * 2.0 ** (np.arange(n) / 24.0)
    mark = price * 1.01
    funding = np.where(np.arange(n) < n - 1, 0.10, 0.17)
    volume = np.where(np.arange(n) < n - 1, 100.0, 300.0)
    table = features(price, mark, funding, volume)
    last = dict(zip(FEATURES, table[-1], strict=True))
    assert last["return_1h"] == pytest.approx(math.log(2) / 24)
    assert last["return_24h"] == pytest.approx(math.log(2))
    assert last["return_168h"] == pytest.approx(7 * math.log(2))
    assert last["volatility_24h"] == pytest.approx(0.0, abs=1e-12)  # constant steps
    assert last["funding_apr"] == 0.17
    assert last["funding_trend"] == pytest.approx(0.17 - (167 * 0.10 + 0.17) / 168)
    assert last["basis"] == pytest.approx(0.01)
    assert last["volume_ratio"] == pytest.approx(math.log(300 / ((167 * 100 + 300) / 168)))
    assert np.isnan(table[0, FEATURES.index("return_1h")])  # no history yet
    assert np.isnan(table[LOOKBACK - 2, FEATURES.index("return_168h")])


def test_labels_say_whether_the_price_rose_over_the_horizon() -> None:
    price = np.array([1.0, 2.0, 1.5, 1.5, 3.0])
    np.testing.assert_array_equal(labels(price, 2), [1.0, 0.0, 1.0, np.nan, np.nan])


# -- the model ---------------------------------------------------------------------------------


def synthetic(rows: int = 400, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features with a clear rule: up when the first feature is positive."""
    rng = np.random.default_rng(seed)
    table = rng.normal(size=(rows, len(FEATURES)))
    targets = (table[:, 0] > 0.0).astype(float)
    times = (T0.timestamp() + 3600 * np.arange(rows)).astype(np.int64)
    return table, targets, times


def test_fit_is_deterministic_and_its_probability_is_sklearns() -> None:
    from sklearn.linear_model import LogisticRegression

    table, targets, times = synthetic()
    first, second = fit(table, targets, times, T0, seed=3), fit(table, targets, times, T0, 3)
    assert first is not None and second is not None
    np.testing.assert_array_equal(first.coefficients, second.coefficients)
    assert first.in_sample_hit_rate > 0.95
    assert first.rows == 400 and first.first == T0
    scaled = (table - first.mean) / first.scale
    reference = LogisticRegression(C=1.0, solver="newton-cholesky", random_state=3)
    reference.fit(scaled, targets)
    expected = reference.predict_proba(scaled[:5])[:, 1]
    got = [probability_up(first, row) for row in table[:5]]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_fit_refuses_too_few_rows_or_one_class() -> None:
    table, targets, times = synthetic(rows=50)
    assert fit(table, targets, times, T0, seed=1) is None
    table, _, times = synthetic()
    assert fit(table, np.ones(400), times, T0, seed=1) is None


def test_a_row_with_an_unknown_feature_has_no_probability() -> None:
    table, targets, times = synthetic()
    model = fit(table, targets, times, T0, seed=1)
    assert model is not None
    row = table[0].copy()
    row[3] = np.nan
    assert probability_up(model, row) is None


# -- the external signal contract --------------------------------------------------------------


def write_signals(path: Path, rows: list[tuple[str, object, object]]) -> Path:
    pl.DataFrame(
        {
            "time": [r[0] for r in rows],
            "signal": [r[1] for r in rows],
            "confidence": [r[2] for r in rows],
        },
        strict=False,
    ).write_csv(path)
    return path


def test_a_valid_signal_file_is_read_as_of_each_hour(tmp_path: Path) -> None:
    path = write_signals(
        tmp_path / "s.csv",
        [("2024-01-01T00:00:00Z", 0.5, 0.9), ("2024-01-02T12:00:00+00:00", -1.0, 0.6)],
    )
    signals = load_signals(path, now=T0 + dt.timedelta(days=30))
    assert signals.at(T0 - dt.timedelta(hours=1)) is None
    assert signals.at(T0 + dt.timedelta(hours=35)).signal == 0.5  # type: ignore[union-attr]
    held = signals.at(T0 + dt.timedelta(hours=36))
    assert held is not None and (held.signal, held.confidence) == (-1.0, 0.6)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("2024-01-01T00:00:00Z", 1.5, 0.5)], r"row 1, signal: 1\.5 is not in \[-1, 1\]"),
        ([("2024-01-01T00:00:00Z", 0.5, -0.1)], r"row 1, confidence: -0\.1 is not in \[0, 1\]"),
        ([("2024-01-01T00:00:00Z", float("nan"), 0.5)], r"row 1, signal: nan"),
        (
            [("2024-01-01T01:00:00Z", 0.1, 0.5), ("2024-01-01T01:00:00Z", 0.2, 0.5)],
            r"row 2, time: 2024-01-01T01:00:00\+00:00 is not after the previous row's",
        ),
        ([("2024-01-01T00:00:00", 0.1, 0.5)], r"row 1, time: '2024-01-01T00:00:00' is not an ISO"),
        (
            [("2031-01-01T00:00:00Z", 0.1, 0.5)],
            r"row 1, time: 2031-01-01T00:00:00\+00:00 is in the future",
        ),
    ],
)
def test_a_bad_signal_file_is_refused_naming_row_and_field(
    tmp_path: Path, rows: list[tuple[str, object, object]], message: str
) -> None:
    path = write_signals(tmp_path / "s.csv", rows)
    with pytest.raises(DataError, match=message):
        load_signals(path, now=dt.datetime(2026, 12, 4, tzinfo=dt.UTC))


def test_a_signal_file_without_a_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    pl.DataFrame({"time": ["2024-01-01T00:00:00Z"], "signal": [0.1]}).write_csv(path)
    with pytest.raises(DataError, match=r"missing column\(s\) \['confidence'\]"):
        load_signals(path)


# -- the mode ----------------------------------------------------------------------------------


def decisions(events: tuple[Event, ...], before: int) -> list[tuple[object, ...]]:
    cut = dt.datetime.fromtimestamp(before, dt.UTC)
    return [(e.time, e.kind, e.subject, e.detail, e.size) for e in events if e.time <= cut]


@pytest.mark.parametrize("mode", ["ml_directional_btc", "ml_directional_eth"])
def test_changing_data_after_t_changes_no_prediction_or_decision_up_to_t(
    catalog: Catalog, mode: str
) -> None:
    inputs = inputs_for(catalog, mode, DEFAULT)
    data = inputs.data
    k = data.steps // 2
    rng = np.random.default_rng(5)
    values = data.values.copy()
    values[k + 1 :] *= rng.uniform(0.7, 1.3, size=(data.steps - k - 1, 1))  # every factor
    values[:, data.names.index("price:USDT")] = 1.0
    values[:, data.names.index("price:USDC")] = 1.0
    volume = {p: np.concatenate([v[: k + 1], v[k + 1 :] * 5.0]) for p, v in data.volume.items()}
    funding = tuple(
        replace(feed, rate=np.where(np.arange(data.steps) > k, -feed.rate, feed.rate))
        for feed in data.funding
    )
    changed = with_data(inputs, replace(data, values=values, volume=volume, funding=funding))
    results = []
    for market_data in (inputs, changed):
        strategy = build(load_mode(CONFIGS, mode, (), None), market())
        results.append((strategy, run(strategy, market_data, market(), reference=True)))
    (first, original), (second, future_changed) = results
    t = int(data.times[k])
    assert decisions(original.events, t) == decisions(future_changed.events, t)
    assert decisions(original.events, t), "the first half must hold decisions"
    assert decisions(original.events, int(data.times[-1])) != decisions(
        future_changed.events, int(data.times[-1])
    )
    assert isinstance(first, Directional) and isinstance(second, Directional)
    before = [m for m in first.fits if m.time.timestamp() <= t]
    assert before and [m.coefficients.tolist() for m in before] == [
        m.coefficients.tolist() for m in second.fits[: len(before)]
    ]


def test_the_mode_is_deterministic_and_reports_its_refits(catalog: Catalog) -> None:
    first = backtest(catalog, "ml_directional_btc", DEFAULT)
    second = backtest(catalog, "ml_directional_btc", DEFAULT)
    assert first.events == second.events
    refits = [e for e in first.events if e.kind is EventKind.MODEL]
    assert refits and all(e.detail.startswith("refit on ") for e in refits)
    metrics = first.summary.metrics
    assert metrics["refits"] == len(refits)
    assert 0.0 <= metrics["hit_rate"] <= 1.0
    assert metrics["predictions_judged"] > 0
    price = inputs_for(catalog, "ml_directional_btc", DEFAULT).data
    column = price.values[:, price.names.index("price:BTC")]
    assert metrics["buy_and_hold_return"] == pytest.approx(column[-1] / column[0] - 1.0)


def test_a_signal_file_is_traded_at_the_volatility_target(catalog: Catalog, tmp_path: Path) -> None:
    # Always long with confidence 1: the first decision after σ's week of history buys
    # equity × min(0.20 / σ_annual, 1) / price of BTC, σ from the hand-computed window.
    path = write_signals(tmp_path / "long.csv", [("2023-12-01T00:00:00Z", 1.0, 1.0)])
    result = backtest(
        catalog, "ml_directional_btc", DEFAULT, overrides=[f"directional.signal_file={path}"]
    )
    trades = [e for e in result.events if e.kind is EventKind.TRADE]
    first = trades[0]
    data = inputs_for(catalog, "ml_directional_btc", DEFAULT).data
    k = int(np.flatnonzero(data.times == int(first.time.timestamp()))[0])
    assert k == 168  # `sigma_hours` of returns first exist at row 168
    prices = data.values[: k + 1, data.names.index("price:BTC")]
    sigma = np.std(np.diff(np.log(prices)), ddof=1) * math.sqrt(8760)
    leverage = min(0.20 / sigma, 1.0)
    equity = result.initial_equity
    assert first.size == pytest.approx(equity * leverage / prices[-1], rel=1e-9)
    assert all(
        e.size > 0 or "take profit" in e.detail or "stop loss" in e.detail or True for e in trades
    )


def test_the_report_shows_the_model_against_holding_and_flat(catalog: Catalog) -> None:
    from basis.analytics.report import render_report

    result = backtest(catalog, "ml_directional_eth", DEFAULT)
    page = render_report(result)
    metrics = result.summary.metrics
    assert "Out-of-sample hit rate" in page
    assert f"{100 * metrics['hit_rate']:.2f}%" in page
    gap = metrics["total_return"] - metrics["buy_and_hold_return"]
    assert f"{100 * gap:.2f}%" in page
    refits = [e for e in result.events if e.kind is EventKind.MODEL]
    assert f"{len(refits)} refits" in page and refits[0].detail in page
    assert "Out-of-sample hit rate" not in render_report(backtest(catalog, "btc_basis"))


def test_a_strategy_restored_from_its_document_decides_as_the_unbroken_one(
    catalog: Catalog,
) -> None:
    """At hour 500 the run is handed to a fresh strategy restored from the JSON of the
    first one's document. With `train_hours` 168 a decision reads at most the last
    168 + 24 + 168 = 360 rows, so the document keeps rows 140..499 only (the rest come
    back as NaN and are never read), and the run is the unbroken one's, event for event."""
    mode, overrides = "ml_directional_btc", ("directional.train_hours=168",)
    inputs = inputs_for(catalog, mode, DEFAULT, T0, T0 + dt.timedelta(days=31), overrides)
    config = load_mode(CONFIGS, mode, overrides, None)
    unbroken = run(build(config, market()), inputs, market(), reference=True)
    first, fresh = build(config, market()), build(config, market())
    assert isinstance(first, Directional) and isinstance(fresh, Directional)
    handover, decide, documents = inputs.data.time(500), first.decide, []

    def handing_over(state: State) -> list[Intent]:
        if state.snapshot.time < handover:
            return decide(state)
        if not documents:
            documents.append(json.loads(json.dumps(first.document(), allow_nan=False)))
            fresh.restore(documents[0])
        return fresh.decide(state)

    first.decide = handing_over  # type: ignore[method-assign]
    first.diagnostics = fresh.diagnostics  # type: ignore[method-assign]
    resumed = run(first, inputs, market(), reference=True)
    (document,) = documents
    assert (document["version"], document["rows"], document["first_row"]) == (1, 500, 140)
    assert [e for e in unbroken.events if e.time >= handover], "decisions after the handover"
    assert resumed.events == unbroken.events
    np.testing.assert_array_equal(resumed.equity, unbroken.equity)
    assert resumed.summary is not None and unbroken.summary is not None
    assert resumed.summary.metrics == unbroken.summary.metrics


def test_a_document_of_another_version_is_refused(catalog: Catalog) -> None:
    strategy = build(load_mode(CONFIGS, "ml_directional_eth", (), None), market())
    document = strategy.document()
    assert document is not None and document["rows"] == 0
    strategy.restore(document)  # an empty history resumes as empty
    with pytest.raises(InvalidOperationError, match="checkpoint version 2; this basis reads 1"):
        strategy.restore({**document, "version": 2})
    with pytest.raises(InvalidOperationError, match="malformed"):
        strategy.restore({"version": 1})
