"""notes.md rendering: timestamps, labels, consent line, titles."""

from __future__ import annotations

import pytest

from loopnote.store import MeetingMeta, clock_time, render_notes, title_from_text
from loopnote.store.notes import notes_header, transcript_lines
from loopnote.store.schema import Consent
from loopnote.types import Utterance


def test_clock_time() -> None:
    assert clock_time(0) == "00:00:00"
    assert clock_time(83.9) == "00:01:23"
    assert clock_time(3 * 3600 + 62) == "03:01:02"


def test_transcript_lines_sorted_labelled_and_blank_skipped() -> None:
    us = [
        Utterance("b", "mic", 5, 6, " yes "),
        Utterance("a", "system", 1, 2, "ready?"),
        Utterance("c", "system", 7, 8, "  "),
        Utterance("d", "system", 9, 9.5, "ok", (), "Dana"),
    ]
    assert transcript_lines(us) == [
        "[00:00:01] Them: ready?",
        "[00:00:05] You: yes",
        "[00:00:09] Dana: ok",
    ]


def test_render_notes_structure() -> None:
    meta = MeetingMeta(
        id="x",
        started_wall=1_800_000_000,
        sources=("system", "mic"),
        title="Sync",
        duration=754,
        consent=Consent(True, "We record."),
    )
    text = render_notes(meta, "## Summary\n\n- one", [Utterance("a", "system", 1, 2, "hi")])
    lines = text.splitlines()
    assert lines[0] == "# Sync"
    assert "12 min" in lines[2] and "Them + You" in lines[2]
    assert '> Recorded with loopnote; participants were told: "We record."' in text
    assert "## Summary" in notes_header(text) and "[00:00:01]" not in notes_header(text)
    assert text.rstrip().endswith('<a id="a"></a>[00:00:01] Them: hi')


def test_transcript_lines_are_anchored_by_utterance_id() -> None:
    """Notes link to ``#<id>``; every transcript line carries that anchor, once."""
    meta = MeetingMeta(id="x", started_wall=1_800_000_000)
    us = [Utterance("s00002", "system", 9, 10, "later"), Utterance("m00001", "mic", 1, 2, "first")]
    text = render_notes(meta, "", us)
    body = text.split("## Transcript\n\n", 1)[1].strip().split("\n\n")
    assert body == [
        '<a id="m00001"></a>[00:00:01] You: first',
        '<a id="s00002"></a>[00:00:09] Them: later',
    ]


def test_notes_without_consent_say_so_and_untitled_gets_date() -> None:
    meta = MeetingMeta(id="x", started_wall=1_800_000_000)
    text = render_notes(meta, "", [])
    assert text.startswith("# Meeting of 2027-01-15 08:00 UTC")
    assert "no consent reminder was recorded" in text
    assert "_Nothing was transcribed._" in text


def test_title_from_text() -> None:
    assert title_from_text("The team agreed on a budget freeze. Then lunch.") == (
        "The team agreed on a budget freeze"
    )
    long = "word " * 30
    t = title_from_text(long, limit=20)
    assert t.endswith("…") and len(t) <= 21


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("我们下周一发布新版本。请大家检查测试结果。", "我们下周一发布新版本"),
        ("会議を始めます！次の議題です。", "会議を始めます"),
        ("Начнём с бюджета. Потом обед.", "Начнём с бюджета"),
        ("هل انتهينا؟ نعم", "هل انتهينا"),
    ],
)
def test_title_from_text_in_other_scripts(text: str, title: str) -> None:
    assert title_from_text(text) == title
