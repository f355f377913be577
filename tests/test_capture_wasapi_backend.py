"""WasapiBackend: listing and opening, against the contract fake of the Windows audio stack
(tests/capture_wasapi_fake.py: a FAKE, because Windows COM cannot exist on Linux). Wine does
not reproduce other processes' sessions or process loopback, so these paths are verified here
only, at the COM seam.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from capture_wasapi_fake import (
    MIC,
    RATE,
    SPK,
    SPK2,
    FakeEndpoint,
    FakeSession,
    FakeWindows,
    at,
    expected,
    flatten,
    run,
    tone,
)
from loopnote.capture.base import CaptureRequest
from loopnote.capture.meetings import ActivityReport, ActivitySnapshot
from loopnote.capture.wasapi.backend import WasapiBackend, WasapiOptions
from loopnote.capture.wasapi.com import HR
from loopnote.capture.wasapi.structs import SampleFormat
from loopnote.capture.wasapi.win32 import ProcessEntry
from loopnote.errors import DeviceNotFound, PermissionDenied, UnsupportedPlatform, UsageError

TEAMS, TEAMS_AUDIO, CHROME = 100, 101, 200


@pytest.fixture
def fake() -> Iterator[FakeWindows]:
    f = FakeWindows(
        [
            FakeEndpoint(SPK, "Speakers", "render"),
            FakeEndpoint(SPK2, "Speakers", "render"),  # names repeat; IDs do not
            FakeEndpoint(MIC, "Microphone", "capture"),
        ]
    )
    f.processes_list += [
        ProcessEntry(TEAMS, 1, "ms-teams.exe"),
        ProcessEntry(TEAMS_AUDIO, TEAMS, "ms-teams.exe"),
        ProcessEntry(CHROME, 1, "chrome.exe"),
        ProcessEntry(300, 1, "chrome.exe"),
    ]
    f.sessions += [
        FakeSession(TEAMS_AUDIO, "", SPK),
        FakeSession(TEAMS_AUDIO, "", SPK2, state=0),
        FakeSession(CHROME, "YouTube", SPK, multi_process=True),
        FakeSession(0, "@%SystemRoot%\\System32\\AudioSrv.Dll,-202", SPK, system_sounds=True),
        FakeSession(300, "old", SPK, state=2),
    ]
    f.app_audio = {TEAMS_AUDIO: tone(440, (0.0, 99.0)), CHROME: tone(660, (0.5, 99.0))}
    yield f
    assert f.leaks() == []


def test_sources_list_endpoints_and_other_apps(fake: FakeWindows) -> None:
    srcs = WasapiBackend(api=fake).list_sources()
    outs = [s for s in srcs if s.kind == "output"]
    assert [(s.id, s.is_default) for s in outs] == [(SPK, True), (SPK2, False)]
    assert [(s.kind, s.id, s.name) for s in srcs if s.kind == "input"] == [
        ("input", MIC, "Microphone")
    ]
    apps = {s.id: s for s in srcs if s.kind == "app"}
    assert set(apps) == {str(TEAMS_AUDIO), str(CHROME)}  # no system sounds, no expired session
    teams = apps[str(TEAMS_AUDIO)].to_dict()
    assert teams["name"] == "ms-teams" and teams["process"] == "ms-teams.exe"
    assert teams["state"] == "active" and teams["endpoints"] == [SPK, SPK2]
    assert apps[str(CHROME)].name == "YouTube"  # a multi-process session still has a pid


def test_unknown_endpoint_or_a_name_instead_of_an_id(fake: FakeWindows) -> None:
    backend = WasapiBackend(api=fake)
    with pytest.raises(DeviceNotFound, match="loopnote sources"):
        backend.open(CaptureRequest(system_source="{nope}"))
    with pytest.raises(DeviceNotFound) as e:
        backend.open(CaptureRequest(system_source="Speakers"))
    assert SPK in str(e.value) and SPK2 in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(DeviceNotFound):  # a render endpoint is not a microphone
        backend.open(CaptureRequest(mic=SPK))


def test_unsupported_build_is_said_first(fake: FakeWindows) -> None:
    fake.build = 19045
    with pytest.raises(UnsupportedPlatform) as e:
        WasapiBackend(api=fake).open(CaptureRequest(app="no-such-app"))
    assert "20348" in str(e.value) and "19045" in str(e.value) and "drop --app" in str(e.value)


def test_unknown_and_ambiguous_apps(fake: FakeWindows) -> None:
    backend = WasapiBackend(api=fake)
    with pytest.raises(DeviceNotFound) as e:
        backend.open(CaptureRequest(app="zoom"))
    assert "YouTube (pid 200)" in str(e.value) and "ms-teams (pid 101)" in str(e.value)
    with pytest.raises(DeviceNotFound, match="pid 999"):
        backend.open(CaptureRequest(app="999"))
    fake.sessions = [s for s in fake.sessions if s.pid != CHROME]
    with pytest.raises(UsageError, match="pass --app PID"):  # two chrome trees, none playing
        backend.open(CaptureRequest(app="chrome"))


def _app_run(fake: FakeWindows, app: str, until: float = 1.5) -> list[Any]:
    inputs = WasapiBackend(api=fake).open(CaptureRequest(app=app, no_mic=True))
    return run(fake, inputs, until)["system"]


def test_one_app_by_name_includes_its_process_tree(fake: FakeWindows) -> None:
    mono, gap = flatten(_app_run(fake, "MS-Teams.exe"))  # the root, whose child plays
    np.testing.assert_allclose(at(mono, 0.0, 1.4), expected(440, 0.0, 1.4), atol=1e-6)
    assert not at(gap, 0.0, 1.4).any()


def test_exclude_mode_captures_everything_else(fake: FakeWindows) -> None:
    mono, gap = flatten(_app_run(fake, f"!{TEAMS}"))  # chrome only, silent until 0.5 s
    assert at(gap, 0.0, 0.3).all()  # no packets while nothing plays: gap-filled timeline
    np.testing.assert_allclose(at(mono, 0.5, 1.4), expected(660, 0.5, 1.4), atol=1e-6)


def test_process_loopback_chooses_a_format_the_engine_accepts(fake: FakeWindows) -> None:
    fake.process_formats = [SampleFormat(44100, 2, "int", 16, 16)]
    inputs = WasapiBackend(api=fake).open(CaptureRequest(app=str(CHROME), no_mic=True))
    fake.stop_clock_at(1.0)
    chunks: list[Any] = []
    fake.paused = True
    inputs[0].start(chunks.append)
    fake.resume_when_waiting(1)
    fake.wait_frozen()
    inputs[0].stop()
    audio = [c for c in chunks if not c.gap]
    assert audio and {c.sample_rate for c in chunks} == {44100}
    x = np.concatenate([c.samples[:, 0] for c in audio])
    assert 0.45 < float(np.max(np.abs(x))) < 0.51  # int16 decoded to float


def test_activation_denied_is_one_line(fake: FakeWindows) -> None:
    fake.activation_hr = HR["E_ACCESSDENIED"]
    (inp,) = WasapiBackend(api=fake).open(CaptureRequest(app="chrome.exe", no_mic=True))
    with pytest.raises(PermissionDenied) as e:
        inp.start(lambda item: None)
    assert "E_ACCESSDENIED" in str(e.value) and "\n" not in str(e.value)
    inp.stop()


def test_exclude_self_option_leaves_loopnotes_own_sounds_out(fake: FakeWindows) -> None:
    fake.app_audio[fake.pid] = tone(1000, (0.0, 99.0))  # loopnote's own alert sound
    opts = WasapiOptions(exclude_self=True)
    inputs = WasapiBackend(opts, api=fake).open(CaptureRequest(no_mic=True))
    mono, _ = flatten(run(fake, inputs, 1.5)["system"])
    both = expected(440, 0.6, 1.4) + expected(660, 0.6, 1.4)
    np.testing.assert_allclose(at(mono, 0.6, 1.4), both, atol=1e-5)
    assert RATE == 48000


def test_the_platform_picker_gets_a_wasapi_backend_that_says_where_it_works() -> None:
    from loopnote.capture import get_backend

    backend = get_backend("wasapi")
    assert isinstance(backend, WasapiBackend) and backend.name == "wasapi"
    if not hasattr(__import__("ctypes"), "WinDLL"):  # off Windows: one line, no traceback
        with pytest.raises(UnsupportedPlatform, match="needs Windows"):
            backend.list_sources()


def test_audio_activity_names_who_plays_and_who_records_the_mic(fake: FakeWindows) -> None:
    # Teams' audio process plays and records (a call); a voice recorder only records;
    # an inactive capture session and the system sounds count for nothing
    fake.processes_list.append(ProcessEntry(400, 1, "SoundRecorder.exe"))
    fake.sessions += [
        FakeSession(TEAMS_AUDIO, "", MIC),
        FakeSession(400, "", MIC),
        FakeSession(CHROME, "Meet", MIC, state=0),
        FakeSession(0, "@%SystemRoot%\\System32\\AudioSrv.Dll,-202", MIC, system_sounds=True),
    ]
    got = {a.pid: a for a in WasapiBackend(api=fake).audio_activity()}
    assert set(got) == {TEAMS_AUDIO, CHROME, 400}
    teams = got[TEAMS_AUDIO]
    assert (teams.app, teams.binary, teams.plays, teams.records_mic) == (
        "ms-teams",
        "ms-teams.exe",
        True,
        True,
    )
    assert (got[CHROME].plays, got[CHROME].records_mic) == (True, False)
    assert (got[400].plays, got[400].records_mic) == (False, True)


def test_the_session_watcher_reports_each_change_and_sleeps_in_between(fake: FakeWindows) -> None:
    reports: queue.Queue[ActivityReport] = queue.Queue()
    watcher = WasapiBackend(api=fake).watch_activity(reports.put)
    try:
        first = reports.get(timeout=5)
        assert isinstance(first, ActivitySnapshot)
        assert {a.pid for a in first.apps} == {TEAMS_AUDIO, CHROME}
        assert not any(a.records_mic for a in first.apps)
        # Teams opens the microphone: a new session on the capture endpoint
        call = FakeSession(TEAMS_AUDIO, "", MIC, state=0)
        fake.add_session(call)  # created inactive: nothing changes yet
        time.sleep(0.3)
        assert reports.empty()
        fake.set_session_state(call, 1)  # it starts streaming
        now = reports.get(timeout=5)
        assert isinstance(now, ActivitySnapshot)
        teams = next(a for a in now.apps if a.pid == TEAMS_AUDIO)
        assert teams.plays and teams.records_mic
        woke = watcher.wakeups
        time.sleep(0.5)  # nothing changes: the watcher does not wake
        assert watcher.wakeups == woke and reports.empty()
        fake.set_session_state(call, 2)  # expired: the call ended
        ended = reports.get(timeout=5)
        assert isinstance(ended, ActivitySnapshot)
        assert not any(a.records_mic for a in ended.apps)
    finally:
        watcher.stop()
