"""Name alerts on text that is not English: accents, and names written in Cyrillic or Greek
by a transcript of Russian, Ukrainian or Greek speech."""

from __future__ import annotations

import pytest

from loopnote.alerts.matching import tokenize
from loopnote.alerts.spotter import NameSpotter, SpotterOptions
from loopnote.types import Utterance, Word


def heard(name: str, text: str) -> list[str]:
    spotter = NameSpotter(SpotterOptions(name=name))
    tokens, found = spotter.find(text)
    return [text[tokens[h.i].start : tokens[h.j - 1].end] for h in found]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("Alex Morgan", "Алекс, что вы думаете о бюджете?", "Алекс"),
        ("Maria Lopez", "Мария, вы нас слышите?", "Мария"),
        ("Olga", "Ольга, что скажете?", "Ольга"),
        ("Dmitri", "Дмитрий, ваша очередь.", "Дмитрий"),
        ("Nikos", "Νίκο, τι λες;", "Νίκο"),
        ("Jose", "¿José, puedes compartir la pantalla?", "José"),
        ("Alex Morgan", "Les chiffres sont prêts, Alex ?", "Alex"),
    ],
)
def test_names_are_found_in_other_scripts_and_languages(
    name: str, text: str, expected: str
) -> None:
    assert heard(name, text) == [expected]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Alex Morgan", "Что вы думаете о бюджете?"),
        ("Olga", "Оставайтесь на линии."),
        ("Nikos", "Όλα καλά."),
    ],
)
def test_other_words_in_those_scripts_are_not_names(name: str, text: str) -> None:
    assert heard(name, text) == []


def test_cyrillic_words_are_tokens_not_dropped() -> None:
    assert [t.norm for t in tokenize("Привет, Алекс")] == ["privet", "aleks"]


def test_an_utterance_in_russian_raises_the_alert() -> None:
    text = "Алекс, посмотрите отчёт"
    words = tuple(Word(w, 10 + 0.4 * k, 10.3 + 0.4 * k, 0.9) for k, w in enumerate(text.split()))
    u = Utterance("s00001", "system", words[0].start, words[-1].end, text, words)
    mentions = NameSpotter(SpotterOptions(name="Alex Morgan")).on_utterance(u)
    assert [m.heard for m in mentions] == ["Алекс"]


def test_a_name_after_an_end_mark_of_another_script_starts_a_sentence() -> None:
    # capitalized at a sentence's start says nothing about being a name
    for text in ("好的。Anna来说一下", "¿Anna vienes?", "«Anna arrive»", "تمام؟ Anna"):
        (token,) = [t for t in tokenize(text) if t.norm == "anna"]
        assert not token.proper, text
    (token,) = [t for t in tokenize("我们请 Anna 来说") if t.norm == "anna"]
    assert token.proper
