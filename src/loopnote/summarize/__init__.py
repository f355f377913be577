"""loopnote.summarize: the rolling multi-resolution summary and the notes at the end.

Live:    ``RollingSummary(SummaryOptions(), summarizer)`` with ``add`` / ``tick`` / ``finish``
         and ``drain_warnings``; ``make_summarizer(settings)`` picks the summarizer.
Backends: ``ExtractiveSummarizer`` (default, no weights, no network), ``LLMSummarizer``
         (OpenAI-compatible endpoint) wrapped in ``FallbackSummarizer``; ``check_endpoint``;
         a local GGUF model served for the meeting (``server``, ``catalog`` to pull one);
         ``close_summarizer`` ends what ``make_summarizer`` started.
Offline: ``summarize_meeting(utterances, summarizer)`` replays a stored meeting.
Notes:   ``build_notes`` → ``Notes``; ``render_notes_markdown`` (everything above the
         transcript in notes.md); ``with_llm_notes`` swaps in an LLM's grounded decisions,
         actions and open questions (``llm_notes``) when the meeting has an LLM.
"""

from loopnote.summarize.backend import build_summarizer, close_summarizer, make_summarizer
from loopnote.summarize.base import (
    Summarizer,
    SummaryOptions,
    TopicModel,
    WarningSource,
    budget_for,
)
from loopnote.summarize.extractive import ExtractiveOptions, ExtractiveSummarizer
from loopnote.summarize.fallback import FallbackSummarizer
from loopnote.summarize.llm import (
    LLMOptions,
    LLMSummarizer,
    check_endpoint,
)
from loopnote.summarize.llm_notes import GroundedNotes, llm_notes, with_llm_notes
from loopnote.summarize.notes import (
    ActionItem,
    NoteItem,
    Notes,
    NotesOptions,
    build_notes,
    render_notes_markdown,
)
from loopnote.summarize.tree import RollingSummary, latest_text, summarize_meeting

__all__ = [
    "ActionItem",
    "ExtractiveOptions",
    "ExtractiveSummarizer",
    "FallbackSummarizer",
    "GroundedNotes",
    "LLMOptions",
    "LLMSummarizer",
    "NoteItem",
    "Notes",
    "NotesOptions",
    "RollingSummary",
    "Summarizer",
    "SummaryOptions",
    "TopicModel",
    "WarningSource",
    "budget_for",
    "build_notes",
    "build_summarizer",
    "check_endpoint",
    "close_summarizer",
    "latest_text",
    "llm_notes",
    "make_summarizer",
    "render_notes_markdown",
    "summarize_meeting",
    "with_llm_notes",
]
