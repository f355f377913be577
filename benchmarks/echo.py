"""Speaker-bleed benchmark: remote lines repeated as "you", near-end lines kept, CPU added.

    python benchmarks/echo.py                 # all scenarios (10 min of audio)
    python benchmarks/echo.py --quick         # two scenarios
    python benchmarks/echo.py --ablation      # also: dedup only, canceller only
    python benchmarks/echo.py --json out.json

Method (offline simulation through the real recognizer). Each scenario takes 60 s of the
corpus' two long prompt recordings (all of them, in ten scenes; one female voice, reference
segments known) as the remote side. The microphone hears it delayed (20-150 ms, some
scenarios drifting 100 ppm), 3 dB quieter, plus white noise 30 dB under the echo, and in
six scenarios a different near-end voice (the corpus' LibriVox reading or its two-speaker
sample) at the level of the echo, talking over the remote side most of the time (double
talk). The system track goes through the streaming recognizer as is; the microphone track
through ``BleedCanceller`` (reference pushed ahead, as the live reference feeder does) and
the streaming recognizer; all committed utterances then pass ``CrossSourceDedup`` in commit
order (by end time).

- duplicated remote utterances: a remote reference segment counts as duplicated when the kept
  mic utterances overlapping it (its span shifted by the delay, +-3 s: streaming Whisper's
  times are often that far off) contain at least half of its words (and at least two), words
  the near-end voice said there excepted.
- near-end kept: the near-end track alone (same noise, no echo) is recognized the same way;
  each of its utterances of two words or more counts as kept when at least 60 % of its words
  come back in the kept mic utterances overlapping it (+-3 s). This also counts what the
  recognizer garbles in double talk; the user's lines the de-duplication dropped as bleed are
  counted apart (``near_dropped_by_dedup``).
- CPU: process time of ``push_reference`` + ``process`` per second of audio (% of one core).
- signal (diagnostic, not scored): the near-end's segmental SNR in double talk against the
  oracle (the near-end voice and noise alone), and the echo reduction where the remote side
  talks alone; they show whether a lost line was lost in the canceller or in recognition.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from rapidfuzz import fuzz

from loopnote.asr import StreamingRecognizer, load_engine
from loopnote.asr.dedup import CrossSourceDedup, normalize
from loopnote.audio.echo import RATE, BleedCanceller
from loopnote.types import FloatArray, Source, Utterance

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CHUNK = 480  # 30 ms, the size of a capture chunk after conversion
SLACK = 3.0  # seconds: Whisper's word times are often 1-3 s off in streaming passes


@dataclass(frozen=True)
class Scenario:
    name: str
    long_file: str
    offset: float  # seconds into the long file
    delay: float  # seconds the mic hears the speakers late
    drift_ppm: float
    near: str | None  # corpus clip of the near-end voice
    near_at: float = 8.0
    seconds: float = 60.0


MOON, PYAN = "moonshine__two_cities.flac", "diarization__pyannote_sample.flac"
# the two long recordings cut into 60 s scenes: delays 20-150 ms, some drifting, six with the
# user talking over the remote side (near_at: when the user starts)
SCENARIOS = (
    Scenario("20ms-bleed-only", "shared_long_01", 0.0, 0.020, 0.0, None),
    Scenario("150ms-doubletalk", "shared_long_01", 60.0, 0.150, 0.0, MOON),
    Scenario("60ms-drift-doubletalk", "shared_long_01", 120.0, 0.060, 100.0, PYAN),
    Scenario("90ms-drift-bleed-only", "shared_long_01", 180.0, 0.090, 100.0, None),
    Scenario("30ms-doubletalk", "shared_long_01", 240.0, 0.030, 0.0, PYAN, near_at=20.0),
    Scenario("100ms-bleed-only", "shared_long_02", 0.0, 0.100, 0.0, None),
    Scenario("40ms-doubletalk", "shared_long_02", 60.0, 0.040, 0.0, MOON, near_at=2.0),
    Scenario("120ms-drift-bleed-only", "shared_long_02", 120.0, 0.120, -100.0, None),
    Scenario("70ms-drift-doubletalk", "shared_long_02", 180.0, 0.070, -100.0, MOON, near_at=12.0),
    Scenario("140ms-doubletalk", "shared_long_02", 240.0, 0.140, 0.0, PYAN, near_at=4.0),
)


def _read(path: Path) -> FloatArray:
    x, rate = sf.read(str(path), dtype="float32")
    assert rate == RATE, path
    return np.asarray(x if x.ndim == 1 else x.mean(axis=1), np.float32)


def _active_rms(x: FloatArray) -> float:
    frames = x[: x.shape[0] // 320 * 320].reshape(-1, 320)
    e = np.sqrt(np.mean(frames**2, axis=1))
    on = e[e > 0.1 * e.max()]
    return float(np.sqrt(np.mean(on**2))) if on.size else 1e-9


def build(s: Scenario, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    full = _read(CORPUS / "long" / f"{s.long_file}.flac")
    a, n = round(s.offset * RATE), round(s.seconds * RATE)
    far = full[a : a + n]
    segs = [
        g
        for g in json.loads((CORPUS / "long" / f"{s.long_file}.segments.json").read_text())
        if s.offset <= g["start"] and g["end"] <= s.offset + s.seconds
    ]
    segs = [{**g, "start": g["start"] - s.offset, "end": g["end"] - s.offset} for g in segs]
    t = np.arange(n) / RATE
    src = (t - s.delay - s.drift_ppm * 1e-6 * t) * RATE
    echo = (np.interp(src, np.arange(n), far, left=0, right=0) * 10 ** (-3 / 20)).astype(np.float32)
    noise = (rng.standard_normal(n) * _active_rms(echo) * 10 ** (-30 / 20)).astype(np.float32)
    near = np.zeros(n, np.float32)
    if s.near is not None:
        v = _read(CORPUS / "clips" / s.near)
        v = v / _active_rms(v) * _active_rms(echo)
        b = round(s.near_at * RATE)
        m = min(v.shape[0], n - b)
        near[b : b + m] = v[:m]
    return {
        "far": far,
        "mic": echo + noise + near,
        "near_only": near + noise,
        "echo": echo,
        "has_near": s.near is not None,
        "segs": segs,
    }


def recognize(engine: Any, x: FloatArray, source: Source) -> list[Utterance]:
    rec = StreamingRecognizer(engine, source)
    out: list[Utterance] = []
    for i in range(0, x.shape[0], CHUNK):
        out += [u for u in rec.feed(x[i : i + CHUNK], i / RATE) if isinstance(u, Utterance)]
    out += [u for u in rec.finish() if isinstance(u, Utterance)]
    return out


def cancel(far: FloatArray, mic: FloatArray) -> tuple[FloatArray, float, dict[str, Any]]:
    bleed = BleedCanceller()
    out = []
    cpu = 0.0
    ahead = 4 * CHUNK  # the reference feeder runs a little ahead of the mic worker
    c0 = time.process_time()
    bleed.push_reference(far[:ahead], 0.0)
    cpu += time.process_time() - c0
    for i in range(0, mic.shape[0], CHUNK):
        c0 = time.process_time()
        j = i + ahead
        if j < far.shape[0]:
            bleed.push_reference(far[j : j + CHUNK], j / RATE)
        else:
            bleed.end_reference()
        out.append(bleed.process(mic[i : i + CHUNK], i / RATE))
        cpu += time.process_time() - c0
    lat = round(bleed.latency * RATE)
    y = np.concatenate([*out, bleed.drain()])[lat : lat + mic.shape[0]]
    return y, cpu / (mic.shape[0] / RATE), bleed.status().to_dict()


def signal_metrics(data: dict[str, Any], cleaned: FloatArray) -> dict[str, float | None]:
    """What the canceller did to the signal, against the oracle (the near-end voice and the
    noise alone), over 20 ms frames: the near-end's segmental SNR where both sides talk (the
    user's voice against the distortion and residual echo, clipped to -10..35 dB), and where
    only the remote side talks (after the first 5 s) how far the echo went down."""
    oracle, echo = data["near_only"], data["echo"]
    n = oracle.shape[0] // 320 * 320

    def power(x: FloatArray) -> FloatArray:
        p: FloatArray = np.mean(np.square(x[:n], dtype=np.float64).reshape(-1, 320), axis=1)
        return p

    pn, pe, pd = power(oracle), power(echo), power(cleaned[:n] - oracle[:n])
    echo_on = pe > 0.01 * pe.max()
    out: dict[str, float | None] = {"near_segsnr_db": None, "echo_reduction_db": None}
    if data["has_near"]:
        talk = pn > 0.01 * pn.max()
        both = talk & echo_on
        snr = 10 * np.log10((pn[both] + 1e-12) / (pd[both] + 1e-12))
        out["near_segsnr_db"] = round(float(np.mean(np.clip(snr, -10, 35))), 1)
    else:
        late = echo_on & (np.arange(pe.shape[0]) >= 250)  # after 5 s
        po = power(cleaned)
        out["echo_reduction_db"] = round(float(10 * np.log10(pe[late].sum() / po[late].sum())), 1)
    return out


def dedup(
    system: list[Utterance], mic: list[Utterance], on: bool
) -> tuple[list[Utterance], list[Utterance]]:
    """The mic utterances kept, and those dropped as bleed."""
    if not on:
        return mic, []
    d = CrossSourceDedup()
    kept: list[Utterance] = []
    for u in sorted(system + mic, key=lambda u: u.end):
        kept += d.offer(u)
    kept += d.flush()
    return [u for u in kept if u.source == "mic"], d.dropped


def _words_around(us: list[Utterance], lo: float, hi: float) -> list[str]:
    """Words of the utterances overlapping [lo, hi] (utterance spans, not word times: the
    streaming passes' word times are often seconds off inside long utterances)."""
    return [t for u in us if u.start <= hi and u.end >= lo for t in normalize(u.text)]


def _similar(a: str, b: str) -> bool:
    return a == b or fuzz.ratio(a, b) >= 80


def score(
    s: Scenario,
    segs: list[dict[str, Any]],
    kept: list[Utterance],
    near_utts: list[Utterance],
    dropped: list[Utterance] | None = None,
) -> dict[str, Any]:
    duplicated = []
    for g in segs:
        ref = set(normalize(g["text"]))
        lo, hi = g["start"] + s.delay - SLACK, g["end"] + s.delay + SLACK
        said = set(_words_around(near_utts, lo, hi))
        heard = {t for t in _words_around(kept, lo, hi) if not any(_similar(t, n) for n in said)}
        hit = {r for r in ref if any(_similar(r, h) for h in heard)}
        if len(ref) and len(hit) >= max(2, 0.5 * len(ref)):
            duplicated.append(g["text"])
    kept_near, total_near, lost, by_dedup = 0, 0, [], []
    for u in near_utts:
        ws = normalize(u.text)
        if len(ws) < 2:
            continue
        total_near += 1
        heard_set = set(_words_around(kept, u.start - SLACK, u.end + SLACK))
        back = sum(1 for t in ws if any(_similar(t, m) for m in heard_set))
        if back >= 0.6 * len(ws):
            kept_near += 1
        else:
            lost.append(u.text)
        gone = set(_words_around(dropped or [], u.start - SLACK, u.end + SLACK))
        if sum(1 for t in ws if any(_similar(t, m) for m in gone)) >= 0.6 * len(ws):
            by_dedup.append(u.text)
    return {
        "remote": len(segs),
        "duplicated": len(duplicated),
        "duplicated_texts": duplicated,
        "near": total_near,
        "near_kept": kept_near,
        "near_lost_texts": lost,
        "near_dropped_by_dedup": len(by_dedup),
        "near_dropped_texts": by_dedup,
    }


def run(scenarios: tuple[Scenario, ...], variants: list[tuple[str, bool, bool]]) -> dict[str, Any]:
    engine = load_engine("")
    results: dict[str, Any] = {"scenarios": [], "totals": {}}
    totals: dict[str, dict[str, float]] = {}
    cpus = []
    for k, s in enumerate(scenarios):
        data = build(s, k)
        t0 = time.monotonic()
        system = recognize(engine, data["far"], "system")
        near_utts = recognize(engine, data["near_only"], "mic") if s.near else []
        cleaned, cpu, status = cancel(data["far"], data["mic"])
        cpus.append(cpu)
        mic_clean = recognize(engine, cleaned, "mic")
        mic_raw = (
            recognize(engine, data["mic"], "mic") if any(not c for _, c, _ in variants) else []
        )
        row: dict[str, Any] = {
            "scenario": s.name,
            "cpu_percent": round(100 * cpu, 2),
            "status": status,
            **signal_metrics(data, cleaned),
        }
        for name, use_canceller, use_dedup in variants:
            kept, dropped = dedup(system, mic_clean if use_canceller else mic_raw, use_dedup)
            r = score(s, data["segs"], kept, near_utts, dropped)
            row[name] = r
            tot = totals.setdefault(
                name,
                {
                    "remote": 0,
                    "duplicated": 0,
                    "near": 0,
                    "near_kept": 0,
                    "near_dropped_by_dedup": 0,
                },
            )
            for key in tot:
                tot[key] += r[key]
        row["seconds"] = round(time.monotonic() - t0, 1)
        results["scenarios"].append(row)
        print(json.dumps({k: v for k, v in row.items()}, default=str), file=sys.stderr)
    for name, tot in totals.items():
        results["totals"][name] = {
            **tot,
            "duplicated_percent": round(100 * tot["duplicated"] / max(1, tot["remote"]), 2),
            "near_kept_percent": round(100 * tot["near_kept"] / max(1, tot["near"]), 1),
        }
    for key in ("near_segsnr_db", "echo_reduction_db"):
        vals = [r[key] for r in results["scenarios"] if r[key] is not None]
        results[f"mean_{key}"] = round(float(np.mean(vals)), 1) if vals else None
    results["cpu_percent_of_one_core"] = round(100 * float(np.mean(cpus)), 2)
    results["cpu_percent_max"] = round(100 * float(np.max(cpus)), 2)
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="two scenarios only")
    p.add_argument("--ablation", action="store_true", help="also dedup only, canceller only")
    p.add_argument("--json", type=Path, help="write the results here")
    args = p.parse_args(argv)
    if not CORPUS.exists():
        print(f"the corpus is missing: {CORPUS}", file=sys.stderr)
        return 2
    scenarios = SCENARIOS[:2] if args.quick else SCENARIOS
    variants = [("canceller+dedup", True, True)]
    if args.ablation:
        variants += [
            ("dedup-only", False, True),
            ("canceller-only", True, False),
            ("neither", False, False),
        ]
    results = run(scenarios, variants)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)
    for name, tot in results["totals"].items():
        print(
            f"{name}: duplicated remote {tot['duplicated_percent']} % "
            f"({tot['duplicated']}/{tot['remote']}), near-end kept "
            f"{tot['near_kept_percent']} % ({tot['near_kept']}/{tot['near']}), near-end "
            f"lines dropped as bleed {tot['near_dropped_by_dedup']}",
            file=sys.stderr,
        )
    print(
        f"signal: near-end segmental SNR in double talk {results['mean_near_segsnr_db']} dB, "
        f"echo reduction (remote alone) {results['mean_echo_reduction_db']} dB",
        file=sys.stderr,
    )
    print(
        f"CPU: {results['cpu_percent_of_one_core']} % of one core (max "
        f"{results['cpu_percent_max']} %)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
