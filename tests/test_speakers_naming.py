"""Names from conversation cues: pure rules, precision first."""

from __future__ import annotations

from loopnote.speakers import Turn, find_cues, propose_names


def convo(*lines: tuple[str, str]) -> list[Turn]:
    return [Turn(f"u{i}", spk, text) for i, (spk, text) in enumerate(lines)]


def names(turns: list[Turn]) -> dict[str, str]:
    return {p.speaker: p.name for p in propose_names(turns)}


def test_a_self_introduction_names_its_speaker() -> None:
    turns = convo(("s1", "Hi everyone, this is Tom from sales."), ("s2", "Welcome."))
    assert names(turns) == {"s1": "Tom"}


def test_a_question_then_an_answer_then_thanks_names_the_one_who_answered() -> None:
    turns = convo(
        ("you", "Morning. Dana, where are we with the release?"),
        ("s2", "On track, the last bugs are fixed."),
        ("you", "Thanks, Dana."),
    )
    assert names(turns) == {"s2": "Dana"}
    proposal = propose_names(turns)[0]
    assert {c.kind for c in proposal.cues} == {"handover", "thanks"}


def test_a_single_weak_cue_names_nobody() -> None:
    assert names(convo(("s1", "The build is slow."), ("you", "Thanks, Rosa."))) == {}
    assert names(convo(("you", "Over to you, Priya."), ("s2", "Thanks."))) == {}


def test_absent_people_and_lowercase_words_are_not_names() -> None:
    turns = convo(
        ("s1", "Did Jonas send the contract yet?"),
        ("s2", "Not yet, Jonas is out until Monday."),
        ("you", "Thanks both."),
        ("s1", "Then Maria should sign it."),
    )
    assert [c for c in find_cues(turns) if c.kind != "not-me"] == []
    assert names(turns) == {}


def test_a_speaker_who_addresses_a_name_is_not_that_person() -> None:
    turns = convo(
        ("s1", "Ines, can you share your screen?"),
        ("s1", "Actually wait, I will share mine."),  # no answer from anyone else
        ("s2", "Fine by me."),
    )
    assert names(turns) == {}
    assert any(c.speaker == "s1" and c.name == "Ines" and c.score < 0 for c in find_cues(turns))


def test_the_user_is_never_named_from_cues() -> None:
    turns = convo(
        ("s1", "Alex, what do you think?"), ("you", "Looks good."), ("s1", "Thanks, Alex.")
    )
    assert names(turns) == {}


def test_one_name_goes_to_one_speaker() -> None:
    turns = convo(
        ("s1", "My name is Sam."),
        ("s2", "My name is Sam."),  # a transcription or diarization mix-up: ambiguous
    )
    assert names(turns) == {}
