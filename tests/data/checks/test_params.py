"""Parameter documents: self-contradicting margin files, Aave JSON vs snapshot."""

from __future__ import annotations

from typing import Any

from basis.data.checks.params import aave_issues, margin_issues, params
from tests.data.checks.stubs import params_info

# The real Binance file's values.
BINANCE: dict[str, Any] = {
    "initial_margin_requirement": 0.05,
    "maintenance_margin_requirement": 0.1,
    "liquidation_threshold": 0.05,
    "max_leverage": 20,
    "margin_call_threshold": 0.15,
    "funding_rate_interval_hours": 8,
}
CONSISTENT: dict[str, Any] = {
    "initial_margin_requirement": 0.1,
    "maintenance_margin_requirement": 0.05,
    "liquidation_threshold": 0.05,
    "max_leverage": 10,
    "margin_call_threshold": 0.075,
}
RISK_JSON: dict[str, Any] = {
    "emode": {"ltv_limits": {"weETH_WETH": 0.93}},
    "standard": {
        "ltv_limits": {"weETH_WETH": 0.80, "ETH_WETH": 0.80},
        "liquidation_thresholds": {"weETH_WETH": 0.85},
        "liquidation_bonus": {"weETH_WETH": 0.07},
    },
    "reserve_factors": {"weETH": 0.10, "USDT": 0.10},
}
SNAPSHOT: dict[str, Any] = {
    "weETH": {
        "LTV": 0.775,
        "Liquidation Threshold": 0.80,
        "Liquidation Bonus": 0.07,
        "Reserve Factor": 0.45,
        "Frozen": False,
    },
    "WETH": {"LTV": 0.805},
    "USDT": {"Reserve Factor": 0.10},
}


def test_margin_issues_real_binance_file_three_rules_broken() -> None:
    issues = margin_issues(BINANCE)
    assert len(issues) == 3
    assert issues[0].startswith("initial_margin_requirement 0.05 is below maintenance")
    assert issues[1].startswith("liquidation_threshold 0.05 differs from maintenance")
    assert issues[2].startswith("margin_call_threshold 0.15 is above initial_margin_requirement")


def test_margin_issues_consistent_file_none() -> None:
    assert margin_issues(CONSISTENT) == []


def test_margin_issues_margin_call_at_maintenance_and_wrong_leverage() -> None:
    broken = {**CONSISTENT, "margin_call_threshold": 0.05, "max_leverage": 20}
    issues = margin_issues(broken)
    assert len(issues) == 2
    assert "margin_call_threshold 0.05 is not above" in issues[0]
    assert "max_leverage 20 is not 1 / initial_margin_requirement (10)" in issues[1]


def test_margin_issues_text_value_reported_and_its_rules_skipped() -> None:
    issues = margin_issues({**CONSISTENT, "initial_margin_requirement": "5%"})
    assert issues == ["initial_margin_requirement is '5%', expected a finite number"]


def test_margin_issues_missing_fields_skip_their_rules() -> None:
    assert margin_issues({"maintenance_margin_requirement": 0.05}) == []


def test_aave_issues_each_disagreement_one_sentence() -> None:
    issues = aave_issues(RISK_JSON, SNAPSHOT, "snapshot.csv")
    # weETH LTV, WETH LTV (ETH_WETH), weETH threshold, weETH reserve factor; the bonus
    # (0.07) and USDT reserve factor agree.
    assert len(issues) == 4
    assert "weETH LTV 0.8 in the JSON vs 0.775 in snapshot.csv" in issues
    assert "WETH LTV 0.8 in the JSON vs 0.805 in snapshot.csv" in issues
    assert "weETH Reserve Factor 0.1 in the JSON vs 0.45 in snapshot.csv" in issues


def test_aave_issues_asset_missing_from_snapshot_reported() -> None:
    issues = aave_issues({"standard": {"ltv_limits": {"wstETH_WETH": 0.8}}}, SNAPSHOT, "s.csv")
    assert issues == ["wstETH LTV is 0.8 in the JSON but missing from s.csv"]


def test_aave_issues_without_standard_section_one_issue() -> None:
    assert aave_issues({"emode": {}}, SNAPSHOT, "s.csv") == [
        "no 'standard' section to compare with the snapshot"
    ]


def test_params_one_error_finding_per_inconsistent_document() -> None:
    documents = {
        "binance:margin": (params_info("binance:margin", "cex/margin.json"), BINANCE),
        "okx:margin": (params_info("okx:margin", "cex/okx_margin.json"), CONSISTENT),
        "aave_v3:risk_parameters": (params_info("aave_v3:risk_parameters", "r.json"), RISK_JSON),
        "aave_v3:risk_parameters_snapshot": (
            params_info("aave_v3:risk_parameters_snapshot", "snap.csv"),
            SNAPSHOT,
        ),
        "ethereum:gas_units": (params_info("ethereum:gas_units", "g.json"), {"a": 1}),
    }
    found = {item.series: item for item in params(documents)}
    assert set(found) == {"binance:margin", "aave_v3:risk_parameters"}
    assert (found["binance:margin"].count, found["binance:margin"].severity) == (3, "error")
    assert found["binance:margin"].source == "cex/margin.json"
    assert found["aave_v3:risk_parameters"].count == 4
    assert "in snap.csv" in found["aave_v3:risk_parameters"].detail


def test_params_aave_json_without_snapshot_not_compared() -> None:
    documents = {
        "aave_v3:risk_parameters": (params_info("aave_v3:risk_parameters", "r.json"), RISK_JSON)
    }
    assert params(documents) == []


def test_aave_issues_malformed_sections_reported_not_raised() -> None:
    broken = {"standard": {"ltv_limits": 0.8}, "reserve_factors": {"weETH": 0.45}}
    issues = aave_issues(broken, {"weETH": "n/a"}, "s.csv")
    assert issues == [
        "standard.ltv_limits is 0.8, expected a mapping of asset to value",
        "weETH Reserve Factor is 0.45 in the JSON but missing from s.csv",
    ]
