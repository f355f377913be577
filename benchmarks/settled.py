"""Settled transcript benchmark: the settling pass against the same model offline.

Prints, per part of the evaluation set (``evalset.py``: ``dev`` and ``held-out``, apart), WER
of the live transcript, of the settled one (each stretch of the live transcript decoded again
with the audio after it, by the code a meeting runs: ``settling.LiveSettler``, read back
through ``store.settled.apply_settled``), and of the same model offline on the whole file;
the settled/offline ratio (target <= 1.0) and the settling pass's CPU per audio second. With
``--settle-model base`` the live transcript of the meeting's model is settled with ``base``
too (lower still). ``--realtime-seconds N`` runs real meetings (``Session``, real-time
replay of the first N s of ``--realtime-files`` files of each part asked for, parts apart)
with and without settling and gives the final-word
latency from the events (live must stay real time while settling runs), the settling
process's CPU, and the WER of what the meeting settled as it went (stretches closed on the
horizons the session's ticks carry) next to the same live lines settled at the end. Per
language (``base``; target settled <= 1.05x offline): ``languages.py``.

    python benchmarks/settled.py --part dev --files 2 --realtime-seconds 60
    python benchmarks/settled.py --settle-model base
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf
from errors import wer
from evalset import SHARED, EvalFile, build
from transcribe import CHUNK, SR, Item, Latency, latencies, load_item, pct

from loopnote.asr import RecognizerOptions, StreamingRecognizer, load_engine, transcribe_offline
from loopnote.asr.engine import Engine
from loopnote.asr.settle import SettleOptions
from loopnote.capture.file import FileInput
from loopnote.config import Settings
from loopnote.events import (
    Event,
    PartialUpdated,
    SessionEnded,
    TranscriptSettled,
    UtteranceCommitted,
)
from loopnote.session import Session, SessionOptions
from loopnote.settling import AudioTap, LiveSettler, Settled
from loopnote.store import MeetingFolder
from loopnote.store.settled import apply_settled, settled_record
from loopnote.types import FloatArray, PartialText, SessionWarning, Utterance


def first_seconds(f: EvalFile, seconds: float) -> Item:
    """The file, or its first ``seconds``: the utterances that end by then, and the audio up
    to the next one's start (so no word of an utterance left out is heard)."""
    item = load_item(f)
    if seconds <= 0 or item.audio.size <= seconds * SR:
        return item
    kept = [s for s in f.segments if s.end <= seconds]
    cut = min([seconds] + [s.start for s in f.segments if s.end > seconds])
    return Item(
        item.name,
        item.part,
        item.audio[: int(cut * SR)],
        [s.text for s in kept],
        [s.start for s in kept],
    )


def live_utterances(
    engine: Engine, audio: FloatArray, options: RecognizerOptions
) -> list[Utterance]:
    rec = StreamingRecognizer(engine, "system", options)
    out: list[Utterance] = []
    for i in range(0, audio.size, CHUNK):
        out += [u for u in rec.feed(audio[i : i + CHUNK], i / SR) if isinstance(u, Utterance)]
    return out + [u for u in rec.finish() if isinstance(u, Utterance)]


def settle(
    engine: Engine, live: list[Utterance], audio: FloatArray, options: RecognizerOptions
) -> tuple[str, float]:
    """The settled text (as a reader sees it) and the pass's CPU seconds."""
    results: list[Settled | SessionWarning] = []
    settler = LiveSettler(engine, {"system": options}, AudioTap(0.0), results.append)
    cpu0 = time.process_time()
    settler.start()
    settler.finish(live, set(), lambda source: audio)
    cpu = time.process_time() - cpu0
    records = [
        settled_record(u, ids, engine.name, r.how)
        for r in results
        if isinstance(r, Settled)
        for u, ids in zip(r.utterances, r.replaces, strict=True)
    ]
    return " ".join(u.text for u in apply_settled(live, records)), cpu


def score(
    engine: Engine, base: Engine | None, part: str, items: list, options: RecognizerOptions
) -> None:  # type: ignore[type-arg]
    refs, lives, settled, offs, based = [], [], [], [], []
    dur = cpu = 0.0
    for item in items:
        utts = live_utterances(engine, item.audio, options)
        text, c = settle(engine, utts, item.audio, options)
        refs.append(item.reference)
        lives.append(" ".join(u.text for u in utts))
        settled.append(text)
        offs.append(" ".join(w.text for w in transcribe_offline(engine, item.audio, options)))
        if base is not None:
            based.append(settle(base, utts, item.audio, options)[0])
        dur += item.audio.size / SR
        cpu += c
        one = [wer([item.reference], t[-1:]) for t in (lives, settled, offs)]
        print(f"  {item.name}: live {one[0]:.3f}  settled {one[1]:.3f}  offline {one[2]:.3f}")
    w_live, w_set, w_off = wer(refs, lives), wer(refs, settled), wer(refs, offs)
    ratio = f"{w_set / w_off:.2f}" if w_off else "-"
    print(
        f"{part:9s} {len(items):3d} files {dur / 60:5.1f} min | WER live {w_live:.3f}  settled "
        f"{w_set:.3f}  offline {w_off:.3f} | settled/offline {ratio} | settling CPU "
        f"{cpu / dur:.3f} s per audio s"
    )
    if base is not None:
        print(f"          settled with {base.name}: WER {wer(refs, based):.3f}")


