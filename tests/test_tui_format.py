"""Pure text helpers of the live view (``loopnote.tui.format``)."""

from __future__ import annotations

from loopnote.tui.format import card_text, find, hms, meter, meter_cells, who
from loopnote.types import CatchUpCard, Utterance


def test_hms() -> None:
    assert hms(0) == "00:00:00"
    assert hms(59.99) == "00:00:59"
    assert hms(3 * 3600 + 61) == "03:01:01"
    assert hms(-4) == "00:00:00"


def test_who_prefers_a_known_speaker() -> None:
    assert who(Utterance("a", "system", 0, 1, "x")) == "Them"
    assert who(Utterance("a", "mic", 0, 1, "x")) == "You"
    assert who(Utterance("a", "system", 0, 1, "x", speaker="Priya")) == "Priya"


def test_meter_is_monotonic_and_bounded() -> None:
    cells = [meter_cells(db, 8) for db in range(-90, 10)]
    assert cells == sorted(cells)
    assert cells[0] == 0 and cells[-1] == 8
    assert meter(float("nan")) == "░" * 8
    assert meter(-30.0) == "████░░░░"


def test_card_text_has_every_filled_section_in_order() -> None:
    card = CatchUpCard("Alex, thoughts?", "We were discussing pricing.", "", "Q3 planning.", 75.0)
    text = card_text(card, "Alex")
    assert text.startswith("Catch-up at 00:01:15 (Alex was mentioned)")
    assert (
        text.index("They asked:") < text.index("Last 30 seconds:") < text.index("Meeting so far:")
    )
    assert "Last few minutes" not in text  # empty sections are left out


def test_find_matches_every_word_case_insensitively() -> None:
    texts = ["The Budget for Q3", "budget", "roadmap and budget for q3", "nothing"]
    assert find(texts, "budget") == [0, 1, 2]
    assert find(texts, "q3 BUDGET") == [0, 2]
    assert find(texts, "   ") == []
