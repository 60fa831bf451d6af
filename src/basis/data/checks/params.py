"""Parameter documents: margin requirements that contradict themselves, and Aave risk
parameters whose JSON disagrees with the on-chain snapshot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from basis.data.catalog import ParamsInfo
from basis.data.checks.finding import Finding, finding

TOLERANCE: Final = 1e-9
AAVE_JSON: Final = "aave_v3:risk_parameters"
AAVE_SNAPSHOT: Final = "aave_v3:risk_parameters_snapshot"
MARGIN_SUFFIX: Final = ":margin"

INITIAL: Final = "initial_margin_requirement"
MAINTENANCE: Final = "maintenance_margin_requirement"
LIQUIDATION: Final = "liquidation_threshold"
MARGIN_CALL: Final = "margin_call_threshold"
LEVERAGE: Final = "max_leverage"

# risk_parameters.json group → snapshot parameter row.
AAVE_STANDARD: Final = {
    "ltv_limits": "LTV",
    "liquidation_thresholds": "Liquidation Threshold",
    "liquidation_bonus": "Liquidation Bonus",
}
AAVE_RESERVE_FACTOR: Final = ("reserve_factors", "Reserve Factor")

Document = tuple[ParamsInfo, Mapping[str, Any]]


def params(documents: Mapping[str, Document]) -> list[Finding]:
    """`inconsistent_params` findings for the parameter documents of one dataset, by name.

    `<venue>:margin` documents are checked against themselves; `aave_v3:risk_parameters`
    against `aave_v3:risk_parameters_snapshot` when both are there. Other documents have
    no rules. Returns one finding per inconsistent document.
    """
    found = []
    for name, (info, content) in sorted(documents.items()):
        if name.endswith(MARGIN_SUFFIX):
            found.extend(_report(info, margin_issues(content)))
    if AAVE_JSON in documents and AAVE_SNAPSHOT in documents:
        (info, content), (snapshot_info, snapshot) = documents[AAVE_JSON], documents[AAVE_SNAPSHOT]
        found.extend(_report(info, aave_issues(content, snapshot, snapshot_info.source)))
    return found


def _report(info: ParamsInfo, issues: list[str]) -> list[Finding]:
    if not issues:
        return []
    detail = f"{len(issues)} inconsistency(ies): " + "; ".join(issues)
    return [finding("inconsistent_params", info, len(issues), detail)]


def _number(content: Mapping[str, Any], key: str, issues: list[str]) -> float | None:
    """The value of `key` when it is a finite number; None (and an issue) when it is not."""
    if key not in content:
        return None
    value = content[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        issues.append(f"{key} is {value!r}, expected a finite number")
        return None
    return float(value)


def margin_issues(content: Mapping[str, Any]) -> list[str]:
    """Every broken rule of a margin document, each as one sentence (empty when consistent).

    Rules, each checked when its fields are present: initial ≥ maintenance; liquidation at
    maintenance (liquidation_threshold = maintenance); maintenance < margin call ≤ initial
    (a call comes before liquidation, and not at entry); max_leverage = 1 / initial.
    """
    issues: list[str] = []
    initial = _number(content, INITIAL, issues)
    maintenance = _number(content, MAINTENANCE, issues)
    liquidation = _number(content, LIQUIDATION, issues)
    call = _number(content, MARGIN_CALL, issues)
    leverage = _number(content, LEVERAGE, issues)
    if initial is not None and maintenance is not None and initial < maintenance:
        issues.append(
            f"{INITIAL} {initial:g} is below {MAINTENANCE} {maintenance:g} "
            "(a new position would start under maintenance)"
        )
    if (
        liquidation is not None
        and maintenance is not None
        and abs(liquidation - maintenance) > TOLERANCE
    ):
        issues.append(
            f"{LIQUIDATION} {liquidation:g} differs from {MAINTENANCE} {maintenance:g} "
            "(positions are liquidated at maintenance)"
        )
    if call is not None and maintenance is not None and call <= maintenance:
        issues.append(
            f"{MARGIN_CALL} {call:g} is not above {MAINTENANCE} {maintenance:g} "
            "(a margin call must come before liquidation)"
        )
    if call is not None and initial is not None and call > initial:
        issues.append(
            f"{MARGIN_CALL} {call:g} is above {INITIAL} {initial:g} "
            "(a position at full leverage would be in margin call when opened)"
        )
    if leverage is not None and initial is not None and abs(leverage * initial - 1) > TOLERANCE:
        issues.append(f"{LEVERAGE} {leverage:g} is not 1 / {INITIAL} ({1 / initial:g})")
    return issues


def aave_issues(
    content: Mapping[str, Any], snapshot: Mapping[str, Any], snapshot_source: str
) -> list[str]:
    """Every standard-mode value (LTV, liquidation threshold, bonus) and reserve factor of the
    risk parameter JSON that differs from the snapshot, as one sentence each.

    JSON pairs name the collateral first (`weETH_WETH` → weETH; `ETH_WETH` → WETH).
    """
    issues: list[str] = []
    standard = content.get("standard")
    if not isinstance(standard, Mapping):
        return ["no 'standard' section to compare with the snapshot"]
    pairs: list[tuple[str, str, Any]] = []
    for group, parameter in AAVE_STANDARD.items():
        values = _section(standard, group, f"standard.{group}", issues)
        pairs.extend((_asset(pair), parameter, value) for pair, value in sorted(values.items()))
    group, parameter = AAVE_RESERVE_FACTOR
    values = _section(content, group, group, issues)
    pairs.extend((asset, parameter, value) for asset, value in sorted(values.items()))
    for asset, parameter, value in pairs:
        row = snapshot.get(asset)
        expected = row.get(parameter) if isinstance(row, Mapping) else None
        where = f"{asset} {parameter}"
        if expected is None:
            issues.append(f"{where} is {value!r} in the JSON but missing from {snapshot_source}")
        elif not _same(value, expected):
            issues.append(f"{where} {value!r} in the JSON vs {expected!r} in {snapshot_source}")
    return issues


def _section(
    content: Mapping[str, Any], key: str, label: str, issues: list[str]
) -> Mapping[str, Any]:
    """`content[key]` when it is a mapping; empty when absent; empty and an issue otherwise."""
    value = content.get(key, {})
    if isinstance(value, Mapping):
        return value
    issues.append(f"{label} is {value!r}, expected a mapping of asset to value")
    return {}


def _asset(pair: str) -> str:
    collateral = pair.split("_", 1)[0]
    return "WETH" if collateral == "ETH" else collateral


def _same(left: Any, right: Any) -> bool:
    numbers = (int, float)
    if isinstance(left, numbers) and isinstance(right, numbers):
        return abs(float(left) - float(right)) <= TOLERANCE
    return bool(left == right)
