"""Live view benchmark and demo: a synthetic three-hour meeting at realistic event rates.

    python benchmarks/tui.py                 # measure: CPU the view adds, event-to-screen latency
    python benchmarks/tui.py --window 20     # shorter steady-state window (default 60 s)
    python benchmarks/tui.py --demo          # watch the synthetic meeting in this terminal
    python benchmarks/tui.py --demo --speed 4 --start 600

Measuring runs the app with its real terminal driver inside a pseudo-terminal (so every frame
is really composed and written), after loading the first three hours minus the window of
events into it. During the window events arrive in real time: levels at 10 Hz per source,
partial text every 0.4 s while someone speaks, an utterance every few seconds, summaries on
every utterance, and rare alerts and warnings. Reported: the process CPU minus the feeder
thread's own CPU (the view's cost, % of one core), and the time from ``post_event`` to the
terminal write that shows it (utterances, partials, summaries, alerts).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import random
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from loopnote.events import (
    AlertRaised,
    BookmarkAdded,
    Event,
    LevelChanged,
    PartialUpdated,
    SessionEnded,
    SessionStarted,
    StateChanged,
    SummaryUpdated,
    UtteranceCommitted,
    WarningRaised,
)
from loopnote.tui import LiveOptions, LiveView, run_live
from loopnote.types import (
    Alert,
    CatchUpCard,
    PartialText,
    SessionWarning,
    Source,
    SummaryNode,
    Utterance,
)

WALL0 = 1_763_800_000.0
_VOCABULARY = (
    "we the roadmap release budget customer think should next quarter migration team "
    "tests review design latency numbers agree plan ship week data support metrics risk "
    "because maybe really okay so and then it is that for with on this we'll need to "
    "Friday launch demo feedback onboarding pricing contract deadline backlog"
)
WORDS = tuple(_VOCABULARY.split())
VISIBLE = (UtteranceCommitted, PartialUpdated, SummaryUpdated, AlertRaised)


def _sentence(rng: random.Random, n: int) -> str:
    s = " ".join(rng.choice(WORDS) for _ in range(n))
    return s[0].upper() + s[1:] + "."


def synthetic_events(duration: float, seed: int = 7) -> Iterator[tuple[float, Event]]:
    """Events of a meeting of ``duration`` seconds, in session-time order."""
    rng = random.Random(seed)
    out: list[tuple[float, Event]] = [
        (
            0.0,
            SessionStarted(
                "bench",
                WALL0,
                ("system", "mic"),
                "/tmp/meeting",
                "tiny.en",
                "Everyone was told this call is recorded and transcribed.",
            ),
        )
    ]
    t, n, moment, section = 1.0, 0, 0, 0
    recent: list[str] = []
    while t < duration:
        source: Source = "system" if rng.random() < 0.7 else "mic"
        words = rng.randint(6, 28)
        length = words * 0.38
        text = _sentence(rng, words)
        shown = text.split()
        k = 0.4
        while k < length:  # partial text grows while the words are spoken
            cut = max(1, int(len(shown) * k / length))
            out.append(
                (
                    t + k,
                    PartialUpdated(
                        PartialText(source, t + k, " ".join(shown[:cut])), WALL0 + t + k
                    ),
                )
            )
            k += 0.4
        end = t + length
        u = Utterance(f"u{n}", source, t, end, text)
        out.append((end + 0.3, UtteranceCommitted(u, WALL0 + end + 0.3)))
        recent = ([*recent, text])[-6:]
        if int(end // 60) != moment:
            moment = int(end // 60)
        out.append(
            (
                end + 0.35,
                SummaryUpdated(
                    SummaryNode(
                        f"m{moment}",
                        "moment",
                        moment * 60.0,
                        end,
                        " ".join(recent[-2:]),
                        (u.id,),
                        n,
                    ),
                    WALL0 + end + 0.35,
                ),
            )
        )
        if int(end // 300) != section or n % 5 == 0:
            section = int(end // 300)
            out.append(
                (
                    end + 0.4,
                    SummaryUpdated(
                        SummaryNode(
                            f"s{section}",
                            "section",
                            section * 300.0,
                            end,
                            _sentence(rng, 30),
                            (),
                            n,
                        ),
                        WALL0 + end + 0.4,
                    ),
                )
            )
            out.append(
                (
                    end + 0.45,
                    SummaryUpdated(
                        SummaryNode("meeting", "meeting", 0.0, end, _sentence(rng, 60), (), n),
                        WALL0 + end + 0.45,
                    ),
                )
            )
        if n % 300 == 150:
            card = CatchUpCard(
                f"Alex, {text.lower()}",
                " ".join(recent),
                _sentence(rng, 25),
                _sentence(rng, 45),
                end,
            )
            out.append(
                (
                    end + 0.5,
                    AlertRaised(
                        Alert("name", "Alex", "Alex", u.id, end, 0.93, card), WALL0 + end + 0.5
                    ),
                )
            )
        if n % 500 == 499:
            out.append(
                (
                    end + 0.5,
                    WarningRaised(
                        SessionWarning(
                            "lost-frames",
                            "The output device dropped 120 ms of audio.",
                            "system",
                            end,
                        ),
                        WALL0 + end + 0.5,
                    ),
                )
            )
        t = end + rng.uniform(0.4, 2.5)
        n += 1
    level_t = 0.0
    while level_t < duration:  # meters at 10 Hz per source
        for s in ("system", "mic"):
            db = -60.0 + 50.0 * rng.random()
            out.append((level_t, LevelChanged(s, level_t, db, "capturing", WALL0 + level_t)))
        level_t += 0.1
    out.sort(key=lambda te: te[0])
    yield from out
    yield duration, SessionEnded(WALL0 + duration, duration, "/tmp/meeting")


class DemoClock:
    """Wall time that follows the demo's session time (so elapsed time matches the feed)."""

    def __init__(self, control: DemoControl) -> None:
        self.control = control

    def wall(self) -> float:
        return WALL0 + self.control.now()

    def monotonic(self) -> float:
        return self.control.now()


