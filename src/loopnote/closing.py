"""The notes of a finished meeting: one function for the end of a live meeting, ``recover``
and ``loopnote notes``.

``write_meeting_notes(folder, nodes, settings, summarizer)``  build the notes (decisions,
    action items, questions, asked of the user) from the stored transcript and ``nodes``
    (with an LLM ``summarizer``, its grounded items replace the rules' ones), give an
    untitled meeting the notes' title, write notes.md, close the folder and index it;
    returns the notes file and the problems met on the way
``user_names(settings)``  the user's name and aliases
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from loopnote.config import Settings
from loopnote.store import MeetingFolder, index_meeting_safely
from loopnote.summarize import Summarizer, build_notes, render_notes_markdown, with_llm_notes
from loopnote.types import SessionWarning, SummaryNode


def user_names(settings: Settings) -> tuple[str, ...]:
    return tuple(n for n in (settings.name, *settings.aliases) if n.strip())


def write_meeting_notes(
    folder: MeetingFolder,
    nodes: Sequence[SummaryNode],
    settings: Settings,
    summarizer: Summarizer | None = None,
) -> tuple[Path, list[SessionWarning]]:
    utterances = folder.load_labelled_utterances()  # speakers' names, where known
    notes = build_notes(
        utterances, list(nodes), user_names=user_names(settings), title=folder.meta.title
    )
    problems: list[SessionWarning] = []
    if summarizer is not None:
        notes, problems = with_llm_notes(notes, utterances, summarizer)
    if not folder.meta.title and notes.title and not notes.empty:
        folder.set_title(notes.title)  # the page header shows it, above the notes
    path = folder.write_notes(render_notes_markdown(notes, title=False))
    folder.close()
    if (problem := index_meeting_safely(folder.path, settings)) is not None:
        problems.append(SessionWarning("index-failed", problem))
    return path, problems
