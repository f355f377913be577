"""Loudness of a block in dBFS, for the level meters and the silence watch."""

from __future__ import annotations

import math

import numpy as np

from loopnote.types import FloatArray

FLOOR_DBFS = -120.0


def dbfs(samples: FloatArray) -> float:
    """RMS level of ``samples`` in dB relative to full scale (floor -120)."""
    if samples.size == 0:
        return FLOOR_DBFS
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return FLOOR_DBFS if rms <= 1e-6 else max(FLOOR_DBFS, 20.0 * math.log10(rms))
