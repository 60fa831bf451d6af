"""Shock envelopes and level blending against hand-computed weights."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from basis.config.scenarios import ShockConfig
from basis.data.scenario.shocks import blend_levels, envelope, matching
from tests.data.scenario.stubs import START, hours, timeline

LINE = timeline(100)


def shock(kind: str, **fields: object) -> ShockConfig:
    base = {"kind": kind, "start": START + hours(10), "duration_hours": 4, "magnitude": 0.5}
    return ShockConfig.model_validate({**base, **fields})


def test_envelope_price_ramps_across_window_and_keeps_level() -> None:
    offsets = np.array([9.0, 10.0, 11.0, 12.0, 14.0, 50.0])
    np.testing.assert_allclose(
        envelope(shock("price"), LINE, offsets), [0.0, 0.0, 0.25, 0.5, 1.0, 1.0]
    )


def test_envelope_window_kind_is_one_inside_and_zero_after() -> None:
    offsets = np.array([9.0, 10.0, 13.0, 14.0, 20.0])
    np.testing.assert_array_equal(
        envelope(shock("gas", magnitude=3), LINE, offsets), [0, 1, 1, 0, 0]
    )


def test_envelope_recovery_halves_each_half_life_after_the_window() -> None:
    gas = shock("gas", magnitude=3, recovery_half_life_hours=2)
    np.testing.assert_allclose(envelope(gas, LINE, np.array([14.0, 16.0, 18.0])), [1, 0.5, 0.25])
    price = shock("price", magnitude=-0.4, recovery_half_life_hours=2)
    np.testing.assert_allclose(envelope(price, LINE, np.array([16.0])), [0.5])


@given(st.lists(st.floats(-100, 200), min_size=1, max_size=20), st.sampled_from(["price", "gas"]))
def test_envelope_always_within_unit_interval(points: list[float], kind: str) -> None:
    weights = envelope(shock(kind, magnitude=2, recovery_half_life_hours=3), LINE, np.array(points))
    assert np.all((weights >= 0.0) & (weights <= 1.0))


def test_matching_empty_targets_apply_to_all_and_named_targets_filter() -> None:
    everywhere = shock("funding", magnitude=-0.1)
    binance_eth = shock("funding", magnitude=-0.1, venues=["binance"], assets=["ETH"])
    shocks = (everywhere, binance_eth, shock("gas", magnitude=2))
    assert matching(shocks, "funding", asset="ETH", venue="binance") == [everywhere, binance_eth]
    assert matching(shocks, "funding", asset="BTC", venue="binance") == [everywhere]
    assert matching(shocks, "funding", asset="ETH", venue="okx") == [everywhere]


def test_blend_levels_pulls_to_magnitude_plus_deviation_inside_window() -> None:
    offsets = np.array([9.0, 11.0, 15.0])
    values = np.array([0.08, 0.08, 0.08])
    deviation = np.array([0.01, 0.02, 0.03])
    funding = shock("funding", magnitude=-0.1)
    np.testing.assert_allclose(
        blend_levels(values, [funding], LINE, offsets, deviation), [0.08, -0.08, 0.08]
    )
