"""Recognition benchmark on the shared speech corpus (../shared/corpus).

Prints, for the streaming recognizer and for the same model transcribing each file offline:
normalized WER against the reference text, real-time factor (wall and CPU), first-partial
latency and word latencies in real-time replay, peak RSS, and with ``--hour`` the RSS growth
and per-block cost over a one-hour replay (the long files looped).

    python benchmarks/transcribe.py                 # a few minutes
    python benchmarks/transcribe.py --hour          # adds the one-hour replay
    python benchmarks/transcribe.py --model base --clips 30 --realtime-seconds 300

Latencies (real-time replay: each 100 ms chunk is fed when its last sample would have been
captured, session time 0 = the wall time the replay starts):
- first partial: first non-empty partial after a reference speech onset, minus the onset;
- final word: when a word became final (committed), minus the word's end;
- utterance word / utterance end: when the utterance carrying a word (or its last word) was
  emitted, minus that word's end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import jiwer
import numpy as np
import psutil
import soundfile as sf

from loopnote.asr import (
    RecognizerOptions,
    StreamingRecognizer,
    load_engine,
    transcribe_offline,
)
from loopnote.asr.whisper import WhisperEngine
from loopnote.types import FloatArray, PartialText, Utterance

SR = 16_000
CHUNK = 1600  # 100 ms
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

# -- text normalization (both sides) ---------------------------------------------------------
_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = "" if n % 100 == 0 else " " + number_words(n % 100)
        return _ONES[n // 100] + " hundred" + rest
    if n < 1_000_000:
        rest = "" if n % 1000 == 0 else " " + number_words(n % 1000)
        return number_words(n // 1000) + " thousand" + rest
    return " ".join(_ONES[int(d)] for d in str(n))


def normalize(text: str) -> str:
    t = text.lower().replace("&", " and ").replace("%", " percent")
    t = re.sub(r"(\d),(\d)", r"\1\2", t)
    t = re.sub(r"\d+", lambda m: f" {number_words(int(m.group()))} ", t)
    t = re.sub(r"[-./:_]", " ", t)
    t = re.sub(r"[^\w\s']", " ", t)
    t = re.sub(r"\bcan not\b", "cannot", t)
    return re.sub(r"\s+", " ", t.replace(" '", " ").replace("' ", " ")).strip()


def wer(ref: list[str], hyp: list[str]) -> float:
    r = [normalize(x) for x in ref]
    h = [normalize(x) for x in hyp]
    return float(jiwer.wer(r, h))


# -- corpus ----------------------------------------------------------------------------------
@dataclass
class Item:
    name: str
    audio: FloatArray
    reference: str
    onsets: list[float] = field(default_factory=list)


def load_audio(path: Path) -> FloatArray:
    audio, sr = sf.read(path, dtype="float32", always_2d=True)
    if sr != SR:
        raise SystemExit(f"{path}: expected {SR} Hz, got {sr}")
    return np.ascontiguousarray(audio.mean(axis=1), dtype=np.float32)


def load_clips(count: int) -> list[Item]:
    rows = list(csv.DictReader((CORPUS / "manifest.tsv").open(), delimiter="\t"))
    clips = sorted(
        (r for r in rows if r["file"].startswith("clips/asterisk__")), key=lambda r: r["file"]
    )
    step = max(1, len(clips) // max(1, count))
    chosen = clips[::step][:count]
    chosen += [r for r in rows if r["file"] == "clips/moonshine__two_cities.flac"]
    items = []
    pad = np.zeros(SR // 2, np.float32)
    for r in chosen:
        audio = np.concatenate([pad, load_audio(CORPUS / r["file"]), pad])
        items.append(Item(Path(r["file"]).stem, audio, r["reference"], [0.5]))
    return items


def load_long() -> list[Item]:
    items = []
    for path in sorted((CORPUS / "long").glob("*.flac")):
        segs = json.loads(path.with_suffix(".segments.json").read_text())
        items.append(
            Item(
                path.stem,
                load_audio(path),
                " ".join(s["text"] for s in segs),
                [float(s["start"]) for s in segs],
            )
        )
    return items


# -- runs ------------------------------------------------------------------------------------
@dataclass
class Replay:
    text: str
    wall: float
    cpu: float
    first_partial: list[float] = field(default_factory=list)
    final_word: list[float] = field(default_factory=list)
    utterance_word: list[float] = field(default_factory=list)
    utterance_end: list[float] = field(default_factory=list)


def replay(
    engine: WhisperEngine,
    audio: FloatArray,
    options: RecognizerOptions,
    onsets: list[float] | None = None,
    paced: bool = False,
) -> Replay:
    rec = StreamingRecognizer(engine, "system", options)
    utts: list[Utterance] = []
    partials: list[tuple[float, PartialText]] = []
    committed = 0
    out = Replay("", 0.0, 0.0)
    cpu0, wall0 = time.process_time(), time.monotonic()
    for i in range(0, audio.size, CHUNK):
        piece = audio[i : i + CHUNK]
        if paced:
            due = wall0 + (i + piece.size) / SR
            time.sleep(max(0.0, due - time.monotonic()))
        new = rec.feed(piece, i / SR)
        now = time.monotonic() - wall0
        for e in new:
            if isinstance(e, Utterance):
                utts.append(e)
                out.utterance_word += [now - w.end for w in e.words]
                out.utterance_end.append(now - e.end)
            elif e.text:
                partials.append((now, e))
        words = [w for u in utts for w in u.words] + list(rec.settled)
        out.final_word += [now - w.end for w in words[committed:]]
        committed = len(words)
    utts += [e for e in rec.finish() if isinstance(e, Utterance)]
    out.wall = time.monotonic() - wall0
    out.cpu = time.process_time() - cpu0
    out.text = " ".join(u.text for u in utts)
    for onset in onsets or []:
        later = [w for w, p in partials if w >= onset and p.t > onset + 0.05]
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="")
    ap.add_argument("--clips", type=int, default=12, help="asterisk clips to score")
    ap.add_argument(
        "--realtime-seconds",
        type=float,
        default=75.0,
        help="seconds of each long file replayed in real time for latency",
    )
    ap.add_argument("--hour", action="store_true", help="add the one-hour memory replay")
    ap.add_argument("--hour-seconds", type=float, default=3600.0)
    ap.add_argument("--hour-only", action="store_true", help="only the long memory replay")
    ap.add_argument("--step", type=float, default=None)
    ap.add_argument("--commit-after", type=float, default=None)
    ap.add_argument("--no-offline", action="store_true")
    args = ap.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 1
    options = RecognizerOptions(model=args.model)
    if args.step:
        options = replace(options, step=args.step)
    if args.commit_after is not None:
        options = replace(options, commit_after=args.commit_after)
    engine = load_engine(args.model)
    print(
        f"model {engine.name}  cpu cores {os.cpu_count()}  load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}  step {options.step} s  "
        f"commit after {options.commit_after} s"
    )
    print(
        "(the machine is shared: wall-clock figures include other users' load; CPU-RTF "
        "counts this process's CPU seconds per audio second, over all its threads)\n"
    )

    groups = {"clips": load_clips(args.clips), "long": load_long()}
    if args.hour_only:
        hour_replay(engine, groups["long"], options, args.hour_seconds)
        print(f"peak RSS {peak_mb():.0f} MB")
        return 0
    for group, items in groups.items():
        refs, hyps, offs = [], [], []
        dur = wall = cpu = off_wall = 0.0
        for item in items:
            r = replay(engine, item.audio, options)
            refs.append(item.reference)
            hyps.append(r.text)
            dur += item.audio.size / SR
            wall += r.wall
            cpu += r.cpu
            if not args.no_offline:
                t0 = time.monotonic()
                words = transcribe_offline(engine, item.audio, options)
                off_wall += time.monotonic() - t0
                offs.append(" ".join(w.text for w in words))
            if group == "long":
                print(
                    f"  {item.name}: streaming WER {wer([item.reference], [r.text]):.3f}"
                    + (f"  offline WER {wer([item.reference], offs[-1:]):.3f}" if offs else "")
                )
        s_wer = wer(refs, hyps)
        line = (
            f"{group:5s} {len(items):3d} files {dur / 60:5.1f} min | streaming WER "
            f"{s_wer:.3f}  RTF wall {wall / dur:.3f} CPU {cpu / dur:.3f}"
        )
        if offs:
            o_wer = wer(refs, offs)
            ratio = s_wer / o_wer if o_wer else float("inf")
            line += (
                f" | offline WER {o_wer:.3f} (RTF wall {off_wall / dur:.3f}) | "
                f"streaming/offline {ratio:.2f}"
            )
        print(line)

    print(f"\n== real-time replay, first {args.realtime_seconds:.0f} s of each long file")
    lat = Replay("", 0.0, 0.0)
    for item in groups["long"]:
        n = int(args.realtime_seconds * SR)
        onsets = [o for o in item.onsets if o < args.realtime_seconds - 1]
        r = replay(engine, item.audio[:n], options, onsets, paced=True)
        lat.first_partial += r.first_partial
        lat.final_word += r.final_word
        lat.utterance_word += r.utterance_word
        lat.utterance_end += r.utterance_end
        print(f"  {item.name}: wall {r.wall:.1f} s for {n / SR:.0f} s of audio")
    for label, values in (
        ("first partial after onset", lat.first_partial),
        ("final word (committed)", lat.final_word),
        ("utterance, every word", lat.utterance_word),
        ("utterance, last word", lat.utterance_end),
    ):
        print(f"  {label:28s} p50 {pct(values, 50)} s  p95 {pct(values, 95)} s  (n={len(values)})")
    print(f"\npeak RSS {peak_mb():.0f} MB, now {rss_mb():.0f} MB")
    if args.hour:
        hour_replay(engine, groups["long"], options, args.hour_seconds)
        print(f"peak RSS {peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
