"""Word error rate per language on real speech: the live (streaming) recognizer and the
settled transcript against the same model offline, on the Asterisk prompts of the Debian packages
``asterisk-core-sounds-{es,fr,it,ru}`` (telephone recordings, one voice per language; the
texts ship in each package's ``core-sounds-XX.txt.gz``).

    python benchmarks/languages.py                       # base, 30 + 20 prompts a language
    python benchmarks/languages.py --langs fr ru --dev 30 --held-out 12 --worst 5

Prompts are checked before use (see ``check_prompt``): notes in brackets or parentheses are
not spoken and are taken out ("[ascending tones]", "(You are now muted.)"); a line without
audio or text left, a line of fewer than ``MIN_WORDS`` words, letters spelled out, a line that
holds another prompt's entry (two lines merged), and a line whose text cannot be what the
recording says (characters per second of speech outside what anybody speaks) are left out;
the script prints how many of each. Known misspellings of the texts are corrected
(``_SPELLING``). Texts that differ from what the voice says in other ways stay: they count
against live and offline alike. A quarter of the prompts (by a hash of their name, so the
split never depends on results) is held out: tune on ``dev``, report ``held-out`` apart.

For each language and split the chosen prompts are joined into one recording with pauses of
0.7-1.5 s (a meeting's turn-taking), replayed through the live recognizer as fast as it goes
(the transcript is the same as in real time: passes are scheduled by audio time), and
transcribed offline by the same model in one go. The settled transcript is the live one
settled by the code a meeting runs (``settled.settle``: ``settling.LiveSettler``, read back
through ``store.settled.apply_settled``), with the same model; targets: live <= 1.3x and
settled <= 1.05x offline. WER is over the whole recording; both sides
are normalized alike (case, punctuation, diacritics, "ё", digits 0-10 as words). The script
also says which language ``--language auto`` settles on from the first prompts.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import time
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

import av
import jiwer
import numpy as np
import soxr
from errors import Breakdown, locate
from settled import live_utterances, settle

from loopnote.asr import EngineRequest, RecognizerOptions, load_engine, transcribe_offline
from loopnote.asr.engine import Engine
from loopnote.asr.languages import LanguageLock
from loopnote.types import FloatArray, Word

SR = 16_000
LANGS = ("es", "fr", "it", "ru")
SOUNDS = Path("/usr/share/asterisk/sounds")
DOCS = Path("/usr/share/doc")
MIN_WORDS = 3
CHARS_PER_SECOND = (5.0, 22.0)  # letters per second of speech any reader stays within
HELD_OUT_EVERY = 4  # one prompt in four is held out
SPLITS = ("dev", "held-out")

_DIGITS = {
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve diez",
    "fr": "zéro un deux trois quatre cinq six sept huit neuf dix",
    "it": "zero uno due tre quattro cinque sei sette otto nove dieci",
    "ru": "ноль один два три четыре пять шесть семь восемь девять десять",
}


# -- prompts ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prompt:
    name: str
    text: str
    audio: FloatArray  # 16 kHz mono

    @property
    def held_out(self) -> bool:
        return zlib.crc32(self.name.encode()) % HELD_OUT_EVERY == 0


def read_texts(lang: str) -> dict[str, str]:
    path = DOCS / f"asterisk-core-sounds-{lang}" / f"core-sounds-{lang}.txt.gz"
    if not path.is_file():
        raise SystemExit(f"{path} missing: apt-get install asterisk-core-sounds-{lang}")
    out: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8-sig") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith(";") or ":" not in line:
                continue
            name, text = line.split(":", 1)
            out[name.strip()] = text.strip()
    return out


def read_audio(path: Path) -> FloatArray | None:
    """The recording at 16 kHz, or None when it is empty or unreadable."""
    try:
        with av.open(str(path)) as c:
            stream = c.streams.audio[0]
            rate = stream.rate
            x = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(stream)])
    except (av.error.FFmpegError, ValueError):
        return None
    audio = x.astype(np.float32) / (32768.0 if x.dtype == np.int16 else 1.0)
    return np.asarray(soxr.resample(audio, rate, SR), dtype=np.float32)


def speech_seconds(audio: FloatArray) -> float:
    """Seconds between the first and last 20 ms frame above the recording's noise floor."""
    frames = audio[: audio.size // 320 * 320].reshape(-1, 320)
    level = 20 * np.log10(np.sqrt((frames**2).mean(axis=1)) + 1e-9)
    loud = np.flatnonzero(level > max(level.max() - 35.0, -60.0))
    return 0.0 if loud.size == 0 else (loud[-1] - loud[0] + 1) * 0.02


# Misspellings in the packages' texts (the recording says the word spelled right)
_SPELLING = {"ru": {"Что бы": "Чтобы", "Что-бы": "Чтобы"}}


def spoken(text: str, lang: str = "") -> str:
    """The line without its notes ("(voce alternativa ...)", "(You are now muted.)"), its
    known misspellings corrected."""
    for wrong, right in _SPELLING.get(lang, {}).items():
        text = text.replace(wrong, right)
    return " ".join(re.sub(r"\([^)]*\)|\[[^]]*\]", " ", text).split())


def check_prompt(name: str, text: str, audio: FloatArray | None, names: set[str]) -> str:
    """Why a line cannot serve as a reference ("" when it can)."""
    if audio is None:
        return "no audio"
    text = spoken(text)
    if not text:
        return "not speech"
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    if len(words) < MIN_WORDS:
        return "too short"
    if sum(len(w) == 1 for w in words) * 2 > len(words):
        return "spelled letters"  # "M I S D N": written as one acronym, never as letters
    if any(re.search(rf"(^|\s){re.escape(n)}:", text) for n in names if "/" in n or "-" in n):
        return "merged with another line"
    letters = sum(c.isalpha() for c in text)
    rate = letters / max(speech_seconds(audio), 0.1)
    if not CHARS_PER_SECOND[0] <= rate <= CHARS_PER_SECOND[1]:
        return "text does not fit the recording"
    return ""


def load_prompts(lang: str) -> tuple[list[Prompt], dict[str, int]]:
    texts = read_texts(lang)
    names = set(texts)
    kept: list[Prompt] = []
    dropped: dict[str, int] = {}
    for name, text in sorted(texts.items()):
        path = SOUNDS / lang / f"{name}.gsm"
        audio = read_audio(path) if path.is_file() else None
        why = check_prompt(name, text, audio, names)
        if why:
            dropped[why] = dropped.get(why, 0) + 1
        else:
            assert audio is not None
            kept.append(Prompt(name, spoken(text, lang), audio))
    return kept, dropped


def pick(prompts: list[Prompt], count: int) -> list[Prompt]:
    """``count`` prompts spread over the set (by name hash: no choice by result)."""
    ordered = sorted(prompts, key=lambda p: zlib.crc32(p.name.encode() + b"pick"))
    return ordered[:count]


def join(prompts: list[Prompt]) -> tuple[FloatArray, list[tuple[float, float]]]:
    """One recording: the prompts with pauses of 0.7-1.5 s; and each prompt's span."""
    rng = np.random.default_rng(7)
    parts: list[FloatArray] = [np.zeros(SR // 2, np.float32)]
    spans: list[tuple[float, float]] = []
    t = 0.5
    for p in prompts:
        parts.append(p.audio)
        spans.append((t, t + p.audio.size / SR))
        t += p.audio.size / SR
        pause = float(rng.uniform(0.7, 1.5))
        parts.append(np.zeros(int(pause * SR), np.float32))
        t += int(pause * SR) / SR
    return np.concatenate(parts), spans


# -- scoring ---------------------------------------------------------------------------------
def normalize(text: str, lang: str) -> str:
    t = unicodedata.normalize("NFKD", text.lower().replace("ё", "е"))
    t = "".join(c for c in t if not unicodedata.combining(c))
    digits = unicodedata.normalize("NFKD", _DIGITS[lang])
    words = "".join(c for c in digits if not unicodedata.combining(c)).split()
    t = re.sub(r"\b(10|\d)\b", lambda m: f" {words[int(m.group())]} ", t)
    t = re.sub(r"[^\w\s]|_", " ", t)
    return " ".join(t.split())


def wer(reference: str, hypothesis: str, lang: str) -> float:
    ref = normalize(reference, lang)
    return float(jiwer.wer(ref, normalize(hypothesis, lang) or "<empty>"))


def words_in(words: list[Word], span: tuple[float, float]) -> str:
    a, b = span
    return " ".join(w.text for w in words if a - 0.3 <= (w.start + w.end) / 2 <= b + 0.3)


# -- runs ------------------------------------------------------------------------------------
@dataclass
class Run:
    words: list[Word]
    wall: float
    cpu: float


@dataclass
class Live(Run):
    settled: str = ""  # the live transcript settled, as a reader sees it
    settle_cpu: float = 0.0


def live(
    engine: Engine, audio: FloatArray, options: RecognizerOptions, *, settled: bool = True
) -> Live:
    """The live transcript, and the same settled by the meeting's settling code."""
    cpu0, wall0 = time.process_time(), time.monotonic()
    utts = live_utterances(engine, audio, options)
    words = [w for u in utts for w in u.words]
    run = Live(words, time.monotonic() - wall0, time.process_time() - cpu0)
    if settled:
        run.settled, run.settle_cpu = settle(engine, utts, audio, options)
    return run


def offline(engine: Engine, audio: FloatArray, options: RecognizerOptions) -> Run:
    cpu0, wall0 = time.process_time(), time.monotonic()
    words = transcribe_offline(engine, audio, options)
    return Run(words, time.monotonic() - wall0, time.process_time() - cpu0)


def streaming_only(
    prompts: list[Prompt], spans: list[tuple[float, float]], on: Run, off: Run, lang: str
) -> Breakdown:
    """Live errors where offline is right, by position in the prompt and type."""
    only = Breakdown()
    refs = [p.text for p in prompts]

    def norm(text: str) -> str:
        return normalize(text, lang)

    live_hyp = " ".join(words_in(on.words, s) for s in spans)
    off_hyp = " ".join(words_in(off.words, s) for s in spans)
    only.add(locate(refs, live_hyp, norm), locate(refs, off_hyp, norm))
    return only


def detect(engine: Engine, prompts: list[Prompt]) -> str:
    """The language ``--language auto`` settles on when these prompts are the first speech
    (each a stretch of speech that ends), and after how many of them."""
    lock = LanguageLock(engine)
    for n, prompt in enumerate(prompts, 1):
        lock.transcribe(prompt.audio, EngineRequest(language=None, final=True, wide_window=True))
        if lock.detected is not None:
            found = lock.detected
            return f"{found.language} ({found.probability:.2f}) after {n} prompt(s)"
    return "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="base")
    ap.add_argument("--langs", nargs="+", default=list(LANGS), choices=LANGS)
    ap.add_argument("--dev", type=int, default=30, help="dev prompts per language")
    ap.add_argument("--held-out", type=int, default=20, help="held-out prompts per language")
    ap.add_argument("--worst", type=int, default=0, help="print the N prompts live gets most wrong")
    ap.add_argument("--splits", nargs="+", default=["dev", "held-out"], choices=SPLITS)
    ap.add_argument(
        "--min-seconds", type=float, default=0.0, help="only prompts at least this long"
    )
    ap.add_argument("--no-settled", action="store_true", help="live and offline only")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    engine = load_engine(args.model)
    print(f"model {engine.name}; load {os.getloadavg()[0]:.1f} (shared machine)")
    rows = []
    for lang in args.langs:
        prompts, dropped = load_prompts(lang)
        prompts = [p for p in prompts if p.audio.size >= args.min_seconds * SR]
        dev = pick([p for p in prompts if not p.held_out], args.dev)
        held = pick([p for p in prompts if p.held_out], args.held_out)
        left_out = ", ".join(f"{n} {why}" for why, n in sorted(dropped.items()))
        print(f"\n{lang}: {len(prompts)} usable prompts ({left_out} left out)")
        print(f"  --language auto from the first prompts: {detect(engine, dev)}")
        options = RecognizerOptions(model=args.model, language=lang)
        for split, chosen in (("dev", dev), ("held-out", held)):
            if not chosen or split not in args.splits:
                continue
            audio, spans = join(chosen)
            reference = " ".join(p.text for p in chosen)
            on = live(engine, audio, options, settled=not args.no_settled)
            off = offline(engine, audio, options)
            w_live = wer(reference, " ".join(w.text for w in on.words), lang)
            w_off = wer(reference, " ".join(w.text for w in off.words), lang)
            w_set = None if args.no_settled else wer(reference, on.settled, lang)
            seconds = audio.size / SR
            row = {
                "lang": lang,
                "split": split,
                "prompts": len(chosen),
                "seconds": round(seconds, 1),
                "wer_live": round(w_live, 4),
                "wer_settled": None if w_set is None else round(w_set, 4),
                "wer_offline": round(w_off, 4),
                "ratio": round(w_live / w_off, 2) if w_off else None,
                "settled_ratio": round(w_set / w_off, 2) if w_off and w_set is not None else None,
                "live_rtf_cpu": round(on.cpu / seconds, 3),
                "settle_rtf_cpu": round(on.settle_cpu / seconds, 3),
                "offline_rtf_cpu": round(off.cpu / seconds, 3),
            }
            rows.append(row)
            ratio = f"{w_live / w_off:.2f}x" if w_off else "-"
            s_ratio = f"{w_set / w_off:.2f}x" if w_off and w_set is not None else "-"
            settled = "     -" if w_set is None else f"{w_set:6.1%}"  # --no-settled
            print(
                f"  {split:<8} {len(chosen):>3} prompts {seconds:6.1f} s  WER live {w_live:6.1%}"
                f"  settled {settled}  offline {w_off:6.1%}  live/offline {ratio:>6}"
                f"  settled/offline {s_ratio:>6}\n    CPU per audio s: live "
                f"{on.cpu / seconds:.2f}, settling {on.settle_cpu / seconds:.2f}, "
                f"offline {off.cpu / seconds:.2f}"
            )
            only = streaming_only(chosen, spans, on, off, lang)
            row["streaming_only_errors"] = only.total()
            print(f"    streaming-only errors (offline right there): {only.total()}")
            print("\n".join(only.lines()))
            if args.worst and split == "dev":  # held-out is only scored, never studied
                scored = sorted(
                    (
                        (
                            wer(p.text, words_in(on.words, span), lang)
                            - wer(p.text, words_in(off.words, span), lang),
                            p,
                            span,
                        )
                        for p, span in zip(chosen, spans, strict=True)
                    ),
                    key=lambda x: -x[0],
                )
                for w, p, span in scored[: args.worst]:
                    print(f"    {w:+5.0%} {p.name}: {p.text!r}")
                    print(f"          offline: {words_in(off.words, span)!r}")
                    print(f"          live:    {words_in(on.words, span)!r}")
    print(f"\nload {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
