"""The meeting's ``notes.md``: a header (title, date, consent line), the summarizer's notes,
then the timestamped transcript.

``clock_time``          session seconds -> "hh:mm:ss"
``speaker_label``       "Them" / "You" (or the utterance's speaker name)
``transcript_lines``    one "[00:01:23] Them: ..." line per utterance
``transcript_markdown`` the transcript section as Markdown, each line anchored by its id
``consent_line``        "Recorded with loopnote; participants were told: ..."
``render_notes``        the whole notes.md text from metadata, notes Markdown and utterances
``title_from_text``     a short title from a summary's first sentence
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence

from loopnote.store.schema import MeetingMeta
from loopnote.types import SENTENCE_ENDS, SENTENCE_ENDS_FULL_WIDTH, Source, Utterance

LABELS: dict[Source, str] = {"system": "Them", "mic": "You"}
TRANSCRIPT_HEADING = "## Transcript"


def clock_time(t: float) -> str:
    s = max(0, int(t))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def speaker_label(u: Utterance) -> str:
    return u.speaker or LABELS[u.source]


def transcript_lines(utterances: Iterable[Utterance]) -> list[str]:
    return [
        f"[{clock_time(u.start)}] {speaker_label(u)}: {u.text.strip()}"
        for u in sorted(utterances, key=lambda u: (u.start, u.end))
        if u.text.strip()
    ]


def transcript_markdown(utterances: Iterable[Utterance]) -> str:
    """The transcript section; each line carries its utterance id as an anchor, so the notes
    above can link to what they cite (``[1:02](#s00009)``)."""
    spoken = sorted((u for u in utterances if u.text.strip()), key=lambda u: (u.start, u.end))
    lines = [
        f'<a id="{html.escape(u.id, quote=True)}"></a>{line}'
        for u, line in zip(spoken, transcript_lines(spoken), strict=True)
    ]
    body = "\n\n".join(lines) if lines else "_Nothing was transcribed._"
    return f"{TRANSCRIPT_HEADING}\n\n{body}\n"


def consent_line(meta: MeetingMeta) -> str:
    if meta.consent.shown and meta.consent.text:
        return f'Recorded with loopnote; participants were told: "{meta.consent.text}"'
    if meta.consent.shown:
        return "Recorded with loopnote; the consent reminder was shown."
    return "Recorded with loopnote; no consent reminder was recorded for this meeting."


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def display_title(meta: MeetingMeta) -> str:
    if meta.title:
        return meta.title
    when = dt.datetime.fromtimestamp(meta.started_wall, tz=dt.UTC)
    return f"Meeting of {when:%Y-%m-%d %H:%M} UTC"


def render_notes(meta: MeetingMeta, notes_markdown: str, utterances: Sequence[Utterance]) -> str:
    """The full ``notes.md``: ``notes_markdown`` is the summarizer's part, pasted as is."""
    when = dt.datetime.fromtimestamp(meta.started_wall, tz=dt.UTC)
    who = " + ".join(LABELS[s] for s in meta.sources)
    parts = [
        f"# {display_title(meta)}",
        f"{when:%Y-%m-%d %H:%M} UTC · {format_duration(meta.duration)} · {who}",
        f"> {consent_line(meta)}",
    ]
    if notes_markdown.strip():
        parts.append(notes_markdown.strip())
    parts.append(transcript_markdown(utterances).rstrip())
    return "\n\n".join(parts) + "\n"


def notes_header(notes_text: str) -> str:
    """The part of a notes.md above the transcript (what search indexes as notes)."""
    head, _, _ = notes_text.partition(f"\n{TRANSCRIPT_HEADING}\n")
    return head


_SENTENCE = re.compile(rf"(?<=[{re.escape(SENTENCE_ENDS)}])\s|(?<=[{SENTENCE_ENDS_FULL_WIDTH}])")


def title_from_text(text: str, limit: int = 60) -> str:
    """A short title: the first sentence of ``text``, cut at a word before ``limit`` chars."""
    first = _SENTENCE.split(" ".join(text.split()), maxsplit=1)[0].strip()
    first = first.rstrip(SENTENCE_ENDS + SENTENCE_ENDS_FULL_WIDTH)
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
