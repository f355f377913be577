"""The fast path's side of live speaker labels, for one meeting.

``MeetingSpeakers(folder, you=...)`` keeps what is known now (each utterance's speaker id,
each speaker's name) and turns what the labeller's slow worker found into stored records
and events:

``committed(u, wall)``     the ``UtteranceCommitted`` event, with the speaker known at
                           emission ("you" for the mic; a system line is usually labelled
                           a moment later, by a ``relabel``)
``news(item, wall)``       a ``Labelled``, ``Split`` or ``Named`` from the worker →
                           ``relabel`` / ``split`` / ``speaker`` records in
                           ``events.jsonl`` and their events (a split line's parts are
                           labelled by ``relabel`` like any line)
``settled(utterances, replaces)`` a settled stretch as front ends show it: a settled
                           utterance of a split line is cut like the line, its parts
                           replacing the line's parts
``rename(ref, name, wall)`` the user names a speaker live (``store.speakers`` rule)
``labelled(utterances)``   the utterances with their speakers' display labels (cards)

The transcript journal is never rewritten; readers apply the records (``store/speakers.py``),
so ``show``, exports and notes after the meeting give the final labels.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from loopnote.errors import UsageError
from loopnote.events import (
    Event,
    SpeakerNamed,
    UtteranceCommitted,
    UtteranceRelabelled,
    UtteranceSplit,
    WarningRaised,
)
from loopnote.live_speakers import Labelled, LiveSpeakers, SpeakerNews, Split
from loopnote.store import MeetingFolder
from loopnote.store.speakers import (
    YOU,
    default_label,
    plan_speaker_renames,
    record_speaker_renames,
    split_as_live,
    split_utterance,
)
from loopnote.store.voices import save_meeting_voiceprints
from loopnote.types import SessionWarning, Utterance

FINISH_SECONDS = 60.0  # the last labels: a few embeddings (or the model's first load)
KEEP_SETTLED = 500  # settled lines kept for a split that comes after them (it comes seconds
# after its line; settling usually later still)


class MeetingSpeakers:
    def __init__(
        self,
        folder: MeetingFolder,
        *,
        you: str = "",
        worker: LiveSpeakers | None = None,
        model: str = "",
    ) -> None:
        self.folder = folder
        self.worker = worker
        self._you = you or "You"
        self._model = model
        self._labels: dict[str, str] = {}  # utterance id -> speaker id, as labelled live
        self._names: dict[str, str | None] = {}  # speaker id -> its name
        self._splits: dict[str, tuple[float, ...]] = {}  # utterance id -> cut times
        self._parts: dict[str, tuple[str, ...]] = {}  # split utterance id -> its parts' ids
        self._settled: OrderedDict[str, Utterance] = OrderedDict()  # live id -> settled

    def display(self, speaker: str | None) -> str | None:
        """What a reader sees for a speaker id: its name, else "Speaker N"."""
        if speaker is None:
            return None
        if speaker == YOU:
            return self._you
        return self._names.get(speaker) or default_label(speaker)

    def committed(self, u: Utterance, wall: float) -> UtteranceCommitted:
        if self.worker is not None:
            self.worker.utterance(u)
        sid = YOU if u.source == "mic" else self._labels.get(u.id) or u.speaker
        return UtteranceCommitted(u, wall, sid, self.display(sid))

    def labelled(self, utterances: Sequence[Utterance]) -> list[Utterance]:
        """The lines cut where the voice changes, ``speaker`` set to the display label of
        the system lines labelled so far."""
        out: list[Utterance] = []
        for u in utterances:
            if u.source != "system":
                out.append(u)
                continue
            for p in split_utterance(u, self._splits.get(u.id, ())):
                out.append(replace(p, speaker=self.display(self._labels.get(p.id))))
        return out

    def news(self, item: SpeakerNews, wall: float) -> list[Event]:
        if isinstance(item, Labelled):
            return self._relabel(item.utterance_id, item.speaker, wall)
        if isinstance(item, Split):
            return self._split(item, wall)
        return [self._named(item.speaker, item.name, item.how, item.score, wall)]

    def settled(
        self, utterances: Sequence[Utterance], replaces: Sequence[tuple[str, ...]]
    ) -> tuple[list[Utterance], list[tuple[str, ...]]]:
        """A settled stretch as front ends show it: the settled utterance of a line that
        was split is cut at the same times (part ``k`` replaces the line's part ``k``).
        Every part of a split line the stretch replaces leaves with it: where the settled
        words cut into another number of parts, or the split line is not the stretch's
        first, the settled text stands whole in the first line's place."""
        shown: list[Utterance] = []
        shown_replaces: list[tuple[str, ...]] = []
        for u, r in zip(utterances, replaces, strict=True):
            self._settled[u.id] = u
            while len(self._settled) > KEEP_SETTLED:
                self._settled.popitem(last=False)
            live_parts = len(self._parts.get(u.id, (u.id,)))
            pieces = (
                split_as_live(u, self._splits.get(u.id, ()), live_parts) if u.text.strip() else [u]
            )
            reps = [r if k == 0 else (p.id,) for k, p in enumerate(pieces)]
            covered = {i for ids in reps for i in ids}
            left = [p for i in r for p in self._parts.get(i, ()) if p not in covered]
            reps[0] = (*reps[0], *left)
            shown += pieces
            shown_replaces += reps
        return shown, shown_replaces

    def _split(self, item: Split, wall: float) -> list[Event]:
        """A ``split`` record, the front ends' ``split`` event (cut from the settled line
        when it came first: the reader shows settled text) and each part's label."""
        self._splits[item.utterance_id] = item.at
        self._parts[item.utterance_id] = tuple(p.id for p in item.parts)
        speakers = tuple(p.speaker for p in item.parts)
        record = {
            "utterance_id": item.utterance_id,
            "at": list(item.at),
            "parts": [{"id": p.id, "speaker": p.speaker} for p in item.parts],
            "wall": wall,
        }
        self.folder.append_event("split", record)
        parts = item.parts
        if (settled := self._settled.get(item.utterance_id)) is not None:
            cut = split_utterance(settled, item.at)
            if len(cut) == len(parts):
                parts = tuple(cut)
        out: list[Event] = [
            UtteranceSplit(
                item.utterance_id,
                item.at,
                tuple(replace(p, speaker=None) for p in parts),
                speakers,
                tuple(self.display(s) for s in speakers),
                wall,
            )
        ]
        for p, sid in zip(parts, speakers, strict=True):
            if sid is not None:
                out += self._relabel(p.id, sid, wall)
        return out

    def _relabel(self, utterance_id: str, speaker: str, wall: float) -> list[Event]:
        if self._labels.get(utterance_id) == speaker:
            return []
        self._labels[utterance_id] = speaker
        record = {"utterance_id": utterance_id, "speaker": speaker, "wall": wall}
        self.folder.append_event("relabel", record)
        return [UtteranceRelabelled(utterance_id, speaker, wall, self.display(speaker))]

    def rename(self, ref: str, name: str, wall: float) -> list[Event]:
        """The same rule as ``loopnote speakers --rename``; a name that does not fit (an
        unknown speaker, an empty name) is a warning and changes nothing."""
        try:
            plan = plan_speaker_renames(self.folder, [(ref, name)])
        except UsageError as e:
            w = SessionWarning("rename-failed", str(e))
            self.folder.append_warning(w)
            return [WarningRaised(w, wall)]
        record_speaker_renames(self.folder, plan)
        out: list[Event] = []
        for r in plan:
            self._names[r.speaker_id] = r.name
            if self.worker is not None:
                self.worker.user_named(r.speaker_id)
            out.append(SpeakerNamed(r.speaker_id, r.name, "user", 1.0, wall))
        return out

    def close(self) -> SessionWarning | None:
        """Label what is pending and keep the meeting's voiceprints (a rename after the
        meeting can remember a voice from them); a warning if the labeller did not end."""
        if self.worker is None:
            return None
        if not self.worker.close(FINISH_SECONDS):
            return SessionWarning(
                "speakers-late",
                f"speaker labels did not finish within {FINISH_SECONDS:.0f} s; "
                f"'loopnote speakers {self.folder.id} --again' labels them from the audio",
            )
        if prints := self.worker.centroids():
            save_meeting_voiceprints(
                self.folder.path, self._model, {k: v.astype(np.float64) for k, v in prints.items()}
            )
        return None

    def _named(
        self, speaker: str, name: str | None, how: str, score: float, wall: float
    ) -> SpeakerNamed:
        self._names[speaker] = name
        record = {"id": speaker, "name": name, "how": how, "score": score, "wall": wall}
        self.folder.append_event("speaker", record)
        return SpeakerNamed(speaker, name, how, score, wall)


__all__ = ["MeetingSpeakers"]
