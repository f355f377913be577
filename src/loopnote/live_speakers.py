"""Who is speaking, live: speaker labels and names on a slow worker of their own.

``LiveSpeakers(labeller, deliver)``
    ``audio(samples, t)``  the system source's 16 kHz audio (from its audio thread: only
                           appended to a bounded buffer, never waits for the labeller)
    ``utterance(u)``       a committed utterance (system ones are labelled, and cut where
                           the voice changes inside them; mic ones are "you", turns the
                           naming rules read)
    ``user_named(id, name)`` the user named a speaker: conversation cues no longer rename it
    ``close(timeout)``     label what is pending, then stop; False if that did not end in time
    ``diarize(audio)``     after ``close``: speaker turns of the whole meeting's audio
``deliver(news)`` is called from the worker's thread with ``Labelled`` (an utterance's
speaker, first or corrected), ``Split`` (the voice changes inside an utterance: its parts,
cut at words, each with its speaker) and ``Named`` (a name proposed from the conversation
or a remembered voice) items.

Embedding a second of speech takes tens of milliseconds, and a busy machine can stall it
much longer; here that delays only the labels, never a transcript line or an alert.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
import numpy.typing as npt

from loopnote.slowpath import SlowWorker
from loopnote.speakers import SpeakerTurn, Turn, UtterancePart, propose_names, word_cuts
from loopnote.store.speakers import YOU, split_utterance
from loopnote.store.voices import Voice, match_voice
from loopnote.types import Utterance, Word

RATE = 16000
KEEP_SECONDS = 120.0  # audio waiting for a stalled labeller; older audio goes unlabelled
NAMING_TURNS = 400  # the naming rules read this many recent turns (bounded cost)
FILL_BLOCK = 10.0  # missing audio is fed as silence in blocks of this many seconds


class Labeller(Protocol):
    """What the worker needs of a labeller (``speakers.UtteranceLabeller`` is one)."""

    def feed(self, samples: npt.NDArray[np.float32], t: float) -> None: ...

    def label_parts(
        self, utterance_id: str, start: float, end: float, words: Sequence[Word]
    ) -> tuple[list[UtterancePart], list[tuple[str, str]]]: ...

    def centroids(self) -> dict[str, npt.NDArray[np.float32]]: ...

    def warm_up(self) -> None: ...

    def diarize(
        self,
        audio: npt.NDArray[np.float32],
        progress: Callable[[float], None] | None = None,
    ) -> list[SpeakerTurn]: ...


@dataclass(frozen=True)
class SpeakerLabelling:
    """What a meeting labels its speakers with: the labeller, the remembered voices it may
    name (opt-in, ``store/voices.py``) and the name of the model that made them."""

    labeller: Labeller
    voices: list[Voice] = field(default_factory=list)
    model: str = ""


@dataclass(frozen=True)
class Labelled:
    utterance_id: str
    speaker: str


@dataclass(frozen=True)
class Named:
    speaker: str
    name: str | None
    how: str  # "conversation" | "voiceprint"
    score: float


@dataclass(frozen=True)
class Split:
    """The voice changes inside an utterance: cut before the first word starting at each
    time of ``at``. ``parts`` are the pieces as readers cut them (``store.speakers``: the
    first keeps the utterance's id, the others are ``ID.2``, …), ``speaker`` set to each
    part's speaker id (None while unknown)."""

    utterance_id: str
    at: tuple[float, ...]
    parts: tuple[Utterance, ...]


SpeakerNews = Labelled | Named | Split


@dataclass(frozen=True)
class _Op:
    utterance: Utterance | None = None
    user_named: str = ""  # a speaker id the user named
    warm_up: bool = False


class _AudioBuffer:
    """Audio handed over by the audio thread, the newest ``KEEP_SECONDS`` only."""

    def __init__(self, keep_seconds: float) -> None:
        self._keep = int(keep_seconds * RATE)
        self._blocks: deque[tuple[float, npt.NDArray[np.float32]]] = deque()
        self._frames = 0
        self._lock = threading.Lock()

    def append(self, samples: npt.NDArray[np.float32], t: float) -> None:
        block = np.array(samples, np.float32, copy=True)  # the caller may reuse its buffer
        with self._lock:
            self._blocks.append((t, block))
            self._frames += len(block)
            while self._frames - len(self._blocks[0][1]) >= self._keep:
                self._frames -= len(self._blocks.popleft()[1])

    def take(self) -> list[tuple[float, npt.NDArray[np.float32]]]:
        with self._lock:
            out = list(self._blocks)
            self._blocks.clear()
            self._frames = 0
        return out


class LiveSpeakers:
    def __init__(
        self,
        labeller: Labeller,
        deliver: Callable[[list[SpeakerNews]], None],
        on_error: Callable[[str, BaseException], None] | None = None,
        *,
        voices: list[Voice] | None = None,
        model: str = "",
        keep_seconds: float = KEEP_SECONDS,
    ) -> None:
        self._labeller = labeller
        self._deliver = deliver
        self._voices = voices or []
        self._model = model
        self._pending = _AudioBuffer(keep_seconds)
        self._fed_to: float | None = None  # session time the labeller's audio reaches
        self._turns: dict[str, Turn] = {}  # utterance id -> turn, in order of commit
        self._names: dict[str, tuple[str | None, str]] = {}  # speaker -> (name, how)
        self._worker: SlowWorker[_Op] = SlowWorker("speakers", self._job, on_error)

    def start(self) -> None:
        """Start the worker; it loads the model's libraries before the first line comes."""
        self._worker.post(_Op(warm_up=True))
        self._worker.start()

    def audio(self, samples: npt.NDArray[np.float32], t: float) -> None:
        self._pending.append(samples, t)

    def utterance(self, u: Utterance) -> None:
        self._worker.post(_Op(u))

    def user_named(self, speaker: str) -> None:
        self._worker.post(_Op(user_named=speaker))

    def close(self, timeout: float | None = None) -> bool:
        return self._worker.close(timeout)

    def centroids(self) -> dict[str, npt.NDArray[np.float32]]:
        """The speakers' voiceprints (call after ``close``: the worker owns the labeller)."""
        return self._labeller.centroids()

    def diarize(
        self,
        audio: npt.NDArray[np.float32],
        progress: Callable[[float], None] | None = None,
    ) -> list[SpeakerTurn]:
        """Speaker turns of the whole meeting (call after ``close``), ids of their own;
        ``progress`` hears the share done."""
        return self._labeller.diarize(audio, progress)

    # -- the worker's thread ----------------------------------------------------------------
    def _job(self, batch: list[_Op]) -> None:
        self._feed_pending()
        news: list[SpeakerNews] = []
        for op in batch:
            if op.warm_up:
                self._labeller.warm_up()
            elif op.user_named:
                self._names[op.user_named] = (None, "user")
            elif op.utterance is not None:
                news += self._label(op.utterance)
        news += self._voiceprint_names() + self._conversation_names()
        if news:
            self._deliver(news)

    def _feed_pending(self) -> None:
        for t, block in self._pending.take():
            if self._fed_to is not None and t > self._fed_to + 1.0 / RATE:
                self._fill(t)  # audio dropped while the labeller was stalled
            if self._fed_to is not None and t < self._fed_to - 1.0 / RATE:
                block = block[round((self._fed_to - t) * RATE) :]  # overlap: skip it
                t = self._fed_to
            if len(block):
                self._labeller.feed(block, t)
                self._fed_to = t + len(block) / RATE

    def _fill(self, until: float) -> None:
        """Silence for missing audio, so the labeller's clock stays on session time."""
        assert self._fed_to is not None
        while self._fed_to < until - 1.0 / RATE:
            n = round(min(FILL_BLOCK, until - self._fed_to) * RATE)
            self._labeller.feed(np.zeros(n, np.float32), self._fed_to)
            self._fed_to += n / RATE

    def _label(self, u: Utterance) -> list[SpeakerNews]:
        if u.source == "mic":
            self._turns[u.id] = Turn(u.id, YOU, u.text)
            return []
        parts, changed = self._labeller.label_parts(u.id, u.start, u.end, u.words)
        out: list[SpeakerNews] = []
        for uid, spk in changed:
            if uid in self._turns:
                self._turns[uid] = Turn(uid, spk, self._turns[uid].text)
            out.append(Labelled(uid, spk))
        at = tuple(word_cuts(parts, u.words))
        pieces = split_utterance(u, at)
        if len(pieces) == len(parts) > 1:  # one speaker per line: the parts replace it
            pieces = [replace(p, speaker=q.speaker) for p, q in zip(pieces, parts, strict=True)]
            out.append(Split(u.id, at, tuple(pieces)))
        else:
            pieces = [replace(u, speaker=parts[0].speaker if parts else None)]
        for p in pieces:
            self._turns[p.id] = Turn(p.id, p.speaker or "", p.text)
            if p.speaker is not None:
                out.append(Labelled(p.id, p.speaker))
        while len(self._turns) > NAMING_TURNS:
            del self._turns[next(iter(self._turns))]
        return out

    def _voiceprint_names(self) -> list[SpeakerNews]:
        if not self._voices:
            return []
        out: list[SpeakerNews] = []
        taken = {name for name, _ in self._names.values() if name}
        for sid, centroid in self._labeller.centroids().items():
            if sid in self._names:
                continue
            hit = match_voice(self._voices, centroid, self._model)
            if hit is not None and hit[0] not in taken:
                out.append(self._name(sid, hit[0], "voiceprint", hit[1]))
                taken.add(hit[0])
        return out

    def _conversation_names(self) -> list[SpeakerNews]:
        turns = [t for t in self._turns.values() if t.speaker]
        out: list[SpeakerNews] = []
        for p in propose_names(turns):
            name, how = self._names.get(p.speaker, (None, "conversation"))
            if how == "conversation" and name != p.name:
                out.append(self._name(p.speaker, p.name, "conversation", p.score))
        return out

    def _name(self, speaker: str, name: str, how: str, score: float) -> Named:
        self._names[speaker] = (name, how)
        return Named(speaker, name, how, round(float(score), 3))


__all__ = [
    "Labelled",
    "Labeller",
    "LiveSpeakers",
    "Named",
    "SpeakerLabelling",
    "SpeakerNews",
    "Split",
]
