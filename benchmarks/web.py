"""Browser front end benchmark: event-to-screen latency during a real-time replay, the
server's CPU, and how soon a 3-hour meeting's pages are usable.

    python benchmarks/web.py                  # 180 s replay (the demo sample, repeated)
    python benchmarks/web.py --quick          # 45 s replay (CI)
    python benchmarks/web.py --seconds 600 --hours 3

1. Real-time replay through the real pipeline and model (``FileInput`` → ``Session`` →
   ``LiveHub`` → server-sent events) with the live page open in Debian's Chromium. Each event's
   latency is its ``wall`` (when the session emitted it) to the animation frame that draws it
   (same clock); the part the web front end adds starts when ``LiveHub.publish`` got it.
   Server CPU is the CPU time of the web server's thread plus the time the
   session thread spends in ``LiveHub.publish``, over the replay's wall time.
2. A 3-hour meeting (one line every 3.6 s, summaries, written through the store): time from
   navigation to the meeting page drawn and usable, jumping to the middle; and the live page
   joining a meeting that has run for 3 hours (all of it sent at once).
Targets (issue 19): p95 ≤ 150 ms, page interactive ≤ 2 s, server ≤ 3 % of a core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import soundfile as sf

from loopnote.capture.file import FileInput
from loopnote.cli.transcribe_cmd import demo_path
from loopnote.config import Settings
from loopnote.events import Event, SummaryUpdated, UtteranceCommitted
from loopnote.session import Session, SessionOptions
from loopnote.store import MeetingFolder, MeetingMeta, SearchIndex
from loopnote.types import SummaryNode, Utterance
from loopnote.web import LiveHub, ServerOptions, WebServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import CHROMIUM, launch


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def long_recording(seconds: float, folder: Path) -> Path:
    """The demo sample repeated to ``seconds`` (real speech, a longer meeting)."""
    data, rate = sf.read(demo_path(), dtype="float32")
    reps = int(np.ceil(seconds * rate / len(data)))
    out = folder / "replay.wav"
    sf.write(out, np.tile(data, (reps, 1) if data.ndim > 1 else reps)[: int(seconds * rate)], rate)
    return out


class TimedHub(LiveHub):
    """A LiveHub that counts the session thread's CPU spent in ``publish``."""

    def __init__(self) -> None:
        super().__init__()
        self.publish_cpu = 0.0

    def publish(self, event: Event) -> None:
        t0 = time.thread_time()
        super().publish(event)
        self.publish_cpu += time.thread_time() - t0


def thread_cpu(native_id: int | None) -> float:
    for t in psutil.Process().threads():
        if t.id == native_id:
            return float(t.user_time + t.system_time)
    return 0.0


def replay(browser: Any, seconds: float, tmp: Path) -> None:
    clip = long_recording(seconds, tmp)
    hub = TimedHub()
    server = WebServer(tmp / "meetings", ServerOptions(browser=False), hub=hub)
    server.start()
    settings = Settings(out=str(tmp / "meetings"), notify=False)
    options = SessionOptions(settings=settings, title="bench", keep_audio=False, origin="file")
    session = Session.build([FileInput(clip, realtime=True)], options)
    hub.attach(session)
    page = browser.new_page()
    page.goto(server.link("/live"))
    page.wait_for_selector("#transcript")
    web_tid = server.thread_id
    cpu0, wall0 = thread_cpu(web_tid), time.monotonic()
    proc0 = psutil.Process().cpu_times()
    runner = threading.Thread(target=session.run, args=(hub.publish,), name="session")
    runner.start()
    runner.join()
    page.wait_for_selector("#ended:not([hidden])", timeout=60_000)
    wall = time.monotonic() - wall0
    web_cpu = thread_cpu(web_tid) - cpu0
    proc1 = psutil.Process().cpu_times()
    proc_cpu = (proc1.user - proc0.user) + (proc1.system - proc0.system)
    lags = page.evaluate("window.loopnoteStats.lags")
    page.close()
    server.stop()
    by_type: dict[str, list[float]] = {}
    web_only: list[float] = []
    for x in lags:
        by_type.setdefault(x["type"], []).append(float(x["ms"]))
        web_only.append(float(x["web_ms"]))
    every = [v for vs in by_type.values() for v in vs]
    print(f"replay: {seconds:.0f} s of speech in real time ({wall:.1f} s wall)")
    print(
        f"  event to screen (ms): p50 {pct(every, 0.5):.1f}  p95 {pct(every, 0.95):.1f}  "
        f"max {max(every, default=float('nan')):.1f}  (n={len(every)}; target p95 <= 150)"
    )
    for kind in sorted(by_type):
        vs = by_type[kind]
        print(f"    {kind:9s} n={len(vs):4d}  p50 {pct(vs, 0.5):6.1f}  p95 {pct(vs, 0.95):6.1f}")
    print(
        f"  of which the web front end (hub hand-over to screen): p50 {pct(web_only, 0.5):.1f}  "
        f"p95 {pct(web_only, 0.95):.1f}  max {max(web_only, default=float('nan')):.1f}; the rest "
        "is the session's own work between an event's time and its hand-over (summaries, "
        "journal fsync)"
    )
    server_pct = 100 * (web_cpu + hub.publish_cpu) / wall
    print(
        f"  server CPU: {server_pct:.2f} % of a core (web thread {web_cpu:.2f} s + publish "
        f"{hub.publish_cpu:.3f} s over {wall:.1f} s; target <= 3 %); whole process "
        f"{100 * proc_cpu / wall:.0f} % (recognition included)"
    )


