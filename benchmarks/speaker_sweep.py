"""Clustering thresholds for a speaker embedder, swept on the dev scenes.

    python benchmarks/speaker_sweep.py --embedder ecapa --json sweep.json
    python benchmarks/speaker_sweep.py --embedder ecapa --only join=0.45,0.5 --hop 1.0

The thresholds (``ClusterOptions`` join, merge, merge_ratio, confirm_seconds;
``MinorOptions`` ratio; ``--only`` narrows one to the values given) were
fitted for GE2E's similarities; another embedder's similarities have another scale. Each
dev scene's speech regions, voice-change cuts, windows, cannot-links and embeddings are
computed once, as ``diarize`` does; then every combination of the grid is clustered and
scored (DER and speaker count as ``speakers.py``). Dev scenes only: held-out and fresh
scenes are for checking the choice once, with ``speakers.py --part held / fresh``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import speaker_scenes
from speakers import der

from loopnote.speakers import (
    DiarizeOptions,
    MinorOptions,
    SegmentationModel,
    load_embedder,
)
from loopnote.speakers.diarize import cluster_windows, embed_speech, options_for
from loopnote.speakers.embed import EMBEDDERS

GRID = {
    "ge2e": {
        "join": (0.3, 0.35, 0.4, 0.45, 0.5),
        "merge": (0.6, 0.7, 0.8),
        "merge_ratio": (0.5, 0.6, 0.7, 0.0),
        "minor": (0.3, 0.4, 0.5),
        "confirm_seconds": (6.0,),
    },
    # a first pass (join 0.15-0.45, merge 0.4-0.7, ratio 0.4-0.7, minor 0.2-0.5) was best
    # at its upper edges; this grid goes past them
    "ecapa": {
        "join": (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6),
        "merge": (0.5, 0.6, 0.7, 0.8),
        "merge_ratio": (0.5, 0.6, 0.7, 0.8, 0.0),
        "minor": (0.3, 0.4, 0.5),
        "confirm_seconds": (6.0,),
    },
}
OPTIONAL = {"merge_ratio"}


def prepare(embedder: Any, segmenter: SegmentationModel, opts: DiarizeOptions) -> list[Any]:
    """Per dev scene: what ``diarize`` computes before clustering (``embed_speech``)."""
    out = []
    for scene in speaker_scenes.scenes("dev"):
        speech = embed_speech(scene.audio, embedder, opts, segmenter=segmenter)
        ref = [(t.start, t.end, t.speaker) for t in scene.turns]
        out.append((scene.name, len(scene.audio) / speaker_scenes.RATE, ref, speech))
    return out


def score(prepared: list[Any], opts: DiarizeOptions) -> dict[str, Any]:
    rows = []
    for name, length, ref, w in prepared:
        result = cluster_windows(w.spans, w.embeddings, w.regions, opts, w.cannot)
        hyp = [(t.start, t.end, t.speaker) for t in result.turns]
        d = der(ref, hyp, length)
        rows.append(
            (name, d["der"], d["scored_seconds"], len({s for *_, s in ref}), len(result.speakers))
        )
    scored = sum(r[2] for r in rows)
    return {
        "der": round(sum(r[1] * r[2] for r in rows) / scored, 4),
        "der_mean": round(float(np.mean([r[1] for r in rows])), 4),
        "count_right": int(sum(r[3] == r[4] for r in rows)),
        "scenes": len(rows),
        "failures": [f"{r[0]} {r[4]}/{r[3]}" for r in rows if r[3] != r[4]],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--embedder", choices=EMBEDDERS, default="ge2e")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--window", type=float, help="window length in seconds (default: tuned)")
    ap.add_argument("--hop", type=float, help="window hop in seconds (default: tuned)")
    ap.add_argument(
        "--only",
        action="append",
        metavar="KEY=V,V",
        help="sweep only these values of one threshold (e.g. join=0.45,0.5)",
    )
    args = ap.parse_args()
    embedder = load_embedder(kind=args.embedder)
    base = options_for(embedder)
    base = replace(base, window=args.window or base.window, hop=args.hop or base.hop)
    t0 = time.process_time()
    prepared = prepare(embedder, SegmentationModel.load(), base)
    print(
        f"prepared {len(prepared)} dev scenes in {time.process_time() - t0:.0f} CPU s", flush=True
    )
    grid = dict(GRID[args.embedder])
    for name in args.only or ():
        key, _, values = name.partition("=")
        if key not in grid:
            ap.error(f"--only {name}: one of {', '.join(grid)}")
        grid[key] = tuple(float(v) for v in values.split(","))
    results = []
    for values in itertools.product(*grid.values()):
        point = dict(zip(grid, values, strict=True))
        # 0 stands for "off" where a threshold may be None
        cluster = replace(
            base.cluster,
            **{k: (v or None) if k in OPTIONAL else v for k, v in point.items() if k != "minor"},
        )
        opts = replace(base, cluster=cluster, minor=MinorOptions(ratio=point["minor"]))
        r = {**point, **score(prepared, opts)}
        results.append(r)
        print(json.dumps(r), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
