"""The pure timeline: packets and gap silence placed on the session clock."""

from __future__ import annotations

import random

from loopnote.capture.wasapi.structs import (
    AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY,
    AUDCLNT_BUFFERFLAGS_TIMESTAMP_ERROR,
    HNS_PER_SEC,
)
from loopnote.capture.wasapi.timeline import Timeline

RATE = 48000
PKT = 480  # 10 ms
ORIGIN = 123_456_789


def hns(seconds: float) -> int:
    return ORIGIN + int(seconds * HNS_PER_SEC)


def test_steady_packets_are_never_moved_even_with_qpc_jitter() -> None:
    tl = Timeline(RATE, ORIGIN)
    rng = random.Random(7)
    gaps = []
    for i in range(1000):
        t = i * 0.01
        jitter = rng.uniform(-0.03, 0.03)  # what Wine's QPC positions do
        gaps.append(tl.place(PKT, i * PKT, hns(t + jitter) if i else hns(t), 0, hns(t + 0.012)))
    assert sum(gaps) == 0
    assert tl.frames == 1000 * PKT


def test_no_packets_during_silence_keeps_the_clock_and_realigns() -> None:
    tl = Timeline(RATE, ORIGIN)
    for i in range(100):  # 1 s of sound
        tl.place(PKT, i * PKT, hns(i * 0.01), 0, hns(i * 0.01 + 0.01))
    filled = 0
    t = 1.0
    while t < 3.0:  # 2 s with no packets: the loop polls every 20 ms
        t += 0.02
        filled += tl.idle(hns(t))
    margin = tl.options.margin_s
    step = tl.options.min_fill_s + 0.02
    assert (2.0 - margin - step) * RATE < filled <= (2.0 - margin) * RATE  # kept up, minus margin
    assert tl.end <= 3.0
    # sound again at 3.0 s; the device position kept running through the silence (300 packets)
    gap = tl.place(PKT, 300 * PKT, hns(3.0), 0, hns(3.01))
    assert abs((tl.end - PKT / RATE) - 3.0) < 1e-3  # the packet sits at its QPC time
    assert gap + filled == 200 * PKT  # exactly the silent span, not counted twice


def test_device_position_jump_without_idle_is_filled() -> None:
    tl = Timeline(RATE, ORIGIN)
    tl.place(PKT, 0, hns(0.0), 0, hns(0.01))
    gap = tl.place(PKT, 5 * PKT, hns(0.05), AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY, hns(0.06))
    assert gap == 4 * PKT
    assert tl.frames == 6 * PKT


def test_discontinuity_uses_qpc_unless_the_timestamp_is_flagged_bad() -> None:
    tl = Timeline(RATE, ORIGIN)
    tl.place(PKT, 0, hns(0.0), 0, hns(0.01))
    bad = AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY | AUDCLNT_BUFFERFLAGS_TIMESTAMP_ERROR
    assert tl.place(PKT, PKT, hns(5.0), bad, hns(0.02)) == 0
    gap = tl.place(PKT, 2 * PKT, hns(1.0), AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY, hns(1.0))
    assert gap == RATE - 2 * PKT


def test_late_packets_are_appended_never_dropped_or_moved_back() -> None:
    tl = Timeline(RATE, ORIGIN)
    filled = sum(tl.idle(hns(t / 100)) for t in range(1, 101))  # 1 s: nothing yet
    before = tl.frames
    assert filled == before > 0
    gap = tl.place(PKT, 0, hns(0.5), 0, hns(1.0))  # a packet stamped in the already-filled past
    assert gap == 0 and tl.frames == before + PKT


def test_final_fill_reaches_the_clock_and_a_new_base_keeps_time() -> None:
    tl = Timeline(RATE, ORIGIN)
    tl.idle(hns(0.5), final=True)
    assert tl.end == 0.5
    tl2 = Timeline(44100, ORIGIN, base=tl.end)  # re-opened on a device at another rate
    tl2.idle(hns(1.0), final=True)
    assert abs(tl2.end - 1.0) < 1 / 44100


def test_a_resumed_packet_without_position_goes_to_its_arrival_time() -> None:
    tl = Timeline(RATE, ORIGIN)
    for i in range(1, 101):
        tl.idle(hns(i / 100))  # 1 s of nothing: filled up to 1 s minus the margin
    gap = tl.place(PKT, 0, 0, 0, hns(2.0))  # arrives at 2.0 s, no QPC position
    assert abs(tl.end - 2.0) < 1e-9 and gap > 0


def test_a_delivery_hiccup_is_carried_by_the_device_position() -> None:
    tl = Timeline(RATE, ORIGIN)
    for i in range(100):
        tl.place(PKT, i * PKT, hns(i * 0.01), 0, hns(i * 0.01 + 0.01))
    assert sum(tl.idle(hns(1.0 + k / 100)) for k in range(1, 21)) == 0  # 0.2 s: nothing yet
    # the starved stream catches up: 20 packets stamped when delivered, positions contiguous
    gaps = [tl.place(PKT, (100 + k) * PKT, hns(1.2), 0, hns(1.2)) for k in range(20)]
    assert gaps == [0] * 20 and tl.frames == 120 * PKT


def test_lost_data_is_measured_by_the_larger_of_position_and_clock() -> None:
    tl = Timeline(RATE, ORIGIN)
    for i in range(50):
        tl.place(PKT, i * PKT, hns(i * 0.01), 0, hns(i * 0.01 + 0.01))
    # 90 ms were lost in an overrun, but the position only skipped one packet
    lost = AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY
    gap = tl.place(PKT, 51 * PKT, hns(0.59), lost, hns(0.6))
    assert gap == round(0.09 * RATE) and abs(tl.end - 0.6) < 1e-9


def test_a_broken_qpc_position_places_the_packet_by_its_arrival() -> None:
    """Wine, after a day of uptime, returns QPC positions that are negative (read as unsigned):
    taken at face value they were a gap of millions of years."""
    tl = Timeline(RATE, ORIGIN)
    for i in range(1, 51):
        tl.idle(hns(i / 100))  # 0.5 s of nothing before the first packet
    broken = (1 << 64) - 838_607_156_349
    gap = tl.place(PKT, 0, broken, 0, hns(1.0))
    assert tl.broken_timestamps == 1
    assert abs(tl.end - 1.0) < 1e-9 and gap > 0  # where it arrived
    for i in range(1, 100):  # then contiguous, broken positions and all
        assert tl.place(PKT, i * PKT, broken + i, 0, hns(1.0 + i / 100)) == 0
    assert abs(tl.end - 1.99) < 1e-9  # each packet ends when it arrives


def test_no_gap_takes_the_timeline_past_the_clock() -> None:
    tl = Timeline(RATE, ORIGIN)
    tl.place(PKT, 0, hns(0.0), 0, hns(0.01))
    # the device position leaps an hour ahead, 20 ms of real time later
    gap = tl.place(PKT, 3600 * RATE, hns(0.02), AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY, hns(0.03))
    assert gap <= round(0.03 * RATE) - PKT
    assert tl.end <= 0.03 + PKT / RATE
