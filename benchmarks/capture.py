"""Linux capture benchmark: lost frames, CPU per source, latency, gap after a device switch.

    python benchmarks/capture.py [--minutes 2] [--server pipewire|pulseaudio|both]

Starts the private lab sound server (tests/lab/start-sound-server.sh) unless --use-running,
plays a tone into the default sink ("meeting") and into the virtual microphone, and measures
the real backend (loopnote.capture.get_backend):

1. lost frames: system + mic captured for N minutes; the sample-clock timeline must match the
   elapsed time within 0.1 % and real (non-gap) frames must cover it after start-up;
2. CPU per source, % of one core: the source's own threads (reader, pump, watcher) plus its
   parec child, from /proc via psutil, over the same N minutes;
3. sink-to-chunk latency: a click written into a low-latency playback stream, timed until
   the chunk holding it is emitted (an upper bound: it includes the player's buffer), and
   compared with a plain ``parec`` of the same monitor (what loopnote adds to the server's
   delivery; sink-to-chunk = the requested 20 ms capture latency + that);
4. gap after a device switch: the default sink switched back and forth between two playing
   sinks; the gap-filled time the switch leaves on the timeline, and how long until the new
   sink's audio arrives.

Both lab sinks keep a recording of their monitor running: an idle PulseAudio *null* sink
otherwise starts a new recording up to 2 s late, which real devices do not do.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np
import psutil

from loopnote.capture import get_backend
from loopnote.capture.base import CaptureItem, CaptureRequest
from loopnote.capture.pulse_watch import PulseInput
from loopnote.types import AudioChunk, SessionWarning

LAB = Path(__file__).resolve().parents[1] / "tests" / "lab"
RATE = 48000


def sh(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def tone_file(path: Path, freq: float, seconds: float, level: float = 0.2) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        step = RATE * 10
        for i in range(0, round(seconds * RATE), step):
            t = (np.arange(i, min(i + step, round(seconds * RATE)))) / RATE
            w.writeframes((level * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2").tobytes())
    return path


class Lab:
    def __init__(self, kind: str, folder: Path) -> None:
        self.kind, self.folder = kind, folder
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        out = subprocess.run(
            ["bash", str(LAB / "start-sound-server.sh"), self.kind],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "LAB_AUDIO_DIR": str(self.folder)},
        ).stdout
        for line in out.splitlines():
            k, _, v = line.removeprefix("export ").partition("=")
            os.environ[k] = v

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
            p.wait()
        subprocess.run(
            ["bash", str(LAB / "stop-sound-server.sh")],
            capture_output=True,
            env={**os.environ, "LAB_AUDIO_DIR": str(self.folder)},
        )

    def spawn(self, *cmd: str, stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
        p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def keep(self, sink: str) -> None:
        self.spawn(
            "parec",
            f"--device={sink}.monitor",
            "--raw",
            "--latency-msec=20",
            "--client-name=bench-keeper",
        )


class Counter:
    """Counts what inputs emit; the work per chunk is tiny (it runs on the pump thread)."""

    def __init__(self) -> None:
        self.real: dict[str, int] = {}
        self.gap: dict[str, int] = {}
        self.end: dict[str, float] = {}
        self.warnings: list[SessionWarning] = []
        self.click_at: float | None = None
        self.watch_click = False
        self.gaps: list[tuple[float, float]] = []  # (start, end) of gap chunks, system

    def emit(self, item: CaptureItem) -> None:
        if isinstance(item, SessionWarning):
            self.warnings.append(item)
            return
        if not isinstance(item, AudioChunk):
            return
        s = item.source
        if item.gap:
            self.gap[s] = self.gap.get(s, 0) + item.frames
            if s == "system":
                self.gaps.append((item.start, item.end))
        else:
            self.real[s] = self.real.get(s, 0) + item.frames
            if self.watch_click and s == "system" and float(np.abs(item.samples).max()) > 0.5:
                self.click_at = time.monotonic()
                self.watch_click = False
        self.end[s] = item.end


def thread_cpu(native_ids: set[int]) -> float:
    proc = psutil.Process()
    return sum(t.user_time + t.system_time for t in proc.threads() if t.id in native_ids)


def source_threads(inp: PulseInput) -> set[int]:
    ids = {t.native_id for t in inp._threads if t.native_id is not None}
    stream = inp._stream
    if stream is not None and stream._thread.native_id is not None:
        ids.add(stream._thread.native_id)
    return ids


def child_cpu(inp: PulseInput) -> float:
    stream = inp._stream
    if stream is None:
        return 0.0
    try:
        t = psutil.Process(stream.pid).cpu_times()
        return float(t.user + t.system)
    except psutil.NoSuchProcess:
        return 0.0


def lost_frames_and_cpu(lab: Lab, minutes: float, tmp: Path) -> dict[str, object]:
    seconds = minutes * 60
    lab.spawn(
        "paplay",
        "--device=meeting",
        "--latency-msec=100",
        str(tone_file(tmp / "sys.wav", 440, seconds + 30)),
    )
    lab.spawn(
        "paplay",
        "--device=mic_feed",
        "--latency-msec=100",
        str(tone_file(tmp / "mic.wav", 1000, seconds + 30)),
    )
    time.sleep(1.0)
    inputs = get_backend().open(CaptureRequest())
    count = Counter()
    t0 = time.monotonic()
    for inp in inputs:
        inp.start(count.emit)
    time.sleep(3.0)  # start-up done: measure from here
    base = {
        inp.source: (
            thread_cpu(source_threads(inp)),
            child_cpu(inp),
            count.real.get(inp.source, 0),
            count.gap.get(inp.source, 0),
        )
        for inp in inputs
        if isinstance(inp, PulseInput)
    }
    tm = time.monotonic()
    time.sleep(seconds)
    measured = time.monotonic() - tm
    out: dict[str, object] = {}
    for inp in inputs:
        assert isinstance(inp, PulseInput)
        th0, ch0, real0, gap0 = base[inp.source]
        cpu = (thread_cpu(source_threads(inp)) - th0) + (child_cpu(inp) - ch0)
        out[inp.source] = {
            "cpu_percent_of_one_core": round(100 * cpu / measured, 2),
            "real_frames_vs_elapsed_percent": round(
                100 * (count.real.get(inp.source, 0) - real0) / (measured * RATE), 3
            ),
            "gap_frames_after_startup": count.gap.get(inp.source, 0) - gap0,
        }
    for inp in inputs:
        inp.stop()
    elapsed = time.monotonic() - t0
    for inp in inputs:
        entry = out[inp.source]
        assert isinstance(entry, dict)
        entry["timeline_vs_elapsed_percent"] = round(100 * count.end[inp.source] / elapsed, 3)
        stats = inp.timeline.stats  # type: ignore[attr-defined]
        entry["timeline"] = {
            "filled_s": round(stats.filled / RATE, 3),
            "stalled_s": round(stats.live_filled / RATE, 3),
            "trimmed_s": round(stats.trimmed / RATE, 3),
        }
        entry["frames_lost_warnings"] = sum(
            1 for w in count.warnings if w.code == "frames-lost" and w.source == inp.source
        )
    out["minutes"] = minutes
    for p in lab.procs[-2:]:
        p.terminate()
    return out


def latency(lab: Lab, clicks: int = 10) -> dict[str, float]:
    """A click every second through a playback stream; per click: when it was written, when a
    plain ``parec`` of the monitor (the server's own delivery, the reference) saw it, and when
    loopnote emitted the chunk holding it."""
    player = lab.spawn(
        "pacat",
        "--playback",
        "--device=meeting",
        "--raw",
        "--format=float32le",
        f"--rate={RATE}",
        "--channels=2",
        "--latency-msec=10",
        stdin=subprocess.PIPE,
    )
    reference = subprocess.Popen(
        [
            "parec",
            "--device=meeting.monitor",
            "--raw",
            "--format=float32le",
            f"--rate={RATE}",
            "--channels=2",
            "--latency-msec=20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    lab.procs.append(reference)
    assert player.stdin is not None and reference.stdout is not None
    stdin, ref_out = player.stdin, reference.stdout
    block = RATE // 100  # 10 ms
    silence = np.zeros((block, 2), np.float32).tobytes()
    click = np.full((block, 2), 0.9, np.float32).tobytes()
    inputs = get_backend().open(CaptureRequest(no_mic=True))
    count = Counter()
    inputs[0].start(count.emit)
    sent: list[float] = []
    seen_ref: list[float] = []
    stop = threading.Event()

    def read_reference() -> None:
        fd = ref_out.fileno()
        while not stop.is_set():
            b = os.read(fd, 65536)
            if not b:
                return
            x = np.frombuffer(b[: len(b) // 8 * 8], "<f4")
            if len(seen_ref) < len(sent) and x.size and float(np.abs(x).max()) > 0.5:
                seen_ref.append(time.monotonic())

    totals: list[float] = []
    added: list[float] = []

    def feed() -> None:
        next_t = time.monotonic()
        n = 0
        while not stop.is_set():
            n += 1
            if n % 100 == 0 and len(sent) < clicks and len(sent) == len(totals):
                count.click_at, count.watch_click = None, True
                sent.append(time.monotonic())
                stdin.write(click)
            else:
                stdin.write(silence)
            stdin.flush()
            next_t += 0.01
            time.sleep(max(0.0, next_t - time.monotonic()))
            if len(sent) > len(totals) and count.click_at is not None:
                totals.append(count.click_at - sent[-1])
                if len(seen_ref) == len(sent):
                    added.append(count.click_at - seen_ref[-1])
                count.click_at = None

    threads = [threading.Thread(target=f, daemon=True) for f in (read_reference, feed)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + clicks * 1.2 + 5
    while len(totals) < clicks and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    threads[1].join()
    inputs[0].stop()
    player.terminate()
    reference.terminate()

    def stats(xs: list[float]) -> dict[str, float]:
        ms = sorted(1000 * x for x in xs)
        return {
            "n": len(ms),
            "median_ms": round(statistics.median(ms), 1) if ms else -1.0,
            "max_ms": round(max(ms), 1) if ms else -1.0,
        }

    return {
        "playback_write_to_chunk": stats(totals),  # includes the player's own buffer
        "server_delivery_to_chunk": stats(added),  # what loopnote adds over plain parec
        "capture_latency_requested_ms": 20.0,
    }


def switch_gaps(lab: Lab, tmp: Path, switches: int = 6) -> dict[str, float]:
    sh(
        "pactl",
        "load-module",
        "module-null-sink",
        "sink_name=bench2",
        "rate=48000",
        "format=float32le",
        "channels=2",
    )
    lab.keep("bench2")
    a = lab.spawn(
        "paplay",
        "--device=meeting",
        "--latency-msec=100",
        str(tone_file(tmp / "a.wav", 440, switches * 3 + 10)),
    )
    b = lab.spawn(
        "paplay",
        "--device=bench2",
        "--latency-msec=100",
        str(tone_file(tmp / "b.wav", 660, switches * 3 + 10)),
    )
    time.sleep(2.5)
    inputs = get_backend().open(CaptureRequest(no_mic=True))
    count = Counter()
    t0 = time.monotonic()
    inputs[0].start(count.emit)
    time.sleep(2.0)
    at: list[float] = []
    for i in range(switches):
        target = "bench2" if i % 2 == 0 else "meeting"
        at.append(time.monotonic() - t0)
        sh("pactl", "set-default-sink", target)
        time.sleep(2.5)
    inputs[0].stop()
    gaps = []
    for t in at:
        gaps.append(sum(e - s for s, e in count.gaps if t - 0.05 <= s < t + 1.5))
    for p in (a, b):
        p.terminate()
    ms = sorted(1000 * g for g in gaps)
    return {
        "switches": len(ms),
        "median_gap_ms": round(statistics.median(ms), 1),
        "max_gap_ms": round(max(ms), 1),
        "device_switched_warnings": sum(w.code == "device-switched" for w in count.warnings),
    }


def run(kind: str, minutes: float, use_running: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"loopnote-bench-{kind}-") as d:
        tmp = Path(d)
        lab = Lab(kind, tmp / "lab")
        if not use_running:
            lab.start()
        try:
            lab.keep("meeting")
            lab.keep("mic_feed")
            time.sleep(2.5)
            result: dict[str, object] = {"server": kind}
            result["latency"] = latency(lab)
            result["switch"] = switch_gaps(lab, tmp)
            result["capture"] = lost_frames_and_cpu(lab, minutes, tmp)
            return result
        finally:
            if not use_running:
                lab.stop()
            else:
                for p in lab.procs:
                    if p.poll() is None:
                        p.terminate()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument(
        "--minutes",
        type=float,
        default=2.0,
        help="capture length for lost frames and CPU (default 2; 10 for the full run)",
    )
    ap.add_argument("--server", choices=("pipewire", "pulseaudio", "both"), default="pipewire")
    ap.add_argument(
        "--use-running",
        action="store_true",
        help="measure the server PULSE_SERVER points at instead of starting the lab",
    )
    args = ap.parse_args()
    kinds = ("pulseaudio", "pipewire") if args.server == "both" else (args.server,)
    results = [run(k, args.minutes, args.use_running) for k in kinds]
    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
