"""Pure text helpers shared by the live view and the plain printer (no Textual here).

``hms``            session seconds as ``HH:MM:SS``
``who``            the label of an utterance's speaker: "You", "Them" or a known name
``meter``          a level in dBFS as a fixed-width bar
``card_text``      a catch-up card as plain text (what ``c`` copies)
``find``           indexes of transcript lines that contain a query, case-insensitive
``named_text``     "Speaker 2 is Priya (from the conversation)": a speaker's name, in words
``SOURCE_LABELS``  "system" -> "Them", "mic" -> "You"
"""

from __future__ import annotations

from collections.abc import Sequence

from loopnote.events import SpeakerNamed
from loopnote.store.speakers import default_label
from loopnote.types import CatchUpCard, Source, Utterance

SOURCE_LABELS: dict[Source, str] = {"system": "Them", "mic": "You"}

METER_FLOOR_DB = -60.0
"""dBFS shown as an empty meter; 0 dBFS is a full one."""


def hms(seconds: float) -> str:
    """``HH:MM:SS`` of a non-negative duration (negative values show as zero)."""
    s = max(0, int(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def who(u: Utterance) -> str:
    """A known speaker name wins; otherwise the source's label."""
    return u.speaker if u.speaker else SOURCE_LABELS[u.source]


def meter_cells(dbfs: float, width: int) -> int:
    """How many of ``width`` cells a level fills (floor at ``METER_FLOOR_DB``)."""
    if dbfs != dbfs:  # NaN: nothing measured
        return 0
    frac = (min(0.0, max(METER_FLOOR_DB, dbfs)) - METER_FLOOR_DB) / -METER_FLOOR_DB
    return round(frac * width)


def meter(dbfs: float, width: int = 8) -> str:
    cells = meter_cells(dbfs, width)
    return "█" * cells + "░" * (width - cells)


def card_text(card: CatchUpCard, term: str = "") -> str:
    """The card as plain text, ready for the clipboard or a log."""
    head = f"Catch-up at {hms(card.t)}" + (f" ({term} was mentioned)" if term else "")
    parts = [head]
    for title, body in (
        (f"{card.asker} asked you" if card.asker else "They asked", card.addressed),
        ("Last 30 seconds", card.last_verbatim),
        ("Last few minutes", card.recent_brief),
        ("Meeting so far", card.meeting_so_far),
    ):
        if body.strip():
            parts.append(f"{title}:\n{body.strip()}")
    return "\n\n".join(parts) + "\n"


def find(texts: Sequence[str], query: str) -> list[int]:
    """Indexes of ``texts`` containing every word of ``query`` (case-insensitive), in order."""
    words = query.casefold().split()
    if not words:
        return []
    return [i for i, t in enumerate(texts) if all(w in t.casefold() for w in words)]


def named_text(event: SpeakerNamed) -> str:
    """A speaker named (and where the name came from), or a proposed name taken back."""
    label = default_label(event.speaker)
    if not event.name:
        return f"{label} is no longer named"
    how = "" if event.how == "user" else f" (from the {event.how})"
    return f"{label} is {event.name}{how}"
