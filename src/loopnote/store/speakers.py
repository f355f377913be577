"""Speaker labels and names of a meeting, read from its events (the transcript is never
rewritten).

``events.jsonl`` carries two kinds of records for speakers:

- ``{"type": "relabel", "utterance_id": ..., "speaker": "s2", "wall": ...}``: the
  utterance's speaker is now ``s2`` (a later look corrected an earlier label, or a finished
  meeting was diarized after the fact);
- ``{"type": "speaker", "id": "s2", "name": "Marcus", "how": "conversation"|"user"|
  "voiceprint", "score": ..., "wall": ...}``: a name proposed or set; ``name: null`` takes
  a name back.

The last record wins. ``SpeakerBook.apply`` gives the utterances as a reader should see
them: each with its final speaker's display label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from loopnote.types import Utterance

YOU = "you"
HOWS = ("conversation", "user", "voiceprint")
_NUMBERED = re.compile(r"^s(\d+)$")


@dataclass(frozen=True)
class SpeakerName:
    id: str
    name: str | None
    how: str
    score: float | None = None
    wall: float | None = None


def default_label(speaker_id: str) -> str:
    """ "s2" → "Speaker 2"; other ids are shown as they are."""
    m = _NUMBERED.match(speaker_id)
    return f"Speaker {m.group(1)}" if m else speaker_id


@dataclass
class SpeakerBook:
    """Final speaker ids and names of one meeting."""

    labels: dict[str, str] = field(default_factory=dict)  # utterance id -> speaker id
    names: dict[str, SpeakerName] = field(default_factory=dict)  # speaker id -> its name

    @classmethod
    def from_events(cls, events: Iterable[dict[str, Any]]) -> SpeakerBook:
        book = cls()
        for e in events:
            kind = e.get("type")
            if kind == "relabel":
                uid, spk = e.get("utterance_id"), e.get("speaker")
                if isinstance(uid, str) and isinstance(spk, str) and spk:
                    book.labels[uid] = spk
            elif kind == "speaker":
                sid, name = e.get("id"), e.get("name")
                if isinstance(sid, str) and sid and (name is None or isinstance(name, str)):
                    score = e.get("score")
                    book.names[sid] = SpeakerName(
                        sid,
                        name.strip() or None if isinstance(name, str) else None,
                        str(e.get("how", "user")),
                        float(score) if isinstance(score, int | float) else None,
                        e.get("wall") if isinstance(e.get("wall"), int | float) else None,
                    )
        return book

    def speaker_id(self, u: Utterance) -> str | None:
        """The utterance's final speaker id: a relabel wins over the journal's label."""
        if u.source == "mic":
            return YOU
        return self.labels.get(u.id) or u.speaker

    def name(self, speaker_id: str) -> str | None:
        n = self.names.get(speaker_id)
        return n.name if n is not None else None

    def display(self, u: Utterance) -> str | None:
        """The label a reader sees, or None where the source's label ("You"/"Them") fits."""
        sid = self.speaker_id(u)
        if sid is None:
            return None
        name = self.name(sid)
        if name:
            return name
        return None if sid == YOU else default_label(sid)

    def apply(self, utterances: Sequence[Utterance]) -> list[Utterance]:
        """The utterances with ``speaker`` set to what a reader should see."""
        return [replace(u, speaker=self.display(u)) for u in utterances]

    def known_ids(self, utterances: Sequence[Utterance]) -> list[str]:
        """Every speaker id of the meeting's remote voices, in order of first speech."""
        seen: dict[str, None] = {}
        for u in utterances:
            sid = self.speaker_id(u)
            if sid is not None and sid != YOU:
                seen.setdefault(sid)
        return list(seen)

    @property
    def diarized(self) -> bool:
        return bool(self.labels)
