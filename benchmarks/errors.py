"""Word errors against a reference, located by where they fall in the reference utterance.

``normalize(text)``       the form both sides are scored in (lower case, numbers spelled out,
                          punctuation and hyphens to spaces, a few abbreviations spelled out)
``locate(segments, hyp)`` per reference word: its position in its utterance (``first``,
                          ``last``, ``inside``) and what the hypothesis did there (``ok``,
                          ``sub``, ``del``), plus the insertions before it
``Breakdown``             errors one transcript makes where another is right, counted by
                          position and type: the streaming-only errors of the benchmark

An insertion is counted at the reference word it precedes; one before the first word of an
utterance is ``between`` utterances (the tail of one or the head of the next).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import jiwer

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
_ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint"}
POSITIONS = ("first", "inside", "last", "between")
TYPES = ("sub", "del", "ins")


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
    words = t.replace(" '", " ").replace("' ", " ").split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def wer(refs: Sequence[str], hyps: Sequence[str]) -> float:
    return float(jiwer.wer([normalize(r) for r in refs], [normalize(h) for h in hyps]))


@dataclass
class Located:
    position: list[str] = field(default_factory=list)  # per reference word
    outcome: list[str] = field(default_factory=list)  # "ok" | "sub" | "del"
    inserted: list[int] = field(default_factory=list)  # before each word (one extra at end)


def locate(
    segments: Sequence[str], hypothesis: str, norm: Callable[[str], str] = normalize
) -> Located:
    """``norm`` is the scoring form (English's ``normalize`` unless another language's)."""
    out = Located()
    ref: list[str] = []
    for text in segments:
        words = norm(text).split()
        for i, w in enumerate(words):
            ref.append(w)
            out.position.append("first" if i == 0 else "last" if i == len(words) - 1 else "inside")
    out.outcome = ["ok"] * len(ref)
    out.inserted = [0] * (len(ref) + 1)
    hyp = norm(hypothesis)
    if not ref:
        return out
    if not hyp:
        out.outcome = ["del"] * len(ref)
        return out
    result = jiwer.process_words(" ".join(ref), hyp)
    for chunk in result.alignments[0]:
        if chunk.type == "insert":
            out.inserted[chunk.ref_start_idx] += chunk.hyp_end_idx - chunk.hyp_start_idx
        elif chunk.type in ("substitute", "delete"):
            kind = "sub" if chunk.type == "substitute" else "del"
            for i in range(chunk.ref_start_idx, chunk.ref_end_idx):
                out.outcome[i] = kind
    return out


@dataclass
class Breakdown:
    """Errors of ``a`` where ``b`` is right (by position and type), over many files."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    words: Counter[str] = field(default_factory=Counter)  # reference words per position

    def add(self, a: Located, b: Located) -> None:
        for i, (pos, mine, theirs) in enumerate(zip(a.position, a.outcome, b.outcome, strict=True)):
            self.words[pos] += 1
            if mine != "ok" and theirs == "ok":
                self.counts[(pos, mine)] += 1
            extra = a.inserted[i] - b.inserted[i]
            if extra > 0:
                self.counts[("between" if pos == "first" else pos, "ins")] += extra
        extra = a.inserted[-1] - b.inserted[-1]
        if extra > 0:
            self.counts[("between", "ins")] += extra

    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        out = [f"    {'position':9s} {'ref words':>9s} " + " ".join(f"{t:>5s}" for t in TYPES)]
        for pos in POSITIONS:
            row = [self.counts[(pos, t)] for t in TYPES]
            words = str(self.words[pos]) if pos != "between" else "-"
            out.append(f"    {pos:9s} {words:>9s} " + " ".join(f"{n:5d}" for n in row))
        return out
