"""Which summarizer a meeting uses, from the settings.

``build_summarizer(url="", model="", api_key="")``   extractive alone, or an LLM that falls
                                                      back to extractive node by node
``make_summarizer(settings, check=True)``   the same from ``Settings``, plus the startup
                                            warnings (an unreachable or misconfigured endpoint)
"""

from __future__ import annotations

from loopnote.config import Settings
from loopnote.summarize.base import Summarizer
from loopnote.summarize.extractive import ExtractiveSummarizer
from loopnote.summarize.llm import FallbackSummarizer, LLMOptions, LLMSummarizer, check_endpoint
from loopnote.types import SessionWarning


def build_summarizer(
    url: str = "", model: str = "", api_key: str = "", fallback: Summarizer | None = None
) -> Summarizer:
    fallback = fallback if fallback is not None else ExtractiveSummarizer()
    if not url:
        return fallback
    llm = LLMSummarizer(LLMOptions(base_url=url, model=model, api_key=api_key))
    return FallbackSummarizer(llm, fallback)


def make_summarizer(
    settings: Settings, check: bool = True
) -> tuple[Summarizer, list[SessionWarning]]:
    """The summarizer for ``settings``. With an LLM configured, the endpoint is checked first;
    when it is unusable the meeting starts on extractive summaries with a warning, and the
    LLM is tried again later (it may come up during the meeting)."""
    summarizer = build_summarizer(settings.llm, settings.llm_model, settings.llm_api_key)
    if not check or not isinstance(summarizer, FallbackSummarizer):
        return summarizer, []
    problem = check_endpoint(settings.llm, settings.llm_model, settings.llm_api_key)
    if problem is None:
        return summarizer, []
    summarizer.rest(problem)
    return summarizer, [SessionWarning("llm-unavailable", problem, extra={"url": settings.llm})]
