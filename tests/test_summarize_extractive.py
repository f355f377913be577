"""The extractive summarizer with the real wordllama embeddings shipped in the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from loopnote.summarize.base import split_sentences, word_count
from loopnote.summarize.extractive import ExtractiveSummarizer, clean_sentence

BUDGET_TALK = [
    "Um, so the budget for the launch is too high this quarter.",
    "We need to cut the marketing spend on the launch by about twenty percent.",
    "The launch budget also has to cover the new booth at the trade fair.",
]
PLANTS_TALK = [
    "Who waters the plants in the office while Sam is away?",
    "The office plants need water every second day.",
    "I can water the plants on Mondays and Thursdays.",
]


@pytest.fixture(scope="module")
def ex() -> ExtractiveSummarizer:
    return ExtractiveSummarizer()


def test_loads_offline_from_the_package(tmp_path: Path) -> None:
    """No download: an empty HOME (no cache), no proxy, a dead network still loads it."""
    code = (
        "from loopnote.summarize.extractive import ExtractiveSummarizer as E;"
        "print(E().summarize(['One fine sentence here. Another short one.'], 'moment', 3))"
    )
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
        "https_proxy": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.strip()
    assert not (tmp_path / ".cache" / "wordllama").exists()


def test_loading_leaves_the_logging_of_the_process_as_it_was() -> None:
    """wordllama's import configures the root logger (INFO to stderr): loopnote's meeting
    log then printed its INFO lines over the user's terminal. A fresh process, so the import
    really runs."""
    code = (
        "import logging;"
        "from loopnote.summarize.extractive import load_wordllama;"
        "logging.getLogger('loopnote').setLevel(logging.INFO);"
        "load_wordllama();"
        "logging.getLogger('loopnote.test').info('only for the meeting log');"
        "print(len(logging.getLogger().handlers), logging.getLogger().level)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.split() == ["0", "30"]  # no handler, WARNING: Python's defaults
    assert "only for the meeting log" not in out.stderr


def test_short_input_is_kept_whole_and_cleaned(ex: ExtractiveSummarizer) -> None:
    out = ex.summarize(["um so we we ship on friday", "Yeah, okay, sounds good"], "moment", 40)
    assert out == "We ship on friday. Sounds good."


def test_budget_is_respected(ex: ExtractiveSummarizer) -> None:
    texts = BUDGET_TALK + PLANTS_TALK
    for budget in (10, 20, 35):
        out = ex.summarize(texts, "moment", budget)
        assert 0 < word_count(out) <= budget
    # every sentence picked comes from the input, in spoken order
    out = ex.summarize(texts, "moment", 30)
    picked = split_sentences(out)
    cleaned = [clean_sentence(s) for t in texts for s in split_sentences(t)]
    assert all(p in cleaned for p in picked)
    assert [cleaned.index(p) for p in picked] == sorted(cleaned.index(p) for p in picked)


def test_selection_covers_both_topics(ex: ExtractiveSummarizer) -> None:
    out = ex.summarize(BUDGET_TALK + PLANTS_TALK, "moment", 28).lower()
    assert "budget" in out or "launch" in out
    assert "plants" in out


def test_higher_levels_represent_every_input(ex: ExtractiveSummarizer) -> None:
    parts = [
        " ".join(BUDGET_TALK),
        " ".join(PLANTS_TALK),
        "The new hire starts on Monday. She joins the design team and sits with Ana.",
    ]
    out = ex.summarize(parts, "meeting", 45)
    assert word_count(out) <= 45
    low = out.lower()
    assert (
        ("budget" in low or "launch" in low)
        and "plants" in low
        and ("hire" in low or "design" in low)
    )


def test_a_sentence_longer_than_the_budget_is_shortened(ex: ExtractiveSummarizer) -> None:
    long = (
        "The committee reviewed every single proposal that was submitted over the last "
        "three months, including the ones that arrived late, and found none acceptable."
    )
    out = ex.summarize([long], "moment", 8)
    assert 0 < word_count(out) <= 8


def test_similarity_separates_topics(ex: ExtractiveSummarizer) -> None:
    same = ex.similarity(BUDGET_TALK[:2], BUDGET_TALK[2:])
    other = ex.similarity(BUDGET_TALK, PLANTS_TALK)
    assert same > other


def test_empty_input(ex: ExtractiveSummarizer) -> None:
    assert ex.summarize([], "moment", 30) == ""
    assert ex.summarize(["  ", "um"], "section", 30) == ""


def test_clean_sentence() -> None:
    assert clean_sentence("uh, you know, the the plan is fine") == "The plan is fine."
    assert clean_sentence("So, okay, what now?") == "What now?"
    assert clean_sentence("umbrella sales rose") == "Umbrella sales rose."


@pytest.mark.parametrize(
    "sentence",
    ["我们下周一发布。", "会議を始めます！", "نبدأ الآن؟", "यह पहला है।", "Bien.", "«Oui»"],
)
def test_a_sentence_closed_in_its_own_script_gets_no_period(sentence: str) -> None:
    assert clean_sentence(sentence, trim=False) == sentence


def test_when_the_budget_is_short_the_picks_still_span_the_meeting(
    ex: ExtractiveSummarizer,
) -> None:
    topics = ["budget", "plants", "hiring", "pricing", "vendor", "roadmap", "office", "travel"]
    parts = [
        f"The {t} discussion went on for a while today. Everyone agreed the {t} matters."
        for t in topics
    ]
    out = ex.summarize(parts, "meeting", 30).lower()
    named = [t for t in topics if t in out]
    assert 2 <= len(named) < len(topics)
    assert "budget" in out and "travel" in out  # both ends of the meeting are represented


@pytest.mark.parametrize(
    "texts",
    [
        [
            "我们今天讨论下个季度的预算。市场部需要更多的资金来推广新产品。",
            "王伟说他会在周五之前完成报告。我们下周一再开会。",
            "大家同意先削减差旅费用。还有其他问题吗？",
        ],
        [
            "会議を始めます。今日は予算について話します。",
            "田中さんが金曜日までに報告書を完成させます。",
        ],
    ],
)
def test_a_summary_of_chinese_or_japanese_is_whole_sentences_of_it(
    ex: ExtractiveSummarizer, texts: list[str]
) -> None:
    summary = ex.summarize(texts, "moment", 30)
    sentences = {s for t in texts for s in split_sentences(t)}
    picked = summary.split()
    assert picked and all(s in sentences for s in picked)  # whole, end marks kept, no "."
