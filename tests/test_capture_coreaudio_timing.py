"""The pure timing core of the macOS backend: sample clock, gaps, zero-stream alarm."""

from __future__ import annotations

import itertools
import math

import numpy as np

from loopnote.capture.coreaudio.timing import CoreAudioOptions, SampleClock, ZeroRun


def buf(frames: int, channels: int = 2, value: float = 0.1) -> np.ndarray:
    return np.full((frames, channels), value, dtype=np.float32)


def contiguous(chunks: list) -> bool:
    return all(abs(b.start - a.end) < 1e-9 for a, b in itertools.pairwise(chunks))


def test_starts_come_from_the_frame_count_without_drift() -> None:
    clock = SampleClock("system")
    chunks = []
    for k in range(10_000):  # ~116 s of 512-frame buffers at 44.1 kHz, arrival jitter ignored
        chunks += clock.push(buf(512), 44100, float(k * 512), arrival=(k + 1) * 512 / 44100 + 0.003)
    assert not any(c.gap for c in chunks)
    assert len(chunks) == 10_000
    assert chunks[-1].start == 9_999 * 512 / 44100
    assert contiguous(chunks)
    assert chunks[0].samples.dtype == np.float32 and chunks[0].samples.shape == (512, 2)


def test_a_jump_in_device_sample_time_becomes_a_flagged_gap() -> None:
    clock = SampleClock("system")
    a = clock.push(buf(480), 48000, 1000.0, arrival=0.01)
    b = clock.push(buf(480), 48000, 1000.0 + 480 + 960, arrival=0.04)  # two cycles skipped
    assert [c.gap for c in a + b] == [False, True, False]
    gap = b[0]
    assert gap.frames == 960 and not np.any(gap.samples) and gap.start == 0.01
    assert b[1].start == 0.03 and contiguous(a + b)


def test_the_device_clock_going_back_is_not_a_gap() -> None:
    clock = SampleClock("mic")
    clock.push(buf(480, 1), 48000, 96000.0, arrival=0.01)
    out = clock.push(buf(480, 1), 48000, 0.0, arrival=0.02)  # device restarted its clock
    assert [c.gap for c in out] == [False] and out[0].start == 0.01


def test_the_first_buffer_of_a_stream_is_aligned_by_its_arrival() -> None:
    clock = SampleClock("system")
    first = clock.push(buf(480), 48000, 0.0, arrival=0.25)  # device took 0.24 s to start
    assert first[0].gap and first[0].start == 0.0 and first[0].frames == 0.24 * 48000
    assert first[1].start == 0.24
    clock.new_stream()  # a device switch: 0.5 s with nothing, new device at 44.1 kHz
    switched = clock.push(buf(441), 44100, 7.0, arrival=0.76)
    assert [c.gap for c in switched] == [True, False]
    assert switched[0].start == 0.25 and switched[0].sample_rate == 44100
    assert math.isclose(switched[1].start, 0.75, abs_tol=1 / 44100)
    assert contiguous(first + switched)


def test_an_early_or_barely_late_first_buffer_gets_no_gap() -> None:
    clock = SampleClock("system")
    assert [c.gap for c in clock.push(buf(480), 48000, 0.0, arrival=0.005)] == [False]


def test_long_gaps_come_in_pieces_no_longer_than_the_option() -> None:
    clock = SampleClock("system", CoreAudioOptions(max_gap_piece=1.0))
    out = clock.push(buf(480), 48000, 0.0, arrival=3.51)
    gaps = [c for c in out if c.gap]
    assert [g.frames for g in gaps] == [48000, 48000, 48000, 24000]
    assert contiguous(out) and clock.filled == 168000 and clock.captured == 480


def test_zero_run_alarms_each_period_until_the_first_sound() -> None:
    run = ZeroRun(alarm=1.0)
    zeros = np.zeros((4800, 2), np.float32)
    alarms = [run.observe(zeros, 48000) for _ in range(25)]  # 2.5 s of zeros
    assert alarms.count(True) == 2 and alarms.index(True) == 9
    assert not run.observe(buf(4800), 48000) and run.heard
    assert not any(run.observe(zeros, 48000) for _ in range(50))  # sound was heard: granted
