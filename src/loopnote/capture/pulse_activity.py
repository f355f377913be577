"""Who uses the audio devices, on PulseAudio or PipeWire (through pipewire-pulse).

``audio_activity(pulse)``  every app's ``AppActivity``: its playback streams (sink inputs)
                           and its recordings of a microphone (source outputs on a source
                           that is not an output's monitor), grouped by process id (by
                           application name when the app gives none)
``ActivityWatcher``        a thread subscribed to the server's stream, source and server
                           events that reports an ``ActivitySnapshot`` whenever what apps do
                           changed; it sleeps in the server's event wait in between. When the
                           server goes away it reports ``ServerLost``, reconnects with backoff
                           and reports ``ServerBack`` and a fresh snapshot.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulsectl

from loopnote.capture.meetings import (
    ActivityReport,
    ActivitySnapshot,
    AppActivity,
    ServerBack,
    ServerLost,
)
from loopnote.capture.pulse_server import connect
from loopnote.errors import SoundServerUnavailable

log = logging.getLogger(__name__)

NO_INDEX = 0xFFFFFFFF
EVENTS = ("server", "source", "sink_input", "source_output")
# media.role of sounds that are never a conversation (notification pings, screen readers)
SYSTEM_ROLES = frozenset({"event", "a11y", "accessibility", "alarm", "notification"})


def _prop(proplist: dict[str, Any], key: str) -> str:
    return str(proplist.get(key, "") or "")


@dataclass
class _Group:
    app: str
    binary: str
    pid: int | None
    plays: bool = False
    records_mic: bool = False


def audio_activity(pulse: pulsectl.Pulse) -> tuple[AppActivity, ...]:
    mics = {s.index for s in pulse.source_list() if s.monitor_of_sink == NO_INDEX}
    groups: dict[str, _Group] = {}

    def group(stream: Any) -> _Group | None:
        pl = stream.proplist
        if _prop(pl, "media.role").casefold() in SYSTEM_ROLES:
            return None
        pid_text = _prop(pl, "application.process.id")
        pid = int(pid_text) if pid_text.isdigit() else None
        app = _prop(pl, "application.name") or str(stream.name or "")
        key = f"pid:{pid}" if pid is not None else f"app:{app.casefold()}"
        g = groups.get(key)
        if g is None:
            g = groups[key] = _Group(app, _prop(pl, "application.process.binary"), pid)
        return g

    for si in pulse.sink_input_list():
        g = group(si)
        if g is not None and not si.corked:
            g.plays = True
    for so in pulse.source_output_list():
        if so.source not in mics:
            continue  # recording an output's monitor (a loopback, a level meter): not the mic
        g = group(so)
        if g is not None and not so.corked:
            g.records_mic = True
    out = [
        AppActivity(key, g.app, g.binary, g.pid, g.plays, g.records_mic)
        for key, g in groups.items()
    ]
    return tuple(sorted(out, key=lambda a: a.key))


class ActivityWatcher:
    """Reports each change of what apps do to ``on_report`` (from its own thread)."""

    def __init__(
        self,
        on_report: Callable[[ActivityReport], None],
        reconnect_first: float = 0.1,
        reconnect_max: float = 2.0,
        listen_timeout: float = 30.0,
    ) -> None:
        self._on_report = on_report
        self._reconnect_first = reconnect_first
        self._reconnect_max = reconnect_max
        # the wait for events ends on any event or stop(); the timeout only guards against
        # a connection that died without the client noticing
        self._listen_timeout = listen_timeout
        self._stop = threading.Event()
        self._pulse: pulsectl.Pulse | None = None
        self._thread: threading.Thread | None = None
        self._last: tuple[AppActivity, ...] | None = None
        self.wakeups = 0  # how often the thread woke (for the idle benchmark)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="activity-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        # a stop that lands just before the thread starts listening is lost: repeat it
        for _ in range(50):
            pulse = self._pulse
            if pulse is not None:
                with contextlib.suppress(Exception):  # it may be closing already
                    pulse.event_listen_stop()
            if thread is None:
                return
            thread.join(timeout=0.1)
            if not thread.is_alive():
                return

    def _run(self) -> None:
        delay = self._reconnect_first
        lost = False
        while not self._stop.is_set():
            try:
                pulse = connect("loopnote-watch")
            except SoundServerUnavailable as e:
                if not lost:
                    lost = True
                    self._last = None
                    self._on_report(ServerLost(str(e)))
                self._stop.wait(delay)
                delay = min(delay * 2, self._reconnect_max)
                continue
            delay = self._reconnect_first
            if lost:
                lost = False
                self._on_report(ServerBack())
            try:
                self._listen(pulse)
            except (pulsectl.PulseDisconnected, pulsectl.PulseError) as e:
                if not self._stop.is_set():
                    lost = True
                    self._last = None
                    self._on_report(ServerLost(f"the sound server went away ({e})"))
            finally:
                self._pulse = None
                pulse.close()

    def _listen(self, pulse: pulsectl.Pulse) -> None:
        changed = threading.Event()

        def on_event(ev: pulsectl.PulseEventInfo) -> None:
            changed.set()
            raise pulsectl.PulseLoopStop

        pulse.event_mask_set(*EVENTS)
        pulse.event_callback_set(on_event)
        self._pulse = pulse
        changed.set()
        while not self._stop.is_set():
            if changed.is_set():
                changed.clear()
                self._report(audio_activity(pulse))
                continue
            pulse.event_listen(timeout=self._listen_timeout)
            self.wakeups += 1

    def _report(self, apps: tuple[AppActivity, ...]) -> None:
        if apps != self._last:
            self._last = apps
            self._on_report(ActivitySnapshot(apps))
