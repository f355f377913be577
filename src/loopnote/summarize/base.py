"""The summarizer contract and the options of the summary stage.

``Summarizer``        ``summarize(texts, level, budget_words) -> str``: any backend
``TopicModel``        optional ``similarity(a, b) -> float`` used to find topic shifts
``WarningSource``     optional ``drain_warnings() -> list[SessionWarning]`` (e.g. LLM fallbacks)
``SummaryOptions``    how the rolling tree cuts time and how often open nodes are revised
``budget_for``        the word budget of one node of a level
``split_sentences``   cut text into sentences, in any language (from ``summarize.sentences``)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from loopnote.summarize.sentences import split_sentences as split_sentences
from loopnote.summarize.sentences import word_count as word_count
from loopnote.types import SessionWarning, SummaryLevel


@runtime_checkable
class Summarizer(Protocol):
    def summarize(self, texts: list[str], level: SummaryLevel, budget_words: int) -> str:
        """A summary of ``texts`` (in time order) in at most about ``budget_words`` words.

        ``texts`` are utterances for a moment, moment summaries for a section and section
        summaries for the meeting. Returns "" only when ``texts`` hold no words.
        """


@runtime_checkable
class TopicModel(Protocol):
    def similarity(self, a: list[str], b: list[str]) -> float:
        """How close the topics of two stretches of text are, about 0 (unrelated) to 1."""


@runtime_checkable
class WarningSource(Protocol):
    def drain_warnings(self) -> list[SessionWarning]:
        """Warnings gathered since the last call (each returned once)."""


@runtime_checkable
class Closeable(Protocol):
    """A summarizer (or the local model server behind one) that holds something to end."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class SummaryOptions:
    """How the rolling summary cuts the meeting and how fresh it stays (session seconds).

    Moments close at about ``moment_target`` s on the next pause between utterances of at
    least ``moment_pause`` s, after ``moment_silence`` s without speech (if at least
    ``moment_min`` s long), at a topic shift (if at least ``moment_min`` s long), and always
    by ``moment_max`` s. Sections close with the moment that takes them past
    ``section_target`` s, before talk that follows ``section_silence`` s without speech, or
    at a topic shift once at least ``section_min`` s long.

    An open node whose inputs changed is re-summarized at most every ``*_refresh`` s, so an
    utterance reaches a moment within ``moment_refresh``, a section within
    ``moment_refresh + section_refresh`` and the meeting node within the sum of all three
    (plus the tick period of the caller): 2 + 15 + 30 = 47 s with the defaults.
    """

    moment_target: float = 60.0
    moment_min: float = 20.0
    moment_max: float = 90.0
    moment_pause: float = 1.5
    moment_silence: float = 10.0
    section_target: float = 300.0
    section_min: float = 120.0
    section_silence: float = 60.0
    moment_refresh: float = 2.0
    section_refresh: float = 15.0
    meeting_refresh: float = 30.0
    # topic shifts: similarity of the new text to the recent text below this starts a new node;
    # 0 turns topic cuts off. Texts shorter than ``topic_min_words`` never cut.
    topic_threshold: float = 0.12
    topic_min_words: int = 8
    # word budgets per node
    moment_words: int = 35
    section_words: int = 70
    meeting_words: int = 140
    # the meeting node grows with the meeting (so every section can be represented), up to a cap
    meeting_words_per_section: int = 30
    meeting_words_max: int = 600

    def __post_init__(self) -> None:
        if not 0 < self.moment_min <= self.moment_target <= self.moment_max:
            raise ValueError("need 0 < moment_min <= moment_target <= moment_max")
        if not 0 < self.section_min <= self.section_target:
            raise ValueError("need 0 < section_min <= section_target")
        if min(self.moment_refresh, self.section_refresh, self.meeting_refresh) < 0:
            raise ValueError("refresh intervals must not be negative")


def budget_for(options: SummaryOptions, level: SummaryLevel, n_children: int = 0) -> int:
    """Word budget of one node of ``level`` made from ``n_children`` children."""
    if level == "moment":
        return options.moment_words
    if level == "section":
        return options.section_words
    grown = options.meeting_words_per_section * n_children
    return max(options.meeting_words, min(grown, options.meeting_words_max))
