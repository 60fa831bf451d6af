"""Fee outliers: hours whose fee stands far above the median of the day up to that hour.

A fee series (gas priority fees, in gwei) is not a random walk: it is heavy-tailed noise
around a slowly moving level, and each hourly value of the real data is one block's fee
percentile, so one block full of high-tip bundles gives an hour of hundreds of gwei (p50
814.69 gwei at 2024-04-15 19:00 while the day's median is 0.48). Moves are the wrong
yardstick (the spike often lasts two samples and its legs need not revert the next hour),
so the level is compared with its trailing median instead.

Over the trailing window of the last `FEE_WINDOW` valid observations, the current one
included (only past and current hours: the rule never looks ahead), let `median` be their
median and `mad` the median of their absolute deviations from it. A fee is an outlier when

    fee − median ≥ max(FEE_SIGMAS × 1.4826 × mad, MIN_FEE_EXCESS_GWEI)

Only high fees are outliers: a low tip is cheap and real. The floor keeps a calm day
(mad ≈ 0 when the tip sits at 0.1 gwei for hours) from flagging ordinary 2-gwei tips, and
is what matters to a backtest: 10 gwei more than the day's median is more than the real
window's median base fee (6 gwei). A genuine surge that lasts stops being flagged once it
fills half the window (12 hours). The first observations of a series have a shorter
window (the rule uses what is known). NaN values are skipped: they are never outliers and
take no place in a window.

`fee_outliers` gives the mask (what `basis data check` reports); `filter_fees` also
replaces each outlier by the median it was compared with (what a backtest pays: wallets
bid the median tip of recent blocks, not one block's).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "FEE_SIGMAS",
    "FEE_WINDOW",
    "MIN_FEE_EXCESS_GWEI",
    "fee_outliers",
    "filter_fees",
]

FEE_WINDOW: Final = 24  # observations: a day of hourly values, the current one included
FEE_SIGMAS: Final = 10.0
MIN_FEE_EXCESS_GWEI: Final = 10.0
MAD_TO_SIGMA: Final = 1.4826

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def fee_outliers(fees: npt.ArrayLike) -> BoolArray:
    """A mask of the fee outliers of `fees` (gwei, oldest first), as the module says.

    The mask has the length of `fees`; NaN values are False. Entry `t` depends only on
    `fees[: t + 1]`.
    """
    return filter_fees(fees)[1]


def filter_fees(fees: npt.ArrayLike) -> tuple[FloatArray, BoolArray]:
    """`fees` with each outlier replaced by its trailing median, and the outlier mask.

    Both arrays have the length of `fees`; values that are not outliers (NaN included) are
    returned unchanged. Entry `t` of both depends only on `fees[: t + 1]`.
    """
    values = np.asarray(fees, dtype=np.float64)
    valid = ~np.isnan(values)
    median, mad = _trailing(values[valid])
    excess = values[valid] - median
    flagged = excess >= np.maximum(FEE_SIGMAS * MAD_TO_SIGMA * mad, MIN_FEE_EXCESS_GWEI)
    mask = np.zeros(values.shape[0], dtype=bool)
    mask[valid] = flagged
    filtered = values.copy()
    filtered[mask] = median[flagged]
    return filtered, mask


def _trailing(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Median and median absolute deviation of each value's trailing window (no NaN)."""
    median, mad = np.empty_like(values), np.empty_like(values)
    for end in range(min(FEE_WINDOW - 1, values.size)):  # the first values: shorter windows
        window = values[: end + 1]
        median[end] = np.median(window)
        mad[end] = np.median(np.abs(window - median[end]))
    if values.size >= FEE_WINDOW:
        windows = sliding_window_view(values, FEE_WINDOW)  # row k: values k … k + 23
        full = np.median(windows, axis=1)
        median[FEE_WINDOW - 1 :] = full
        mad[FEE_WINDOW - 1 :] = np.median(np.abs(windows - full[:, None]), axis=1)
    return median, mad