def three_hour_meeting(root: Path, index: Path, hours: float) -> tuple[MeetingFolder, list[Event]]:
    n = int(hours * 3600 / 3.6)
    folder = MeetingFolder.create(
        root,
        MeetingMeta(
            id="",
            started_wall=time.time() - hours * 3600,
            sources=("system", "mic"),
            title="Three hours",
        ),
    )
    events: list[Event] = []
    words = [
        "budget",
        "launch",
        "review",
        "hiring",
        "roadmap",
        "design",
        "customer",
        "numbers",
        "quarter",
        "team",
    ]
    for i in range(n):
        text = " ".join(words[(i + k) % len(words)] for k in range(8 + i % 9)).capitalize() + "."
        u = Utterance(f"u{i:05d}", "system" if i % 3 else "mic", i * 3.6, i * 3.6 + 3.2, text)
        folder.append_utterance(u)
        events.append(UtteranceCommitted(u, time.time()))
        if i % 10 == 9:
            node = SummaryNode(f"m{i // 10:04d}", "moment", (i - 9) * 3.6, i * 3.6, text, ())
            folder.append_summary(node)
            events.append(SummaryUpdated(node, time.time()))
    for s in range(int(hours * 12)):
        node = SummaryNode(f"s{s:03d}", "section", s * 300.0, s * 300 + 300.0, f"Section {s}.", ())
        folder.append_summary(node)
        events.append(SummaryUpdated(node, time.time()))
    folder.finish(time.time(), hours * 3600)
    folder.write_notes("## Summary\n\nThree hours of planning.")
    folder.close()
    with SearchIndex(index) as idx:
        idx.index_meeting(MeetingFolder.open(folder.path))
    return MeetingFolder.open(folder.path), events


def long_pages(browser: Any, hours: float, tmp: Path) -> None:
    folder, events = three_hour_meeting(tmp / "long", tmp / "long.sqlite3", hours)
    n_lines = sum(isinstance(e, UtteranceCommitted) for e in events)
    server = WebServer(tmp / "long", ServerOptions(browser=False), index_path=tmp / "long.sqlite3")
    server.start()
    page = browser.new_page()
    page.goto(server.link("/"))  # log in once
    page.wait_for_selector(".meeting-row")
    times = []
    for _ in range(3):
        t0 = time.monotonic()
        page.goto(f"http://127.0.0.1:{server.port}/meetings/{folder.id}?t={hours * 1800:.0f}")
        page.wait_for_selector(".line.found")
        times.append(1000 * (time.monotonic() - t0))
        ready = page.evaluate("window.loopnoteReadyAt")
    drawn = page.evaluate("window.loopnoteLines.drawnCount()")
    t0 = time.monotonic()
    page.locator("#transcript").evaluate("e => e.scrollTop = e.scrollHeight")
    page.wait_for_selector(f'.line[data-id="u{n_lines - 1:05d}"]')
    scroll_ms = 1000 * (time.monotonic() - t0)
    print(f"{hours:g}-hour meeting page ({n_lines} lines):")
    print(
        f"  navigation to usable, at the middle: median {statistics.median(times):.0f} ms "
        f"(runs {', '.join(f'{t:.0f}' for t in times)}; page ready at {ready:.0f} ms; "
        f"target <= 2000); {drawn} lines in the page; scroll to the end {scroll_ms:.0f} ms"
    )
    page.close()
    server.stop()

    hub = LiveHub()
    for e in events:
        hub.publish(e)
    server = WebServer(tmp / "long", ServerOptions(browser=False), hub=hub)
    server.start()
    page = browser.new_page()
    t0 = time.monotonic()
    page.goto(server.link("/live"))
    page.wait_for_selector(f'.line[data-id="u{n_lines - 1:05d}"]', timeout=60_000)
    live_ms = 1000 * (time.monotonic() - t0)
    drawn = page.evaluate("document.querySelectorAll('#transcript [data-index]').length")
    print(
        f"  live page joining after {hours:g} h ({len(events)} events): last line on screen "
        f"in {live_ms:.0f} ms; {drawn} lines in the page"
    )
    page.close()
    server.stop()


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seconds", type=float, default=180.0, help="replay length")
    ap.add_argument("--hours", type=float, default=3.0, help="length of the long meeting")
    ap.add_argument("--quick", action="store_true", help="45 s replay (CI)")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM}; apt-get install chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    seconds = 45.0 if args.quick else args.seconds
    print(
        f"machine load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"({os.cpu_count()} cores, shared)"
    )
    with tempfile.TemporaryDirectory() as d, sync_playwright() as p:
        browser = launch(p)
        try:
            replay(browser, seconds, Path(d))
            long_pages(browser, args.hours, Path(d))
        finally:
            browser.close()
    print(f"machine load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
