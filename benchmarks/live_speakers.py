"""Live speaker labels: how soon a line's speaker is final, what labelling costs, and that
the transcript does not wait for it.

    python benchmarks/live_speakers.py                  # dev and held-out scenes, real time
    python benchmarks/live_speakers.py --quick          # two scenes per half (CI)
    python benchmarks/live_speakers.py --quick --no-cut # lines not cut at speaker changes
    python benchmarks/live_speakers.py --quick --lines turns  # one true turn per line
    python benchmarks/live_speakers.py --latency        # also the transcript with labels on/off
    python benchmarks/live_speakers.py --json out.json

Each scene of benchmarks/speaker_scenes.py (real voices, exact turns) is replayed at the pace
it plays through ``live_speakers.LiveSpeakers`` with the product's labeller: its audio in
0.1 s blocks as the system source's audio thread hands it over, and its lines posted
``COMMIT_LAG`` after they end (when the recognizer would commit them). A line is what the
recognizer would cut. The recognizer ends a line at a sentence end or at a pause of the VAD's
end of speech (``asr/vad.py``'s ``min_silence``, 0.5 s), so two bounds are measured:
``--lines joined`` (the default): true turns joined while the pause between them is shorter
than that (overlapping turns always), as when no sentence end is heard between two speakers
(a reply cut short, an interruption), so every fast turn change falls inside a line;
``--lines turns``: each true turn one line (every turn ended by a sentence end), where a cut
can only do harm. The audio carries no words, so each turn's line gets a
word every ``WORD_SECONDS`` (the cut falls between words, as it does on real lines).

- cuts: lines that hold two or more true speakers, lines the labeller cut (``--no-cut``: the
  labeller without the segmentation model, one speaker per line as before).

- label delay: wall time from a line's post to its first label, and to its final label (the
  last relabel it got; "final" is only known at the end, so this is the honest figure for
  "when can the user trust it"); lines never labelled are counted apart.
- live DER: the final labels of the lines (of their parts where a line was cut) against the
  truth (speakers.py's DER, 0.25 s collar). last look DER: the labels once the meeting is
  heard (``MeetingSpeakers.last_look``'s plan: the whole scene diarized, lines cut live keep
  their cuts, lines left whole cut where it hears two voices); end DER: every line cut anew
  by that diarization (a bound). Speaker counts of each, against the truth; the last look's
  CPU as a share of the meeting's length.
- CPU: CPU seconds of the labeller's thread per second of audio (a share of one core),
  without the model's one-time warm-up; the cold start (the first call loads librosa and
  numba: wall seconds, reported on its own) happens once per process, before the scenes.
- ``--latency``: a scene replayed in real time through a whole session with the real
  recognizer, with live labels on and off: the transcript's latency (line emitted − end of
  its audio) must hold with labels on.

Targets (issue 17): <= 10 % of one core added; the transcript latency holds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
import speaker_scenes
from speakers import der

from loopnote.asr.vad import VadOptions
from loopnote.errors import ModelNotAvailable
from loopnote.live_speakers import Labelled, LiveSpeakers, SpeakerNews, Split
from loopnote.meeting_speakers import last_look_plan
from loopnote.speakers import (
    SegmentationModel,
    UtteranceLabeller,
    UtterancePart,
    load_embedder,
    split_by_speaker,
)
from loopnote.store.speakers import split_utterance
from loopnote.types import Utterance, Word

RATE = speaker_scenes.RATE
BLOCK = 0.1  # s of audio per hand-over
COMMIT_LAG = 0.5  # s after a line ends that it is committed
LINE_PAUSE = VadOptions().min_silence  # a shorter pause between turns does not end a line
WORD_SECONDS = 0.3  # one word this often over a turn


class TimedLabeller:
    """The product's labeller, with the CPU time of its thread counted per call."""

    def __init__(self, inner: UtteranceLabeller) -> None:
        self.inner = inner
        self.cpu = 0.0
        self.warm_cpu = 0.0

    def feed(self, samples: npt.NDArray[np.float32], t: float) -> None:
        c0 = time.thread_time()
        self.inner.feed(samples, t)
        self.cpu += time.thread_time() - c0

    def label_parts(
        self, utterance_id: str, start: float, end: float, words: Sequence[Word]
    ) -> tuple[list[UtterancePart], list[tuple[str, str]]]:
        c0 = time.thread_time()
        out = self.inner.label_parts(utterance_id, start, end, words)
        self.cpu += time.thread_time() - c0
        return out

    def centroids(self) -> dict[str, npt.NDArray[np.float32]]:
        return self.inner.centroids()

    def warm_up(self) -> None:
        c0 = time.thread_time()
        self.inner.warm_up()
        self.warm_cpu += time.thread_time() - c0


@dataclass
class Line:
    start: float
    end: float
    words: tuple[Word, ...]
    speakers: frozenset[str]  # the true speakers it holds


