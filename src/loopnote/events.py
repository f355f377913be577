"""Events the session publishes to front ends, and their public JSON Lines form.

Each event is a frozen dataclass with ``wall`` (unix time it was emitted). ``to_json`` gives
the object documented in the README (``--format jsonl``): one ``session`` first, one ``end``
last, and ``partial``, ``utterance``, ``settled``, ``summary``, ``alert``, ``alert-card``,
``warning``, ``level``, ``source``, ``bookmark``, ``state``, ``speaker``, ``relabel``, ``split``,
``progress`` between.

``SessionControl`` is the other direction: what a front end may ask of a running session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from loopnote.types import Alert, PartialText, SessionWarning, Source, SummaryNode, Utterance


@dataclass(frozen=True)
class SessionStarted:
    meeting_id: str
    wall: float  # unix time of session time 0
    sources: tuple[Source, ...]
    folder: str = ""
    model: str = ""
    consent: str = ""  # the reminder shown before capture

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "session",
            "meeting_id": self.meeting_id,
            "wall": round(self.wall, 3),
            "sources": list(self.sources),
            "folder": self.folder,
            "model": self.model,
        }


@dataclass(frozen=True)
class PartialUpdated:
    partial: PartialText
    wall: float

    def to_json(self) -> dict[str, Any]:
        p = self.partial
        return {
            "type": "partial",
            "source": p.source,
            "t": round(p.t, 3),
            "text": p.text,
            "committed": p.committed,
            "tentative": p.tentative,
            "wall": round(self.wall, 3),
        }


@dataclass(frozen=True)
class UtteranceCommitted:
    utterance: Utterance
    wall: float
    speaker: str | None = None  # speaker id known at emission ("you" for the mic)
    speaker_name: str | None = None  # its display name, when one is known

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "utterance",
            **self.utterance.to_dict(),
            "speaker": self.speaker,
            "speaker_name": self.speaker_name,
            "wall": round(self.wall, 3),
        }


@dataclass(frozen=True)
class SpeakerNamed:
    """A name proposed or set for a speaker (``name`` None takes a proposal back)."""

    speaker: str
    name: str | None
    how: str  # "conversation" | "user" | "voiceprint"
    score: float
    wall: float

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "speaker",
            "id": self.speaker,
            "name": self.name,
            "how": self.how,
            "score": self.score,
            "wall": round(self.wall, 3),
        }


@dataclass(frozen=True)
class UtteranceRelabelled:
    """An utterance's speaker, found after it was emitted or corrected by a later look."""

    utterance_id: str
    speaker: str
    wall: float
    speaker_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "relabel",
            "utterance_id": self.utterance_id,
            "speaker": self.speaker,
            "speaker_name": self.speaker_name,
            "wall": round(self.wall, 3),
        }


@dataclass(frozen=True)
class UtteranceSplit:
    """The voice changes inside an utterance already emitted: front ends show ``parts``
    (one speaker each; the first keeps the utterance's id) in its place. ``at``: the cut
    times; ``speakers``/``names``: each part's speaker id and display name (None while
    unknown)."""

    utterance_id: str
    at: tuple[float, ...]
    parts: tuple[Utterance, ...]
    speakers: tuple[str | None, ...]
    names: tuple[str | None, ...]
    wall: float

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "split",
            "utterance_id": self.utterance_id,
            "at": list(self.at),
            "parts": [
                {**p.to_dict(), "speaker": s, "speaker_name": n}
                for p, s, n in zip(self.parts, self.speakers, self.names, strict=True)
            ],
            "wall": round(self.wall, 3),
        }


@dataclass(frozen=True)
class TranscriptSettled:
    """A stretch of ``source`` decoded again with the audio after it: its settled utterances
    replace the live ones named in ``replaces`` (a settled utterance with empty text drops
    them). ``done``/``total``: progress of the pass at the meeting's end (0 while live)."""

    source: Source
    utterances: tuple[Utterance, ...]
    replaces: tuple[tuple[str, ...], ...]
    model: str
    how: str  # "live" | "end" | "retranscribe"
    wall: float
    done: int = 0
    total: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "settled",
            "source": self.source,
            "utterances": [
                {**u.to_dict(), "replaces": list(r)}
                for u, r in zip(self.utterances, self.replaces, strict=True)
            ],
            "replaces": [i for r in self.replaces for i in r],
            "model": self.model,
            "pass": self.how,
            "done": self.done,
            "total": self.total,
            "wall": round(self.wall, 3),
        }


