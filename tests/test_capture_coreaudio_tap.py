"""Routes of the macOS backend against the fake HAL: everything created is destroyed on every
exit path, the aggregate is described as Apple documents, buffers keep the tap's channels.
(Core Audio cannot run on Linux; tests/fake_coreaudio.py stands in for it.)"""

from __future__ import annotations

import numpy as np
import pytest

from fake_coreaudio import standard_mac
from loopnote.capture.coreaudio import api as ca
from loopnote.capture.coreaudio.api import CoreAudioError, TapDescription
from loopnote.capture.coreaudio.tap import open_device_route, open_tap_route
from loopnote.errors import CaptureError, DeviceNotFound

EVERYTHING = TapDescription((), exclusive=True)


def collect():  # type: ignore[no-untyped-def]
    got: list[tuple[np.ndarray, float]] = []
    return got, lambda samples, t: got.append((samples, t))


def test_tap_route_builds_a_private_aggregate_around_the_tap_and_tears_it_down() -> None:
    hal, ids = standard_mac()
    route = open_tap_route(hal, EVERYTHING, ids["speakers"], collect()[1])
    live = hal.live()
    assert len(live["taps"]) == 1 and len(live["aggregates"]) == 1 and len(live["io_procs"]) == 1
    tap, agg = live["taps"][0], live["aggregates"][0]
    desc = hal.objects[agg].props["description"]
    assert desc[ca.AGG_PRIVATE] is True
    assert desc[ca.AGG_MAIN_SUBDEVICE] == "BuiltInSpeakerDevice"
    assert desc[ca.AGG_SUBDEVICES] == [{ca.SUBDEVICE_UID: "BuiltInSpeakerDevice"}]
    assert desc[ca.AGG_TAPS] == [
        {ca.SUBTAP_UID: hal.objects[tap].props[ca.TAP_UID], ca.SUBTAP_DRIFT: True}
    ]
    assert "tapautostart" not in desc
    assert hal.running_on(agg)
    assert (route.rate, route.channels, route.device_name) == (48000, 2, "MacBook Pro Speakers")
    hal.calls.clear()
    route.close()
    assert hal.is_clean()
    assert [c for c in hal.calls if c != "get_string"] == [
        "stop",
        "destroy_io_proc",
        "destroy_aggregate_device",
        "destroy_process_tap",
    ]
    route.close()  # twice is harmless
    assert hal.is_clean()


@pytest.mark.parametrize(
    "step",
    ["create_process_tap", "get_format", "create_aggregate_device", "create_io_proc", "start"],
)
def test_a_failure_at_any_step_leaves_nothing_behind(step: str) -> None:
    hal, ids = standard_mac()
    hal.fail(step, ca.fourcc("nope"))
    with pytest.raises(CoreAudioError, match="illegal operation"):
        open_tap_route(hal, EVERYTHING, ids["speakers"], collect()[1])
    assert hal.is_clean(), hal.live()


def test_a_failing_teardown_step_does_not_stop_the_others() -> None:
    hal, ids = standard_mac()
    route = open_tap_route(hal, EVERYTHING, ids["speakers"], collect()[1])
    hal.fail("stop")
    route.close()
    assert hal.is_clean()
    assert route.teardown_errors and "stop the device" in route.teardown_errors[0]


def test_only_the_taps_channels_reach_the_pipeline_when_the_output_has_inputs() -> None:
    hal, ids = standard_mac()
    hal.set_default_output(ids["headset"])  # a USB headset: its microphone is in the aggregate
    got, proc = collect()
    route = open_tap_route(hal, EVERYTHING, ids["headset"], proc)
    assert route.rate == 44100
    played = np.stack([np.linspace(-1, 1, 441), np.linspace(1, -1, 441)], 1).astype(np.float32)
    hal.deliver_tap(played, 0.0, other=0.9)
    assert len(got) == 1
    assert got[0][0].shape == (441, 2) and np.array_equal(got[0][0], played)
    route.close()
    assert hal.is_clean()


def test_a_mono_tap_gives_one_channel() -> None:
    hal, ids = standard_mac()
    got, proc = collect()
    route = open_tap_route(hal, TapDescription((), True, mono=True), ids["speakers"], proc)
    hal.deliver_tap(np.full((480, 1), 0.25, np.float32), 0.0)
    assert route.channels == 1 and got[0][0].shape == (480, 1)
    route.close()


def test_device_route_reads_the_input_device_and_cleans_up() -> None:
    hal, ids = standard_mac()
    got, proc = collect()
    route = open_device_route(hal, ids["blackhole"], proc)
    assert (route.channels, route.rate, route.device_name) == (2, 48000, "BlackHole 2ch")
    hal.deliver(ids["blackhole"], np.ones((256, 2), np.float32), 512.0)
    assert got[0][1] == 512.0
    route.close()
    assert hal.is_clean()
    hal.fail("start")
    with pytest.raises(CoreAudioError):
        open_device_route(hal, ids["blackhole"], proc)
    assert hal.is_clean()


def test_a_device_without_inputs_is_refused() -> None:
    hal, ids = standard_mac()
    with pytest.raises(DeviceNotFound, match="no input channels"):
        open_device_route(hal, ids["speakers"], collect()[1])
    assert hal.is_clean()


def test_a_device_without_float_samples_is_refused() -> None:
    hal, _ = standard_mac()
    odd = hal.add_device(
        "Odd Interface", "odd", inputs=2, flags=0x4 | 0x8
    )  # signed integer, packed
    with pytest.raises(CaptureError, match="32-bit float"):
        open_device_route(hal, odd, collect()[1])
    assert hal.is_clean()
