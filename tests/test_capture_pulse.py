"""Linux capture against a real sound server (PulseAudio and PipeWire, see tests/soundserver.py).

Each test plays real audio through the server and checks what the backend delivered: the
played signal (by cross-correlation or by its tone frequency), the sample-clock timeline
(contiguous, as long as the elapsed time, gaps flagged) and the warnings of each fault.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pulsectl
import pytest
import soundfile
import soxr

from loopnote.capture import get_backend
from loopnote.capture.base import AudioInput, CaptureItem, CaptureRequest, DeviceSwitch
from loopnote.capture.pulse import PulseBackend
from loopnote.capture.pulse_server import Want, connect
from loopnote.capture.pulse_watch import PulseInput, PulseInputOptions
from loopnote.errors import DeviceNotFound, SoundServerUnavailable, UsageError
from loopnote.types import AudioChunk, SessionWarning
from soundserver import SoundServer, write_tone

pytestmark = pytest.mark.soundlab

FIXTURES = Path(__file__).parent / "fixtures"
SPEECH = FIXTURES / "speech_vm_rec_name.flac"
RATE = 48000


@dataclass
class Take:
    """What inputs delivered, per source, with the wall time the capture started."""

    t0: float = 0.0
    chunks: dict[str, list[AudioChunk]] = field(default_factory=dict)
    warnings: list[SessionWarning] = field(default_factory=list)
    switches: list[DeviceSwitch] = field(default_factory=list)
    elapsed: float = 0.0
    started: dict[str, float] = field(default_factory=dict)  # source -> when start() was called
    stopped: dict[str, float] = field(default_factory=dict)  # source -> when stop() was called
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, inp: AudioInput) -> None:
        self.started[inp.source] = self.now()  # the input's session time 0
        inp.start(self.emit)

    def emit(self, item: CaptureItem) -> None:
        with self.lock:
            if isinstance(item, AudioChunk):
                self.chunks.setdefault(item.source, []).append(item)
            elif isinstance(item, SessionWarning):
                self.warnings.append(item)
            elif isinstance(item, DeviceSwitch):
                self.switches.append(item)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def audio(self, source: str = "system", start: float = 0.0, end: float = 1e9) -> np.ndarray:
        """Mono samples of [start, end) session seconds."""
        x = np.concatenate([c.samples for c in self.chunks[source]]).mean(axis=1)
        return x[int(start * RATE) : int(min(end, 1e7) * RATE)]

    def codes(self) -> list[str]:
        return [w.code for w in self.warnings]

    def wait_until(self, done: Callable[[], bool], timeout: float) -> float | None:
        """Session time when ``done()`` first held (polled), or None after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done():
                return self.now()
            time.sleep(0.05)
        return None

    def has_tone(self, source: str, freq: float, after: float) -> bool:
        """Some 100 ms of ``source`` after ``after`` session seconds holds ``freq``."""
        with self.lock:
            chunks = [c for c in self.chunks.get(source, ()) if c.end > after]
        if not chunks:
            return False
        x = np.concatenate([c.samples for c in chunks]).mean(axis=1)
        block = RATE // 10
        return any(tone_db(x[i : i + block], freq) > -20 for i in range(0, len(x) - block, block))

    def story(self) -> str:
        """What happened, in session time: warnings, device switches, and the runs of gap
        silence and captured audio of each source (for a failing assertion's message)."""
        lines = [f"{w.t:7.3f} {w.source} warning {w.code}: {w.message}" for w in self.warnings]
        lines += [f"{s.t:7.3f} {s.source} recording {s.device}" for s in self.switches]
        for source, chunks in self.chunks.items():
            for gap, run in itertools.groupby(chunks, key=lambda c: c.gap):
                run_ = list(run)
                what = "gap" if gap else "audio"
                lines.append(f"{run_[0].start:7.3f} {source} {what} until {run_[-1].end:.3f}")
        return "\n".join(sorted(lines))


def capture(
    inputs: list[AudioInput], seconds: float, script: list[tuple[float, Callable[[], object]]] = ()
) -> Take:  # type: ignore[assignment]
    take = Take()
    take.t0 = time.monotonic()
    for inp in inputs:
        take.start(inp)
    for at, action in sorted(script, key=lambda s: s[0]):
        time.sleep(max(0.0, at - take.now()))
        action()
    time.sleep(max(0.0, seconds - take.now()))
    take.elapsed = take.now()
    stop_all(inputs, take)
    return take