def scene_lines(turns: Sequence[speaker_scenes.Turn], joined: bool = True) -> list[Line]:
    """The scene's turns as the recognizer would cut them into lines (see the docstring)."""
    groups: list[list[speaker_scenes.Turn]] = []
    for t in sorted(turns, key=lambda t: t.start):
        if joined and groups and t.start - max(x.end for x in groups[-1]) < LINE_PAUSE:
            groups[-1].append(t)
        else:
            groups.append([t])
    lines = []
    for g in groups:
        words = sorted(
            (
                Word(f"w{i}", w0, min(w0 + WORD_SECONDS - 0.02, t.end))
                for t in g
                for i, w0 in enumerate(np.arange(t.start, t.end - 0.1, WORD_SECONDS))
            ),
            key=lambda w: w.start,
        )
        end = max(t.end for t in g)
        lines.append(Line(g[0].start, end, tuple(words), frozenset(t.speaker for t in g)))
    return lines


def label_scene(
    scene: speaker_scenes.Scene,
    embedder: Any,
    speed: float,
    segmenter: SegmentationModel | None,
    joined: bool = True,
    whole: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    lab = TimedLabeller(UtteranceLabeller(embedder, segmenter=segmenter, whole=whole))
    heard: list[tuple[float, SpeakerNews]] = []
    lock = threading.Lock()

    def deliver(news: list[SpeakerNews]) -> None:
        now = time.monotonic()
        with lock:
            heard.extend((now, n) for n in news)

    live = LiveSpeakers(lab, deliver)
    live.start()
    lines = scene_lines(scene.turns, joined)
    posted: dict[str, tuple[float, Line]] = {}
    audio = scene.audio
    t0 = time.monotonic()
    block = int(BLOCK * RATE)
    k = 0

    def post(k: int) -> None:
        line, uid = lines[k], f"s{k:05d}"
        text = " ".join(w.text for w in line.words)
        live.utterance(Utterance(uid, "system", line.start, line.end, text, line.words))
        posted[uid] = (time.monotonic(), line)

    for i in range(0, len(audio), block):
        t_audio = (i + block) / RATE
        if (wait := t0 + t_audio / speed - time.monotonic()) > 0:
            time.sleep(wait)
        live.audio(audio[i : i + block], i / RATE)
        while k < len(lines) and lines[k].end + COMMIT_LAG <= t_audio:
            post(k)
            k += 1
    for j in range(k, len(lines)):
        post(j)
    live.close(600.0)
    first: dict[str, float] = {}
    final: dict[str, tuple[float, str]] = {}
    spans = {uid: (line.start, line.end) for uid, (_, line) in posted.items()}
    for when, n in heard:
        if isinstance(n, Labelled):
            first.setdefault(n.utterance_id, when)
            final[n.utterance_id] = (when, n.speaker)
        elif isinstance(n, Split):
            spans.update({p.id: (p.start, p.end) for p in n.parts})
    first_delay = [first[u] - posted[u][0] for u in posted if u in first]
    final_delay = [final[u][0] - posted[u][0] for u in posted if u in final]
    hyp = [(*spans[u], spk) for u, (_, spk) in final.items() if u in spans]
    ref = [(t.start, t.end, t.speaker) for t in scene.turns]
    seconds = len(audio) / RATE
    # the last look once the whole meeting is heard (the product's plan over the live lines
    # and their live cuts), and the same lines all cut anew by the offline diarization
    c0 = time.process_time()
    look_turns = lab.inner.diarize(audio)  # the product's: its whole-recording model
    look_cpu = time.process_time() - c0
    live_cuts = {n.utterance_id: n.at for _, n in heard if isinstance(n, Split)}
    utterances = [
        Utterance(
            uid, "system", line.start, line.end, " ".join(w.text for w in line.words), line.words
        )
        for uid, (_, line) in posted.items()
    ]
    new_cuts, looked = last_look_plan(utterances, live_cuts, look_turns)
    look_hyp = [
        (piece.start, piece.end, looked[piece.id])
        for u in utterances
        for piece in split_utterance(u, new_cuts.get(u.id, live_cuts.get(u.id, ())))
        if piece.id in looked
    ]
    end_hyp = [
        (part.start, part.end, part.speaker)
        for _, line in posted.values()
        for part in split_by_speaker(line.start, line.end, line.words, look_turns)
        if part.speaker is not None
    ]
    return {
        "scene": scene.name,
        "lines": len(posted),
        "lines_two_speakers": sum(len(line.speakers) > 1 for _, line in posted.values()),
        "lines_cut": sum(isinstance(n, Split) for _, n in heard),
        "unlabelled": sum(u not in first for u in posted),
        "first_label_p50_s": round(_q(first_delay, 0.5), 3),
        "final_label_p50_s": round(_q(final_delay, 0.5), 3),
        "final_label_p90_s": round(_q(final_delay, 0.9), 3),
        "final_label_max_s": round(max(final_delay, default=float("nan")), 3),
        "live_der": round(der(ref, hyp, seconds)["der"], 4),
        "last_look_der": round(der(ref, look_hyp, seconds)["der"], 4),
        "end_der": round(der(ref, end_hyp, seconds)["der"], 4),
        "speakers_true": len({t.speaker for t in scene.turns}),
        "speakers_live": len({spk for _, spk in final.values()}),
        "speakers_last_look": len(set(looked.values())),
        "speakers_end": len({spk for *_, spk in end_hyp}),
        "cpu_share": round(lab.cpu / seconds, 4),
        "warm_up_cpu_s": round(lab.warm_cpu, 2),
        "last_look_cpu_share": round(look_cpu / seconds, 4),
    }


def _q(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def transcript_latency(scene: speaker_scenes.Scene, labels: bool) -> dict[str, Any]:
    """A real-time session on the scene's audio (the real recognizer): line latency."""
    from loopnote.capture.file import FileInput
    from loopnote.config import Settings
    from loopnote.events import Event, SessionStarted, UtteranceCommitted, UtteranceRelabelled
    from loopnote.session import Session, SessionOptions

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "scene.wav"
        sf.write(wav, scene.audio, RATE)
        settings = Settings(out=str(Path(tmp) / "meetings"), notify=False, speakers=labels)
        session = Session.build([FileInput(wav)], SessionOptions(settings=settings, origin="file"))
        lat: list[float] = []
        relabels = 0
        wall0 = 0.0

        def on_event(e: Event) -> None:
            nonlocal wall0, relabels
            if isinstance(e, SessionStarted):
                wall0 = e.wall
            elif isinstance(e, UtteranceCommitted):
                lat.append(e.wall - wall0 - e.utterance.end)
            elif isinstance(e, UtteranceRelabelled):
                relabels += 1

        c0 = time.process_time()
        session.run(on_event)
        cpu = time.process_time() - c0
    seconds = len(scene.audio) / RATE
    return {
        "labels": labels,
        "lines": len(lat),
        "relabels": relabels,
        "latency_p50_s": round(_q(lat, 0.5), 3),
        "latency_p95_s": round(_q(lat, 0.95), 3),
        "process_cpu_share": round(cpu / seconds, 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=("dev", "held", "both"), default="both")
    ap.add_argument("--quick", action="store_true", help="two scenes per half")
    ap.add_argument("--speed", type=float, default=1.0, help="replay speed (1 = real time)")
    ap.add_argument("--latency", action="store_true", help="also a whole session, labels on/off")
    ap.add_argument("--no-cut", action="store_true", help="lines not cut at speaker changes")
    ap.add_argument("--lines", choices=("joined", "turns"), default="joined")
    ap.add_argument(
        "--whole",
        choices=("ecapa", "live"),
        default="ecapa",
        help="the last look's model: ECAPA (the product's, when installed) or the live one",
    )
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not speaker_scenes.available():
        print(
            "speaker scenes need asterisk-core-sounds-* and pocketsphinx-testdata", file=sys.stderr
        )
        return 2
    embedder = load_embedder()
    whole_model = None
    if args.whole == "ecapa":
        try:  # loaded once here: the product loads it once per meeting, at the last look
            whole_model = load_embedder(kind="ecapa")
        except ModelNotAvailable as e:  # the live model takes the last look, as in the product
            print(f"no ECAPA for the last look: {e}", flush=True)
    print(f"last look: {whole_model.name if whole_model else embedder.name}", flush=True)
    segmenter = None if args.no_cut else SegmentationModel.load()
    t0 = time.monotonic()
    UtteranceLabeller(embedder).warm_up()  # a session does this as it starts
    report: dict[str, Any] = {
        "cold_start_s": round(time.monotonic() - t0, 2),
        "lines": args.lines,
        "cut": not args.no_cut,
    }
    print(f"the model's first call (libraries loading): {report['cold_start_s']} s", flush=True)
    parts = ["dev", "held"] if args.part == "both" else [args.part]
    for part in parts:
        scenes = speaker_scenes.scenes(part)
        if args.quick:
            scenes = scenes[:: max(1, len(scenes) // 2)][:2]
        rows = []
        for scene in scenes:
            row = label_scene(
                scene,
                embedder,
                args.speed,
                segmenter,
                args.lines == "joined",
                whole=(lambda: whole_model) if whole_model else None,
            )
            print(json.dumps(row), flush=True)
            rows.append(row)
        summary = {
            key: round(statistics.fmean(r[key] for r in rows), 4)
            for key in (
                "first_label_p50_s",
                "final_label_p50_s",
                "final_label_p90_s",
                "live_der",
                "last_look_der",
                "end_der",
                "cpu_share",
                "last_look_cpu_share",
            )
        }
        summary["final_label_max_s"] = max(r["final_label_max_s"] for r in rows)
        for key in ("unlabelled", "lines", "lines_two_speakers", "lines_cut"):
            summary[key] = sum(r[key] for r in rows)
        for key in ("live", "last_look", "end"):
            summary[f"count_right_{key}"] = sum(
                r[f"speakers_{key}"] == r["speakers_true"] for r in rows
            ) / len(rows)
        report[part] = {"summary": summary, "scenes": rows}
        print(f"{part}: {summary}", flush=True)
    if args.latency:
        scene = speaker_scenes.scenes(parts[-1])[0]
        report["latency"] = [transcript_latency(scene, on) for on in (False, True)]
        for row in report["latency"]:
            print(f"session on {scene.name}: {row}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
