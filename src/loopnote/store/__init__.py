"""loopnote.store: meeting folders, journals, notes, the search index, exports, the library.

``MeetingFolder``, ``MeetingMeta``, ``Consent``   one crash-safe folder per meeting
``new_meeting_id``                                "2026-11-22-0105-ab12"
``SCHEMA_VERSION``, ``migrate``, ``MIGRATIONS``   the stored format and its migrations
``render_notes``, ``transcript_lines``, ``consent_line``, ``title_from_text``  notes.md
"""

from loopnote.store.folder import MeetingFolder, new_meeting_id
from loopnote.store.notes import (
    clock_time,
    consent_line,
    render_notes,
    title_from_text,
    transcript_lines,
    transcript_markdown,
)
from loopnote.store.schema import MIGRATIONS, SCHEMA_VERSION, Consent, MeetingMeta, migrate

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Consent",
    "MeetingFolder",
    "MeetingMeta",
    "clock_time",
    "consent_line",
    "migrate",
    "new_meeting_id",
    "render_notes",
    "title_from_text",
    "transcript_lines",
    "transcript_markdown",
]
