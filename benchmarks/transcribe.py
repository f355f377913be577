"""Recognition benchmark: the streaming recognizer against the same model offline.

Prints, per part of the evaluation set (``evalset.py``: ``dev`` and ``held-out``, by voice and
package), normalized WER of the streaming transcript and of the same model transcribing each
file offline, their ratio, and the streaming-only errors (where offline is right) by position
in the reference utterance (first word, inside, last word, between utterances) and type;
real-time factor (wall and CPU); latencies in real-time replay; peak RSS; and with ``--hour``
the RSS growth and per-block cost over a one-hour replay (the long files looped).

    python benchmarks/transcribe.py                       # dev and held-out, a few minutes
    python benchmarks/transcribe.py --part dev            # while tuning: never held-out
    python benchmarks/transcribe.py --hour                # adds the one-hour replay
    python benchmarks/transcribe.py --model base --realtime-seconds 300

WER runs feed the audio as fast as it is decoded (the recognizer schedules by audio time, so
the text is the one a real-time replay gives). Latencies come from a real-time replay (each
100 ms chunk is fed when its last sample would have been captured; session time 0 = the wall
time the replay starts), measured from the events alone, as a consumer of ``--format jsonl``
sees them:
- first partial: first non-empty partial after a reference speech onset, minus the onset;
- final word: the first event that shows a word as final (in a partial's ``committed`` text,
  or its utterance), minus the word's end (from the utterance's word times);
- utterance word / utterance end: when the utterance carrying a word (or its last word) was
  emitted, minus that word's end;
- pass compute: wall time of each decoding pass, all and final ones (one slow pass holds
  every word behind it: the tail of the latencies above comes from here).
The WER runs also give the final-word latency on the audio clock (the events timed by the
audio heard when they came, a partial's ``t``): what the policy waits for, without decoding
time, so a loaded machine cannot skew it.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import psutil
import soundfile as sf
from errors import Breakdown, locate, normalize, wer
from evalset import SHARED, EvalFile, build

from loopnote.asr import (
    RecognizerOptions,
    StreamingRecognizer,
    load_engine,
    transcribe_offline,
)
from loopnote.asr.engine import Engine, EngineRequest, EngineSegment
from loopnote.asr.whisper import WhisperEngine
from loopnote.types import FloatArray, PartialText, Utterance

Emitted = PartialText | Utterance

SR = 16_000
CHUNK = 1600  # 100 ms


@dataclass
class Item:
    name: str
    part: str
    audio: FloatArray
    segments: list[str]
    onsets: list[float] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return " ".join(self.segments)


def load_audio(path: Path) -> FloatArray:
    audio, sr = sf.read(path, dtype="float32", always_2d=True)
    if sr != SR:
        raise SystemExit(f"{path}: expected {SR} Hz, got {sr}")
    return np.ascontiguousarray(audio.mean(axis=1), dtype=np.float32)


def load_item(f: EvalFile) -> Item:
    return Item(
        f.name,
        f.part,
        load_audio(f.audio_path),
        [s.text for s in f.segments],
        [s.start for s in f.segments],
    )


def load_clips(count: int) -> list[Item]:
    """Short single prompts from the team's corpus (each padded with 0.5 s of silence)."""
    rows = list(csv.DictReader((SHARED / "manifest.tsv").open(), delimiter="\t"))
    clips = sorted(
        (r for r in rows if r["file"].startswith("clips/asterisk__")), key=lambda r: r["file"]
    )
    step = max(1, len(clips) // max(1, count))
    chosen = clips[::step][:count]
    chosen += [r for r in rows if r["file"] == "clips/moonshine__two_cities.flac"]
    pad = np.zeros(SR // 2, np.float32)
    return [
        Item(
            Path(r["file"]).stem,
            "dev",
            np.concatenate([pad, load_audio(SHARED / r["file"]), pad]),
            [r["reference"]],
            [0.5],
        )
        for r in chosen
    ]


# -- runs ------------------------------------------------------------------------------------
class TimedEngine:
    """The engine, with the wall time of every pass kept (``passes``: seconds, final)."""

    def __init__(self, engine: WhisperEngine) -> None:
        self.engine = engine
        self.name = engine.name
        self.multilingual = engine.multilingual
        self.passes: list[tuple[float, bool]] = []

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        t0 = time.monotonic()
        out = self.engine.transcribe(samples, request)
        self.passes.append((time.monotonic() - t0, request.final))
        return out


@dataclass
class Replay:
    text: str
    wall: float
    cpu: float
    events: list[tuple[float, Emitted]] = field(default_factory=list)


def replay(
    engine: Engine, audio: FloatArray, options: RecognizerOptions, paced: bool = False
) -> Replay:
    """Feed ``audio`` in 100 ms chunks; every event is kept with the wall time it came out
    (seconds since the replay started)."""
    rec = StreamingRecognizer(engine, "system", options)
    out = Replay("", 0.0, 0.0)
    cpu0, wall0 = time.process_time(), time.monotonic()
    for i in range(0, audio.size, CHUNK):
        piece = audio[i : i + CHUNK]
        if paced:
            due = wall0 + (i + piece.size) / SR
            time.sleep(max(0.0, due - time.monotonic()))
            # audio captured by now and not yet fed, as a live session tells the recognizer
            rec.set_waiting(time.monotonic() - due)
        new = rec.feed(piece, i / SR)
        now = time.monotonic() - wall0
        out.events += [(now, e) for e in new]
    now = time.monotonic() - wall0
    out.events += [(now, e) for e in rec.finish()]
    out.wall = time.monotonic() - wall0
    out.cpu = time.process_time() - cpu0
    out.text = " ".join(e.text for _, e in out.events if isinstance(e, Utterance))
    return out


@dataclass
class Latency:
    first_partial: list[float] = field(default_factory=list)
    final_word: list[float] = field(default_factory=list)
    utterance_word: list[float] = field(default_factory=list)
    utterance_end: list[float] = field(default_factory=list)


def audio_clock(events: list[tuple[float, Emitted]]) -> list[tuple[float, Emitted]]:
    """The events timed by the audio they had heard instead of the wall clock: a partial's
    ``t``, and for an utterance the ``t`` of the partial that the same pass emits after it.
    Latencies on this clock leave out decoding time (a loaded machine cannot skew them)."""
    out: list[tuple[float, Emitted]] = []
    for k, (_, e) in enumerate(events):
        if isinstance(e, PartialText):
            out.append((e.t, e))
            continue
        after = (p.t for _, p in events[k + 1 :] if isinstance(p, PartialText))
        out.append((next(after, e.end), e))
    return out


def latencies(events: list[tuple[float, Emitted]], onsets: list[float]) -> Latency:
    """Latencies from the events alone (see the module's docstring)."""
    out = Latency()
    final_at: list[float] = []  # wall time each word of the current utterance became final
    for wall, e in events:
        if isinstance(e, PartialText):
            shown = len(e.committed.split())
            final_at += [wall] * (shown - len(final_at))
            continue
        final_at += [wall] * (len(e.words) - len(final_at))
        out.final_word += [final_at[k] - w.end for k, w in enumerate(e.words)]
        out.utterance_word += [wall - w.end for w in e.words]
        out.utterance_end.append(wall - e.end)
        final_at = []
    partials = [(wall, e) for wall, e in events if isinstance(e, PartialText) and e.text]
    for onset in onsets:
        later = [wall for wall, p in partials if wall >= onset and p.t > onset + 0.05]
        if later:
            out.first_partial.append(min(later) - onset)
    return out


def pct(values: list[float], q: float) -> str:
    return f"{np.percentile(values, q):.2f}" if values else "-"


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def hour_replay(
    engine: WhisperEngine, items: list[Item], options: RecognizerOptions, seconds: float
) -> None:
    print(f"\n== {seconds / 60:.0f}-minute replay (long files looped, fed as fast as decoded)")
    rec = StreamingRecognizer(engine, "system", options)
    t, block, samples = 0.0, 300.0, []
    mark, cpu0, rows = block, time.process_time(), []
    i = 0
    while t < seconds:
        audio = items[i % len(items)].audio
        i += 1
        for j in range(0, audio.size, CHUNK):
            rec.feed(audio[j : j + CHUNK], t)
            t += min(CHUNK, audio.size - j) / SR
            if t >= mark:
                cpu = time.process_time()
                rows.append((mark / 60, rss_mb(), (cpu - cpu0) / block))
                cpu0, mark = cpu, mark + block
            if t >= seconds:
                break
    rec.finish()
    for minute, rss, rtf in rows:
        print(f"  t={minute:5.0f} min  RSS {rss:6.1f} MB  CPU-RTF of the block {rtf:.3f}")
        samples.append(rss)
    if len(samples) >= 3:
        print(f"  RSS growth after the first block: {samples[-1] - samples[0]:+.1f} MB")


def score(
    engine: WhisperEngine,
    label: str,
    items: list[Item],
    options: RecognizerOptions,
    offline: bool,
    dump: Path | None,
) -> None:
    """WER of the streaming and offline transcripts and the streaming-only errors."""
    refs, hyps, offs = [], [], []
    dur = wall = cpu = off_wall = 0.0
    only = Breakdown()
    final_word: list[float] = []
    for item in items:
        r = replay(engine, item.audio, options)
        refs.append(item.reference)
        hyps.append(r.text)
        dur += item.audio.size / SR
        final_word += latencies(audio_clock(r.events), []).final_word
        wall += r.wall
        cpu += r.cpu
        line = f"  {item.name}: streaming WER {wer([item.reference], [r.text]):.3f}"
        if offline:
            t0 = time.monotonic()
            words = transcribe_offline(engine, item.audio, options)
            off_wall += time.monotonic() - t0
            offs.append(" ".join(w.text for w in words))
            only.add(locate(item.segments, r.text), locate(item.segments, offs[-1]))
            line += f"  offline WER {wer([item.reference], offs[-1:]):.3f}"
        if dump is not None:
            dump.mkdir(parents=True, exist_ok=True)
            texts = [("ref", item.reference), ("live", r.text)]
            texts += [("offline", offs[-1])] if offline else []
            for kind, text in texts:
                (dump / f"{item.name}.{kind}.txt").write_text(normalize(text) + "\n")
        if len(items) > 1 and len(item.segments) > 1:
            print(line)
    s_wer = wer(refs, hyps)
    line = (
        f"{label:9s} {len(items):3d} files {dur / 60:5.1f} min | streaming WER "
        f"{s_wer:.3f}  RTF wall {wall / dur:.3f} CPU {cpu / dur:.3f}"
    )
    if offline:
        o_wer = wer(refs, offs)
        ratio = s_wer / o_wer if o_wer else float("inf")
        line += (
            f" | offline WER {o_wer:.3f} (RTF wall {off_wall / dur:.3f}) | "
            f"streaming/offline {ratio:.2f}"
        )
    print(line)
    print(
        f"  final word on the audio clock (decoding time left out): p50 {pct(final_word, 50)} s"
        f"  p95 {pct(final_word, 95)} s  (n={len(final_word)})"
    )
    if offline:
        print(f"  streaming-only errors (offline right there): {only.total()}")
        print("\n".join(only.lines()))


def realtime(
    engine: WhisperEngine, part: str, items: list[Item], options: RecognizerOptions, seconds: float
) -> None:
    """Latencies from a real-time replay of the first ``seconds`` of each file of one part."""
    print(f"\n== real-time replay, first {seconds:.0f} s of each {part} file")
    lat = Latency()
    timed = TimedEngine(engine)
    for item in items:
        n = int(seconds * SR)
        onsets = [o for o in item.onsets if o < seconds - 1]
        r = replay(timed, item.audio[:n], options, paced=True)
        one = latencies(r.events, onsets)
        lat.first_partial += one.first_partial
        lat.final_word += one.final_word
        lat.utterance_word += one.utterance_word
        lat.utterance_end += one.utterance_end
        print(f"  {item.name}: wall {r.wall:.1f} s for {n / SR:.0f} s of audio")
    for label, values in (
        ("first partial after onset", lat.first_partial),
        ("final word (from events)", lat.final_word),
        ("utterance, every word", lat.utterance_word),
        ("utterance, last word", lat.utterance_end),
    ):
        print(f"  {label:28s} p50 {pct(values, 50)} s  p95 {pct(values, 95)} s  (n={len(values)})")
    for label, costs in (
        ("pass compute, every pass", [s for s, _ in timed.passes]),
        ("pass compute, final passes", [s for s, final in timed.passes if final]),
    ):
        top = f"{max(costs):.2f}" if costs else "-"
        print(
            f"  {label:28s} p50 {pct(costs, 50)} s  p95 {pct(costs, 95)} s  max {top} s  "
            f"(n={len(costs)})"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="")
    ap.add_argument("--part", choices=("dev", "held-out", "all"), default="all")
    ap.add_argument("--clips", type=int, default=0, help="also score this many short prompts")
    ap.add_argument("--files", type=int, default=3, help="new-prompt files in held-out")
    ap.add_argument(
        "--realtime-seconds",
        type=float,
        default=75.0,
        help="seconds of each long file replayed in real time for latency (0: none)",
    )
    ap.add_argument("--hour", action="store_true", help="add the one-hour memory replay")
    ap.add_argument("--hour-seconds", type=float, default=3600.0)
    ap.add_argument("--hour-only", action="store_true", help="only the long memory replay")
    ap.add_argument("--step", type=float, default=None)
    ap.add_argument("--commit-after", type=float, default=None)
    ap.add_argument("--min-window", type=int, default=None, help="smallest encoder window, s")
    ap.add_argument("--no-offline", action="store_true")
    ap.add_argument("--no-wer", action="store_true", help="only the real-time replay")
    ap.add_argument("--dump", type=Path, default=None, help="write normalized texts here")
    args = ap.parse_args(argv)
    if not SHARED.is_dir():
        print(f"corpus not found at {SHARED}", file=sys.stderr)
        return 1
    options = RecognizerOptions(model=args.model)
    if args.step:
        options = replace(options, step=args.step)
    if args.commit_after is not None:
        options = replace(options, commit_after=args.commit_after)
    engine = (
        load_engine(args.model, min_window=args.min_window)
        if args.min_window
        else load_engine(args.model)
    )
    print(
        f"model {engine.name}  cpu cores {os.cpu_count()}  load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}  step {options.step} s  "
        f"commit after {options.commit_after} s  min window {engine.min_window} s"
    )
    print(
        "(the machine is shared: wall-clock figures include other users' load; CPU-RTF "
        "counts this process's CPU seconds per audio second, over all its threads)\n"
    )
    files = [load_item(f) for f in build(args.files)]
    parts = ("dev", "held-out") if args.part == "all" else (args.part,)
    if args.hour_only:
        hour_replay(engine, [f for f in files if f.part == "dev"], options, args.hour_seconds)
        print(f"peak RSS {peak_mb():.0f} MB")
        return 0
    if args.clips:
        score(engine, "clips", load_clips(args.clips), options, not args.no_offline, None)
    for part in () if args.no_wer else parts:
        chosen = [f for f in files if f.part == part]
        score(engine, part, chosen, options, not args.no_offline, args.dump)

    for part in parts if args.realtime_seconds > 0 else ():
        chosen = [f for f in files if f.part == part]
        realtime(engine, part, chosen, options, args.realtime_seconds)
    print(f"\npeak RSS {peak_mb():.0f} MB, now {rss_mb():.0f} MB")
    if args.hour:
        hour_replay(engine, [f for f in files if f.part == "dev"], options, args.hour_seconds)
        print(f"peak RSS {peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
