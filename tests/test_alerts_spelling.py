"""How a written name is probably said: the orthographies' spelling rules, and the spotter
listening for what they guess. Names here are in no benchmark set."""

from __future__ import annotations

import pytest

from loopnote.alerts.spelling import said_guesses, word_guesses
from loopnote.alerts.spotter import NameSpotter, SpotterOptions


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("Saoirse", "seersha"),  # Irish: aoi, s by a slender vowel, final e
        ("Clodagh", "kloda"),  # Irish: gh silent at the end
        ("Przemysław", "pzhemiswaf"),  # Polish: rz after p, y, ł, final w
        ("Szczepan", "shchepan"),  # Polish: szcz
        ("Qingyu", "chingyu"),  # pinyin: q
        ("Zhang", "jang"),  # pinyin: zh
        ("Trương", "chuhng"),  # Vietnamese: tr, ươ, tone marks dropped
        ("Nguyễn", "win"),  # Vietnamese: ng before u, uyê
        ("Sjöberg", "shuberg"),  # Swedish: sj, ö
        ("Kateřina", "katerzhina"),  # Czech: ř
        ("Şükrü", "shewkrew"),  # Turkish: ş, ü
        ("Juana", "hwana"),  # Spanish: j, u before a vowel
        ("Szilárd", "silahrd"),  # Hungarian: sz, á
        ("Temitope", "taymeetopay"),  # open syllables: vowels as most languages read them
    ],
)
def test_an_orthography_reads_a_name_by_its_rules(written: str, said: str) -> None:
    assert said in word_guesses(written)


@pytest.mark.parametrize("written", ["Sarah", "Michael", "Christopher", "Elizabeth", "Alex"])
def test_a_name_spelled_the_english_way_gets_no_guess(written: str) -> None:
    assert word_guesses(written) == ()


def test_a_full_name_is_guessed_word_by_word() -> None:
    guesses = said_guesses("Saoirse Dvořák")
    assert "seersha Dvořák" in guesses  # the first name read, the surname as written
    assert "seersha dvorzhahk" in guesses  # both read
    assert said_guesses("Alex Morgan") == ()


def test_the_spotter_listens_for_the_guess_and_needs_a_cue_for_an_ordinary_word() -> None:
    text = "Thanks, Seersha. Let's move on to the next item."
    spotter = NameSpotter(SpotterOptions(name="Saoirse Dvořák"))
    assert [h.term.label for h in spotter.find(text)[1]] == ["Saoirse"]
    written_only = NameSpotter(SpotterOptions(name="Saoirse Dvořák", guess_sounds=False))
    assert written_only.find(text)[1] == []
    # "win" (Nguyễn) is an ordinary word: it alerts when someone is addressed, never in talk
    nguyen = NameSpotter(SpotterOptions(name="Nguyễn"))
    assert nguyen.find("Win, are you still with us?")[1]
    assert nguyen.find("I think we will win the deal this year.")[1] == []
