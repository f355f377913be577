"""A summarizer that falls back: the primary (an LLM) first, and for a node it fails on, the
fallback (extractive), with a warning the meeting shows once per reason.

``FallbackSummarizer``  ``summarize(texts, level, budget_words)``; ``failing`` (why the
                        primary last failed), ``rest(reason)``, ``drain_warnings()``
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from loopnote.clock import Clock, SystemClock
from loopnote.errors import SummarizerError
from loopnote.summarize.base import Closeable, Summarizer
from loopnote.types import SessionWarning, SummaryLevel


@dataclass
class FallbackSummarizer:
    """``primary`` first; on any failure ``fallback`` for that node. The first failure (or a
    new reason) leaves an ``llm-fallback`` warning; then the primary rests for ``cooldown``
    s so a dead endpoint does not stall every node for its timeout, and is retried. Nodes
    summarized while it keeps failing fall back under that same warning; when it answers
    again an ``llm-recovered`` warning says so. ``attempts`` counts calls to the primary,
    ``fallbacks`` the nodes that fell back."""

    primary: Summarizer
    fallback: Summarizer
    clock: Clock = field(default_factory=SystemClock)
    cooldown: float = 60.0
    fallbacks: int = 0
    attempts: int = 0
    _warnings: list[SessionWarning] = field(default_factory=list)
    _rest_until: float = -math.inf
    _failing: str = ""

    @property
    def failing(self) -> str:
        """Why the primary last failed, while it has not answered since ("" when fine)."""
        return self._failing

    def rest(self, reason: str) -> None:
        """Treat the primary as failing for ``reason`` (e.g. a failed startup check)."""
        self._failing = reason
        self._rest_until = self.clock.monotonic() + self.cooldown

    def summarize(self, texts: list[str], level: SummaryLevel, budget_words: int) -> str:
        if self.clock.monotonic() >= self._rest_until:
            self.attempts += 1
            try:
                out = self.primary.summarize(texts, level, budget_words)
                if not out.strip() and any(t.strip() for t in texts):
                    raise SummarizerError("the LLM returned an empty summary")
            except (SummarizerError, OSError, ValueError) as e:
                reason = str(e)
                if reason != self._failing:
                    self._warnings.append(
                        SessionWarning(
                            "llm-fallback",
                            f"{reason}; using extractive summaries until the LLM answers again",
                            extra={"reason": reason},
                        )
                    )
                self.rest(reason)
            else:
                if self._failing:
                    self._warnings.append(
                        SessionWarning(
                            "llm-recovered", "the LLM answers again; summaries use it again"
                        )
                    )
                    self._failing = ""
                return out
        self.fallbacks += 1
        return self.fallback.summarize(texts, level, budget_words)

    def similarity(self, a: list[str], b: list[str]) -> float:
        fn = getattr(self.fallback, "similarity", None)
        return float(fn(a, b)) if fn is not None else 1.0

    def drain_warnings(self) -> list[SessionWarning]:
        out, self._warnings = self._warnings, []
        return out

    def close(self) -> None:
        for part in (self.primary, self.fallback):
            if isinstance(part, Closeable):
                part.close()
