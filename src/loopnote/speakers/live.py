"""Speaker labels for utterances as they commit (the hook for a live session's slow path).

``UtteranceLabeller.feed`` takes the system source's 16 kHz audio as it arrives (only the
last ``keep_seconds`` are kept); ``label`` embeds one committed utterance's windows, places
them with the online clusterer, and returns the utterance's speaker (the majority of its
windows) with the earlier utterances whose speaker changed because of it (as ``relabel``
events would record them). Cost per utterance is its windows' embeddings plus the
clusterer's bounded work; memory is the audio ring plus a small integer per window.

``diarize`` labels the whole meeting's audio at once (the offline diarization), for the last
look once the meeting is heard: with the model ``whole`` loads where it can (ECAPA, which
tells voices apart far better than the live model, at a cost paid once, at the end), else
with the live model.

``label_parts`` is ``label`` for an utterance that may hold two voices: with a
``segmenter``, it finds where the voice changes inside the utterance, cuts it at the word
where that happens, and labels each part; neighbouring parts it gives one speaker are one
part again, so a cut falls only where the speaker changes (the caller records a ``split``
event and names the parts as the store does, ``s00012``, ``s00012.2``, …).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from loopnote.errors import ModelNotAvailable
from loopnote.speakers.cluster import OnlineClusterer
from loopnote.speakers.diarize import DiarizeOptions, SpeakerTurn, diarize, options_for, windows
from loopnote.speakers.embed import RATE, Embedder
from loopnote.speakers.segment import SegmentationModel
from loopnote.speakers.split import UtterancePart, split_by_speaker
from loopnote.types import Word

log = logging.getLogger(__name__)


@dataclass
class UtteranceLabeller:
    embedder: Embedder
    options: DiarizeOptions = field(default_factory=DiarizeOptions)
    keep_seconds: float = 120.0
    segmenter: SegmentationModel | None = None  # finds voice changes inside an utterance
    # loads the model for whole recordings when ``diarize`` runs; None: ``embedder``
    whole: Callable[[], Embedder] | None = None
    _audio: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, np.float32))
    _audio_start: float = 0.0  # session time of _audio[0]
    _clusterer: OnlineClusterer | None = None
    _window_owner: list[int] = field(default_factory=list)  # window -> utterance index
    _utterances: list[str] = field(default_factory=list)  # utterance index -> id
    _windows_of: list[list[int]] = field(default_factory=list)
    _labels: list[str | None] = field(default_factory=list)  # utterance index -> speaker

    def feed(self, samples: npt.NDArray[np.float32], t: float) -> None:
        """Audio of the system source starting at session time ``t`` (16 kHz mono)."""
        if len(self._audio) == 0:
            self._audio_start = t
        self._audio = np.concatenate([self._audio, np.asarray(samples, np.float32)])
        excess = len(self._audio) - int(self.keep_seconds * RATE)
        if excess > 0:
            self._audio = self._audio[excess:]
            self._audio_start += excess / RATE

    def label(
        self, utterance_id: str, start: float, end: float
    ) -> tuple[str | None, list[tuple[str, str]]]:
        """This utterance's speaker (None while unknown) and ``(utterance id, speaker)`` of
        earlier utterances whose label changed."""
        if self._clusterer is None:
            self._clusterer = OnlineClusterer(self.options.cluster)
        index = len(self._utterances)
        self._utterances.append(utterance_id)
        self._windows_of.append([])
        self._labels.append(None)
        lo = max(start, self._audio_start)
        spans = windows([(lo, end)], self.options) if end > lo else []
        clips = [
            self._audio[int((s - self._audio_start) * RATE) : int((e - self._audio_start) * RATE)]
            for s, e in spans
        ]
        touched: set[int] = set()
        for (s, e), emb in zip(spans, self.embedder.embed(clips) if clips else [], strict=True):
            _, relabels = self._clusterer.add(emb, e - s)
            self._window_owner.append(index)
            self._windows_of[index].append(len(self._window_owner) - 1)
            touched.update(self._window_owner[r.index] for r in relabels)
        window_labels = self._clusterer.labels()
        changed: list[tuple[str, str]] = []
        for u in sorted(touched | {index}):
            new = self._vote(u, window_labels)
            if new != self._labels[u]:
                self._labels[u] = new
                if u != index and new is not None:
                    changed.append((self._utterances[u], new))
        return self._labels[index], changed

    def label_parts(
        self, utterance_id: str, start: float, end: float, words: Sequence[Word]
    ) -> tuple[list[UtterancePart], list[tuple[str, str]]]:
        """The utterance cut where its voice changes (one part if it does not, or without a
        segmenter or word timestamps), each part labelled like ``label`` labels an
        utterance (part ``k`` from 1 on under ``utterance_id + f".{k + 1}"``); and the
        ``(utterance id, speaker)`` of earlier utterances whose label changed."""
        changes = self._changes(start, end) if self.segmenter is not None and words else []
        edges = [start, *changes, end]
        local = [SpeakerTurn(a, b, f"p{k}") for k, (a, b) in enumerate(pairwise(edges))]
        pieces = split_by_speaker(start, end, words, local)
        first = len(self._utterances)
        changed: list[tuple[str, str]] = []
        for k, piece in enumerate(pieces):
            changed += self.label(_part_id(utterance_id, k), piece.start, piece.end)[1]
        own = {_part_id(utterance_id, k) for k in range(len(pieces))}
        # a cut only where the speaker changes: neighbours given one speaker (or a piece too
        # short to be given any) are one part again
        keep: list[int] = []
        parts: list[UtterancePart] = []
        for k, piece in enumerate(pieces):
            idx = first + k
            prev = self._labels[keep[-1]] if keep else "-"
            if keep and (prev is None or self._labels[idx] in (None, prev)):
                self._absorb(keep[-1], idx)
                parts[-1] = replace(parts[-1], end=piece.end, end_word=piece.end_word)
            else:
                keep.append(idx)
                parts.append(piece)
        for k, idx in enumerate(keep):
            self._utterances[idx] = _part_id(utterance_id, k)
        return [
            replace(p, speaker=self._labels[idx]) for p, idx in zip(parts, keep, strict=True)
        ], [(uid, spk) for uid, spk in changed if uid not in own]

    def _absorb(self, into: int, index: int) -> None:
        """Utterance ``index``'s windows become ``into``'s (a part joined to the one
        before); ``into`` takes the majority of them all, ``index`` is left empty."""
        for w in self._windows_of[index]:
            self._window_owner[w] = into
        self._windows_of[into] += self._windows_of[index]
        self._windows_of[index] = []
        self._labels[index] = None
        self._utterances[index] = ""
        assert self._clusterer is not None
        self._labels[into] = self._vote(into, self._clusterer.labels())

    def _vote(self, index: int, window_labels: Sequence[str | None]) -> str | None:
        """The speaker of most of the utterance's windows (None without any)."""
        votes = Counter(
            lab for w in self._windows_of[index] if (lab := window_labels[w]) is not None
        )
        return votes.most_common(1)[0][0] if votes else None

    def _changes(self, start: float, end: float) -> list[float]:
        assert self.segmenter is not None
        lo = max(start, self._audio_start)
        clip = self._audio[
            int((lo - self._audio_start) * RATE) : int((end - self._audio_start) * RATE)
        ]
        if len(clip) < RATE:
            return []
        return [lo + t for t in self.segmenter.changes(clip).times if start < lo + t < end]

    def diarize(
        self,
        audio: npt.NDArray[np.float32],
        progress: Callable[[float], None] | None = None,
    ) -> list[SpeakerTurn]:
        """Speaker turns of a whole recording (16 kHz mono), its speaker ids its own;
        ``progress`` hears the share done."""
        embedder, options = self._whole_recording_model()
        return diarize(audio, embedder, options, segmenter=self.segmenter, progress=progress).turns

    def _whole_recording_model(self) -> tuple[Embedder, DiarizeOptions]:
        """``whole``'s model with the thresholds fitted for it; the live model and options
        when there is none or it is not installed."""
        if self.whole is not None:
            try:
                embedder = self.whole()
            except ModelNotAvailable as e:
                log.info("the whole recording is diarized with the live model: %s", e)
            else:
                return embedder, options_for(embedder)
        return self.embedder, self.options

    def warm_up(self) -> None:
        """Run the model once (its first call loads libraries: seconds on a busy machine)."""
        self.embedder.embed([np.zeros(int(1.5 * RATE), np.float32)])

    def centroids(self) -> dict[str, npt.NDArray[np.float32]]:
        """Each speaker's voiceprint so far (the clusterer's centroid), by speaker id."""
        c = self._clusterer
        if c is None:
            return {}
        out = {}
        for sid in c.speakers:
            if (v := c.centroid(sid)) is not None:
                out[sid] = np.asarray(v, np.float32)
        return out


def _part_id(utterance_id: str, k: int) -> str:
    """Part ``k`` (from 0) of an utterance, named as ``store.speakers.part_id`` names it."""
    return utterance_id if k == 0 else f"{utterance_id}.{k + 1}"
