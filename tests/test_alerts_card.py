"""The catch-up card built from utterances of both sources, a mention, and summaries."""

from __future__ import annotations

from loopnote.alerts.card import CardFollower, CardOptions, brief, build_card, sentences
from loopnote.alerts.spotter import Mention, NameSpotter, SpotterOptions, to_alert
from loopnote.types import CatchUpCard, PartialText, Source, Utterance, Word


def u(uid: str, source: Source, start: float, text: str) -> Utterance:
    parts = text.split()
    words = tuple(Word(w, start + 0.3 * k, start + 0.3 * k + 0.25) for k, w in enumerate(parts))
    return Utterance(uid, source, start, words[-1].end, text, words)


MEETING = [
    u("s1", "system", 0.0, "Welcome everyone, today we review the launch plan and the budget."),
    u("s2", "system", 20.0, "The launch date depends on the migration of the billing database."),
    u("m1", "mic", 40.0, "The billing migration is almost done on my side."),
    u("s3", "system", 60.0, "Marketing wants the launch date fixed by Friday."),
    u("s4", "system", 100.0, "The budget for the launch is tight this quarter."),
    u("s5", "system", 150.0, "We could move the billing migration to next sprint."),
    u("s6", "system", 200.0, "Finance approved the launch budget yesterday."),
    u("s7", "system", 230.0, "Right, so the open point is the migration."),
    u("s8", "system", 236.0, "Priya, what do you think about the migration timing?"),
]


def mention_for(utts: list[Utterance], name: str = "Priya") -> Mention:
    spotter = NameSpotter(SpotterOptions(name=name))
    found = [m for x in utts for m in spotter.on_utterance(x)]
    assert len(found) == 1
    return found[0]


def test_card_from_the_transcript_alone() -> None:
    m = mention_for(MEETING)
    card = build_card(m, MEETING)
    assert card.addressed == "Priya, what do you think about the migration timing?"
    # last 30 s verbatim: s7 and s8 (both after 236 - 30), not s6 (ends ~201.8)
    assert card.last_verbatim == (
        "Them: Right, so the open point is the migration. "
        "Priya, what do you think about the migration timing?"
    )
    assert card.t == MEETING[-1].end
    # the brief covers the last 5 minutes, picks whole sentences in spoken order
    picked = sentences(card.recent_brief)
    assert 1 <= len(picked) <= 3
    all_sentences = [s for x in MEETING for s in sentences(x.text)]
    assert all(p in all_sentences for p in picked)
    assert [all_sentences.index(p) for p in picked] == sorted(
        all_sentences.index(p) for p in picked
    )
    assert card.meeting_so_far.startswith("4 min so far. ")
    assert "migration" in card.meeting_so_far or "launch" in card.meeting_so_far


def test_summaries_win_over_the_transcript() -> None:
    m = mention_for(MEETING)
    card = build_card(
        m,
        MEETING,
        section_summary="Billing migration may slip a sprint.",
        meeting_summary="Launch review: date, budget, billing migration.",
    )
    assert card.recent_brief == "Billing migration may slip a sprint."
    assert card.meeting_so_far == "Launch review: date, budget, billing migration."


def test_the_question_that_follows_the_name_is_included() -> None:
    utts = [
        u("s1", "system", 0.0, "Okay, we still need an owner for the rollout."),
        u("s2", "system", 5.0, "Jon, quick one."),
        u("s3", "system", 6.5, "Can you take the rollout next week?"),
        u("m1", "mic", 9.0, "Sure."),
    ]
    m = mention_for(utts, "Jon")
    card = build_card(m, utts)
    assert card.addressed == "Jon, quick one. Can you take the rollout next week?"
    assert card.last_verbatim.endswith("You: Sure.")
    assert "Them: Okay, we still need an owner for the rollout. Jon, quick one." in (
        card.last_verbatim
    )


