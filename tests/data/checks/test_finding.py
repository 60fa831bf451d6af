"""The finding model: severity policy and the public (JSON) form."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import basis.data.checks as checks
from basis.data.checks.finding import SEVERITY, examples, finding
from tests.data.checks.stubs import info, params_info


def test_severity_policy_pinned() -> None:
    assert SEVERITY == {
        "conflicting_duplicate": "error",
        "nan": "error",
        "negative": "error",
        "inconsistent_params": "error",
        "missing_object": "error",
        "damaged_object": "error",
        "duplicate": "warning",
        "non_monotonic": "warning",
        "gap": "warning",
        "interpolated": "warning",
        "placeholder": "warning",
        "outlier": "warning",
        "missing_range": "info",
        "unknown_file": "info",
        "inclusive_period": "info",
        "short_period": "warning",
        "estimated": "warning",
        "new_category": "warning",
        "empty_field": "warning",
        "inconsistent_derived": "warning",
        "frequency_change": "warning",
    }


def test_finding_report_has_exactly_the_public_fields() -> None:
    item = finding("gap", info(), 24, "one day")
    assert item.report() == {
        "source": "test/perp/ETHUSDT.csv",
        "series": "test:perp:ETHUSDT",
        "kind": "gap",
        "severity": "warning",
        "count": 24,
        "detail": "one day",
    }
    assert item.dataset == "test"


def test_finding_about_params_uses_document_name_and_source() -> None:
    item = finding("inconsistent_params", params_info("binance:margin", "cex/m.json"), 3, "x")
    assert (item.series, item.source, item.severity) == ("binance:margin", "cex/m.json", "error")


def test_finding_count_below_one_rejected() -> None:
    with pytest.raises(ValidationError):
        finding("gap", info(), 0, "nothing")


def test_examples_ellipsis_only_when_more_than_shown() -> None:
    assert examples(["a", "b", "c"]) == "a; b; c"
    assert examples(["a", "b", "c", "d"]) == "a; b; c; …"
    assert examples(["a"], total=5) == "a; …"


def test_public_names_pinned() -> None:
    assert sorted(checks.__all__) == [
        "Finding",
        "FindingKind",
        "SEVERITY",
        "Severity",
        "check_catalog",
        "check_series",
    ]
