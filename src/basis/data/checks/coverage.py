"""Coverage: series whose time range is much shorter than the rest of their dataset's."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from typing import Final

from basis.data.catalog import SeriesInfo
from basis.data.checks.columns import step
from basis.data.checks.finding import Finding, finding, stamp

# A series is reported when it leaves more than this share of the reference window uncovered.
MAX_UNCOVERED: Final = 0.05


def missing_ranges(infos: Sequence[SeriesInfo]) -> list[Finding]:
    """`missing_range` findings for the regular series of one dataset.

    The reference window runs from the median start to the median end of the dataset's
    regular series (event series keep their own calendar), so one unusually long series
    does not make the others look short. A series leaving more than `MAX_UNCOVERED` of it
    uncovered is reported; `count` is the number of its interval points missing from the
    window, and the detail names the window that is available. Needs two regular series.
    """
    # Each series covers [first point, last point + interval).
    spans = [
        (info, interval, first, dt.datetime.fromisoformat(info.end) + interval)
        for info in infos
        if (interval := step(info)) is not None and info.start and info.end
        for first in [dt.datetime.fromisoformat(info.start)]
    ]
    if len(spans) < 2:
        return []
    start = statistics.median_low([first for _, _, first, _ in spans])
    end = statistics.median_high([until for _, _, _, until in spans])
    window = end - start
    found = []
    for info, interval, first, until in spans:
        before = max(dt.timedelta(0), min(first, end) - start)
        after = max(dt.timedelta(0), end - max(until, start))
        uncovered = min(window, before + after)
        missing = (before // interval) + (after // interval)
        if uncovered <= MAX_UNCOVERED * window or missing == 0:
            continue
        holes = []
        if before:
            holes.append(f"nothing before {stamp(first)} ({_days(before)})")
        if after:
            holes.append(f"nothing from {stamp(until)} ({_days(after)})")
        detail = (
            f"available {stamp(first)} until {stamp(until)}, "
            f"{1 - uncovered / window:.0%} of the dataset's usual window "
            f"{stamp(start)} until {stamp(end)}: {' and '.join(holes)}"
        )
        found.append(finding("missing_range", info, missing, detail))
    return found


def _days(span: dt.timedelta) -> str:
    return f"{span / dt.timedelta(days=1):.1f} days"
