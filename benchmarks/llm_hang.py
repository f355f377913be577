"""Black-box check: a hung LLM endpoint must not delay name alerts or transcript lines.

    python benchmarks/llm_hang.py                 # every name scene, with and without --llm
    python benchmarks/llm_hang.py --scenes 2      # the first two

Each name scene (../shared/corpus/names) is replayed in real time through
``loopnote transcribe SCENE --name PERSON --format jsonl``, once without ``--llm`` and once
with ``--llm`` pointing at an endpoint that accepts connections and never answers. Two
endpoints are tried: one that never answers anything (the startup check times out) and one
that lists its model but never answers a summary request (the worst case: summaries are
really attempted during the meeting). Printed per run: alert latency (alert wall time minus
the wall time of the end of the spoken name, p50 and max) and how late transcript lines are
(line wall time minus the wall time of the end of its audio, p50 and p95).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT / "tests"))

from hung_llm import hung_endpoint  # noqa: E402


def transcribe(
    path: Path, person: str, aliases: list[str], llm: str | None
) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "LOOPNOTE_DATA_DIR": data,
            "LOOPNOTE_CONFIG": str(Path(data) / "none.toml"),
        }
        args = [sys.executable, "-m", "loopnote", "transcribe", str(path), "--format", "jsonl"]
        args += ["--name", person]
        for a in aliases:
            if a != person:
                args += ["--alias", a]
        if llm:
            args += ["--llm", llm, "--llm-model", "m"]
        out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)
        if out.returncode != 0:
            raise SystemExit(f"transcribe failed: {out.stderr.strip()[-400:]}")
        return [json.loads(x) for x in out.stdout.splitlines() if x.strip()]


def measure(events: list[dict[str, Any]], mentions: list[dict[str, Any]]) -> dict[str, Any]:
    wall0 = next(e["wall"] for e in events if e["type"] == "session")
    alerts = [e for e in events if e["type"] == "alert"]
    latencies = []
    for m in mentions:
        near = [a for a in alerts if m["start"] - 1.0 <= a["t"] <= m["end"] + 3.0]
        if near:
            latencies.append(min(a["wall"] for a in near) - wall0 - m["name_end"])
    lines = [e["wall"] - wall0 - e["end"] for e in events if e["type"] == "utterance"]
    end = next(e["wall"] for e in events if e["type"] == "end") - wall0
    return {
        "alerts": len(latencies),
        "mentions": len(mentions),
        "latencies": latencies,
        "lines": lines,
        "llm_warnings": sorted(
            {e["code"] for e in events if e["type"] == "warning" and "llm" in e["code"]}
        ),
        "end": end,
    }


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scenes", type=int, default=0, help="only the first N scenes (0 = all)")
    args = ap.parse_args(argv)
    truth = json.loads((CORPUS / "names" / "truth.json").read_text())
    if args.scenes:
        truth = truth[: args.scenes]
    modes: dict[str, dict[str, list[Any]]] = {}
    for scene in truth:
        path = CORPUS / scene["file"]
        for mode in ("no-llm", "hung-all", "hung-summaries"):
            if mode == "no-llm":
                evs = transcribe(path, scene["person"], scene["aliases"], None)
            else:
                with hung_endpoint(list_models=mode == "hung-summaries") as (url, _):
                    evs = transcribe(path, scene["person"], scene["aliases"], url)
            r = measure(evs, scene["mentions"])
            acc = modes.setdefault(mode, {"lat": [], "lines": [], "found": [], "warn": []})
            acc["lat"] += r["latencies"]
            acc["lines"] += r["lines"]
            acc["found"].append((r["alerts"], r["mentions"]))
            acc["warn"] += r["llm_warnings"]
            print(
                f"{scene['file']:32s} {mode:15s} alerts {r['alerts']}/{r['mentions']} "
                f"latency p50 {pct(r['latencies'], 0.5):.2f}s  lines late p50 "
                f"{pct(r['lines'], 0.5):.2f}s p95 {pct(r['lines'], 0.95):.2f}s  "
                f"end at {r['end']:.1f}s (audio {scene['duration_s']:.1f}s) "
                f"{' '.join(r['llm_warnings'])}",
                flush=True,
            )
    print()
    for mode, acc in modes.items():
        found = sum(a for a, _ in acc["found"])
        total = sum(m for _, m in acc["found"])
        print(
            f"{mode:15s} alerts {found}/{total}  alert latency p50 {pct(acc['lat'], 0.5):.2f}s "
            f"max {max(acc['lat'], default=float('nan')):.2f}s  transcript lines late p50 "
            f"{pct(acc['lines'], 0.5):.2f}s p95 {pct(acc['lines'], 0.95):.2f}s  "
            f"warnings {sorted(set(acc['warn']))}"
        )
    with contextlib.suppress(OSError):
        print(f"load average at the end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
