"""Apps using audio on macOS (process objects) and ``--app`` matching, on the fake HAL."""

from __future__ import annotations

import os
import queue
import time
from typing import Any

import pytest

from fake_coreaudio import standard_mac
from loopnote.capture.coreaudio import api as ca
from loopnote.capture.coreaudio.backend import CoreAudioBackend
from loopnote.capture.coreaudio.processes import any_playing, list_processes, resolve_app
from loopnote.capture.meetings import ActivitySnapshot
from loopnote.errors import DeviceNotFound


def test_list_skips_loopnote_itself_and_processes_that_vanish() -> None:
    hal, ids = standard_mac()
    hal.add_process(os.getpid(), "", "python3")
    gone = hal.add_process(4300, "com.apple.Music", "Music", playing=True)
    del hal.objects[gone]  # it quit between the list and the property reads
    procs = list_processes(hal)
    assert sorted(p.pid for p in procs) == [4100, 4200, 4201]
    zoom = next(p for p in procs if p.pid == 4100)
    assert (zoom.object_id, zoom.bundle_id, zoom.name, zoom.playing) == (
        ids["zoom"],
        "us.zoom.xos",
        "zoom.us",
        True,
    )


@pytest.mark.parametrize(
    ("query", "pids"),
    [
        ("4100", [4100]),  # a pid
        ("4200", [4200, 4201]),  # a pid, with its helpers
        ("us.zoom.xos", [4100]),  # a bundle id
        ("com.google.chrome", [4200, 4201]),  # a bundle id and its helpers
        ("Google Chrome", [4200, 4201]),  # an exact name, with its helpers
        ("zoom", [4100]),  # part of a name
        ("chrome", [4200, 4201]),  # the last part of a bundle id
    ],
)
def test_resolve_app(query: str, pids: list[int]) -> None:
    hal, _ = standard_mac()
    assert [p.pid for p in resolve_app(hal, query)] == pids


def test_unknown_app_when_nothing_plays() -> None:
    hal, ids = standard_mac()
    for name in ("zoom", "chrome_helper"):
        hal.set_playing(ids[name], False)
    with pytest.raises(DeviceNotFound, match="apps playing audio: none right now"):
        resolve_app(hal, "9999")


def test_any_playing_follows_the_process_objects() -> None:
    hal, ids = standard_mac()
    assert any_playing(hal, [ids["chrome"], ids["chrome_helper"]])
    hal.set_playing(ids["chrome_helper"], False)
    assert not any_playing(hal, [ids["chrome"], ids["chrome_helper"]])
    assert not any_playing(hal, [12345])  # an object that no longer exists
    assert hal.get_u32(ids["zoom"], ca.PROCESS_RUNNING_OUTPUT) == 1


def test_activity_joins_helpers_to_their_app_and_reads_input_and_output() -> None:
    hal, ids = standard_mac()
    # a Meet call in Chrome: its helper records the microphone and plays
    hal.objects[ids["chrome_helper"]].props[ca.PROCESS_RUNNING_INPUT] = 1
    # a voice memo records only
    memo = hal.add_process(4300, "com.apple.VoiceMemos", "Voice Memos")
    hal.objects[memo].props[ca.PROCESS_RUNNING_INPUT] = 1
    got = {a.key: a for a in CoreAudioBackend(hal).audio_activity()}
    assert set(got) == {
        "bundle:com.google.Chrome",
        "bundle:us.zoom.xos",
        "bundle:com.apple.VoiceMemos",
    }
    chrome = got["bundle:com.google.Chrome"]
    assert (chrome.app, chrome.pid, chrome.plays, chrome.records_mic) == (
        "Google Chrome",
        4200,
        True,
        True,
    )
    zoom = got["bundle:us.zoom.xos"]
    assert (zoom.plays, zoom.records_mic) == (True, False)  # no input property: not recording
    assert (
        got["bundle:com.apple.VoiceMemos"].plays,
        got["bundle:com.apple.VoiceMemos"].records_mic,
    ) == (
        False,
        True,
    )


def _next_snapshot(reports: queue.Queue[Any]) -> dict[str, tuple[bool, bool]]:
    r = reports.get(timeout=5)
    assert isinstance(r, ActivitySnapshot)
    return {a.key: (a.plays, a.records_mic) for a in r.apps}


def test_the_watcher_reports_each_change_the_hal_notifies_and_lets_go_at_the_end() -> None:
    hal, ids = standard_mac()
    reports: queue.Queue[Any] = queue.Queue()
    watcher = CoreAudioBackend(hal).watch_activity(reports.put)
    try:
        first = _next_snapshot(reports)
        assert first["bundle:us.zoom.xos"] == (True, False)
        hal.set_recording(ids["zoom"], True)  # a Zoom call: the mic as well
        assert _next_snapshot(reports)["bundle:us.zoom.xos"] == (True, True)
        memo = hal.add_process(4300, "com.apple.VoiceMemos", "Voice Memos")
        assert "bundle:com.apple.VoiceMemos" in _next_snapshot(reports)
        hal.set_recording(memo, True)  # a process that came later is listened to as well
        assert _next_snapshot(reports)["bundle:com.apple.VoiceMemos"] == (False, True)
        hal.remove_process(memo)
        assert "bundle:com.apple.VoiceMemos" not in _next_snapshot(reports)
        woke = watcher.wakeups
        time.sleep(0.3)  # nothing changes: no report, no wake-up
        assert reports.empty() and watcher.wakeups == woke
    finally:
        watcher.stop()
    assert hal.live()["listeners"] == []  # every listener removed
