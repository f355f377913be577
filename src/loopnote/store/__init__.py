"""loopnote.store: meeting folders, journals, notes, the search index, exports, the library.

``MeetingFolder``, ``MeetingMeta``, ``Consent``   one crash-safe folder per meeting (folder.py)
``new_meeting_id``, ``meeting_dirs``              ids like "2026-11-22-0105-ab12"; listing
``SCHEMA_VERSION``, ``MIGRATIONS``, ``migrate``   the stored format and its migrations
``render_notes``, ``notes_header``, ``transcript_lines``, ``consent_line``,
``title_from_text``                                notes.md
``SearchIndex``, ``SearchHit``, ``default_index_path``  the SQLite FTS5 index (index.py)
``export_text``, ``export_json``, ``export_schema``, ``write_export``, ``FORMATS``  exports
``make_cues``, ``to_srt``, ``to_vtt``, ``SubtitleOptions``  subtitles
``Library``, ``MeetingInfo``, ``Listing``         list, resolve, delete, rename, retention
``ConsentState``, ``reminder_text``, ``copy_to_clipboard``  consent reminder and clipboard
"""

from loopnote.store.consent import (
    ClipboardTool,
    ConsentState,
    clipboard_tools,
    copy_to_clipboard,
    reminder_text,
)
from loopnote.store.export import FORMATS, export_json, export_schema, export_text, write_export
from loopnote.store.folder import MeetingFolder, meeting_dirs, new_meeting_id
from loopnote.store.index import (
    ReindexReport,
    SearchHit,
    SearchIndex,
    default_index_path,
    index_meeting_safely,
)
from loopnote.store.library import Library, Listing, MeetingInfo, format_size
from loopnote.store.notes import (
    clock_time,
    consent_line,
    notes_header,
    render_notes,
    title_from_text,
    transcript_lines,
    transcript_markdown,
)
from loopnote.store.schema import MIGRATIONS, SCHEMA_VERSION, Consent, MeetingMeta, migrate
from loopnote.store.subtitles import Cue, SubtitleOptions, make_cues, to_srt, to_vtt

__all__ = [
    "FORMATS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "ClipboardTool",
    "Consent",
    "ConsentState",
    "Cue",
    "Library",
    "Listing",
    "MeetingFolder",
    "MeetingInfo",
    "MeetingMeta",
    "ReindexReport",
    "SearchHit",
    "SearchIndex",
    "SubtitleOptions",
    "clipboard_tools",
    "clock_time",
    "consent_line",
    "copy_to_clipboard",
    "default_index_path",
    "export_json",
    "export_schema",
    "export_text",
    "format_size",
    "index_meeting_safely",
    "make_cues",
    "meeting_dirs",
    "migrate",
    "new_meeting_id",
    "notes_header",
    "reminder_text",
    "render_notes",
    "title_from_text",
    "to_srt",
    "to_vtt",
    "transcript_lines",
    "transcript_markdown",
    "write_export",
]
