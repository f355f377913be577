"""Speaker labels and names of a meeting, read from its events (the transcript is never
rewritten).

``events.jsonl`` carries two kinds of records for speakers:

- ``{"type": "relabel", "utterance_id": ..., "speaker": "s2", "wall": ...}``: the
  utterance's speaker is now ``s2`` (a later look corrected an earlier label, or a finished
  meeting was diarized after the fact);
- ``{"type": "speaker", "id": "s2", "name": "Marcus", "how": "conversation"|"user"|
  "voiceprint", "score": ..., "wall": ...}``: a name proposed or set; ``name: null`` takes
  a name back;
- ``{"type": "split", "utterance_id": "s00012", "at": [31.4], "wall": ...}``: the voice
  changes inside the utterance; readers cut it before the first word starting at each
  time. The first part keeps the id, the others are ``s00012.2``, ``s00012.3``, … (relabels
  name them like any utterance); ``at: []`` undoes a split. A live split also lists its
  ``parts``; a settled line whose words cut into another number of parts stays whole.

The last record wins. ``SpeakerBook.apply`` gives the utterances as a reader should see
them: split where the voice changes, each with its final speaker's display label.

``rename_speakers(folder, [(old, new)])``  the user names speakers ("Speaker 2", a name or an
                                           id → a ``speaker`` event, ``how: "user"``); the
                                           CLI and the web page both go through it
``speaker_rows(folder)``                   the speakers as lists show them
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from loopnote.errors import UsageError
from loopnote.store.journal import write_atomic
from loopnote.store.notes import notes_header, transcript_markdown
from loopnote.types import Utterance

if TYPE_CHECKING:  # the folder reads its speakers through this module
    from loopnote.store.folder import MeetingFolder

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
    splits: dict[str, list[float]] = field(default_factory=dict)  # utterance id -> cut times
    parts: dict[str, int] = field(default_factory=dict)  # utterance id -> live parts made

    @classmethod
    def from_events(cls, events: Iterable[dict[str, Any]]) -> SpeakerBook:
        book = cls()
        for e in events:
            kind = e.get("type")
            if kind == "relabel":
                uid, spk = e.get("utterance_id"), e.get("speaker")
                if isinstance(uid, str) and isinstance(spk, str) and spk:
                    book.labels[uid] = spk
            elif kind == "split":
                uid, at = e.get("utterance_id"), e.get("at")
                if isinstance(uid, str) and isinstance(at, list):
                    book.splits[uid] = sorted(float(t) for t in at if isinstance(t, int | float))
                    parts = e.get("parts")
                    if isinstance(parts, list) and parts:
                        book.parts[uid] = len(parts)
                    else:
                        book.parts.pop(uid, None)
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

    def split(self, utterances: Sequence[Utterance]) -> list[Utterance]:
        """The utterances cut where ``split`` events say the voice changes. A settled line
        whose words cut into another number of parts than the live line had stays whole
        (as the live view shows it)."""
        out: list[Utterance] = []
        for u in utterances:
            out += split_as_live(u, self.splits.get(u.id, []), self.parts.get(u.id))
        return out

    def apply(self, utterances: Sequence[Utterance]) -> list[Utterance]:
        """The utterances, split where the voice changes, with ``speaker`` set to what a
        reader should see."""
        return [replace(u, speaker=self.display(u)) for u in self.split(utterances)]

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

    def labels_heard(self) -> list[str]:
        """The remote speakers' display labels ("Marcus", "Speaker 2"), in the order their
        labels were recorded (no transcript needed: lists show it for every meeting)."""
        ids = dict.fromkeys(self.labels.values())
        return [self.name(sid) or default_label(sid) for sid in ids if sid != YOU]


def follow_ids(fresh: dict[str, str], old: dict[str, str]) -> dict[str, str]:
    """Speaker ids of a new labelling (``fresh``: utterance id -> its speaker) -> the old id
    most of that speaker's utterances had in ``old``, so names stay on their voice; a
    speaker with no old id to take gets the next unused ``sN``."""
    votes: dict[str, Counter[str]] = {}
    for uid, spk in fresh.items():
        if uid in old:
            votes.setdefault(spk, Counter())[old[uid]] += 1
    mapping: dict[str, str] = {}
    for spk, count in sorted(votes.items(), key=lambda kv: -sum(kv[1].values())):
        for sid, _n in count.most_common():
            if sid not in mapping.values():
                mapping[spk] = sid
                break
    used = set(old.values()) | set(mapping.values())
    n = 1
    for spk in sorted(set(fresh.values()) - set(mapping)):
        while f"s{n}" in used:
            n += 1
        mapping[spk] = f"s{n}"
        used.add(f"s{n}")
    return mapping


def part_id(utterance_id: str, k: int) -> str:
    """The id of part ``k`` (from 0) of a split utterance; the first keeps the id."""
    return utterance_id if k == 0 else f"{utterance_id}.{k + 1}"


def split_as_live(u: Utterance, at: Sequence[float], live_parts: int | None) -> list[Utterance]:
    """``u`` cut at ``at`` where that gives the live line's number of parts (None: not
    known); otherwise whole (a settled line's words may fall otherwise around a cut)."""
    cut = split_utterance(u, at)
    return cut if live_parts is None or len(cut) == live_parts else [u]


def split_utterance(u: Utterance, at: Sequence[float]) -> list[Utterance]:
    """``u`` cut before the first word starting at or after each time in ``at`` (a cut
    that leaves a part without words is ignored; without words nothing is cut)."""
    if not at or not u.words:
        return [u]
    groups: list[list[int]] = [[]]
    cuts = sorted(at)
    for i, w in enumerate(u.words):
        while cuts and w.start >= cuts[0]:
            cuts.pop(0)
            if groups[-1]:
                groups.append([])
        groups[-1].append(i)
    if len(groups) == 1:
        return [u]
    # cut the text where each part's first word begins (the text is the words joined)
    offsets, pos = [], 0
    for w in u.words:
        found = u.text.find(w.text, pos)
        offsets.append(found if found >= 0 else pos)
        pos = offsets[-1] + len(w.text) if found >= 0 else pos
    parts = []
    for k, idx in enumerate(groups):
        first, last = idx[0], idx[-1]
        t0 = offsets[first] if k else 0
        t1 = offsets[groups[k + 1][0]] if k + 1 < len(groups) else len(u.text)
        parts.append(
            replace(
                u,
                id=part_id(u.id, k),
                start=u.start if k == 0 else u.words[first].start,
                end=u.end if k == len(groups) - 1 else u.words[groups[k + 1][0]].start,
                text=u.text[t0:t1].strip(),
                words=u.words[first : last + 1],
            )
        )
    return parts


# ----- naming a speaker (the CLI's --rename and the web page share this rule) -----------


@dataclass(frozen=True)
class SpeakerRename:
    speaker_id: str
    name: str


def clean_speaker_name(name: str) -> str:
    """The name with its spaces tidied; an empty name is refused."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise UsageError("the new name is empty")
    return cleaned


def find_speaker(ref: str, book: SpeakerBook, ids: Sequence[str]) -> str | None:
    """The id of the speaker ``ref`` names: an id ("s2"), a label ("Speaker 2") or a name
    that only one speaker has; None if no speaker (or more than one) fits."""
    low = ref.strip().lower()
    for sid in ids:
        if low in (sid.lower(), default_label(sid).lower()):
            return sid
    named = [sid for sid in ids if (book.name(sid) or "").lower() == low]
    return named[0] if len(named) == 1 else None


def plan_speaker_renames(
    folder: MeetingFolder, renames: Sequence[tuple[str, str]]
) -> list[SpeakerRename]:
    """Check every ``(old, new)`` against the meeting's speakers before any is recorded."""
    book = folder.speaker_book()
    ids = book.known_ids(book.split(folder.load_utterances()))
    if not ids:
        raise UsageError(
            f"{folder.id} has no speakers yet; run 'loopnote speakers {folder.id}' first"
        )
    plan = []
    for old, new in renames:
        sid = find_speaker(old, book, ids)
        if sid is None:
            known = ", ".join(book.name(s) or default_label(s) for s in ids)
            raise UsageError(f"no speaker {old.strip()!r} in {folder.id} (speakers: {known})")
        plan.append(SpeakerRename(sid, clean_speaker_name(new)))
    return plan


def record_speaker_renames(folder: MeetingFolder, plan: Sequence[SpeakerRename]) -> None:
    """One ``speaker`` event per rename: the user's name wins over any proposed one."""
    for r in plan:
        folder.append_event(
            "speaker",
            {"id": r.speaker_id, "name": r.name, "how": "user", "score": 1.0, "wall": time.time()},
        )


def rename_speakers(
    folder: MeetingFolder, renames: Sequence[tuple[str, str]]
) -> list[SpeakerRename]:
    """Name speakers (all or none) and bring notes.md's transcript up to date."""
    plan = plan_speaker_renames(folder, renames)
    record_speaker_renames(folder, plan)
    refresh_notes_transcript(folder)
    return plan


def refresh_notes_transcript(folder: MeetingFolder) -> None:
    """notes.md shows the transcript with the speakers' labels (the notes above it stay)."""
    notes = folder.read_notes()
    if notes is None:
        return
    head = notes_header(notes).rstrip()
    write_atomic(
        folder.notes_path, head + "\n\n" + transcript_markdown(folder.load_labelled_utterances())
    )


def speaker_rows(folder: MeetingFolder) -> list[dict[str, Any]]:
    """The meeting's speakers as lists show them: id, label, name, how, their share."""
    book = folder.speaker_book()
    utterances = book.split(folder.load_utterances())
    rows = []
    for sid in [YOU, *book.known_ids(utterances)]:
        mine = [u for u in utterances if book.speaker_id(u) == sid]
        if not mine:
            continue
        named = book.names.get(sid)
        rows.append(
            {
                "id": sid,
                "label": book.name(sid) or ("You" if sid == YOU else default_label(sid)),
                "name": book.name(sid),
                "how": named.how if named and named.name else None,
                "utterances": len(mine),
                "seconds": round(sum(u.end - u.start for u in mine), 1),
            }
        )
    return rows
