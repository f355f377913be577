"""Cross-source de-duplication: the second line of defence against speaker bleed.

``DedupOptions``      time window, similarity threshold, how long a mic utterance may wait
``CrossSourceDedup``  pure, single-threaded, fed in commit order:
    ``offer(u) -> list[Utterance]``  an utterance from either source; returns the ones
                                     released now, in order. System utterances are released
                                     at once, never dropped. Mic utterances wait until the
                                     system side has committed past their end (plus
                                     ``margin``), or until ``advance`` shows ``max_hold``
                                     seconds went by; then they are released, or dropped if
                                     their words and timing match what the system source said
    ``advance(t, system_settled)``     session time ``t`` has been processed on both sources,
                                       and the system source will commit nothing more that
                                       ends before ``system_settled``; returns the released
                                       mic utterances
    ``flush() -> list[Utterance]``     the end: decide on everything still held
    ``dropped``                        the mic utterances judged to be bleed

A mic word matches when a system word with a similar spelling (rapidfuzz ratio) lies within
``window`` seconds of it (the speakers reach the mic tens to hundreds of ms late, and the two
recognizers place words differently: Whisper's word times are often a second or two off,
most of all at the ends of segments). A mic utterance is bleed when at least
``min_matched`` of its words match; utterances without word times fall back to the whole
text's similarity against the system text overlapping them in time.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from rapidfuzz import fuzz

from loopnote.types import Utterance

_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class DedupOptions:
    """``window``       seconds between a mic word and the system word it repeats
    ``similarity``      rapidfuzz ratio (0-100) for two words, or two texts, to be the same
    ``min_matched``     share of a mic utterance's words that must match for it to be bleed
    ``margin``          seconds the system side must have committed past a mic utterance
    ``max_hold``        longest a mic utterance waits (processed seconds after its end) when
                        the system side does not settle (its recognition far behind)
    ``keep``            seconds of system utterances kept for matching
    """

    window: float = 2.5
    similarity: float = 75.0
    min_matched: float = 0.6
    margin: float = 0.5
    max_hold: float = 15.0
    keep: float = 60.0


def normalize(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def _words(u: Utterance) -> list[tuple[str, float, float]]:
    out: list[tuple[str, float, float]] = []
    for w in u.words:
        out += [(t, w.start, w.end) for t in normalize(w.text)]
    return out


class CrossSourceDedup:
    def __init__(self, options: DedupOptions | None = None) -> None:
        self.options = options or DedupOptions()
        self._system: deque[Utterance] = deque()
        self._held: deque[Utterance] = deque()
        self._system_end = float("-inf")  # the system side has committed up to here
        self._now = float("-inf")  # processed on both sources up to here
        self.dropped: list[Utterance] = []

    def offer(self, u: Utterance) -> list[Utterance]:
        if u.source == "system":
            self._system.append(u)
            self._system_end = max(self._system_end, u.end)
            while self._system and self._system[0].end < self._system_end - self.options.keep:
                self._system.popleft()
            return [u, *self._release(False)]
        self._held.append(u)
        return self._release(False)

    def advance(self, t: float, system_settled: float | None = None) -> list[Utterance]:
        """``t``: processed on both sources; ``system_settled``: the system source will
        commit nothing more that ends before it (its recognizer is idle or past it)."""
        self._now = max(self._now, t)
        if system_settled is not None:
            self._system_end = max(self._system_end, system_settled)
        return self._release(False)

    def flush(self) -> list[Utterance]:
        return self._release(True)

    def is_bleed(self, u: Utterance) -> bool:
        """Whether mic utterance ``u`` repeats what the system source said at that time."""
        o = self.options
        near = [
            s for s in self._system if s.start - o.window <= u.end and s.end + o.window >= u.start
        ]
        if not near:
            return False
        mine = _words(u)
        if mine and all(s.words for s in near):
            theirs = [w for s in near for w in _words(s)]
            matched = sum(1 for w in mine if self._matches(w, theirs))
            return matched >= o.min_matched * len(mine)
        text = " ".join(normalize(u.text))
        other = " ".join(t for s in near for t in normalize(s.text))
        if not text or not other:
            return False
        score = (
            fuzz.partial_ratio(text, other) if len(text) < len(other) else fuzz.ratio(text, other)
        )
        return bool(score >= o.similarity)

    def _matches(self, w: tuple[str, float, float], theirs: list[tuple[str, float, float]]) -> bool:
        o = self.options
        text, start, end = w
        for t, s, e in theirs:
            if (
                s - o.window <= end
                and e + o.window >= start
                and (t == text or fuzz.ratio(t, text) >= o.similarity)
            ):
                return True
        return False

    def _release(self, final: bool) -> list[Utterance]:
        o = self.options
        out: list[Utterance] = []
        while self._held:
            u = self._held[0]
            caught_up = self._system_end >= u.end + o.margin
            timed_out = self._now >= u.end + o.max_hold
            if not (final or caught_up or timed_out):
                break
            self._held.popleft()
            if self.is_bleed(u):
                self.dropped.append(u)
            else:
                out.append(u)
        return out


__all__ = ["CrossSourceDedup", "DedupOptions", "normalize"]
