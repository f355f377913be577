"""Subtitle cues from utterances: timed by word, at most 2 lines of 42 characters each.

``SubtitleOptions``  line width, lines per cue, longest cue, shortest display time
``Cue``              one subtitle: start, end, lines
``make_cues``        utterances -> cues (long utterances split at word times)
``to_srt``/``to_vtt``  cues -> SubRip / WebVTT text
``timestamp``        seconds -> "hh:mm:ss,mmm" (SRT) or "hh:mm:ss.mmm" (VTT)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from loopnote.store.notes import speaker_label
from loopnote.types import Utterance, Word


@dataclass(frozen=True)
class SubtitleOptions:
    width: int = 42  # characters per line (broadcast guideline)
    lines: int = 2  # lines per cue
    max_seconds: float = 7.0  # a longer stretch is split into more cues
    min_seconds: float = 0.5  # a cue stays at least this long on screen
    label: bool | None = None  # prefix "Them:"/"You:"; None = only if both sources speak


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]


def timestamp(t: float, sep: str = ",") -> str:
    ms = max(0, round(t * 1000))
    return (
        f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"
    )


def _norm(text: str) -> str:
    return re.sub(r"\W+", "", text).lower()


def _timed_words(u: Utterance, width: int) -> list[Word]:
    """The utterance's words with times; spread over the utterance if it has none (or they
    do not spell its text), and with any word longer than a line cut into pieces."""
    words = [Word(w.text.strip(), w.start, w.end, w.p) for w in u.words if w.text.strip()]
    if not words or _norm(" ".join(w.text for w in words)) != _norm(u.text):
        tokens = u.text.split()
        total = sum(len(t) + 1 for t in tokens) or 1
        span = max(u.end - u.start, 0.0)
        words, pos = [], 0
        for tok in tokens:
            a = u.start + span * pos / total
            pos += len(tok) + 1
            words.append(Word(tok, a, u.start + span * (pos - 1) / total))
    out: list[Word] = []
    for w in words:
        if len(w.text) <= width:
            out.append(w)
            continue
        pieces = [w.text[i : i + width] for i in range(0, len(w.text), width)]
        step = (w.end - w.start) / len(pieces)
        out.extend(
            Word(p, w.start + i * step, w.start + (i + 1) * step, w.p) for i, p in enumerate(pieces)
        )
    return out


def wrap(tokens: Sequence[str], width: int, lines: int) -> tuple[str, ...] | None:
    """The most balanced way to put ``tokens`` on at most ``lines`` lines, or None."""
    text = " ".join(tokens)
    if len(text) <= width:
        return (text,)
    if lines < 2 or len(tokens) < 2:
        return None
    best: tuple[str, ...] | None = None
    best_len = width + 1
    for i in range(1, len(tokens)):
        first = " ".join(tokens[:i])
        if len(first) > width:
            break
        rest = wrap(tokens[i:], width, lines - 1)
        if rest is None:
            continue
        longest = max(len(first), *(len(r) for r in rest))
        if longest < best_len:
            best, best_len = (first, *rest), longest
    return best


def _utterance_cues(u: Utterance, prefix: str, o: SubtitleOptions) -> list[Cue]:
    words = _timed_words(u, o.width)
    cues: list[Cue] = []
    cur: list[Word] = []

    def flush() -> None:
        if cur:
            tokens = ([prefix] if prefix else []) + [w.text for w in cur]
            lines = wrap(tokens, o.width, o.lines)
            if lines is None:  # only when the prefix itself crowds a lone long word out
                lines = wrap([w.text for w in cur], o.width, o.lines) or (cur[0].text,)
            cues.append(Cue(cur[0].start, max(cur[-1].end, cur[0].start), lines))
            cur.clear()

    for w in words:
        if cur:
            tokens = ([prefix] if prefix else []) + [x.text for x in cur] + [w.text]
            too_long = w.end - cur[0].start > o.max_seconds
            sentence_end = cur[-1].text[-1] in ".?!" and len(" ".join(tokens)) > o.width
            if too_long or sentence_end or wrap(tokens, o.width, o.lines) is None:
                flush()
        cur.append(w)
    flush()
    return cues


def make_cues(
    utterances: Sequence[Utterance],
    options: SubtitleOptions | None = None,
) -> list[Cue]:
    """Cues in start order. Every cue fits ``width`` x ``lines`` and ends after it starts."""
    o = options or SubtitleOptions()
    label = o.label
    if label is None:
        label = len({speaker_label(u) for u in utterances if u.text.strip()}) > 1
    cues: list[Cue] = []
    for u in sorted(utterances, key=lambda u: (u.start, u.end)):
        if u.text.strip():
            cues.extend(_utterance_cues(u, f"{speaker_label(u)}:" if label else "", o))
    cues.sort(key=lambda c: (c.start, c.end))
    out: list[Cue] = []
    for i, c in enumerate(cues):
        end = max(c.end, c.start + o.min_seconds)
        if i + 1 < len(cues) and end > cues[i + 1].start >= c.end:
            end = cues[i + 1].start  # lengthen a short cue only up to the next one
        out.append(Cue(c.start, max(end, c.start + 0.01), c.lines))
    return out


def to_srt(cues: Sequence[Cue]) -> str:
    blocks = [
        f"{i}\n{timestamp(c.start)} --> {timestamp(c.end)}\n" + "\n".join(c.lines)
        for i, c in enumerate(cues, 1)
    ]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue]) -> str:
    blocks = ["WEBVTT"]
    for i, c in enumerate(cues, 1):
        blocks.append(
            f"{i}\n{timestamp(c.start, '.')} --> {timestamp(c.end, '.')}\n"
            + "\n".join(_vtt_escape(line) for line in c.lines)
        )
    return "\n\n".join(blocks) + "\n"