STEP_LABELS = {"speakers": "Telling the speakers apart"}  # what front ends call the steps


@dataclass(frozen=True)
class StepProgress:
    """How far a step at the meeting's end has come that the notes wait for and that says
    nothing before it is done (``step``: ``"speakers"``, the speakers' last look)."""

    step: str
    done: int
    total: int
    wall: float

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "progress",
            "step": self.step,
            "done": self.done,
            "total": self.total,
            "wall": round(self.wall, 3),
        }

    @property
    def label(self) -> str:
        return STEP_LABELS.get(self.step, self.step)


@dataclass(frozen=True)
class SummaryUpdated:
    node: SummaryNode
    wall: float

    def to_json(self) -> dict[str, Any]:
        return {"type": "summary", **self.node.to_dict(), "wall": round(self.wall, 3)}


@dataclass(frozen=True)
class AlertRaised:
    alert: Alert
    wall: float

    def to_json(self) -> dict[str, Any]:
        return {"type": "alert", **self.alert.to_dict(), "wall": round(self.wall, 3)}


@dataclass(frozen=True)
class AlertCardCompleted:
    """The card of an alert raised before the sentence that addressed the user was whole,
    now complete (built from what was heard since)."""

    alert: Alert
    wall: float

    def to_json(self) -> dict[str, Any]:
        return {"type": "alert-card", **self.alert.to_dict(), "wall": round(self.wall, 3)}


@dataclass(frozen=True)
class WarningRaised:
    warning: SessionWarning
    wall: float

    def to_json(self) -> dict[str, Any]:
        return {"type": "warning", **self.warning.to_dict(), "wall": round(self.wall, 3)}


@dataclass(frozen=True)
class LevelChanged:
    """Loudness of a source (dBFS of the last block) and its health."""

    source: Source
    t: float
    dbfs: float
    health: str  # "capturing" | "silent" | "reconnecting" | "lost-frames"
    wall: float

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "level",
            "source": self.source,
            "t": round(self.t, 3),
            "dbfs": round(self.dbfs, 1),
            "health": self.health,
            "wall": round(self.wall, 3),
        }


@dataclass(frozen=True)
class SourceChanged:
    """A source now reads from another device or stream (e.g. the default output moved)."""

    source: Source
    device: str
    t: float
    wall: float

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "source",
            "source": self.source,
            "device": self.device,
            "t": round(self.t, 3),
            "wall": round(self.wall, 3),
        }


@dataclass(frozen=True)
class BookmarkAdded:
    t: float
    note: str
    wall: float

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "bookmark",
            "t": round(self.t, 3),
            "note": self.note,
            "wall": round(self.wall, 3),
        }


@dataclass(frozen=True)
class StateChanged:
    """Capture paused or resumed by the user."""

    paused: bool
    t: float
    wall: float

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "state",
            "paused": self.paused,
            "t": round(self.t, 3),
            "wall": round(self.wall, 3),
        }


@dataclass(frozen=True)
class SessionEnded:
    wall: float
    duration: float = 0.0
    folder: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "end",
            "wall": round(self.wall, 3),
            "duration": round(self.duration, 3),
            "folder": self.folder,
        }


Event = (
    SessionStarted
    | PartialUpdated
    | UtteranceCommitted
    | SpeakerNamed
    | UtteranceRelabelled
    | UtteranceSplit
    | TranscriptSettled
    | StepProgress
    | SummaryUpdated
    | AlertRaised
    | AlertCardCompleted
    | WarningRaised
    | LevelChanged
    | SourceChanged
    | BookmarkAdded
    | StateChanged
    | SessionEnded
)


class SessionControl(Protocol):
    """What a front end asks of a running session (``loopnote.session.Session`` is one).
    Once the recording has ended (the meeting is being saved), ``pause``, ``resume``,
    ``bookmark`` and ``rename_speaker`` raise ``LoopnoteError`` rather than being lost."""

    @property
    def paused(self) -> bool: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def bookmark(self, note: str = "") -> None: ...

    def rename_speaker(self, ref: str, name: str) -> None: ...

    def stop(self) -> None: ...
