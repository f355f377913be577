"""The macOS backend end to end against the fake HAL (Core Audio cannot run on Linux):
timed chunks, teardown on every exit path, device switches, permission, older macOS, --app."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

from fake_coreaudio import FakeHAL, standard_mac
from loopnote.capture.base import CaptureItem, CaptureRequest, DeviceSwitch
from loopnote.capture.coreaudio.api import CoreAudioError, TapDescription
from loopnote.capture.coreaudio.backend import CoreAudioBackend
from loopnote.capture.coreaudio.stream import CoreAudioInput
from loopnote.capture.coreaudio.timing import CoreAudioOptions
from loopnote.clock import ManualClock
from loopnote.errors import DeviceNotFound, UnsupportedPlatform
from loopnote.types import AudioChunk, SessionWarning

SYSTEM_ONLY = CaptureRequest(no_mic=True)
# The fake HAL delivers faster than real time; a deep queue keeps busy hosts from dropping.
DEEP = CoreAudioOptions(queue_buffers=100_000)


def wait_for(cond: Callable[[], bool], timeout: float = 3.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


def open_one(
    hal: FakeHAL, clock: ManualClock, request: CaptureRequest = SYSTEM_ONLY
) -> CoreAudioInput:
    inputs = CoreAudioBackend(hal, clock, DEEP).open(request)
    assert len(inputs) == 1 and isinstance(inputs[0], CoreAudioInput)
    return inputs[0]


def play(
    hal: FakeHAL,
    clock: ManualClock,
    seconds: float,
    rate: int = 48000,
    start_sample: float = 0.0,
    value: float = 0.1,
    frames: int = 480,
) -> float:
    """Tapped apps play ``seconds`` of audio in IO cycles of ``frames``; the clock follows."""
    t = start_sample
    for _ in range(round(seconds * rate / frames)):
        clock.advance(frames / rate)
        hal.deliver_tap(np.full((frames, 2), value, np.float32), t)
        t += frames
    return t


def chunks(items: list[CaptureItem]) -> list[AudioChunk]:
    return [i for i in items if isinstance(i, AudioChunk)]


def test_buffers_become_contiguous_timed_chunks_and_stop_releases_everything() -> None:
    hal, _ = standard_mac()
    clock = ManualClock()
    items: list[CaptureItem] = []
    inp = open_one(hal, clock)
    inp.start(items.append)
    play(hal, clock, 2.0)
    inp.stop()
    got = chunks(items)
    assert len(got) == 200 and not any(c.gap for c in got)
    assert all(c.source == "system" and c.sample_rate == 48000 for c in got)
    assert all(c.samples.dtype == np.float32 and c.samples.shape == (480, 2) for c in got)
    assert [c.start for c in got] == [k * 480 / 48000 for k in range(200)]
    assert hal.is_clean(), hal.live()


def test_an_exception_in_the_consumer_releases_everything_and_reaches_stop() -> None:
    hal, _ = standard_mac()
    clock = ManualClock()

    def emit(item: CaptureItem) -> None:
        raise RuntimeError("disk full")

    inp = open_one(hal, clock)
    inp.start(emit)
    play(hal, clock, 0.05)
    wait_for(hal.is_clean)
    with pytest.raises(RuntimeError, match="disk full"):
        inp.stop()


@pytest.mark.parametrize("step", ["create_aggregate_device", "start", "add_listener"])
def test_a_failing_start_raises_and_leaves_nothing(step: str) -> None:
    hal, _ = standard_mac()
    hal.fail(step)
    inp = open_one(hal, ManualClock())
    with pytest.raises(CoreAudioError):
        inp.start(lambda item: None)
    assert hal.is_clean(), hal.live()
    inp.stop()  # stop after a failed start is a no-op


def test_a_default_output_change_recreates_the_tap_and_records_the_gap() -> None:
    hal, ids = standard_mac()
    clock = ManualClock()
    items: list[CaptureItem] = []
    inp = open_one(hal, clock)
    inp.start(items.append)
    play(hal, clock, 1.0)  # still queued when the switch arrives: must not be lost
    first_agg = hal.aggregates()[0]
    hal.set_default_output(ids["headset"])  # 44.1 kHz, and it has a microphone
    wait_for(
        lambda: (
            hal.aggregates()
            and hal.aggregates()[0] != first_agg
            and hal.running_on(hal.aggregates()[0])
        )
    )
    assert len(hal.live()["taps"]) == 1 and len(hal.live()["aggregates"]) == 1
    clock.advance(0.5)  # the switch took half a second
    play(hal, clock, 0.1, rate=44100, frames=441)
    inp.stop()
    assert hal.is_clean()
    switch = [i for i in items if isinstance(i, DeviceSwitch)]
    assert switch == [DeviceSwitch("system", "USB Headset", 1.0)]
    got = chunks(items)
    gaps = [c for c in got if c.gap]
    assert len(gaps) == 1 and gaps[0].start == 1.0 and gaps[0].sample_rate == 44100
    assert abs(gaps[0].duration - 0.5) <= 1 / 44100
    at = next(k for k, c in enumerate(got) if c.gap)
    assert at == 100 and not any(c.gap for c in got[:at])
    after = got[at + 1 :]
    assert len(after) == 10 and all(c.sample_rate == 44100 and not c.gap for c in after)
    assert all(abs(b.start - a.end) < 1e-9 for a, b in itertools.pairwise(got))


def test_a_notification_without_a_real_change_keeps_the_stream() -> None:
    hal, ids = standard_mac()
    clock = ManualClock()
    items: list[CaptureItem] = []
    inp = open_one(hal, clock)
    inp.start(items.append)
    agg = hal.aggregates()[0]
    hal.set_default_output(ids["speakers"])  # same device announced again
    play(hal, clock, 0.1)
    inp.stop()
    assert hal.calls.count("create_aggregate_device") == 1
    assert not any(isinstance(i, DeviceSwitch) for i in items) and agg not in hal.aggregates()


def test_a_failed_rebuild_warns_and_the_next_change_recovers() -> None:
    hal, ids = standard_mac()
    clock = ManualClock()
    items: list[CaptureItem] = []
    inp = open_one(hal, clock)
    inp.start(items.append)
    play(hal, clock, 0.2)
    hal.fail("create_aggregate_device")
    hal.set_default_output(ids["headset"])
    wait_for(lambda: any(isinstance(i, SessionWarning) for i in items))
    warning = next(i for i in items if isinstance(i, SessionWarning))
    assert warning.code == "device-lost" and warning.source == "system"
    live = hal.live()  # the failed attempt left nothing behind either
    assert not live["taps"] and not live["aggregates"] and not live["io_procs"]
    hal.set_default_output(ids["speakers"])
    wait_for(lambda: bool(hal.aggregates()) and hal.running_on(hal.aggregates()[0]))
    clock.advance(1.0)
    play(hal, clock, 0.1)
    inp.stop()
    assert hal.is_clean()
    gaps = [c for c in chunks(items) if c.gap]
    assert len(gaps) == 1 and abs(gaps[0].duration - 1.0) < 1e-3


def test_a_denied_permission_zero_stream_tells_where_to_allow_it() -> None:
    hal, _ = standard_mac()
    hal.permission_granted = False
    clock = ManualClock()
    items: list[CaptureItem] = []
    inp = open_one(hal, clock)
    inp.start(items.append)
    play(hal, clock, 2.5 * DEEP.zero_alarm)  # Zoom is playing, the tap delivers only zeros
    inp.stop()
    warnings = [i for i in items if isinstance(i, SessionWarning)]
    assert [w.code for w in warnings] == ["permission-denied"]  # once, not every period
    message = warnings[0].message
    assert "System Settings → Privacy & Security → Screen & System Audio Recording" in message
    assert '"System Audio Recording Only"' in message
    assert abs(warnings[0].t - DEEP.zero_alarm) < 0.02  # after the documented time
    assert hal.is_clean()


def test_silence_while_nothing_plays_is_not_a_permission_problem() -> None:
    hal, ids = standard_mac()
    hal.set_playing(ids["zoom"], False)
    hal.set_playing(ids["chrome_helper"], False)
    clock = ManualClock()
    items: list[CaptureItem] = []
    inp = open_one(hal, clock)
    inp.start(items.append)
    play(hal, clock, 2.5 * DEEP.zero_alarm, value=0.0)
    inp.stop()
    assert not any(isinstance(i, SessionWarning) for i in items)


def test_an_idle_call_after_sound_is_not_a_permission_problem() -> None:
    hal, _ = standard_mac()
    clock = ManualClock()
    items: list[CaptureItem] = []
    inp = open_one(hal, clock)
    inp.start(items.append)
    t = play(hal, clock, 1.0)  # someone spoke: the permission is evidently granted
    play(hal, clock, 2.5 * DEEP.zero_alarm, start_sample=t, value=0.0)  # then digital silence
    inp.stop()
    assert not any(isinstance(i, SessionWarning) for i in items)


def test_granted_permission_with_sound_gives_no_warning() -> None:
    hal, _ = standard_mac()
    clock = ManualClock()
    items: list[CaptureItem] = []
    inp = open_one(hal, clock)
    inp.start(items.append)
    play(hal, clock, 2.5 * DEEP.zero_alarm)
    inp.stop()
    assert not any(isinstance(i, SessionWarning) for i in items)


def test_the_global_tap_excludes_loopnotes_own_process() -> None:
    hal, _ = standard_mac()
    own = hal.add_process(os.getpid(), "", "python3", playing=False)
    inp = open_one(hal, ManualClock())
    inp.start(lambda item: None)
    tap = hal.objects[hal.live()["taps"][0]].props["description"]
    inp.stop()
    assert tap == TapDescription((own,), exclusive=True)


def test_app_tap_covers_the_app_and_its_helpers() -> None:
    hal, ids = standard_mac()
    inp = open_one(hal, ManualClock(), CaptureRequest(app="com.google.Chrome", no_mic=True))
    inp.start(lambda item: None)
    tap = hal.objects[hal.live()["taps"][0]].props["description"]
    inp.stop()
    assert tap == TapDescription((ids["chrome"], ids["chrome_helper"]), exclusive=False)
    assert hal.is_clean()
    by_pid = CoreAudioBackend(hal, ManualClock()).open(CaptureRequest(app="4100", no_mic=True))
    assert len(by_pid) == 1


def test_an_unknown_app_lists_the_apps_playing_audio() -> None:
    hal, _ = standard_mac()
    with pytest.raises(DeviceNotFound) as info:
        CoreAudioBackend(hal).open(CaptureRequest(app="Teams"))
    message = str(info.value)
    assert "'Teams'" in message
    assert "zoom.us (us.zoom.xos, pid 4100)" in message
    assert "Google Chrome Helper (com.google.Chrome.helper, pid 4201)" in message
    assert "Google Chrome (com.google.Chrome, pid 4200)" not in message  # not playing
    assert hal.is_clean()


@pytest.mark.parametrize("request_", [SYSTEM_ONLY, CaptureRequest(app="zoom", no_mic=True)])
def test_older_macos_says_a_tap_needs_14_4_and_what_to_do(request_: CaptureRequest) -> None:
    hal, _ = standard_mac(version=(14, 3, 1))
    with pytest.raises(UnsupportedPlatform) as info:
        CoreAudioBackend(hal).open(request_)
    message = str(info.value)
    assert "macOS 14.4 or later" in message and "14.3.1" in message
    assert "BlackHole" in message and "--source" in message


def test_older_macos_captures_a_named_loopback_device() -> None:
    hal, ids = standard_mac(version=(13, 6, 0))
    clock = ManualClock()
    items: list[CaptureItem] = []
    inp = open_one(hal, clock, CaptureRequest(system_source="blackhole 2ch", no_mic=True))
    inp.start(items.append)
    for k in range(10):
        clock.advance(0.01)
        hal.deliver(ids["blackhole"], np.full((480, 2), 0.2, np.float32), k * 480.0)
    inp.stop()
    got = chunks(items)
    assert len(got) == 10 and got[0].source == "system" and got[-1].start == 0.09
    assert hal.is_clean()


def test_the_microphone_follows_the_default_input_device() -> None:
    hal, ids = standard_mac()
    clock = ManualClock()
    items: list[CaptureItem] = []
    inputs = CoreAudioBackend(hal, clock).open(CaptureRequest(no_system=True))
    mic = inputs[0]
    assert mic.source == "mic"
    mic.start(items.append)
    clock.advance(0.01)
    hal.deliver(ids["mic"], np.full((480, 1), 0.3, np.float32), 0.0)
    hal.set_default_input(ids["headset"])
    wait_for(lambda: hal.running_on(ids["headset"]))
    assert not hal.running_on(ids["mic"])
    clock.advance(0.2)
    hal.deliver(ids["headset"], np.full((441, 1), 0.3, np.float32), 0.0)
    mic.stop()
    assert hal.is_clean()
    assert [type(i).__name__ for i in items] == [
        "AudioChunk",
        "DeviceSwitch",
        "AudioChunk",
        "AudioChunk",
    ]
    assert items[1] == DeviceSwitch("mic", "USB Headset", 0.01)
    assert chunks(items)[1].gap and chunks(items)[2].sample_rate == 44100


def test_unknown_microphone_lists_the_inputs() -> None:
    hal, _ = standard_mac()
    with pytest.raises(DeviceNotFound) as info:
        CoreAudioBackend(hal).open(CaptureRequest(mic="Yeti", no_system=True))
    assert "'MacBook Pro Microphone'" in str(info.value) and "BlackHole 2ch" in str(info.value)


def test_list_sources_shows_outputs_inputs_and_apps() -> None:
    hal, _ = standard_mac()
    rows = {(s.kind, s.name): s for s in CoreAudioBackend(hal).list_sources()}
    assert rows[("output", "MacBook Pro Speakers")].is_default
    assert not rows[("output", "USB Headset")].is_default
    assert rows[("input", "MacBook Pro Microphone")].is_default
    assert ("input", "MacBook Pro Speakers") not in rows
    zoom = rows[("app", "zoom.us")]
    assert zoom.id == "4100" and zoom.to_dict()["bundle_id"] == "us.zoom.xos"
    assert zoom.to_dict()["playing"] is True
    assert rows[("app", "Google Chrome")].to_dict()["playing"] is False


def test_request_opens_system_then_mic() -> None:
    hal, _ = standard_mac()
    inputs = CoreAudioBackend(hal).open(CaptureRequest())
    assert [i.source for i in inputs] == ["system", "mic"]
    assert hal.is_clean()  # nothing native exists until start()


def test_buffers_dropped_while_the_consumer_is_slow_become_a_gap_and_a_warning() -> None:
    hal, _ = standard_mac()
    clock = ManualClock()
    items: list[CaptureItem] = []
    release, stuck = threading.Event(), threading.Event()

    def slow(item: CaptureItem) -> None:
        stuck.set()
        release.wait(5)
        items.append(item)

    backend = CoreAudioBackend(hal, clock, CoreAudioOptions(queue_buffers=4))
    inp = backend.open(SYSTEM_ONLY)[0]
    inp.start(slow)
    t = play(hal, clock, 0.01)
    stuck.wait(5)
    t = play(hal, clock, 0.19, start_sample=t)  # 19 IO cycles while the consumer is stuck
    release.set()
    wait_for(lambda: len(chunks(items)) == 5)  # the one in hand and the 4 queued
    play(hal, clock, 0.01, start_sample=t)
    inp.stop()
    got = chunks(items)
    assert any(isinstance(i, SessionWarning) and i.code == "capture-overflow" for i in items)
    assert any(c.gap for c in got)
    assert abs(got[-1].end - 0.21) < 1e-9  # nothing shifted
    assert all(abs(b.start - a.end) < 1e-9 for a, b in itertools.pairwise(got))
    assert hal.is_clean()
