"""Meeting detection benchmark: detection and end latency, false starts, idle CPU.

    python benchmarks/watch.py [--minutes 60] [--server pipewire|pulseaudio] [--seed 1]

Starts the private lab sound server (tests/lab) and a real ``loopnote watch --format jsonl``
(ask mode, no notifications), then plays a scripted stretch of mixed activity through real
client processes (tests/meeting_app.py, libpulse): music, videos, dictation, voice memos,
notification pings, music during dictation, a short call and a long call (one process that
plays and records, with music from another app going on during part of it). The script is
an hour compressed into ``--minutes`` (durations scale, with floors so that every episode
still exists); ``--seed`` shuffles the order and lengths.

Printed (and as JSON on the last line):
1. idle CPU of the watcher process, % of one core, over ``--idle-seconds`` with nothing
   changing (target <= 0.5 %);
2. detection latency: call process ready -> ``meeting_detected`` (target < 3 s);
3. end latency: call process gone -> ``meeting_ended``, minus the grace period (target < 3 s);
4. false starts (a meeting for anything but a call) and missed calls (target 0 / 0).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"
sys.path.insert(0, str(TESTS))

from soundserver import SoundServer  # noqa: E402
from test_watch_pulse import Watcher, end, start_app  # noqa: E402  (the lab tests' helpers)

GRACE = 3.0


@dataclass
class Episode:
    name: str  # application name the process announces
    flags: tuple[str, ...]
    start: float  # seconds into the script
    length: float
    call: bool = False


def script(minutes: float, seed: int) -> list[Episode]:
    """An hour of a working day, compressed into ``minutes``."""
    rng = random.Random(seed)
    k = minutes / 60.0
    # (name, flags, minutes of an hour, floor seconds, is a call)
    plan: list[tuple[str, tuple[str, ...], float, float, bool]] = [
        ("Music", ("--play",), 8, 8, False),
        ("Video", ("--play",), 5, 6, False),
        ("Dictation", ("--record",), 3, 6, False),
        ("VoiceMemo", ("--record",), 1, 4, False),
        ("ShortCall", ("--play", "--record"), 5, 8, True),
        ("Ping", ("--play",), 0.01, 0.3, False),
        ("Music", ("--play",), 3, 5, False),
        ("LongCall", ("--play", "--record"), 20, 20, True),
        ("Ping", ("--play",), 0.01, 0.3, False),
        ("Video", ("--play",), 4, 5, False),
    ]
    order = plan[:]
    rng.shuffle(order)
    out: list[Episode] = []
    t = 2.0
    for name, flags, share, floor, call in order:
        length = max(floor, share * 60 * k * rng.uniform(0.8, 1.2))
        out.append(Episode(name, flags, t, length, call))
        if name == "Dictation":  # music from another app while dictating
            out.append(Episode("Music", ("--play",), t + length * 0.2, length * 0.6))
        if name == "LongCall":  # the user plays a video in another app during the call
            out.append(Episode("Video", ("--play",), t + length * 0.3, length * 0.3))
        t += length + max(GRACE + 3.0, 60 * k * rng.uniform(0.5, 1.5))
    return out


def start_episode(ep: Episode) -> tuple[subprocess.Popen[str], float]:
    p = start_app(ep.name, *ep.flags)  # returns once its streams are open
    return p, time.time()


def stop_episode(p: subprocess.Popen[str]) -> float:
    end(p)
    return time.time()


def idle_cpu(pid: int, seconds: float) -> float:
    proc = psutil.Process(pid)
    before = proc.cpu_times()
    time.sleep(seconds)
    after = proc.cpu_times()
    used = (after.user - before.user) + (after.system - before.system)
    return 100.0 * used / seconds


def run(minutes: float, seed: int, idle_seconds: float) -> dict[str, Any]:
    episodes = script(minutes, seed)
    data = Path(tempfile.mkdtemp(prefix="loopnote-watch-bench-"))
    w = Watcher(data, "--grace", str(GRACE))  # the last --grace given wins
    w.wait_for("watching", 60)
    time.sleep(2.0)  # start-up done
    cpu = idle_cpu(w.proc.pid, idle_seconds)
    tick = 100.0 * 0.01 / idle_seconds  # the kernel counts CPU time in 10 ms ticks
    print(
        f"idle watcher CPU: {cpu:.3f} % of one core over {idle_seconds:g} s "
        f"(resolution {tick:.3f} %)"
    )
    t0 = time.monotonic()
    running: list[tuple[Episode, subprocess.Popen[str], float]] = []
    calls: dict[int, dict[str, float]] = {}  # pid -> ready, gone
    others: set[int] = set()
    pending = sorted(episodes, key=lambda e: e.start)
    while pending or running:
        now = time.monotonic() - t0
        while pending and pending[0].start <= now:
            ep = pending.pop(0)
            p, ready = start_episode(ep)
            running.append((ep, p, ready))
            if ep.call:
                calls[p.pid] = {"ready": ready}
            else:
                others.add(p.pid)
        for item in list(running):
            ep, p, _ = item
            if now >= ep.start + ep.length:
                gone = stop_episode(p)
                running.remove(item)
                if ep.call:
                    calls[p.pid]["gone"] = gone
        time.sleep(0.05)
    time.sleep(GRACE + 3.0)
    events = w.drain(0.0)
    w.stop()
    detected = {e["pid"]: e["wall"] for e in events if e["type"] == "meeting_detected"}
    ended = {e["pid"]: e["wall"] for e in events if e["type"] == "meeting_ended"}
    det_lat = [detected[pid] - c["ready"] for pid, c in calls.items() if pid in detected]
    end_lat = [ended[pid] - c["gone"] - GRACE for pid, c in calls.items() if pid in ended]
    false_starts = [pid for pid in detected if pid not in calls]
    missed = [pid for pid in calls if pid not in detected]
    return {
        "minutes": minutes,
        "seed": seed,
        "episodes": len(episodes),
        "calls": len(calls),
        "idle_cpu_percent": round(cpu, 3),
        "detect_latency_s": [round(x, 2) for x in det_lat],
        "detect_latency_max_s": round(max(det_lat), 2) if det_lat else None,
        "end_latency_after_grace_s": [round(x, 2) for x in end_lat],
        "end_latency_max_s": round(max(end_lat), 2) if end_lat else None,
        "false_starts": len(false_starts),
        "missed_calls": len(missed),
        "non_call_processes": len(others),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--minutes", type=float, default=60.0, help="the hour, compressed")
    ap.add_argument("--server", choices=("pipewire", "pulseaudio"), default="pipewire")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--idle-seconds", type=float, default=30.0)
    a = ap.parse_args()
    lab = SoundServer(a.server, Path(tempfile.mkdtemp(prefix=f"loopnote-watch-lab-{a.server}-")))
    try:
        lab.start()
        lab.keep_running("meeting")
        lab.keep_running("mic_feed")
        r = run(a.minutes, a.seed, a.idle_seconds)
    finally:
        lab.stop_keepers()
        lab.stop()
    print(f"server: {a.server}; machine load: {' '.join(f'{x:.2f}' for x in psutil.getloadavg())}")
    print(
        f"calls {r['calls']}, other episodes {r['episodes'] - r['calls']}: "
        f"false starts {r['false_starts']}, missed {r['missed_calls']}"
    )
    if r["detect_latency_s"]:
        print(
            f"detection latency: median {statistics.median(r['detect_latency_s']):.2f} s, "
            f"max {r['detect_latency_max_s']:.2f} s (start_after 1.5 s; target < 3 s)"
        )
    if r["end_latency_after_grace_s"]:
        print(
            f"end latency after the {GRACE:g} s grace: max {r['end_latency_max_s']:.2f} s "
            "(target < 3 s)"
        )
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
