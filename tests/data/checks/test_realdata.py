"""The real data: every defect the data README lists is found, and little else."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import pytest

from basis.data.catalog import Catalog
from basis.data.checks import Finding, check_catalog
from basis.data.ingest import import_folder

pytestmark = pytest.mark.realdata

BINANCE_HOURLY = ("binance:spot:BTCUSDT", "binance:perp:BTCUSDT", "binance:perp:ETHUSDT")
BYBIT_HOURLY = tuple(
    f"bybit:{market}:{symbol}" for market in ("spot", "perp") for symbol in ("BTCUSDT", "ETHUSDT")
)
OKX_FUNDING = ("okx:funding:BTCUSDT", "okx:funding:ETHUSDT")
HOURLY_ORACLES = ("aave_v3:oracle:WETH", "aave_v3:oracle:weETH", "aave_v3:oracle:wstETH")

Checked = tuple[dict[tuple[str, str], Finding], float]


@pytest.fixture(scope="module")
def checked(real_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Checked:
    """Findings of the imported real folder by (series, kind), and the check's seconds."""
    catalog = Catalog(tmp_path_factory.mktemp("real_catalog"))
    import_folder(real_data, catalog)
    started = time.perf_counter()
    findings = check_catalog(catalog, "real")
    seconds = time.perf_counter() - started
    by_key = {(item.series, item.kind): item for item in findings}
    assert len(by_key) == len(findings), "one finding per series and kind"
    return by_key, seconds


def kinds(found: dict[tuple[str, str], Finding]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = defaultdict(set)
    for series, kind in found:
        result[kind].add(series)
    return result


def test_real_binance_hourly_miss_a_day_every_42_days(checked: Checked) -> None:
    found, _ = checked
    for series in BINANCE_HOURLY:
        gap = found[(series, "gap")]
        # 13 holes of 23 hours each (the day boundary moves with the pagination).
        assert gap.count == 13 * 23, series
        assert "in 13 hole(s)" in gap.detail
        assert "2024-02-10 01:00 → 2024-02-10 23:00 (23 points" in gap.detail
    assert kinds(found)["gap"] & set(BYBIT_HOURLY) == set()


def test_real_bybit_hourly_duplicated_page_boundaries(checked: Checked) -> None:
    found, _ = checked
    for series in BYBIT_HOURLY:
        duplicate = found[(series, "duplicate")]
        assert (duplicate.count, duplicate.severity) == (13, "warning"), series
        assert "2024-02-10 00:00 (rows 962, 963)" in duplicate.detail
        assert (series, "conflicting_duplicate") not in found


def test_real_okx_funding_conflicts_and_august_hole(checked: Checked) -> None:
    found, _ = checked
    for series in OKX_FUNDING:
        conflict = found[(series, "conflicting_duplicate")]
        assert (conflict.count, conflict.severity) == (210, "error"), series
        gap = found[(series, "gap")]
        assert "2024-08-01 00:00 → 2024-08-31 16:00 (93 points" in gap.detail
        assert found[(series, "missing_range")].detail.startswith("available 2024-05-01 00:00")


def test_real_aave_hourly_oracles_interpolated_daily_one_not(checked: Checked) -> None:
    found, _ = checked
    for series in HOURLY_ORACLES:
        item = found[(series, "interpolated")]
        assert item.severity == "warning"
        assert item.count >= 9_700, series  # ≥ 97 % of the rows
    assert ("aave_v3:oracle:USDT", "interpolated") not in found
    # The LST protocol rates are derived from those oracles, and are as smooth.
    assert kinds(found)["interpolated"] == {
        *HOURLY_ORACLES,
        "staking:lst:weETH",
        "staking:lst:wstETH",
    }


def test_real_reward_prices_are_placeholders(checked: Checked) -> None:
    found, _ = checked
    item = found[("etherfi:rewards:weETH", "placeholder")]
    assert item.count == 52
    assert "3.5 on 40 consecutive EIGEN rows" in item.detail
    assert "2.8 on 12 consecutive ETHFI rows" in item.detail
    assert kinds(found)["placeholder"] == {"etherfi:rewards:weETH"}


def test_real_parameter_files_inconsistent(checked: Checked) -> None:
    found, _ = checked
    margin = found[("binance:margin", "inconsistent_params")]
    assert (margin.count, margin.severity) == (3, "error")
    assert margin.source == "cex/margin_requirements_binance.json"
    assert "initial_margin_requirement 0.05 is below maintenance" in margin.detail
    aave = found[("aave_v3:risk_parameters", "inconsistent_params")]
    assert "weETH LTV 0.8 in the JSON vs 0.775" in aave.detail


def test_real_ranges_name_available_windows(checked: Checked) -> None:
    found, _ = checked
    okx_perp = found[("okx:perp:ETHUSDT", "missing_range")]
    assert okx_perp.detail.startswith("available 2024-08-01 00:00 until 2025-07-01 00:00")
    assert found[("uniswap_v3:token:EIGEN", "missing_range")].severity == "info"


def test_real_few_false_positives(checked: Checked) -> None:
    found, _ = checked
    by_kind = kinds(found)
    assert by_kind["outlier"] == {"ethereum:gas:mainnet"}
    assert not by_kind["nan"]
    assert not by_kind["negative"]
    errors = {series for (series, _), item in found.items() if item.severity == "error"}
    assert errors == {*OKX_FUNDING, "binance:margin", "aave_v3:risk_parameters"}


def test_real_gas_single_block_priority_fees_are_outliers(checked: Checked) -> None:
    found, _ = checked
    gas = found[("ethereum:gas:mainnet", "outlier")]
    assert (gas.count, gas.severity) == (19 + 32 + 87, "warning")
    # p50 814.69 gwei at 19:00 (279 at 20:00) while the day's median is 0.48 gwei.
    assert "priority_fee_p50_gwei 32: 814.69 gwei vs median 0.48 at 2024-04-15 19:00" in (
        gas.detail
    )
    assert "priority_fee_p25_gwei 19:" in gas.detail
    assert "priority_fee_p75_gwei 87:" in gas.detail
    assert "base_fee_gwei" not in gas.detail


def test_real_check_takes_about_a_second(checked: Checked) -> None:
    _, seconds = checked
    assert seconds < 3.0
