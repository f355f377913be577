"""Sentence splitting and word counts that do not assume English."""

from __future__ import annotations

import pytest

from loopnote.summarize.base import split_sentences as from_base
from loopnote.summarize.sentences import split_sentences, word_count


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("We ship Friday. Then we rest.", ["We ship Friday.", "Then we rest."]),
        ("Hola a todos. ¿Empezamos? ¡Sí!", ["Hola a todos.", "¿Empezamos?", "¡Sí!"]),
        ("Это первый пункт. Второй пункт готов.", ["Это первый пункт.", "Второй пункт готов."]),
        ("Ça marche. À demain.", ["Ça marche.", "À demain."]),
        (
            "Il dit « non ». « Pourquoi ? » demande-t-elle.",
            ["Il dit « non ».", "« Pourquoi ? » demande-t-elle."],
        ),
        ("会議を始めます。次の議題です。", ["会議を始めます。", "次の議題です。"]),
        ("我们开始吧！好的？", ["我们开始吧！", "好的？"]),
        ("「始めます。」次です。", ["「始めます。」", "次です。"]),
        ("Բարեւ։ Սկսենք։", ["Բարեւ։", "Սկսենք։"]),
        ("مرحبا بكم. نبدأ الآن؟ نعم", ["مرحبا بكم.", "نبدأ الآن؟", "نعم"]),
        ("यह पहला है। यह दूसरा है।", ["यह पहला है।", "यह दूसरा है।"]),
        ("Όλα καλά. Συνεχίζουμε;", ["Όλα καλά.", "Συνεχίζουμε;"]),
    ],
)  # fmt: skip
def test_sentences_in_many_scripts(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Smith will call.",
        "La Sra. García llega mañana.",
        "Mme. Dubois est là.",
        "Il Dott. Rossi ha ragione.",
        "J.R.R. Tolkien wrote it.",
        "Version 2.5 ships soon.",
        "and then. lower case goes on",
    ],
)
def test_titles_initials_and_numbers_end_nothing(text: str) -> None:
    assert split_sentences(text) == [text]


def test_words_are_counted_in_scripts_without_spaces() -> None:
    assert word_count("hello there, world") == 3
    assert word_count("Привет всем") == 2
    assert word_count("会議を始めます") == 7
    assert word_count("ประชุม") == 6


def test_runs_without_an_end_are_cut_every_max_words_in_any_script() -> None:
    assert split_sentences("one two three four five", max_words=2) == [
        "one two",
        "three four",
        "five",
    ]
    assert split_sentences("会議を始めます次の議題です", max_words=5) == [
        "会議を始め",
        "ます次の議",
        "題です",
    ]


def test_the_summaries_and_notes_use_it() -> None:
    assert from_base is split_sentences
