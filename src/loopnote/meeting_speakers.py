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
``last_look(audio, wall)`` once the meeting is heard: the system lines' speakers (and
                           cuts where a line holds two voices) from a diarization of all
                           its recorded audio, as ``relabel`` and ``split`` records and
                           events (and names the conversation now supports)
``labelled(utterances)``   the utterances with their speakers' display labels (cards)

The transcript journal is never rewritten; readers apply the records (``store/speakers.py``),
so ``show``, exports and notes after the meeting give the final labels.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from operator import ne

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
from loopnote.speakers import (
    SpeakerTurn,
    Turn,
    propose_names,
    speaker_of,
    split_by_speaker,
    word_cuts,
)
from loopnote.store import MeetingFolder
from loopnote.store.speakers import (
    YOU,
    default_label,
    follow_ids,
    plan_speaker_renames,
    record_speaker_renames,
    split_as_live,
    split_utterance,
)
from loopnote.store.voices import save_meeting_voiceprints
from loopnote.types import FloatArray, SessionWarning, Utterance

LAST_LOOK_MIN_SAMPLES = 16000  # a second of audio: less holds no speaker to tell apart
FINISH_SECONDS = 60.0  # the last labels: a few embeddings (or the model's first load)
KEEP_SETTLED = 500  # settled lines kept for a split that comes after them (it comes seconds
# after its line; settling usually later still)


def last_look_plan(
    lines: Sequence[Utterance],
    cuts: Mapping[str, Sequence[float]],
    turns: Sequence[SpeakerTurn],
) -> tuple[dict[str, tuple[float, ...]], dict[str, str]]:
    """What the whole meeting's speaker ``turns`` say of its system ``lines`` (``cuts``: the
    lines cut live): new cut times for the lines left whole that hold two voices (cut
    between words, as live), and each line's or part's speaker (the turns' own ids)."""
    new_cuts: dict[str, tuple[float, ...]] = {}
    fresh: dict[str, str] = {}
    for u in lines:
        at = tuple(cuts.get(u.id, ()))
        parts = split_by_speaker(u.start, u.end, u.words, turns) if not at else []
        if len(parts) > 1:
            found = tuple(word_cuts(parts, u.words))
            who = [speaker_of(p.start, p.end, turns) for p in split_utterance(u, found)]
            # a cut only where the speaker changes, at a word
            if len(who) == len(parts) and None not in who and all(map(ne, who, who[1:])):
                at = new_cuts[u.id] = found
        for piece in split_utterance(u, at):
            if (spk := speaker_of(piece.start, piece.end, turns)) is not None:
                fresh[piece.id] = spk
    return new_cuts, fresh


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
        self._how: dict[str, str] = {}  # speaker id -> where its name came from
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
            self._how[r.speaker_id] = "user"
            if self.worker is not None:
                self.worker.user_named(r.speaker_id)
            out.append(SpeakerNamed(r.speaker_id, r.name, "user", 1.0, wall))
        return out

    def last_look(
        self,
        audio: FloatArray | None,
        wall: float,
        progress: Callable[[float], None] | None = None,
    ) -> list[Event]:
        """Relabel the system lines from speaker turns of the whole meeting's ``audio`` (16
        kHz mono; call after ``close``), and cut the lines the live labeller left whole
        where two voices are heard in them. Live, each line was placed when it was said,
        before later voices were heard; the whole recording at once is cut where voices
        change and clustered as a whole, and so tells speakers apart far better. Speaker
        ids follow the live ones (names stay on their voice); a line cut live keeps its
        cuts (front ends replace a line by its parts once). ``progress`` hears the share
        of the diarization done."""
        if self.worker is None or audio is None or len(audio) < LAST_LOOK_MIN_SAMPLES:
            return []
        turns = self.worker.diarize(audio, progress)
        lines = [u for u in self.folder.load_utterances(live=True) if u.source == "system"]
        new_cuts, fresh = last_look_plan(lines, self._splits, turns)
        mapping = follow_ids(fresh, self._labels)
        out: list[Event] = []
        for u in lines:
            at = new_cuts.get(u.id)
            pieces = split_utterance(u, at if at is not None else self._splits.get(u.id, ()))
            speakers = [mapping[fresh[p.id]] if p.id in fresh else None for p in pieces]
            if at is not None:
                parts = tuple(replace(p, speaker=s) for p, s in zip(pieces, speakers, strict=True))
                out += self._split(Split(u.id, at, parts), wall)
            else:
                for p, sid in zip(pieces, speakers, strict=True):
                    if sid is not None:
                        out += self._relabel(p.id, sid, wall)
        return out + self._conversation_names(wall)

    def _conversation_names(self, wall: float) -> list[Event]:
        """The names the conversation supports with the last labels: a name it gave a
        speaker whose lines now tell otherwise is taken back, and a speaker without a
        name gets the one proposed (a name the user gave or a voice matched stays)."""
        turns = [
            Turn(u.id, sid, u.text)
            for u in self._lines()
            if (sid := YOU if u.source == "mic" else self._labels.get(u.id)) is not None
        ]
        proposed = {p.speaker: p for p in propose_names(turns)}
        out: list[Event] = []
        for sid, name in list(self._names.items()):
            p = proposed.get(sid)
            if name and self._how.get(sid) == "conversation" and (p is None or p.name != name):
                out.append(self._named(sid, None, "conversation", 0.0, wall))
        taken = {n for n in self._names.values() if n}
        for sid, p in proposed.items():
            if self._names.get(sid) is None and p.name not in taken:
                out.append(self._named(sid, p.name, "conversation", p.score, wall))
                taken.add(p.name)
        return out

    def _lines(self) -> list[Utterance]:
        """The meeting's live lines in time order, system ones cut where the voice changes
        (the parts under their own ids)."""
        lines: list[Utterance] = []
        for u in self.folder.load_utterances(live=True):
            lines += split_utterance(u, self._splits.get(u.id, ())) if u.source == "system" else [u]
        return sorted(lines, key=lambda u: u.start)

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
        self._how[speaker] = how
        record = {"id": speaker, "name": name, "how": how, "score": score, "wall": wall}
        self.folder.append_event("speaker", record)
        return SpeakerNamed(speaker, name, how, score, wall)


__all__ = ["MeetingSpeakers"]
