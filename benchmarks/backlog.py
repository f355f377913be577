"""Recognition behind real time: memory, lag, catch-up, and the audio on disk.

    python benchmarks/backlog.py                  # 30 minutes, as the target says
    python benchmarks/backlog.py --minutes 5      # a shorter run

A recording made of the long corpus files (../shared/corpus/long, joined and repeated to the
length asked) is replayed in real time through the real session (shipped model, real
recorder, real meeting folder). A CPU hog (a busy process) takes one core for the whole run
and a second one for ``--both-seconds`` (60 s) starting at a third of the run. Printed: peak
and final RSS and RSS over time (flat memory), how far the live transcript fell behind
(the recognizer's backlog, and the lateness of each line), how long it took to catch up
after the second hog stopped, the gaps cut by the backlog policy, and whether the audio on
disk is complete (its sample count against the recording's).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from loopnote.audio.recorder import Recorder, read_source
from loopnote.capture.file import FileInput
from loopnote.config import Settings
from loopnote.events import Event, UtteranceCommitted, WarningRaised
from loopnote.session import Session, SessionOptions

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "long"


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def burn() -> None:
    while True:
        pass


def build_recording(path: Path, seconds: float) -> int:
    parts = sorted(CORPUS.glob("shared_long_*.flac"))
    if not parts:
        raise SystemExit(f"no long corpus files under {CORPUS}")
    rate = sf.info(str(parts[0])).samplerate
    want = int(seconds * rate)
    written = 0
    with sf.SoundFile(str(path), "w", rate, 1, "PCM_16") as out:
        while written < want:
            for p in parts:
                x, _ = sf.read(str(p), dtype="float32", always_2d=True)
                x = x[: want - written, :1]
                out.write(x)
                written += x.shape[0]
                if written >= want:
                    break
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--both-seconds", type=float, default=60.0, help="both cores busy this long")
    args = ap.parse_args(argv)
    seconds = args.minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "meeting.wav"
        frames = build_recording(wav, seconds)
        settings = Settings(out=str(Path(tmp) / "meetings"), notify=False)
        session = Session.build(
            [FileInput(wav, "system", realtime=True)],
            SessionOptions(settings=settings, origin="file"),
            recorder_factory=lambda folder, source: Recorder(folder, source),
        )
        lines: list[tuple[float, float]] = []  # (audio end, wall lateness)
        warnings: list[tuple[float, str, dict[str, object]]] = []
        wall0 = [0.0]

        def on_event(e: Event) -> None:
            if wall0[0] == 0.0:
                wall0[0] = e.wall
            if isinstance(e, UtteranceCommitted):
                lines.append((e.utterance.end, e.wall - wall0[0] - e.utterance.end))
            elif isinstance(e, WarningRaised):
                w = e.warning
                warnings.append((e.wall - wall0[0], w.code, dict(w.extra)))

        samples: list[tuple[float, float, float]] = []  # (elapsed, rss, backlog)
        done = threading.Event()
        t0 = time.monotonic()

        def sample() -> None:
            while not done.wait(1.0):
                samples.append((time.monotonic() - t0, rss_mb(), session.backlog("system")))

        ctx = multiprocessing.get_context("spawn")
        hog1 = ctx.Process(target=burn, daemon=True)
        hog2 = ctx.Process(target=burn, daemon=True)
        both_from = seconds / 3
        both_to = both_from + args.both_seconds

        def schedule() -> None:
            if done.wait(both_from):
                return
            hog2.start()
            done.wait(args.both_seconds)
            hog2.terminate()

        hog1.start()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        threading.Thread(target=schedule, daemon=True).start()
        try:
            folder = session.run(on_event)
        finally:
            done.set()
            for h in (hog1, hog2):
                with contextlib.suppress(Exception):
                    h.terminate()
                    h.join(5)
        on_disk, _ = read_source(folder, "system")
    report(samples, lines, warnings, frames, on_disk.shape[0], seconds, both_from, both_to)
    return 0


def report(
    samples: list[tuple[float, float, float]],
    lines: list[tuple[float, float]],
    warnings: list[tuple[float, str, dict[str, object]]],
    frames: int,
    on_disk: int,
    seconds: float,
    both_from: float,
    both_to: float,
) -> None:
    rss = [r for _, r, _ in samples]
    backlog = [b for _, _, b in samples]
    after = [(t, b) for t, _, b in samples if t >= both_to]
    caught = next((t for t, b in after if b < 1.0), None)
    late = [x for _, x in lines]
    gaps = [w for w in warnings if w[1] == "recognition-gap"]
    gap_seconds = sum(
        float(str(x["gap_end"])) - float(str(x["gap_start"])) for _, _, x in gaps if x
    )
    print(f"recording {seconds / 60:.1f} min real time; one core busy throughout, both cores")
    print(f"  busy from {both_from:.0f} s to {both_to:.0f} s")
    if rss:
        quarter = max(1, len(rss) // 4)
        print(
            f"RSS: peak {max(rss):.0f} MB, first quarter mean {np.mean(rss[:quarter]):.0f} MB, "
            f"last quarter mean {np.mean(rss[-quarter:]):.0f} MB"
        )
        marks = [samples[i] for i in range(0, len(samples), max(1, len(samples) // 10))]
        print("RSS over time: " + ", ".join(f"{t:.0f}s {r:.0f}MB" for t, r, _ in marks))
    print(f"recognition backlog: max {max(backlog, default=0):.1f} s")
    print(
        "after both cores were freed: caught up (backlog < 1 s) "
        + (f"{caught - both_to:.1f} s later" if caught is not None else "not within the run")
    )
    if late:
        print(
            f"transcript lines: {len(late)}, lateness p50 {np.percentile(late, 50):.1f} s, "
            f"p95 {np.percentile(late, 95):.1f} s, max {max(late):.1f} s"
        )
    print(f"gaps cut: {len(gaps)} ({gap_seconds:.0f} s of audio not in the live transcript)")
    for t, code, _ in warnings:
        if code.startswith("recognition"):
            print(f"  at {t:6.1f} s  {code}")
    whole = "complete" if on_disk == frames else "INCOMPLETE"
    print(f"audio on disk: {on_disk} of {frames} samples ({whole})")
    with contextlib.suppress(OSError):
        print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    raise SystemExit(main())
