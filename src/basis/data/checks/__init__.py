"""Data validation: detect the defects of stored series and parameter documents as findings."""

from basis.data.checks.finding import SEVERITY, Finding, FindingKind, Severity
from basis.data.checks.runner import check_catalog, check_series

__all__ = ["SEVERITY", "Finding", "FindingKind", "Severity", "check_catalog", "check_series"]