def realtime(engine: Engine, part: str, items: list[Item], options: RecognizerOptions) -> None:
    """Real meetings (real-time replay) with and without settling: live latency and cost, and
    the WER of what the meeting settled as it went (the settler closing stretches on the
    horizons the session's ticks carry) against the same live lines settled at the end."""
    seconds = max(item.audio.size / SR for item in items)
    print(f"\n== real-time meetings, first {seconds:.0f} s of each {part} file")
    refs = [item.reference for item in items]
    for settle_on in (False, True):
        lat, n_settled, cpu_live = Latency(), 0, 0.0
        lives, settled, at_end = [], [], []
        child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        for item in items:
            with tempfile.TemporaryDirectory() as tmp:
                wav = Path(tmp) / f"{item.name}.wav"
                sf.write(str(wav), item.audio, SR)
                got: list[Event] = []
                meeting = SessionOptions(
                    settings=Settings(out=tmp, notify=False, model=options.model),
                    keep_audio=False,
                    origin="file",
                    settle=SettleOptions() if settle_on else None,
                )
                cpu0 = time.process_time()
                Session.build([FileInput(wav, source="system", realtime=True)], meeting).run(
                    got.append
                )
                cpu_live += time.process_time() - cpu0
                # the transcript as a reader of the meeting gets it
                ended = next(e for e in got if isinstance(e, SessionEnded))
                with MeetingFolder.open(Path(ended.folder)) as folder:
                    live = folder.load_utterances(live=True)
                    kept = folder.load_utterances()
            wall0 = got[0].wall
            timed: list[tuple[float, PartialText | Utterance]] = []
            for e in got:
                if isinstance(e, PartialUpdated):
                    timed.append((e.wall - wall0, e.partial))
                elif isinstance(e, UtteranceCommitted):
                    timed.append((e.wall - wall0, e.utterance))
            lat.final_word += latencies(timed, []).final_word
            n_settled += sum(1 for e in got if isinstance(e, TranscriptSettled) and e.how == "live")
            lives.append(" ".join(u.text for u in live))
            settled.append(" ".join(u.text for u in kept))
            if settle_on:
                at_end.append(settle(engine, live, item.audio, options)[0])
        child = resource.getrusage(resource.RUSAGE_CHILDREN)
        settle_cpu = child.ru_utime + child.ru_stime - child0.ru_utime - child0.ru_stime
        audio = sum(item.audio.size for item in items) / SR
        print(
            f"  settling {'on ' if settle_on else 'off'}: final word p50 "
            f"{pct(lat.final_word, 50)} s p95 {pct(lat.final_word, 95)} s (n={len(lat.final_word)})"
            f" | meeting process CPU {cpu_live / audio:.3f} s/s, settling process "
            f"{settle_cpu / audio:.3f} s/s | stretches settled behind live: {n_settled}"
        )
        line = f"    WER of the meeting: live {wer(refs, lives):.3f}"
        if settle_on:
            line += (
                f"  settled as it went {wer(refs, settled):.3f}  the same live lines "
                f"settled at the end {wer(refs, at_end):.3f}"
            )
        print(line)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="")
    ap.add_argument("--settle-model", default="", help="also settle with this model (base)")
    ap.add_argument("--part", choices=("dev", "held-out", "all"), default="all")
    ap.add_argument("--files", type=int, default=3, help="new-prompt files in held-out")
    ap.add_argument("--realtime-seconds", type=float, default=0.0)
    ap.add_argument("--realtime-files", type=int, default=2)
    ap.add_argument("--no-wer", action="store_true")
    ap.add_argument("--seconds", type=float, default=0.0, help="only each file's first S s")
    args = ap.parse_args(argv)
    if not SHARED.is_dir():
        print(f"corpus not found at {SHARED}", file=sys.stderr)
        return 1
    engine = load_engine(args.model)
    base = load_engine(args.settle_model) if args.settle_model else None
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"model {engine.name}  cores {os.cpu_count()}  load average {load} (shared machine)\n")
    options = RecognizerOptions(model=args.model)
    files = [first_seconds(f, args.seconds) for f in build(args.files)]
    parts = ("dev", "held-out") if args.part == "all" else (args.part,)
    for part in () if args.no_wer else parts:
        score(engine, base, part, [f for f in files if f.part == part], options)
    for part in parts if args.realtime_seconds > 0 else ():
        chosen = [f for f in build(args.files) if f.part == part][: args.realtime_files]
        items = [first_seconds(f, args.realtime_seconds) for f in chosen]
        realtime(engine, part, items, options)
    print(f"\nload average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
