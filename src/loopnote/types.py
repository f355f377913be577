"""The vocabulary every stage speaks: frozen dataclasses, times in float session seconds.

AudioChunk     samples from one source, with their place on the session clock
Word           one recognized word with its times and probability
PartialText    text not yet settled (may still change)
Utterance      a committed stretch of words from one source (never changes afterwards)
SummaryNode    one node of the rolling summary tree
CatchUpCard    what the user needs to know right now
Alert          the user's name was heard
SessionWarning        a recoverable glitch the user should know about
without_accents  text with its combining marks dropped ("Siobhán" -> "Siobhan")
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

Source = Literal["system", "mic"]
SOURCES: tuple[Source, ...] = ("system", "mic")
SummaryLevel = Literal["moment", "section", "meeting"]

# Marks that close a sentence in the scripts Whisper writes: Latin and Cyrillic, Arabic and
# Urdu, Devanagari, Armenian, Ethiopic, Burmese (a space follows them) ...
SENTENCE_ENDS = ".!?…؟۔।॥։።။"
# ... and the full-width marks of Chinese and Japanese (no space follows them)
SENTENCE_ENDS_FULL_WIDTH = "。！？．"
# Scripts written without spaces between words, as regex ranges
NO_SPACE_SCRIPTS = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
)

FloatArray = npt.NDArray[np.float32]


def without_accents(text: str) -> str:
    """``text`` decomposed (NFKD) with its combining marks dropped: names are compared this
    way, as recognizers write them with or without their accents."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@dataclass(frozen=True)
class AudioChunk:
    """Samples of one source.

    ``samples`` is float32 of shape (frames, channels) in [-1, 1]. ``start`` is the session
    time of the first frame, derived from the sample clock. ``gap`` marks filled silence that
    stands in for audio that never arrived (device switch, nothing playing, server restart).
    """

    source: Source
    samples: FloatArray
    sample_rate: int
    start: float
    gap: bool = False

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def channels(self) -> int:
        return 1 if self.samples.ndim == 1 else int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    p: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "p": round(self.p, 3),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Word:
        return cls(str(d["text"]), float(d["start"]), float(d["end"]), float(d.get("p", 1.0)))


@dataclass(frozen=True)
class PartialText:
    """Text of ``source``'s current utterance covering audio up to session time ``t``.

    ``text`` is ``committed`` then ``tentative``. ``committed`` will not change: until the
    utterance is emitted it only grows, and it is exactly the start of that utterance's text.
    ``tentative`` may still change.
    """

    source: Source
    t: float
    text: str
    committed: str = ""
    tentative: str = ""


@dataclass(frozen=True)
class Utterance:
    id: str
    source: Source
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    speaker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "text": self.text,
            "words": [w.to_dict() for w in self.words],
        }
        if self.speaker is not None:
            d["speaker"] = self.speaker
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Utterance:
        src = d["source"]
        if src not in SOURCES:
            raise ValueError(f"unknown source {src!r}")
        return cls(
            id=str(d["id"]),
            source=src,
            start=float(d["start"]),
            end=float(d["end"]),
            text=str(d["text"]),
            words=tuple(Word.from_dict(w) for w in d.get("words", [])),
            speaker=d.get("speaker"),
        )


@dataclass(frozen=True)
class SummaryNode:
    """A summary of [start, end). ``children`` are utterance ids (moments) or node ids."""

    node_id: str
    level: SummaryLevel
    start: float
    end: float
    text: str
    children: tuple[str, ...]
    revision: int = 0
    closed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "node_id": self.node_id,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "text": self.text,
            "children": list(self.children),
            "revision": self.revision,
            "closed": self.closed,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SummaryNode:
        return cls(
            node_id=str(d["node_id"]),
            level=d["level"],
            start=float(d["start"]),
            end=float(d["end"]),
            text=str(d["text"]),
            children=tuple(str(c) for c in d.get("children", [])),
            revision=int(d.get("revision", 0)),
            closed=bool(d.get("closed", False)),
        )


@dataclass(frozen=True)
class CatchUpCard:
    """What the user needs right now when addressed."""

    addressed: str  # the sentence that addressed the user (the question put to them)
    last_verbatim: str  # the last ~30 s, verbatim
    recent_brief: str  # the last few minutes in brief
    meeting_so_far: str  # the meeting so far, one paragraph
    t: float = 0.0  # session time the card describes
    asker: str = ""  # who addressed the user ("Priya", "Speaker 2"), when known

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "addressed": self.addressed,
            "last_verbatim": self.last_verbatim,
            "recent_brief": self.recent_brief,
            "meeting_so_far": self.meeting_so_far,
            "t": round(self.t, 3),
        }
        if self.asker:
            d["asker"] = self.asker
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CatchUpCard:
        return cls(
            str(d.get("addressed", "")),
            str(d.get("last_verbatim", "")),
            str(d.get("recent_brief", "")),
            str(d.get("meeting_so_far", "")),
            float(d.get("t", 0.0)),
            str(d.get("asker", "")),
        )


@dataclass(frozen=True)
class Alert:
    kind: Literal["name"]
    term: str  # the configured name that matched
    heard: str  # the text as recognized
    utterance_id: str | None
    t: float  # session time of the end of the name
    score: float
    card: CatchUpCard | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "term": self.term,
            "heard": self.heard,
            "utterance_id": self.utterance_id,
            "t": round(self.t, 3),
            "score": round(self.score, 3),
            "card": self.card.to_dict() if self.card else None,
        }


@dataclass(frozen=True)
class SessionWarning:
    code: str  # short machine-readable code, e.g. "device-lost", "llm-fallback"
    message: str  # one line a person can read
    source: Source | None = None
    t: float | None = None  # session time it concerns
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.source is not None:
            d["source"] = self.source
        if self.t is not None:
            d["t"] = round(self.t, 3)
        d.update(self.extra)
        return d
