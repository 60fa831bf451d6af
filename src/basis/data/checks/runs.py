"""Run helpers shared by the shape detections: find and cover runs of flagged points."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def runs(flags: BoolArray) -> tuple[IntArray, IntArray]:
    """Start indices and lengths of the runs of consecutive True values in `flags`."""
    edges = np.diff(np.concatenate(([0], flags.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return starts.astype(np.int64), (ends - starts).astype(np.int64)


def cover(size: int, starts: IntArray, lengths: IntArray) -> BoolArray:
    """A mask of length `size`, True on every index inside one of the given runs."""
    marks = np.zeros(size + 1, dtype=np.int64)
    np.add.at(marks, starts, 1)
    np.add.at(marks, starts + lengths, -1)
    covered: BoolArray = np.cumsum(marks[:size]) > 0
    return covered
