"""The sample clock of live capture (capture/timeline.py): pure, driven by given times."""

from __future__ import annotations

import itertools

import numpy as np

from loopnote.capture.timeline import Timeline, TimelineOptions
from loopnote.types import AudioChunk

RATE = 48000


def block(seconds: float, value: float = 0.5) -> np.ndarray:
    return np.full((round(seconds * RATE), 2), value, np.float32)


def contiguous(chunks: list[AudioChunk]) -> None:
    assert chunks[0].start == 0.0
    for a, b in itertools.pairwise(chunks):
        assert abs(a.end - b.start) < 1e-9


def test_steady_stream_is_laid_end_to_end_without_gaps() -> None:
    tl = Timeline("system")
    out: list[AudioChunk] = []
    now = 0.0
    for i in range(100):  # 20 ms blocks arriving 10 ms after they end, with jitter
        now = 0.03 + 0.02 * i + (0.005 if i % 3 else -0.004)
        out += tl.data(block(0.02), now, first=(i == 0))
        out += tl.tick(now + 0.001, live=True, delivering=True)
    contiguous(out)
    assert next(c for c in out if c.gap).frames == round(0.006 * RATE)  # start-up only
    assert sum(c.gap for c in out) == 1
    assert tl.stats.trimmed == tl.stats.live_filled == 0
    assert abs(tl.t - now) < 0.02


def test_nothing_arriving_fills_silence_so_time_advances() -> None:
    tl = Timeline("mic", TimelineOptions(fill_idle=0.1))
    out = []
    for k in range(1, 31):
        out += tl.tick(k * 0.1 + 0.001, live=False)
    contiguous(out)
    assert all(c.gap and not c.samples.any() for c in out)
    assert abs(out[-1].end - 3.0) < 0.15
    assert out[0].samples.shape[1] == 2 and out[0].sample_rate == RATE


def test_a_switch_gap_is_filled_when_the_new_stream_delivers() -> None:
    tl = Timeline("system")
    out = tl.data(block(1.0), 1.0, first=True)
    # the old stream stops at 1.0; the new one delivers its first 20 ms at 1.3
    out += tl.data(block(0.02), 1.3, first=True)
    contiguous(out)
    gap = [c for c in out if c.gap]
    assert len(gap) == 1 and abs(gap[0].start - 1.0) < 1e-9
    assert abs(gap[0].duration - 0.28) < 1e-3
    assert tl.stats.live_filled == 0


def test_late_data_over_filled_time_is_trimmed_from_its_oldest_end() -> None:
    tl = Timeline("system", TimelineOptions(fill_live=0.5))
    out = tl.data(block(1.0, 0.1), 1.0, first=True)
    out += tl.tick(1.7, live=True, delivering=True)  # stalled: 0.7 s filled
    assert tl.stats.live_filled == round(0.7 * RATE)
    late = np.concatenate([block(0.7, 0.2), block(0.1, 0.9)])  # the backlog arrives at 1.8
    out += tl.data(late, 1.8, first=False)
    contiguous(out)
    assert abs(tl.t - 1.8) < 1e-3
    assert out[-1].samples[-1, 0] == np.float32(0.9)  # the newest frames are kept
    assert tl.stats.trimmed > 0


def test_finish_fills_to_the_end() -> None:
    tl = Timeline("system")
    out = tl.data(block(0.5), 0.5, first=True) + tl.finish(2.0)
    contiguous(out)
    assert abs(out[-1].end - 2.0) < 1e-9 and out[-1].gap
