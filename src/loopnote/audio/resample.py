"""Bring any chunk to the recognizer's format: mono float32 at 16 kHz, on the same timeline.

``ToMono16k``   a streaming converter per source: downmix, resample with soxr, keep the
                session time of every output sample exact (derived from sample counts).
"""

from __future__ import annotations

import numpy as np
import soxr

from loopnote.types import AudioChunk, FloatArray

TARGET_RATE = 16_000


def downmix(samples: FloatArray) -> FloatArray:
    """Average the channels (capture stereo and downmix ourselves: no server-side gain)."""
    if samples.ndim == 1:
        return samples.astype(np.float32, copy=False)
    mono: FloatArray = samples.mean(axis=1, dtype=np.float32)
    return mono


class ToMono16k:
    """Streaming conversion of one source's chunks to 16 kHz mono.

    ``convert(chunk)`` returns the new output samples and the session time of the first of
    them. The input rate may change between chunks (device switch): the resampler is rebuilt
    and the timeline continues from the chunk's own start time.
    """

    def __init__(self) -> None:
        self._rate = 0
        self._stream: soxr.ResampleStream | None = None
        self._t0 = 0.0  # session time of output sample 0 of the current stream
        self._out = 0  # output samples produced by the current stream

    def convert(self, chunk: AudioChunk) -> tuple[FloatArray, float]:
        mono = downmix(chunk.samples)
        if chunk.sample_rate != self._rate or self._stream is None:
            self._rate = chunk.sample_rate
            self._t0 = chunk.start
            self._out = 0
            self._stream = (
                None
                if self._rate == TARGET_RATE
                else soxr.ResampleStream(self._rate, TARGET_RATE, 1, dtype="float32", quality="HQ")
            )
        start = self._t0 + self._out / TARGET_RATE
        if self._stream is None:
            out = np.ascontiguousarray(mono, dtype=np.float32)
        else:
            out = self._stream.resample_chunk(np.ascontiguousarray(mono), last=False)
            out = np.asarray(out, dtype=np.float32)
        self._out += out.shape[0]
        return out, start

    def flush(self) -> tuple[FloatArray, float]:
        start = self._t0 + self._out / TARGET_RATE
        if self._stream is None:
            return np.zeros(0, np.float32), start
        out = np.asarray(
            self._stream.resample_chunk(np.zeros(0, np.float32), last=True), dtype=np.float32
        )
        self._out += out.shape[0]
        return out, start