def stop_all(inputs: list[AudioInput], take: Take) -> None:
    """Stop every input at once; each one's timeline ends where its stop() is called."""

    def stop(inp: AudioInput) -> None:
        take.stopped[inp.source] = take.now()
        inp.stop()

    threads = [threading.Thread(target=stop, args=(inp,)) for inp in inputs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def assert_timeline(take: Take, source: str) -> None:
    """Contiguous chunks from 0 that cover the elapsed time (within 100 ms)."""
    chunks = take.chunks[source]
    assert chunks[0].start == 0.0
    for a, b in itertools.pairwise(chunks):
        assert abs(a.end - b.start) < 1e-6, (a.end, b.start)
        assert b.samples.dtype == np.float32 and b.samples.shape[1] == 2
    total, end = chunks[-1].end, take.stopped[source] - take.started[source]
    tail = [(round(c.start, 3), round(c.duration, 3), c.gap) for c in chunks[-8:]]
    assert abs(total - end) < 0.1, (total, end, tail, take.codes())


def tone_db(x: np.ndarray, freq: float) -> float:
    """Level of ``freq`` in ``x`` (dB re full-scale sine), from a windowed spectrum."""
    if len(x) < RATE // 50:
        return -200.0
    w = np.hanning(len(x))
    spec = np.abs(np.fft.rfft(x * w)) / (w.sum() / 2)
    f = np.fft.rfftfreq(len(x), 1 / RATE)
    band = (f > freq - 8) & (f < freq + 8)
    return float(20 * np.log10(spec[band].max() + 1e-12))


def speech_48k(path: Path) -> np.ndarray:
    x, sr = soundfile.read(str(path), dtype="float32")
    if x.ndim == 2:
        x = x.mean(axis=1)
    return np.asarray(soxr.resample(x, sr, RATE), np.float32)


def matches_played(
    captured: np.ndarray, played: np.ndarray, slack_ms: int = 300
) -> tuple[float, float]:
    """Find ``played`` inside ``captured``; return (offset seconds, share of voiced 100 ms
    blocks that match, correlation >= 0.9). A player that underruns on a loaded machine
    inserts silence, which shifts everything after it: each block is looked for from where
    the previous one matched up to ``slack_ms`` later (and 5 ms earlier)."""
    head = played[: round(1.5 * RATE)]
    n = len(captured) + len(head)
    size = 1 << (n - 1).bit_length()
    xc = np.fft.irfft(np.fft.rfft(captured, size) * np.conj(np.fft.rfft(head, size)), size)
    lag = shift = int(np.argmax(xc[: len(captured)]))
    block, back, ahead = RATE // 10, RATE * 5 // 1000, RATE * slack_ms // 1000
    good = total = 0
    for i in range(0, len(played) - block, block):
        ref = played[i : i + block]
        if np.sqrt(np.mean(ref**2)) < 0.02:
            continue  # a pause: nothing to compare
        total += 1
        lo = max(0, shift + i - back)
        win = captured[lo : shift + i + block + ahead]
        if len(win) < block:
            continue
        c = np.correlate(win, ref, "valid")
        energy = np.convolve(win**2, np.ones(block), "valid")
        score = c / (np.sqrt(energy) * np.linalg.norm(ref) + 1e-12)
        k = int(np.argmax(score))
        if score[k] >= 0.9:
            good += 1
            shift = lo + k - i
    return lag / RATE, good / max(total, 1)


class RawRecording:
    """A plain ``parec`` of a source running next to loopnote: what the server delivered."""

    def __init__(self, device: str) -> None:
        self.proc = subprocess.Popen(
            [
                "parec",
                f"--device={device}",
                "--raw",
                "--format=float32le",
                f"--rate={RATE}",
                "--channels=2",
                "--latency-msec=20",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.data = bytearray()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while b := self.proc.stdout.read1(65536):
            self.data += b

    def stop(self) -> np.ndarray:
        self.proc.terminate()
        self.proc.wait()
        self.thread.join()
        n = len(self.data) // 8 * 8
        return np.frombuffer(bytes(self.data[:n]), "<f4").reshape(-1, 2).mean(axis=1)


def assert_same_as_server(take_audio: np.ndarray, raw: np.ndarray, played_s: float) -> None:
    """loopnote's capture holds what the server delivered to a plain parec, block for block
    (player underruns are in both, so this part of the check is strict)."""
    segment = raw[RATE // 2 : RATE // 2 + round((played_s + 1.0) * RATE)]
    _, share = matches_played(take_audio, segment, slack_ms=5)  # no drift allowed
    assert share >= 0.95, share


def backend(**options: float) -> PulseBackend:
    return PulseBackend(PulseInputOptions(**options))  # type: ignore[arg-type]


# ------------------------------------------------------------------------ listing ---
def test_get_backend_is_pulse_on_linux(lab: SoundServer) -> None:
    assert get_backend().name == "pulse"


def test_sources_lists_devices_defaults_and_playing_apps(lab: SoundServer, tmp_path: Path) -> None:
    player = lab.play(write_tone(tmp_path / "t.wav", 440, 5), name="ToneApp")
    lab.wait_for_app(player.pid)
    found = {(s.kind, s.id): s for s in get_backend().list_sources()}
    assert found[("output", "meeting")].is_default
    assert found[("monitor", "meeting.monitor")].is_default
    assert found[("input", "lab_mic")].is_default
    assert not found[("output", "mic_feed")].is_default
    app = found[("app", str(player.pid))]
    assert app.name == "ToneApp"
    assert app.details["sink"] == "meeting" and app.details["pid"] == player.pid
    assert app.details["binary"] in ("paplay", "pacat")  # paplay is pacat under another name


# ---------------------------------------------------------------- what is captured ---
def test_system_capture_is_what_was_played(lab: SoundServer) -> None:
    inputs = get_backend().open(CaptureRequest(no_mic=True))
    played = speech_48k(SPEECH)
    raw = RawRecording("meeting.monitor")
    take = capture(inputs, len(played) / RATE + 2.5, [(1.0, lambda: lab.play(SPEECH))])
    assert_timeline(take, "system")
    assert_same_as_server(take.audio(), raw.stop(), len(played) / RATE)
    offset, share = matches_played(take.audio(), played)
    assert 0.9 < offset < 2.5
    assert share >= 0.6, share  # blocks hit by a player underrun may not match
    assert [s.device for s in take.switches] == ["meeting.monitor"]


def test_mic_capture_is_what_the_virtual_mic_heard(lab: SoundServer) -> None:
    inputs = get_backend().open(CaptureRequest(no_system=True))
    played = speech_48k(SPEECH)
    raw = RawRecording("lab_mic")
    take = capture(
        inputs, len(played) / RATE + 2.5, [(1.0, lambda: lab.play(SPEECH, device="mic_feed"))]
    )
    assert set(take.chunks) == {"mic"}
    assert_timeline(take, "mic")
    assert_same_as_server(take.audio("mic"), raw.stop(), len(played) / RATE)
    _, share = matches_played(take.audio("mic"), played)
    assert share >= 0.6, share


def test_app_capture_takes_only_the_chosen_app(lab: SoundServer, tmp_path: Path) -> None:
    # the speech is telephone-band (nothing above 4 kHz), the tone app plays 6 kHz
    tone = lab.play(write_tone(tmp_path / "t.wav", 6000, 8), name="ToneApp")
    speech = lab.play(FIXTURES / "speech_confbridge_mute.flac", name="SpeechApp")
    lab.wait_for_app(tone.pid)
    lab.wait_for_app(speech.pid)
    requests = [
        CaptureRequest(app="speechapp", no_mic=True),  # by name, any case
        CaptureRequest(app=str(tone.pid), no_mic=True),  # by pid
        CaptureRequest(no_mic=True),
    ]  # the whole output
    inputs = [get_backend().open(r)[0] for r in requests]
    takes = [Take() for _ in inputs]
    for inp, take in zip(inputs, takes, strict=True):
        take.t0 = time.monotonic()
        take.start(inp)
    time.sleep(5.0)
    for inp, take in zip(inputs, takes, strict=True):
        stop_all([inp], take)
        take.elapsed = take.now()
        assert_timeline(take, "system")
    s, t, mix = (take.audio(start=2.0, end=4.5) for take in takes)

    def speech_db(x: np.ndarray) -> float:
        """Energy of the speech band (200-3800 Hz) per sample, in dB."""
        spec = np.abs(np.fft.rfft(x * np.blackman(len(x)))) ** 2
        f = np.fft.rfftfreq(len(x), 1 / RATE)
        return float(10 * np.log10(spec[(f > 200) & (f < 3800)].sum() / len(x) ** 2 + 1e-30))

    assert tone_db(mix, 6000) > -20 and speech_db(mix) > -40
    assert tone_db(t, 6000) > -20 and speech_db(t) < speech_db(s) - 30  # no speech in the tone
    assert tone_db(s, 6000) < -80 and speech_db(s) > -40  # no tone in the speech


def test_app_stream_ends_and_a_new_one_is_reattached(lab: SoundServer, tmp_path: Path) -> None:
    # windows allow for PulseAudio's null sink, which starts a new recording up to 2 s late
    first = lab.play(write_tone(tmp_path / "a.wav", 440, 3.0), name="CallApp")
    lab.wait_for_app(first.pid)
    inputs = get_backend().open(CaptureRequest(app="CallApp", no_mic=True))
    second = write_tone(tmp_path / "b.wav", 660, 4.0)
    take = capture(inputs, 8.5, [(4.0, lambda: lab.play(second, name="CallApp"))])
    assert_timeline(take, "system")
    codes = take.codes()
    assert codes.index("app-stream-ended") < codes.index("app-reattached")
    assert tone_db(take.audio(start=1.0, end=2.7), 440) > -20
    assert tone_db(take.audio(start=6.0, end=7.5), 660) > -20
    assert tone_db(take.audio(start=6.0, end=7.5), 440) < -50
    assert len(take.switches) == 2


# ------------------------------------------------------------------------- faults ---
def test_a_connection_that_finds_nothing_is_replaced_by_a_fresh_one(
    lab: SoundServer, tmp_path: Path
) -> None:
    # After a PipeWire restart a connection made while the server came up can go on answering
    # without the devices made after it; the input then looks with a fresh connection. Here the
    # wanted device does not exist yet: the watcher's connection is replaced while it is
    # missing (new client indexes on the server, no warning), and the device is recorded once
    # it appears.
    want = Want("system", "device", "later.monitor")
    inp = PulseInput(want, PulseInputOptions(fresh_view_first=0.5, fresh_view_max=1.0))
    take = Take()
    take.t0 = time.monotonic()
    take.start(inp)

    def watch_clients() -> set[int]:
        with pulsectl.Pulse("loopnote-test") as pulse:
            return {c.index for c in pulse.client_list() if c.name == "loopnote-system-watch"}

    seen: set[int] = set()
    deadline = time.monotonic() + 10.0
    while len(seen) < 3 and time.monotonic() < deadline:
        seen |= watch_clients()
        time.sleep(0.1)
    lab.load_null_sink("later")
    lab.play(write_tone(tmp_path / "t.wav", 880, 20), device="later", name="Later")
    heard = take.wait_until(lambda: take.has_tone("system", 880, after=0.0), 10.0)
    take.elapsed = take.now()
    stop_all([inp], take)
    assert len(seen) >= 3, f"watch connections seen: {sorted(seen)}\n{take.story()}"
    assert heard is not None, take.story()
    assert take.codes() == [], take.story()


def test_follows_the_default_sink_within_half_a_second(lab: SoundServer, tmp_path: Path) -> None:
    lab.load_null_sink("headset")
    lab.play(write_tone(tmp_path / "a.wav", 440, 8), device="meeting", name="A")
    lab.play(write_tone(tmp_path / "b.wav", 660, 8), device="headset", name="B")
    inputs = get_backend().open(CaptureRequest(no_mic=True))
    switched: list[float] = []
    take = Take()

    def switch() -> None:
        switched.append(take.now())
        lab.set_default_sink("headset")
        switched.append(take.now())  # the server has switched (pactl says so)

    take.t0 = time.monotonic()
    take.start(inputs[0])
    time.sleep(2.5)
    switch()
    time.sleep(2.5)
    take.elapsed = take.now()
    stop_all(inputs, take)
    assert_timeline(take, "system")
    asked, t_switch = switched
    before = take.audio(start=1.0, end=asked)
    assert tone_db(before, 440) > -20 and tone_db(before, 660) < -60
    # (PulseAudio moves playing streams to the new default too, so 440 Hz may follow)
    after = take.audio(start=t_switch + 0.5, end=take.elapsed - 0.2)
    assert tone_db(after, 660) > -20, (take.switches, take.warnings)
    assert [s.device for s in take.switches] == ["meeting.monitor", "headset.monitor"]
    assert "device-switched" in take.codes()
    # the 660 Hz tone is there from at most 500 ms after the switch on
    x = take.audio(start=t_switch)
    block = RATE // 20
    first = next(i for i in range(0, len(x) - block, block) if tone_db(x[i : i + block], 660) > -20)
    assert first / RATE <= 0.5, first / RATE


def test_unloaded_sink_falls_back_to_the_new_default(lab: SoundServer, tmp_path: Path) -> None:
    module = lab.load_null_sink("headset")
    lab.set_default_sink("headset")
    lab.play(write_tone(tmp_path / "b.wav", 660, 8), device="headset", name="B")
    lab.play(write_tone(tmp_path / "m.wav", 1000, 8), device="mic_feed", name="MicVoice")
    inputs = get_backend().open(CaptureRequest(no_mic=True))
    take = capture(inputs, 5.0, [(2.0, lambda: lab.pactl("unload-module", str(module)))])
    assert_timeline(take, "system")
    assert "device-lost" in take.codes()
    fallback = lab.default_sink()
    assert take.switches[-1].device == f"{fallback}.monitor"
    assert tone_db(take.audio(start=0.8, end=1.9), 660) > -20
    after = take.audio(start=2.6)
    if fallback != "mic_feed":  # the microphone must never leak into the system source
        assert tone_db(after, 1000) < -60


def test_server_killed_and_restarted(
    lab: SoundServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A server's start takes seconds on a loaded machine, a new recording's first data can
    # take a second, and a starved player stutters: what is waited for is an observable
    # outcome, not a fixed delay: the played tone in the system capture, before the crash and
    # again after the restart. If the capture never comes back, the wait runs out and the
    # message holds the timeline of warnings, switches and gaps, and the capture's log.
    caplog.set_level(logging.INFO, logger="loopnote.capture")
    tone = write_tone(tmp_path / "a.wav", 440, 20)
    lab.play(tone, name="A")
    inputs = get_backend().open(CaptureRequest())
    take = Take()
    take.t0 = time.monotonic()
    for inp in inputs:
        take.start(inp)
    first = take.wait_until(lambda: take.has_tone("system", 440, after=0.0), 10.0)
    killed = take.now()
    lab.kill()
    time.sleep(0.5)
    lab.restart_after_kill()
    restarted = take.now()
    lab.play(tone, name="A")
    back = take.wait_until(lambda: take.has_tone("system", 440, after=restarted), 10.0)
    time.sleep(0.5)
    take.elapsed = take.now()
    stop_all(inputs, take)
    story = take.story() + (
        f"\ntone at {first}, killed at {killed:.3f}, restarted at {restarted:.3f}, "
        f"tone back at {back}\ncapture log:\n{caplog.text}"
    )
    assert first is not None and back is not None, story
    for source in ("system", "mic"):
        assert_timeline(take, source)
        gaps = [c for c in take.chunks[source] if c.gap and c.end > killed and c.start < restarted]
        assert sum(c.duration for c in gaps) >= 0.4, story  # the outage is flagged silence
    codes = take.codes()
    assert "server-lost" in codes and "server-restarted" in codes, story


def test_silence_while_an_app_plays_is_reported(lab: SoundServer, tmp_path: Path) -> None:
    quiet = write_tone(tmp_path / "q.wav", 440, 6, level=0.0)
    p = lab.play(quiet, name="QuietApp")
    lab.wait_for_app(p.pid)
    inputs = backend(silent_after=1.5).open(CaptureRequest(no_mic=True))
    take = capture(inputs, 3.5)
    warn = [w for w in take.warnings if w.code == "silent-while-playing"]
    assert len(warn) == 1 and warn[0].source == "system"


def test_no_silence_warning_when_nothing_plays(lab: SoundServer) -> None:
    inputs = backend(silent_after=1.0).open(CaptureRequest(no_mic=True))
    take = capture(inputs, 2.5)
    assert "silent-while-playing" not in take.codes()
    assert_timeline(take, "system")


# ---------------------------------------------------------------------- bad input ---
def test_unknown_names_say_what_exists(lab: SoundServer) -> None:
    b = get_backend()
    with pytest.raises(DeviceNotFound, match="no application playing audio matches 'zoom'"):
        b.open(CaptureRequest(app="zoom"))
    with pytest.raises(DeviceNotFound, match=r"sources: .*meeting\.monitor"):
        b.open(CaptureRequest(system_source="nope"))
    with pytest.raises(DeviceNotFound, match="inputs: lab_mic"):
        b.open(CaptureRequest(mic="nope"))
    with pytest.raises(UsageError):
        b.open(CaptureRequest(app="x", system_source="meeting.monitor"))


def test_named_source_is_recorded(lab: SoundServer, tmp_path: Path) -> None:
    lab.play(write_tone(tmp_path / "m.wav", 1000, 20), device="mic_feed", name="X")
    inputs = get_backend().open(CaptureRequest(system_source="mic_feed.monitor", no_mic=True))
    take = Take()
    take.t0 = time.monotonic()
    take.start(inputs[0])
    # a new recording's first data can take a second on a loaded machine: wait for the tone
    heard = take.wait_until(lambda: take.has_tone("system", 1000, after=0.0), 10.0)
    take.elapsed = take.now()
    stop_all(inputs, take)
    assert heard is not None, take.story()
    assert_timeline(take, "system")


def test_no_server_says_how_to_start_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-such-socket")
    with pytest.raises(SoundServerUnavailable, match="start one"):
        get_backend().list_sources()


def test_failed_connections_hold_no_file_descriptors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # While the server is away an input retries every few seconds for as long as that lasts;
    # each failed attempt used to keep a main loop (a pipe) and its shared memory open, so an
    # outage of minutes ran the process out of file descriptors.
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-such-socket")

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    with contextlib.suppress(SoundServerUnavailable):
        connect("warm-up")  # the library's own one-time descriptors
    before = open_fds()
    for _ in range(50):
        with pytest.raises(SoundServerUnavailable):
            connect("retry")
    assert open_fds() - before < 5


# ---------------------------------------------------------------------------- CLI ---
def test_capture_command_writes_aligned_system_and_mic_files(
    lab: SoundServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from loopnote.cli.main import main

    # the players outlast the command however long its start takes (it imports every
    # subcommand; on a loaded machine that alone took seconds); the fixture stops them
    lab.play(write_tone(tmp_path / "s.wav", 440, 30), device="meeting", name="Meeting")
    lab.play(write_tone(tmp_path / "m.wav", 1000, 30), device="mic_feed", name="Voice")
    out = tmp_path / "call.wav"
    assert main(["capture", "--seconds", "2.5", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith(str(out))
    assert lines[1].startswith(str(tmp_path / "call-mic.wav"))
    system, sr = soundfile.read(str(out), dtype="float32")
    mic, _ = soundfile.read(str(tmp_path / "call-mic.wav"), dtype="float32")
    assert sr == RATE and system.shape == mic.shape == (round(2.5 * RATE), 2)
    assert tone_db(system[RATE:].mean(axis=1), 440) > -20
    assert tone_db(system[RATE:].mean(axis=1), 1000) < -60
    assert tone_db(mic[RATE:].mean(axis=1), 1000) > -20


def test_capture_command_bad_input_is_one_line(
    lab: SoundServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from loopnote.cli.main import main

    out = str(tmp_path / "x.wav")
    assert main(["capture", "--seconds", "1", "--out", out, "--app", "nothing-plays"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "loopnote: no application playing audio matches 'nothing-plays'; playing now: none"
    ]
    assert main(["capture", "--seconds", "1", "--out", out, "--mic", "nope"]) == 1
    assert "inputs: lab_mic" in capsys.readouterr().err
    assert main(["capture", "--seconds", "0", "--out", out]) == 2
    assert not Path(out).exists()


def test_sources_command_table_and_json(
    lab: SoundServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from loopnote.cli.main import main

    p = lab.play(write_tone(tmp_path / "t.wav", 440, 5), name="ToneApp")
    lab.wait_for_app(p.pid)
    assert main(["sources"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["KIND", "ID", "NAME", "DEFAULT", "DETAILS"]
    assert any(r.split()[:2] == ["app", str(p.pid)] and "-> meeting" in r for r in table)
    assert any(r.split()[:2] == ["output", "meeting"] and " * " in r for r in table)
    assert main(["sources", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    app = next(e for e in entries if e["kind"] == "app" and e["pid"] == p.pid)
    assert app["name"] == "ToneApp" and app["sink"] == "meeting" and app["default"] is False
