"""Stochastic building blocks against hand-computed values and their defining properties."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from basis.data.scenario.processes import (
    ar1,
    bar_extremes,
    decay,
    jump_diffusion_increments,
    ornstein_uhlenbeck,
    trailing_mean,
)


def test_decay_one_half_life_is_one_half() -> None:
    assert decay(24.0, 24.0) == 0.5
    assert math.isclose(decay(1.0, 2.0), 2**-0.5)


def test_ar1_hand_computed_recursion() -> None:
    # x0 = 1; x1 = 0.5·1 + 2 = 2.5; x2 = 0.5·2.5 − 1 = 0.25
    np.testing.assert_allclose(ar1(np.array([1.0, 2.0, -1.0]), 0.5), [1.0, 2.5, 0.25])


def test_ar1_empty_input_empty_output() -> None:
    assert ar1(np.empty(0), 0.5).size == 0


def test_ornstein_uhlenbeck_long_sample_matches_stationary_std_and_half_life() -> None:
    rng = np.random.Generator(np.random.PCG64(3))
    path = ornstein_uhlenbeck(rng, 400_000, std=2.0, half_life=10.0)
    assert abs(path.std() - 2.0) < 0.05
    lag = np.corrcoef(path[10:], path[:-10])[0, 1]
    assert abs(lag - 0.5) < 0.02  # autocorrelation after one half-life


def test_jump_diffusion_without_noise_is_compensated_drift() -> None:
    # σ = 0, no jumps: every hourly log increment is drift/8760 exactly.
    rng = np.random.Generator(np.random.PCG64(0))
    increments = jump_diffusion_increments(np.zeros(5), rng, 0.0876, 0.0, 0.0, 0.0, 0.0)
    np.testing.assert_allclose(increments, 1e-5)


def test_jump_diffusion_mean_growth_matches_drift() -> None:
    # E[S_T/S_0] = exp(drift·T) including the jump compensator κλ.
    rng = np.random.Generator(np.random.PCG64(1))
    paths, hours = 4000, 24 * 30
    normals = rng.standard_normal(paths * hours)
    increments = jump_diffusion_increments(normals, rng, 0.5, 0.6, 50.0, -0.02, 0.05)
    growth = np.exp(increments.reshape(paths, hours).sum(axis=1))
    expected = math.exp(0.5 * hours / 8760)
    assert abs(growth.mean() / expected - 1.0) < 0.01


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-3, 3), min_size=1, max_size=30),
    st.floats(0.0, 3.0),
    st.integers(0, 2**32 - 1),
)
def test_bar_extremes_bracket_open_and_close(opens: list[float], vol: float, seed: int) -> None:
    log_open = np.array(opens)
    log_close = log_open[::-1].copy()
    high, low = bar_extremes(np.random.Generator(np.random.PCG64(seed)), log_open, log_close, vol)
    assert np.all(high >= np.maximum(log_open, log_close))
    assert np.all(low <= np.minimum(log_open, log_close))


def test_bar_extremes_zero_volatility_are_open_and_close() -> None:
    rng = np.random.Generator(np.random.PCG64(0))
    high, low = bar_extremes(rng, np.array([1.0, 2.0]), np.array([1.5, 1.0]), 0.0)
    np.testing.assert_array_equal(high, [1.5, 2.0])
    np.testing.assert_array_equal(low, [1.0, 1.0])


def test_trailing_mean_uses_only_values_before_each_end() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    # ends 1, 2, 4 with window 2: mean([1]) , mean([1, 2]), mean([3, 4])
    np.testing.assert_allclose(trailing_mean(values, 2, np.array([1, 2, 4])), [1.0, 1.5, 3.5])