class DemoControl:
    """Stands in for a session's control in the demo: echoes actions back as events."""

    def __init__(self) -> None:
        self.post: Callable[[Event], None] = lambda e: None
        self.now: Callable[[], float] = lambda: 0.0
        self._paused = False
        self.stopped = threading.Event()

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        self._paused = True
        self.post(StateChanged(True, self.now(), time.time()))

    def resume(self) -> None:
        self._paused = False
        self.post(StateChanged(False, self.now(), time.time()))

    def bookmark(self, note: str = "") -> None:
        self.post(BookmarkAdded(self.now(), note, time.time()))

    def stop(self) -> None:
        self.stopped.set()


def feeder(
    events: list[tuple[float, Event]], speed: float, control: DemoControl, t0: float = 0.0
) -> Callable[[Callable[[Event], None]], None]:
    """A session function that posts ``events`` at ``speed`` times real time from ``t0``."""

    def run(post: Callable[[Event], None]) -> None:
        control.post = post
        start = time.monotonic()
        control.now = lambda: t0 + (time.monotonic() - start) * speed
        for t, e in events:
            if t < t0 and not isinstance(e, SessionStarted):
                if not isinstance(e, LevelChanged | PartialUpdated | AlertRaised):
                    post(e)
                continue
            delay = (t - t0) / speed - (time.monotonic() - start)
            if control.stopped.wait(max(0.0, delay)):
                break
            post(e)
        post(SessionEnded(time.time(), control.now(), "/tmp/meeting"))

    return run


class ProbedView(LiveView):
    """The live view with a probe: when do posted events reach the terminal?"""

    def __init__(self, *a: Any, **k: Any) -> None:
        super().__init__(*a, **k)
        self.waiting: list[float] = []
        self.latencies: list[float] = []
        self.measure = False

    def _after_batch(self, batch: list[tuple[Event, float]]) -> None:
        if self.measure:
            self.waiting.extend(p for e, p in batch if isinstance(e, VISIBLE))

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        if self.waiting and renderable is not None:
            now = time.perf_counter()
            self.latencies.extend(now - p for p in self.waiting)
            self.waiting.clear()