def test_card_from_a_partial_mention() -> None:
    utts = MEETING[:-1]
    spotter = NameSpotter(SpotterOptions(name="Priya"))
    assert spotter.on_partial(PartialText("system", 237.5, "Priya, what do you think")) == []
    (m,) = spotter.on_partial(PartialText("system", 238.0, "Priya, what do you think about"))
    card = build_card(m, utts, partial="Priya, what do you think about the migration")
    assert card.addressed == "Priya, what do you think about the migration"
    assert card.last_verbatim.endswith(
        "Them: Right, so the open point is the migration. "
        "Priya, what do you think about the migration"
    )


def test_verbatim_is_bounded_and_keeps_the_end() -> None:
    long = [
        u(f"s{k}", "system", k * 2.0, f"Sentence number {k} talks about item {k}.")
        for k in range(15)
    ]
    m = Mention("Priya", "Priya", None, 29.0, 1.0, "", "Priya?")
    card = build_card(m, long, options=CardOptions(max_verbatim_chars=120))
    assert len(card.last_verbatim) <= 121
    assert card.last_verbatim.startswith("…")
    assert card.last_verbatim.endswith("Priya?")


def test_brief_prefers_sentences_about_the_main_topic() -> None:
    utts = [
        u("s1", "system", 0.0, "The database migration starts on Monday morning."),
        u("s2", "system", 5.0, "I had coffee with my neighbour yesterday evening."),
        u("s3", "system", 10.0, "The migration needs a database freeze for two days."),
        u("s4", "system", 15.0, "After the migration the database runs on new servers."),
    ]
    picked = brief(utts, 2)
    assert "coffee" not in picked
    assert picked.count("migration") == 2
    assert brief([], 3) == ""


def test_empty_meeting_gives_an_empty_but_valid_card() -> None:
    m = Mention("Priya", "Priya", None, 3.0, 1.0, "question", "Priya?")
    card = build_card(m, [])
    assert card.addressed == "Priya?"
    assert card.last_verbatim == "Them: Priya?"
    assert card.recent_brief == "" and card.meeting_so_far == ""
    assert card.to_dict()["t"] == 3.0


def test_the_card_names_who_asked_and_who_said_each_line_when_known() -> None:
    from dataclasses import replace

    from loopnote.alerts.card import card_text

    named = [replace(x, speaker="Dana") if x.id == "s8" else x for x in MEETING]
    named[-2] = replace(named[-2], speaker="Speaker 2")
    card = build_card(mention_for(MEETING), named)
    assert card.asker == "Dana"
    assert card.last_verbatim == (
        "Speaker 2: Right, so the open point is the migration.\n"
        "Dana: Priya, what do you think about the migration timing?"
    )
    assert card_text(card).startswith("Dana asked you:\n")
    assert build_card(mention_for(MEETING), MEETING).asker == ""  # unlabelled: no guess


def test_a_follower_gives_a_card_once_when_its_sentence_is_whole_or_it_gives_up() -> None:
    spotter = NameSpotter(SpotterOptions(name="Priya"))
    heard = "Priya, what do"
    assert spotter.on_partial(PartialText("system", 9.5, heard)) == []
    (m,) = spotter.on_partial(PartialText("system", 10.0, heard + " you"))
    follower = CardFollower(give_up=8.0)
    partial = m.text
    follower.follow(to_alert(m, build_card(m, [], partial=partial)), m)

    def card(x: Mention) -> CatchUpCard:
        return build_card(x, [], partial=partial)

    assert follower.update(11.0, card) == []  # "Priya, what do you": not whole yet
    partial = "Priya, what do you think about the launch?"
    (done,) = follower.update(12.0, card)
    assert done.card is not None and done.card.addressed == partial
    assert follower.update(13.0, card) == []  # given once

    assert spotter.on_partial(PartialText("system", 29.0, "so")) == []
    assert spotter.on_partial(PartialText("system", 29.5, "so Priya")) == []
    (m2,) = spotter.on_partial(PartialText("system", 30.0, "so Priya will"))
    partial = m2.text
    follower.follow(to_alert(m2, card(m2)), m2)
    assert follower.update(35.0, card) == []
    (late,) = follower.update(38.5, card)  # never whole: given as it stands after 8 s
    assert late.card is not None and late.card.addressed == "so Priya will"
