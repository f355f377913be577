"""`loopnote watch` against a real sound server (PulseAudio and PipeWire, tests/soundserver.py).

The "meeting app" is one process (tests/meeting_app.py) that plays into the output and
records the virtual microphone through libpulse, as a call app does; music is the same
program only playing, dictation only recording.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from loopnote.capture.meetings import ActivitySnapshot
from loopnote.capture.pulse_activity import ActivityWatcher, audio_activity
from loopnote.capture.pulse_server import connect
from recording import cli_env
from soundserver import SoundServer

pytestmark = pytest.mark.soundlab

APP = Path(__file__).parent / "meeting_app.py"
GRACE = 2.0


def start_app(name: str, *flags: str) -> subprocess.Popen[str]:
    p = subprocess.Popen(
        [sys.executable, str(APP), name, *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "ready", p.stderr.read() if p.stderr else ""
    return p


def end(p: subprocess.Popen[str]) -> None:
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    p.wait(timeout=10)


class Watcher:
    """A `loopnote watch --format jsonl` process and the lines it printed; with
    ``notify_bus`` (a D-Bus address) it asks by notification there, else it notifies not."""

    def __init__(self, data: Path, *args: str, notify_bus: str = "") -> None:
        env = cli_env(data)
        flags = ["--no-notify", "--grace", str(GRACE)]
        if notify_bus:
            env, flags = {**env, "DBUS_SESSION_BUS_ADDRESS": notify_bus}, flags[1:]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "loopnote", "watch", "--format", "jsonl", *flags, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def wait_for(self, kind: str, timeout: float, **match: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind} {match} within {timeout} s; saw {self.seen}")
            try:
                ev = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(ev)
            if ev["type"] == kind and all(ev.get(k) == v for k, v in match.items()):
                return ev

    def drain(self, seconds: float) -> list[dict[str, Any]]:
        time.sleep(seconds)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.seen

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=120)
        return self.proc.returncode, err


@pytest.fixture
def watcher(lab: SoundServer, tmp_path: Path):  # type: ignore[no-untyped-def]
    w = Watcher(tmp_path)
    w.wait_for("watching", 30)
    yield w
    if w.proc.poll() is None:
        w.stop()


def test_activity_groups_one_process_playing_and_recording(lab: SoundServer) -> None:
    app = start_app("LabCall", "--play", "--record")
    try:
        with connect("loopnote-test") as pulse:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                mine = [a for a in audio_activity(pulse) if a.pid == app.pid]
                if mine and mine[0].plays and mine[0].records_mic:
                    break
                time.sleep(0.05)
        assert len(mine) == 1
        assert mine[0].app == "LabCall"
        assert mine[0].binary.startswith("python")
    finally:
        end(app)


def test_the_watcher_reports_changes_and_sleeps_in_between(lab: SoundServer) -> None:
    reports: queue.Queue[Any] = queue.Queue()
    w = ActivityWatcher(reports.put)
    w.start()
    try:
        first = reports.get(timeout=5)
        assert isinstance(first, ActivitySnapshot)
        app = start_app("LabCall", "--play", "--record")
        deadline = time.monotonic() + 5
        found = False
        while not found and time.monotonic() < deadline:
            r = reports.get(timeout=5)
            found = isinstance(r, ActivitySnapshot) and any(
                a.pid == app.pid and a.plays and a.records_mic for a in r.apps
            )
        assert found
        end(app)
        time.sleep(0.5)
        while not reports.empty():
            reports.get()
        woke = w.wakeups
        time.sleep(2.0)  # nothing changes: no reports and no wake-ups
        assert reports.empty()
        assert w.wakeups == woke
    finally:
        w.stop()


def test_a_call_app_starts_a_meeting_within_3_s_and_it_ends_after_the_grace(
    watcher: Watcher,
) -> None:
    t0 = time.monotonic()
    app = start_app("LabCall", "--play", "--record")
    try:
        ev = watcher.wait_for("meeting_detected", 3.0, pid=app.pid)
        detected = time.monotonic() - t0
        assert ev["app"] == "LabCall" and ev["recording"] is False
    finally:
        end(app)
    t1 = time.monotonic()
    ended = watcher.wait_for("meeting_ended", GRACE + 3.0, pid=app.pid)
    assert time.monotonic() - t1 >= GRACE - 0.2
    assert ended["app"] == "LabCall"
    assert detected < 3.0


def test_music_alone_and_dictation_alone_start_nothing(watcher: Watcher) -> None:
    music = start_app("LabMusic", "--play")
    dictation = start_app("LabDictation", "--record")
    try:
        seen = watcher.drain(5.0)
    finally:
        end(music)
        end(dictation)
    assert [e for e in seen if e["type"] == "meeting_detected"] == []


def test_two_meetings_at_once_are_both_reported(watcher: Watcher) -> None:
    a = start_app("LabCallA", "--play", "--record")
    b = start_app("LabCallB", "--play", "--record", "--tone", "660")
    try:
        first = watcher.wait_for("meeting_detected", 5.0)
        second = watcher.wait_for("meeting_detected", 5.0)
    finally:
        end(a)
        end(b)
    assert {first["app"], second["app"]} == {"LabCallA", "LabCallB"}
    assert "concurrent_with" in second and "concurrent_with" not in first


def test_an_unknown_allowed_app_is_a_warning_and_watching_goes_on(
    lab: SoundServer, tmp_path: Path
) -> None:
    w = Watcher(tmp_path, "--allow", "LabCall", "--allow", "zoom")
    try:
        warn = w.wait_for("warning", 30, code="unknown-app")
        assert "LabCall" in warn["message"] and "zoom" not in warn["message"].split("'")[1]
        w.wait_for("watching", 10)
        other = start_app("LabOther", "--play", "--record")
        app = start_app("LabCall", "--play", "--record")
        try:
            ev = w.wait_for("meeting_detected", 3.0)
            assert ev["app"] == "LabCall"  # the other call app is not in the allow list
        finally:
            end(app)
            end(other)
    finally:
        w.stop()


def test_the_watcher_reconnects_when_the_server_comes_back(
    lab: SoundServer, watcher: Watcher
) -> None:
    lab.kill()
    watcher.wait_for("warning", 10, code="server-lost")
    lab.restart_after_kill()
    watcher.wait_for("warning", 30, code="server-restarted")
    app = start_app("LabCall", "--play", "--record")
    try:
        watcher.wait_for("meeting_detected", 3.0, pid=app.pid)
    finally:
        end(app)
