"""A live input on the sound server that keeps recording whatever happens to the devices.

``PulseInputOptions``  timeline tolerances, reconnect backoff, health thresholds
``PulseInput``         an ``AudioInput`` (see capture/base.py) for one ``Want``:
                       start(emit) ... stop().

Three kinds of threads, one job each:
* readers (one per ``parec`` child) only copy whole frames and enqueue them;
* the watcher holds a control connection, subscribed to server, sink, source, sink-input and
  source-output events (it sleeps in ``event_listen``; only while nothing is recorded or a
  new recording is not yet seen on its target does it also look every second), and after each
  event re-checks "do I record what I should, and is my stream still on it?". If not it opens the
  new recording first and closes the old one after (make-before-break). When the server goes
  away it reconnects with backoff (0.1 s doubling to 2 s). When a connection finds nothing to
  record for a while (3 s, doubling to a minute while that lasts), it is replaced by a fresh
  one: after a PipeWire restart, connections made while the server was still coming up were
  seen to find no device for as long as a test waited, though other clients had just made
  them the defaults; a fresh one does not depend on how the server was when it connected;
* the pump is the only thread that calls ``emit``: it lays blocks of the current stream on the
  ``Timeline`` (blocks of a replaced stream are dropped), fills gaps, and raises warnings.

SessionWarning codes: ``device-switched`` (followed the default device), ``device-lost`` (what was
recorded disappeared), ``server-lost`` / ``server-restarted``, ``app-stream-ended`` /
``app-reattached`` (``--app``), ``capture-error`` (anything else; retried), ``frames-lost``
(a running stream stalled or data overlapped filled time), ``silent-while-playing`` (system
source silent for 10 s while an app plays into it).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pulsectl

from loopnote.capture.base import DeviceSwitch, Emit
from loopnote.capture.pulse_proc import ParecStream, ParecTarget
from loopnote.capture.pulse_server import Resolved, Want, connect, resolve, source_of_pid
from loopnote.capture.timeline import Timeline, TimelineOptions
from loopnote.clock import Clock, SystemClock
from loopnote.errors import SoundServerUnavailable
from loopnote.types import FloatArray, SessionWarning

NO_INDEX = 0xFFFFFFFF
DRAIN_SECONDS = 2.0  # the longest a replaced recording keeps feeding the timeline
SETTLE_SECONDS = 1.0
EVENTS = ("server", "sink", "source", "sink_input", "source_output")

log = logging.getLogger(__name__)


class _NothingInView(Exception):
    """The connection has found nothing to record for a while: replace it with a fresh one."""


@dataclass(frozen=True)
class PulseInputOptions:
    timeline: TimelineOptions = field(default_factory=TimelineOptions)
    reconnect_first: float = 0.1  # first retry after the server went away (seconds)
    reconnect_max: float = 2.0  # backoff doubles up to this
    silent_after: float = 10.0  # warn when silent this long while an app plays
    silent_level: float = 1e-4  # peak below this counts as silence (-80 dBFS)
    warn_every: float = 10.0  # at most one frames-lost warning per this many seconds
    tick: float = 0.05  # the pump wakes at least this often to fill gaps
    fresh_view_first: float = 3.0  # a connection finding nothing this long is replaced ...
    fresh_view_max: float = 60.0  # ... the wait doubling up to this while nothing is found


# what the pump receives: ("data", stream, samples) | ("note", make_item) | ("stop",)
_Note = Callable[[float], SessionWarning | DeviceSwitch]


class PulseInput:
    def __init__(
        self, want: Want, options: PulseInputOptions | None = None, clock: Clock | None = None
    ) -> None:
        self.want = want
        self.source = want.source
        self.options = options or PulseInputOptions()
        self._clock = clock or SystemClock()
        self._q: queue.SimpleQueue[tuple[object, ...]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._stream: ParecStream | None = None  # the current recording
        self._target: ParecTarget | None = None
        self._draining: ParecStream | None = None  # the previous recording, until the new one
        self._drain_until = 0.0  # delivers (or this monotonic time passes)
        self._wake = threading.Event()
        self._pulse: pulsectl.Pulse | None = None
        self._playing = False
        self._t0 = 0.0
        self.timeline = Timeline(want.source, self.options.timeline)
        self._threads: list[threading.Thread] = []
        self._opened_once = False
        self._fresh_view_after = self.options.fresh_view_first

    # ------------------------------------------------------------------ public ---
    def start(self, emit: Emit) -> None:
        self._t0 = self._clock.monotonic()
        self._threads = [
            threading.Thread(
                target=self._pump, args=(emit,), name=f"pump-{self.source}", daemon=True
            ),
            threading.Thread(target=self._watch, name=f"watch-{self.source}", daemon=True),
        ]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        """The source ends now: its timeline is filled up to this moment."""
        self._q.put(("stop", self._clock.monotonic() - self._t0))
        self._stop.set()
        self._wake_watcher()
        for t in self._threads:
            t.join(timeout=5.0)
        with self._lock:
            stream, self._stream = self._stream, None
            draining, self._draining = self._draining, None
        for s in (stream, draining):
            if s is not None:
                s.close()

    @property
    def device(self) -> str | None:
        """What is being recorded right now."""
        t = self._target
        return t.describe() if t else None

    # ----------------------------------------------------------------- readers ---
    def _on_block(self, stream: ParecStream, samples: FloatArray) -> None:
        self._q.put(("data", stream, samples))

    def _on_end(self, stream: ParecStream, rc: int) -> None:
        if stream is self._stream and not self._stop.is_set():
            self._wake_watcher()

    def _wake_watcher(self) -> None:
        self._wake.set()
        pulse = self._pulse
        if pulse is not None:
            # the connection may be closing; the watcher's timeout covers that case
            with contextlib.suppress(Exception):
                pulse.event_listen_stop()

    def _note(self, make: _Note) -> None:
        self._q.put(("note", make))

    def _warn(self, code: str, message: str, **extra: object) -> None:
        src = self.source
        log.info("%s capture: %s: %s", src, code, message)
        self._note(lambda t: SessionWarning(code, message, src, t, dict(extra)))

    # ----------------------------------------------------------------- watcher ---
    def _watch(self) -> None:
        delay = self.options.reconnect_first
        lost = False
        while not self._stop.is_set():
            try:
                pulse = connect(f"loopnote-{self.source}-watch")
            except SoundServerUnavailable:
                self._stop.wait(delay)
                delay = min(delay * 2, self.options.reconnect_max)
                continue
            delay = self.options.reconnect_first
            if lost:
                self._warn("server-restarted", "the sound server is back; recording again")
                lost = False
            try:
                self._watch_connected(pulse)
            except _NothingInView:
                log.info(
                    "%s capture: nothing to record for %.0f s on this connection; "
                    "looking with a fresh one",
                    self.source,
                    self._fresh_view_after,
                )
                self._fresh_view_after = min(
                    2 * self._fresh_view_after, self.options.fresh_view_max
                )
            except (pulsectl.PulseDisconnected, pulsectl.PulseError):
                if not self._stop.is_set():
                    lost = True
                    self._drop_stream()
                    self._warn(
                        "server-lost",
                        "the sound server went away; reconnecting (the gap is recorded as silence)",
                    )
            except Exception as e:  # keep the meeting going: say so, retry after a while
                if not self._stop.is_set():
                    log.exception("%s capture failed", self.source)
                    self._drop_stream()
                    self._warn("capture-error", f"{self.source} capture failed ({e}); retrying")
                    self._stop.wait(self.options.reconnect_max)
            finally:
                self._pulse = None
                pulse.close()

    def _watch_connected(self, pulse: pulsectl.Pulse) -> None:
        pending = threading.Event()

        def on_event(ev: pulsectl.PulseEventInfo) -> None:
            pending.set()
            raise pulsectl.PulseLoopStop

        pulse.event_mask_set(*EVENTS)
        pulse.event_callback_set(on_event)
        self._pulse = pulse
        pending.set()
        missing_since: float | None = None
        while not self._stop.is_set():
            if pending.is_set() or self._wake.is_set():
                pending.clear()
                self._wake.clear()
                self._check(pulse)
                continue
            # sleeps until the server sends an event; the timeout only re-reads local flags
            # (a reader may have woken us just before the loop started listening)
            pulse.event_listen(timeout=1.0)
            stream = self._stream
            if stream is None or not stream.settled:
                # while nothing is recorded, or a new recording the server linked elsewhere
                # in its first second was left alone (see _check) and has not been seen on its
                # target, look again even if no event comes: a restarting PipeWire passes
                # through a placeholder sink that vanishes, and the event of the real one
                # appearing can come before it is the default, so neither may stay the case
                # for the rest of the meeting
                pending.set()
            now = self._clock.monotonic()
            if stream is not None:
                missing_since = None
                self._fresh_view_after = self.options.fresh_view_first
            elif missing_since is None:
                missing_since = now
            elif now - missing_since > self._fresh_view_after:
                raise _NothingInView

    def _drop_stream(self) -> None:
        with self._lock:
            old, self._stream, self._target = self._stream, None, None
            draining, self._draining = self._draining, None
        for s in (old, draining):
            if s is not None:
                s.close()

    def _check(self, pulse: pulsectl.Pulse) -> None:
        """Make sure the right thing is being recorded."""
        got = resolve(pulse, self.want)
        self._playing = bool(got and got.playing)
        stream, target = self._stream, self._target
        if got is None:
            if stream is not None and target is not None:
                self._drop_stream()
                self._lost(target)
            return
        if stream is None or target is None:
            return self._open(got, None)
        if got.target != target:
            gone = target.device is not None and not any(
                s.name == target.device for s in pulse.source_list()
            )
            return self._open(got, target, gone)
        if not stream.alive():
            self._drop_stream()
            self._lost(target)
            return self._open(got, None)
        if got.source_index is None:
            stream.settled = True  # an app's stream: no source to verify the link against
        else:
            actual = source_of_pid(pulse, stream.pid)
            if actual == got.source_index:
                stream.settled = True
            elif (
                actual is not None
                and actual != NO_INDEX
                and (stream.settled or stream.age() > SETTLE_SECONDS)
            ):
                # the server moved our recording elsewhere (e.g. to the microphone); a new
                # stream is left alone until the server has linked it once (or a while passed)
                self._open(got, target)

    def _lost(self, target: ParecTarget) -> None:
        if self.want.mode == "app":
            self._warn(
                "app-stream-ended",
                f"{target.describe()} stopped playing; waiting for "
                f"{self.want.describe()} to play again",
                device=target.describe(),
            )
        else:
            self._warn("device-lost", f"{target.describe()} disappeared", device=target.describe())

    def _open(self, got: Resolved, old: ParecTarget | None, old_gone: bool = False) -> None:
        """Open a recording of ``got`` first, then close the previous one. When the previous
        one still records what it did (the default device changed), its blocks keep the
        timeline going until the new recording delivers; when it was moved elsewhere or its
        device is gone, its blocks stop counting at once."""
        first = not self._opened_once
        keep_old = old is not None and not old_gone and old != got.target
        new = ParecStream(got.target, f"loopnote {self.source}", self._on_block, self._on_end)
        closing: list[ParecStream] = []
        with self._lock:
            previous, self._stream, self._target = self._stream, new, got.target
            if self._draining is not None:
                closing.append(self._draining)
                self._draining = None
            if previous is not None:
                if keep_old and previous.alive() and previous.delivered:
                    self._draining = previous
                    self._drain_until = self._clock.monotonic() + DRAIN_SECONDS
                else:
                    closing.append(previous)
        for s in closing:
            s.close()
        self._opened_once = True
        name = got.target.describe()
        src = self.source
        self._note(lambda t: DeviceSwitch(src, name, t))
        if first:
            return
        if self.want.mode == "app":
            self._warn("app-reattached", f"recording {name} again", device=name)
        elif old is not None and old_gone:
            self._warn(
                "device-lost",
                f"{old.describe()} disappeared; now recording {name}",
                device=name,
                lost=old.describe(),
            )
        elif old is not None and old.device == got.target.device:
            self._warn(
                "device-switched",
                f"recording {name} again (the server had moved the recording)",
                device=name,
            )
        else:
            why = f"now recording {name}"
            if old is not None:
                why += f" instead of {old.describe()}"
            self._warn("device-switched", why, device=name)

    def _end_drain(self) -> None:
        """The new recording took over: close the previous one (off the pump thread)."""
        with self._lock:
            old, self._draining = self._draining, None
        if old is not None:
            threading.Thread(target=old.close, name="parec-close", daemon=True).start()

    # -------------------------------------------------------------------- pump ---
    def _pump(self, emit: Emit) -> None:
        o = self.options
        tl = self.timeline
        on_timeline: set[ParecStream] = set()
        last_loud = 0.0
        silent_warned = False
        last_loss_warn = -o.warn_every
        reported_loss = 0
        running = True
        while running:
            try:
                item = self._q.get(timeout=o.tick)
            except queue.Empty:
                item = ("tick",)
            now = self._clock.monotonic() - self._t0
            kind = item[0]
            if kind == "stop":
                running = False
                while True:  # what was already read still belongs to the recording
                    try:
                        rest = self._q.get_nowait()
                    except queue.Empty:
                        break
                    if rest[0] == "data" and rest[1] is self._stream:
                        # it arrived before the stop: it belongs before the stop time
                        for c in tl.data(rest[2], item[1], False):  # type: ignore[arg-type]
                            emit(c)
                for c in tl.finish(item[1]):  # type: ignore[arg-type]
                    emit(c)
                break
            if kind == "data":
                stream, samples = item[1], item[2]
                assert isinstance(stream, ParecStream)
                first = False
                if stream is self._stream:
                    first = stream not in on_timeline
                    on_timeline.add(stream)
                    if first:
                        self._end_drain()
                elif stream is not self._draining:
                    continue  # a replaced recording: its blocks no longer count
                for c in tl.data(samples, now, first):  # type: ignore[arg-type]
                    emit(c)
                    if float(abs(c.samples).max(initial=0.0)) >= o.silent_level:
                        last_loud, silent_warned = c.end, False
            elif kind == "note":
                make = item[1]
                emit(make(tl.t))  # type: ignore[operator]
            if self._draining is not None and self._clock.monotonic() > self._drain_until:
                self._end_drain()
            stream = self._stream
            live = stream is not None and stream.alive()
            for c in tl.tick(now, live, live and stream is not None and stream.delivered):
                emit(c)
            # health
            lost = tl.stats.live_filled + tl.stats.trimmed
            if lost > reported_loss and now - last_loss_warn >= o.warn_every:
                ms = 1000 * (lost - reported_loss) / tl.options.rate
                emit(
                    SessionWarning(
                        "frames-lost",
                        f"{ms:.0f} ms of {self.source} audio did not arrive "
                        "in time (filled with silence)",
                        self.source,
                        tl.t,
                    )
                )
                reported_loss, last_loss_warn = lost, now
            if not self._playing:
                last_loud, silent_warned = tl.t, False
            elif (
                self.source == "system" and not silent_warned and tl.t - last_loud >= o.silent_after
            ):
                emit(
                    SessionWarning(
                        "silent-while-playing",
                        f"no sound from {self.device} for "
                        f"{o.silent_after:.0f} s while an application is playing into it",
                        self.source,
                        tl.t,
                    )
                )
                silent_warned = True
