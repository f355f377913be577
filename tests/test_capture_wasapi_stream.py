"""The capture loop against the contract fake of the Windows audio stack (tests/
capture_wasapi_fake.py: a FAKE, because Windows COM cannot exist on Linux). The same loop runs
for real under Wine in test_capture_wasapi_winlab.py; these paths Wine does not reproduce:
no packets during silence, AUDCLNT_E_DEVICE_INVALIDATED / RESOURCES_INVALIDATED recovery,
default-device changes, buffer overruns, loopback events that never fire, access denied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from capture_wasapi_fake import (
    MIC,
    RATE,
    SPK,
    SPK2,
    FakeEndpoint,
    FakeWindows,
    at,
    expected,
    flatten,
    run,
    tone,
)
from loopnote.capture.base import CaptureRequest, DeviceSwitch
from loopnote.capture.wasapi.backend import WasapiBackend
from loopnote.capture.wasapi.com import HR
from loopnote.errors import PermissionDenied
from loopnote.types import AudioChunk, SessionWarning


@pytest.fixture
def fake() -> Iterator[FakeWindows]:
    f = FakeWindows(
        [
            FakeEndpoint(SPK, "Speakers", "render", renderer=tone(440, (0.5, 1.5))),
            FakeEndpoint(SPK2, "Headset", "render", renderer=tone(660, (0.0, 99.0))),
            FakeEndpoint(MIC, "Microphone", "capture", renderer=tone(300, (0.0, 99.0))),
        ]
    )
    yield f
    assert f.leaks() == []  # every interface released, task memory freed, handles closed


@pytest.mark.parametrize("devpos", ["runs in silence", "stands still in silence"])
def test_loopback_keeps_the_timeline_through_silence(fake: FakeWindows, devpos: str) -> None:
    fake.devpos_runs_in_silence = devpos == "runs in silence"  # Windows does not document it
    fake.endpoints[SPK].renderer = tone(440, (0.5, 1.5), (3.0, 3.5))
    inputs = WasapiBackend(api=fake).open(CaptureRequest(no_mic=True))
    items = run(fake, inputs, 4.0)
    mono, gap = flatten(items["system"])
    # the tones sit exactly at their times, though no packet came before, between or after
    np.testing.assert_allclose(at(mono, 0.5, 1.5), expected(440, 0.5, 1.5), atol=1e-6)
    np.testing.assert_allclose(at(mono, 3.0, 3.5), expected(440, 3.0, 3.5), atol=1e-6)
    assert not at(gap, 0.5, 1.5).any() and not at(gap, 3.0, 3.5).any()
    assert at(gap, 0.0, 0.4).all() and at(gap, 1.6, 2.9).all() and at(gap, 3.6, 3.7).all()
    assert abs(len(mono) / RATE - 4.0) < 0.05  # the end keeps up with the clock


def test_silent_packets_are_silence_whatever_their_buffer_holds(fake: FakeWindows) -> None:
    quiet = tone(440, (0.0, 1.0), amp=0.0)  # an app renders digital silence: SILENT packets
    fake.endpoints[SPK].renderer = lambda t, n: quiet(t, n) if t < 1.0 else tone(440, (1, 2))(t, n)
    items = run(fake, WasapiBackend(api=fake).open(CaptureRequest(no_mic=True)), 1.5)
    mono, gap = flatten(items["system"])
    assert not at(mono, 0.0, 1.0).any() and not at(gap, 0.0, 1.0).any()  # silence, not a gap
    np.testing.assert_allclose(at(mono, 1.0, 1.5), expected(440, 1.0, 1.5), atol=1e-6)


def test_system_and_mic_stay_aligned(fake: FakeWindows) -> None:
    fake.endpoints[SPK].renderer = tone(440, (1.0, 2.0))
    inputs = WasapiBackend(api=fake).open(CaptureRequest())
    items = run(fake, inputs, 2.5)
    sys_mono, _ = flatten(items["system"])
    mic_mono, mic_gap = flatten(items["mic"])
    np.testing.assert_allclose(at(sys_mono, 1.0, 2.0), expected(440, 1.0, 2.0), atol=1e-6)
    np.testing.assert_allclose(at(mic_mono, 1.0, 2.0), expected(300, 1.0, 2.0), atol=1e-6)
    assert not mic_gap.any()  # a microphone delivers all the time


@pytest.mark.parametrize("hr", ["AUDCLNT_E_DEVICE_INVALIDATED", "AUDCLNT_E_RESOURCES_INVALIDATED"])
def test_invalidated_stream_is_reopened_and_nothing_shifts(fake: FakeWindows, hr: str) -> None:
    fake.endpoints[SPK].renderer = tone(440, (0.0, 99.0))
    fake.at(1.0, lambda: fake.invalidate(SPK, HR[hr]))
    items = run(fake, WasapiBackend(api=fake).open(CaptureRequest(no_mic=True)), 2.0)
    warnings = [w for w in items["system"] if isinstance(w, SessionWarning)]
    switches = [s for s in items["system"] if isinstance(s, DeviceSwitch)]
    assert [w.code for w in warnings] == ["device-lost"] and hr in warnings[0].message
    assert len(switches) == 1 and SPK in switches[0].device and 0.95 <= switches[0].t < 1.2
    mono, gap = flatten(items["system"])
    # what was read before the loss is kept (the last period died in the invalidated buffer)
    np.testing.assert_allclose(at(mono, 0.0, 0.98), expected(440, 0.0, 0.98), atol=1e-6)
    np.testing.assert_allclose(at(mono, 1.3, 1.9), expected(440, 1.3, 1.9), atol=1e-6)
    assert at(gap, 0.98, 1.3).any()  # the lost period is marked as gap


def test_unplugged_default_moves_to_the_new_default(fake: FakeWindows) -> None:
    fake.endpoints[SPK].renderer = tone(440, (0.0, 99.0))
    fake.at(1.0, lambda: fake.remove_endpoint(SPK, new_default=SPK2))
    items = run(fake, WasapiBackend(api=fake).open(CaptureRequest(no_mic=True)), 2.0)
    switches = [s for s in items["system"] if isinstance(s, DeviceSwitch)]
    assert len(switches) == 1 and SPK2 in switches[0].device and "Headset" in switches[0].device
    mono, _ = flatten(items["system"])
    np.testing.assert_allclose(at(mono, 0.0, 0.98), expected(440, 0.0, 0.98), atol=1e-6)
    np.testing.assert_allclose(at(mono, 1.3, 1.9), expected(660, 1.3, 1.9), atol=1e-6)


def test_default_device_change_is_followed(fake: FakeWindows) -> None:
    fake.at(1.0, lambda: fake.set_default("render", SPK2))
    items = run(fake, WasapiBackend(api=fake).open(CaptureRequest(no_mic=True)), 2.0)
    assert not [w for w in items["system"] if isinstance(w, SessionWarning)]
    switches = [s for s in items["system"] if isinstance(s, DeviceSwitch)]
    assert len(switches) == 1 and SPK2 in switches[0].device
    mono, _ = flatten(items["system"])
    np.testing.assert_allclose(at(mono, 0.5, 1.0), expected(440, 0.5, 1.0), atol=1e-6)
    np.testing.assert_allclose(at(mono, 1.2, 1.9), expected(660, 1.2, 1.9), atol=1e-6)


def test_endpoint_chosen_by_id_ignores_default_changes(fake: FakeWindows) -> None:
    fake.at(1.0, lambda: fake.set_default("render", SPK2))
    inputs = WasapiBackend(api=fake).open(CaptureRequest(system_source=SPK, no_mic=True))
    items = run(fake, inputs, 2.0)
    assert not [s for s in items["system"] if isinstance(s, DeviceSwitch)]
    mono, _ = flatten(items["system"])
    np.testing.assert_allclose(at(mono, 0.5, 1.5), expected(440, 0.5, 1.5), atol=1e-6)


def test_microphone_follows_the_communications_role_only(fake: FakeWindows) -> None:
    mic2 = "{0.0.1.00000000}.{d4}"
    fake.endpoints[mic2] = FakeEndpoint(mic2, "Headset mic", "capture", renderer=tone(500, (0, 9)))
    fake.at(0.5, lambda: fake.set_default("capture", mic2, roles=("console", "multimedia")))
    fake.at(1.0, lambda: fake.set_default("capture", mic2, roles=("communications",)))
    items = run(fake, WasapiBackend(api=fake).open(CaptureRequest(no_system=True)), 2.0)
    switches = [s for s in items["mic"] if isinstance(s, DeviceSwitch)]
    assert len(switches) == 1 and mic2 in switches[0].device and switches[0].t >= 0.99
    mono, _ = flatten(items["mic"])
    np.testing.assert_allclose(at(mono, 0.0, 0.98), expected(300, 0.0, 0.98), atol=1e-6)
    np.testing.assert_allclose(at(mono, 1.1, 1.9), expected(500, 1.1, 1.9), atol=1e-6)


def test_endpoint_chosen_by_id_is_waited_for_when_unplugged(fake: FakeWindows) -> None:
    fake.endpoints[SPK].renderer = tone(440, (0.0, 99.0))
    fake.at(0.5, lambda: fake.remove_endpoint(SPK, new_default=SPK2))
    fake.at(1.5, lambda: fake.plug_in(SPK))
    inputs = WasapiBackend(api=fake).open(CaptureRequest(system_source=SPK, no_mic=True))
    (stream,) = inputs
    items = run(fake, inputs, 3.0)
    warnings = [w.code for w in items["system"] if isinstance(w, SessionWarning)]
    switches = [s for s in items["system"] if isinstance(s, DeviceSwitch)]
    assert warnings[0] in ("device-lost", "device-retry") and "device-retry" in warnings
    assert len(switches) == 1 and SPK in switches[0].device and 1.5 <= switches[0].t < 2.2
    mono, gap = flatten(items["system"])
    assert at(gap, 0.6, 1.4).all()  # the time without the device is marked, not dropped
    np.testing.assert_allclose(at(mono, 2.3, 2.9), expected(440, 2.3, 2.9), atol=1e-6)
    assert stream.device.startswith("Speakers [")  # type: ignore[attr-defined]


def test_a_stream_that_keeps_failing_is_retried_with_backoff(fake: FakeWindows) -> None:
    fake.endpoints[SPK].broken_hr = HR["AUDCLNT_E_BUFFER_ERROR"]
    inputs = WasapiBackend(api=fake).open(CaptureRequest(no_mic=True))
    items = run(fake, inputs, 5.0)
    errors = [w for w in items["system"] if isinstance(w, SessionWarning)]
    assert errors and all("AUDCLNT_E_BUFFER_ERROR" in w.message for w in errors)
    assert 3 <= len(errors) <= 10  # backing off, not spinning
    mono, gap = flatten(items["system"])
    assert gap.all() and abs(len(mono) / RATE - 5.0) < 0.05  # the timeline kept moving


@pytest.mark.parametrize("mode", ["events refused", "events never fire"])
def test_polling_fallback(fake: FakeWindows, mode: str) -> None:
    fake.refuse_events = mode == "events refused"
    fake.events_fire = False  # with events refused there is no event at all
    inputs = WasapiBackend(api=fake).open(CaptureRequest(no_mic=True))
    items = run(fake, inputs, 2.0)
    mono, _ = flatten(items["system"])
    np.testing.assert_allclose(at(mono, 0.5, 1.5), expected(440, 0.5, 1.5), atol=1e-6)
    assert inputs[0].mode == ("polling" if fake.refuse_events else "event")  # type: ignore[attr-defined]


def test_overrun_is_marked_and_later_audio_stays_in_place(fake: FakeWindows) -> None:
    fake.endpoints[SPK].renderer = tone(440, (0.0, 99.0))
    stalled: list[bool] = []

    def slow_consumer_at_1s(items: list[Any]) -> Callable[[Any], None]:
        def emit(item: Any) -> None:
            items.append(item)
            if isinstance(item, AudioChunk) and item.start >= 1.0 and not stalled:
                stalled.append(True)
                fake.sleep(1.5)  # the reader stalls: the 1 s buffer overflows

        return emit

    (inp,) = WasapiBackend(api=fake).open(CaptureRequest(no_mic=True))
    items: list[Any] = []
    fake.stop_clock_at(3.5)
    inp.start(slow_consumer_at_1s(items))
    fake.wait_frozen()
    inp.stop()
    mono, gap = flatten(items)
    assert at(gap, 1.0, 1.6).any()  # the lost audio became gap
    np.testing.assert_allclose(at(mono, 1.6, 3.4), expected(440, 1.6, 3.4), atol=1e-6)


def test_access_denied_is_one_actionable_line(fake: FakeWindows) -> None:
    fake.endpoints[MIC].access_denied = True
    (mic,) = WasapiBackend(api=fake).open(CaptureRequest(no_system=True))
    with pytest.raises(PermissionDenied) as e:
        mic.start(lambda item: None)
    msg = str(e.value)
    assert "\n" not in msg and "E_ACCESSDENIED" in msg and "Privacy" in msg
    mic.stop()