def child(args: argparse.Namespace) -> None:
    """Runs inside the pseudo-terminal: load, then measure a real-time window."""
    events = list(synthetic_events(args.duration))
    head = [(t, e) for t, e in events if t < args.duration - args.window]
    tail = [
        (t, e)
        for t, e in events
        if t >= args.duration - args.window and not isinstance(e, SessionEnded)
    ]
    result: dict[str, Any] = {}
    control = DemoControl()

    def session(post: Callable[[Event], None]) -> None:
        view: ProbedView = app
        t_load = time.perf_counter()
        n_load = 0
        for _, e in head:  # the first hours, as fast as the view takes them
            if isinstance(e, LevelChanged | PartialUpdated):
                continue
            post(e)
            n_load += 1
            if n_load % 200 == 0:
                app.call_from_thread(lambda: None)  # let the screen catch up
        app.call_from_thread(lambda: None)
        time.sleep(1.0)
        result["load_events"] = n_load
        result["load_seconds"] = round(time.perf_counter() - t_load, 2)
        idle0, idle_w0 = time.process_time(), time.perf_counter()
        time.sleep(5.0)  # a meeting with nothing happening: the clock ticks, nothing else
        idle = time.process_time() - idle0
        result["cpu_idle_percent"] = round(100 * idle / (time.perf_counter() - idle_w0), 2)
        view.measure = True
        base = tail[0][0]
        cpu0, thr0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
        for t, e in tail:
            delay = (t - base) - (time.perf_counter() - wall0)
            if delay > 0:
                time.sleep(delay)
            post(e)
        time.sleep(0.2)
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        feed = time.thread_time() - thr0
        view.measure = False
        lat = sorted(view.latencies)
        result.update(
            window_seconds=round(wall, 1),
            events_in_window=len(tail),
            events_per_second=round(len(tail) / wall, 1),
            cpu_process_percent=round(100 * cpu / wall, 2),
            cpu_feeder_percent=round(100 * feed / wall, 2),
            cpu_view_percent=round(100 * (cpu - feed) / wall, 2),
            latency_samples=len(lat),
            latency_ms_p50=round(1000 * statistics.median(lat), 1) if lat else None,
            latency_ms_p95=round(1000 * lat[int(0.95 * (len(lat) - 1))], 1) if lat else None,
            latency_ms_p99=round(1000 * lat[int(0.99 * (len(lat) - 1))], 1) if lat else None,
            latency_ms_max=round(1000 * lat[-1], 1) if lat else None,
            transcript_entries=view.transcript.entry_count,
            utterances=len(view.utterance_ids),
        )
        try:
            import resource

            result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        except ImportError:
            pass
        app.call_from_thread(app.exit, 0)

    app = ProbedView(control, LiveOptions(), session=session)
    app.run()
    Path(args.out).write_text(json.dumps(result, indent=2))


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run ``child`` in a pseudo-terminal of ``--size`` and read its numbers."""
    cols, rows = (int(x) for x in args.size.split("x"))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "--out",
            str(out),
            "--window",
            str(args.window),
            "--duration",
            str(args.duration),
        ]
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        proc = subprocess.Popen(
            cmd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        written = 0
        while proc.poll() is None:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    written += len(os.read(master, 1 << 16))
                except OSError:
                    break
        proc.wait()
        os.close(master)
        if not out.exists():
            raise SystemExit(f"benchmark child failed (status {proc.returncode})")
        result: dict[str, Any] = json.loads(out.read_text())
    result["terminal"] = args.size
    result["terminal_bytes"] = written
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--demo", action="store_true", help="show the synthetic meeting")
    p.add_argument("--speed", type=float, default=1.0, help="demo speed (times real time)")
    p.add_argument("--start", type=float, default=0.0, help="demo: start at this session time")
    p.add_argument("--duration", type=float, default=3 * 3600.0, help="meeting length (s)")
    p.add_argument("--window", type=float, default=60.0, help="real-time measuring window (s)")
    p.add_argument("--size", default="160x48", help="terminal size for measuring, COLSxROWS")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
    elif args.demo:
        control = DemoControl()
        events = list(synthetic_events(args.duration))
        sys.exit(
            run_live(
                control,
                feeder(events, args.speed, control, args.start),
                LiveOptions(model="tiny.en"),
                clock=DemoClock(control),
            )
        )
    else:
        print(json.dumps(measure(args), indent=2))


if __name__ == "__main__":
    main()
