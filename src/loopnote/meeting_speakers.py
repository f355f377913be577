"""The fast path's side of live speaker labels, for one meeting.

``MeetingSpeakers(folder, you=...)`` keeps what is known now (each utterance's speaker id,
each speaker's name) and turns what the labeller's slow worker found into stored records
and events:

``committed(u, wall)``     the ``UtteranceCommitted`` event, with the speaker known at
                           emission ("you" for the mic; a system line is usually labelled
                           a moment later, by a ``relabel``)
``news(item, wall)``       a ``Labelled`` or ``Named`` from the worker → ``relabel`` /
                           ``speaker`` records in ``events.jsonl`` and their events
``rename(ref, name, wall)`` the user names a speaker live (``store.speakers`` rule)
``labelled(utterances)``   the utterances with their speakers' display labels (cards)

The transcript journal is never rewritten; readers apply the records (``store/speakers.py``),
so ``show``, exports and notes after the meeting give the final labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from loopnote.errors import UsageError
from loopnote.events import (
    Event,
    SpeakerNamed,
    UtteranceCommitted,
    UtteranceRelabelled,
    WarningRaised,
)
from loopnote.live_speakers import Labelled, LiveSpeakers, SpeakerNews
from loopnote.store import MeetingFolder
from loopnote.store.speakers import YOU, default_label, plan_speaker_renames, record_speaker_renames
from loopnote.store.voices import save_meeting_voiceprints
from loopnote.types import SessionWarning, Utterance

FINISH_SECONDS = 60.0  # the last labels: a few embeddings (or the model's first load)


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
        """``speaker`` set to the display label of the system lines labelled so far."""
        return [
            replace(u, speaker=self.display(self._labels.get(u.id))) if u.source == "system" else u
            for u in utterances
        ]

    def news(self, item: SpeakerNews, wall: float) -> list[Event]:
        if isinstance(item, Labelled):
            if self._labels.get(item.utterance_id) == item.speaker:
                return []
            self._labels[item.utterance_id] = item.speaker
            record = {"utterance_id": item.utterance_id, "speaker": item.speaker, "wall": wall}
            self.folder.append_event("relabel", record)
            name = self.display(item.speaker)
            return [UtteranceRelabelled(item.utterance_id, item.speaker, wall, name)]
        return [self._named(item.speaker, item.name, item.how, item.score, wall)]

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
