"""Post-meeting notes: decisions, action items, open questions, asked of you, the summary,
their citations and Markdown, empty meetings."""

from __future__ import annotations

import re

from loopnote.summarize.notes import (
    NotesOptions,
    build_notes,
    format_time,
    render_notes_markdown,
)
from loopnote.types import SummaryNode, Utterance, Word


def u(
    i: int, start: float, text: str, source: str = "system", speaker: str | None = None
) -> Utterance:
    return Utterance(f"u{i}", source, start, start + 4.0, text, speaker=speaker)  # type: ignore[arg-type]


def talk(*turns: str, user_lines: tuple[int, ...] = ()) -> list[Utterance]:
    """One utterance per turn, 6 s apart; ``user_lines`` are spoken on the microphone."""
    return [u(i, i * 6.0, t, "mic" if i in user_lines else "system") for i, t in enumerate(turns)]


MEETING = [
    u(1, 0, "Let's look at the budget first. We decided to move the launch to March."),
    u(2, 6, "Dana, can you send the revised deck to finance by Friday?"),
    u(3, 11, "Sure. I will send it tomorrow morning.", source="mic"),
    u(4, 15, "Who owns the vendor contract?"),
    u(5, 80, "What do you think about the pricing, Dana?"),
    u(6, 86, "I think it is fine.", source="mic"),
    u(7, 120, "Priya will update the roadmap before next Monday. Should we invite legal?"),
    u(8, 126, "Yes, we should."),
]


def test_decisions_actions_questions_and_asked_of_you() -> None:
    notes = build_notes(MEETING, [], NotesOptions(user_names=("Dana", "Dana Kim")))
    assert not notes.empty
    assert [d.text for d in notes.decisions] == ["We decided to move the launch to March."]
    assert notes.decisions[0].utterance_id == "u1"
    # the request and the user's reply are one action item, citing both, with the user's date
    deck = [a for a in notes.actions if "deck" in a.what]
    assert len(deck) == 1
    assert (deck[0].owner, deck[0].due) == ("You", "tomorrow morning")
    assert (deck[0].utterance_id, [r.utterance_id for r in deck[0].refs]) == ("u2", ["u3"])
    priya = next(a for a in notes.actions if a.owner == "Priya")
    assert priya.what.startswith("Update the roadmap") and priya.t == 120
    assert priya.due == "next Monday"
    # the question nobody took up stays open; answered ones and those put to the user do not
    assert [q.text for q in notes.questions] == ["Who owns the vendor contract?"]
    assert [q.text for q in notes.asked_of_you] == [
        "Dana, can you send the revised deck to finance by Friday?",
        "What do you think about the pricing, Dana?",
    ]


def test_without_user_names_nothing_is_asked_of_you() -> None:
    notes = build_notes(MEETING, [])
    assert notes.asked_of_you == ()
    # the microphone took the request on: the user owns it even without their name
    assert [a.owner for a in notes.actions if "deck" in a.what] == ["You"]
    assert "Who owns the vendor contract?" in [q.text for q in notes.questions]


def test_the_users_own_words_are_never_asked_of_them() -> None:
    notes = build_notes(
        [u(1, 0, "Dana here, can everyone hear me?", source="mic")],
        [],
        NotesOptions(user_names=("Dana",)),
    )
    assert notes.asked_of_you == ()


def test_owner_from_the_name_thanked_right_after_the_commitment() -> None:
    notes = build_notes(
        talk(
            "The token refresh gives up after three tries.",
            "I'll fix the token refresh retry logic by Friday.",
            "Great, thanks Marcus.",
        ),
        [],
    )
    [a] = notes.actions
    assert (a.owner, a.due, a.utterance_id) == ("Marcus", "Friday", "u1")


def test_owner_from_the_name_the_previous_turn_gave_the_floor_to() -> None:
    notes = build_notes(
        talk("Ravi, do we have anyone for the map caching piece?", "I can take the map caching."),
        [],
    )
    assert [(a.owner, a.what) for a in notes.actions] == [("Ravi", "Take the map caching")]


def test_a_speaker_name_on_the_utterance_is_the_owner_and_the_asker() -> None:
    meeting = [
        u(0, 0, "I'll send the contract to legal today.", speaker="Lena"),
        u(1, 6, "Great, thanks Marcus."),  # a thanks cue loses to the speaker's own name
        u(2, 12, "Alex, can you check the invoice totals?", speaker="Paula"),
    ]
    notes = build_notes(meeting, [], user_names=("Alex",))
    assert notes.actions[0].owner == "Lena"
    assert [(q.speaker, q.text) for q in notes.asked_of_you] == [
        ("Paula", "Alex, can you check the invoice totals?")
    ]
    assert "**Paula** asked:" in render_notes_markdown(notes)


def test_without_any_cue_the_owner_stays_unknown() -> None:
    notes = build_notes(talk("I'll update the runbook.", "Okay."), [])
    assert [a.owner for a in notes.actions] == ["Them"]


def test_someone_has_to_then_i_can_take_that_is_one_item_for_the_taker() -> None:
    notes = build_notes(
        talk(
            "And someone has to write the customer-facing postmortem.",
            "I can take that. I'll have a draft by Monday.",
            user_lines=(1,),
        ),
        [],
    )
    [a] = notes.actions
    assert (a.owner, a.what, a.due) == ("You", "Write the customer-facing postmortem", "Monday")
    assert [r.utterance_id for r in a.refs] == ["u1"]


def test_a_task_said_with_them_quotes_what_it_refers_to() -> None:
    notes = build_notes(
        talk("Who is going to tell the marketing team about the delay?", "I'll let them know."),
        [],
    )
    [a] = notes.actions
    assert a.what == "Tell the marketing team about the delay" and a.owner == "Them"


def test_a_short_decision_quotes_the_question_it_settles() -> None:
    notes = build_notes(
        talk(
            "The open point is notification permission. Should we ask on first launch or later?",
            "Asking after the first trip gets more opt-ins.",
            "Then let's go with asking later.",
        ),
        [],
    )
    [d] = notes.decisions
    assert d.text == "Then let's go with asking later."
    assert d.context == (
        "The open point is notification permission. Should we ask on first launch or later?"
    )
    md = render_notes_markdown(notes)
    assert "settling “The open point is notification permission." in md
    assert "([0:12](#u2), [0:00](#u0))" in md


def test_open_questions_are_the_ones_the_meeting_left_open() -> None:
    notes = build_notes(
        talk(
            "Dana, where are we on the checkout bug?",  # a status prompt, answered
            "Fixed yesterday, it ships today.",
            "We'll leave single sign-on open for now.",
            "Does that include the event schema cleanup?",
            "Good question. I honestly don't know yet, I need to check with the data team.",
            "Should we keep the retro every two weeks or go monthly?",
            "No consensus on that, so let's park it.",
        ),
        [],
    )
    texts = [q.text for q in notes.questions]
    assert texts == [
        "We'll leave single sign-on open for now.",
        "Does that include the event schema cleanup?",
        "Should we keep the retro every two weeks or go monthly?",
    ]
    assert notes.questions[1].context.startswith("I honestly don't know yet")


def test_asked_of_you_is_the_question_that_follows_the_name() -> None:
    notes = build_notes(
        talk(
            "Hi Alex. How's the week going?",  # small talk is not a question put to you
            "Alex, one question for you. Can you review the refund pull request today?",
            "Great, thanks Alex.",
        ),
        [],
        user_names=("Alex",),
    )
    assert [q.text for q in notes.asked_of_you] == [
        "Alex, one question for you. Can you review the refund pull request today?"
    ]
    assert notes.asked_of_you[0].speaker is None
    assert "- **Them** asked: “Alex, one question for you." in render_notes_markdown(notes)


def test_summary_sentences_stand_alone_grouped_by_announced_topic() -> None:
    notes = build_notes(
        talk(
            "First topic is the mobile onboarding flow.",
            "The onboarding designs are final and the illustrations are done.",
            "That's too slow.",
            "I'm not sure.",
            "I believe so, but I want to check it with the product manager first.",
            "Next topic, the offline mode.",
            "Offline mode needs a sync queue on the device and conflict handling.",
            "I can take that.",
        ),
        [],
    )
    assert [t.label for t in notes.topics] == ["mobile onboarding flow", "offline mode"]
    points = [[p.text for p in t.points] for t in notes.topics]
    assert points == [
        ["The onboarding designs are final and the illustrations are done."],
        ["Offline mode needs a sync queue on the device and conflict handling."],
    ]
    md = render_notes_markdown(notes)
    assert "### Offline mode ([0:30](#u5))" in md
    assert (
        "- Offline mode needs a sync queue on the device and conflict handling. ([0:36](#u6))" in md
    )
    summary = md.split("## Decisions")[0]
    assert "That's too slow" not in summary and "I believe so" not in summary
    assert notes.title == "Mobile onboarding flow and offline mode"


def test_a_summary_written_by_a_model_is_used_as_it_is() -> None:
    nodes = [
        SummaryNode("meeting", "meeting", 0, 130, "old text", ("s001",), revision=0),
        SummaryNode(
            "meeting",
            "meeting",
            0,
            130,
            "The team moved the launch to March and asked Dana for a revised deck.",
            ("s001",),
            revision=4,
            closed=True,
        ),
    ]
    notes = build_notes(MEETING, nodes)
    assert notes.summary == "The team moved the launch to March and asked Dana for a revised deck."
    assert notes.topics == ()
    assert build_notes(MEETING, nodes, NotesOptions(title="Weekly sync")).title == "Weekly sync"


def test_word_times_place_each_sentence() -> None:
    text = "Thanks everyone. We agreed on the vendor."
    words = tuple(Word(w, 10.0 + i, 10.5 + i) for i, w in enumerate(text.split()))
    utt = Utterance("u1", "system", 10.0, 17.0, text, words)
    notes = build_notes([utt], [])
    assert notes.decisions[0].t == 12.0


def test_empty_meeting_says_so() -> None:
    notes = build_notes([u(1, 0, "   ")], [])
    assert notes.empty and notes.summary == "" and notes.actions == ()
    md = render_notes_markdown(notes)
    assert "Nothing was said" in md and "## Decisions" not in md


def test_markdown_has_every_section_and_every_item_links_its_utterance() -> None:
    notes = build_notes(MEETING, [], NotesOptions(user_names=("Dana",)))
    md = render_notes_markdown(notes)
    for heading in (
        "## Summary",
        "## Decisions",
        "## Action items",
        "## Open questions",
        "## Asked of you",
    ):
        assert heading in md
    assert (
        "- [ ] **Priya**: Update the roadmap before next Monday — due next Monday ([2:00](#u7))"
        in md
    )
    items = [line for line in md.splitlines() if line.startswith("- ")]
    assert items and all(re.search(r"\(\[\d+:\d\d\]\(#u\d\)", line) for line in items)
    assert not render_notes_markdown(notes, title=False).startswith("# ")
    quiet = render_notes_markdown(build_notes([u(1, 0, "The weather is nice today.")], []))
    assert quiet.count("_None noted._") == 4


def test_format_time() -> None:
    assert format_time(0) == "0:00"
    assert format_time(75.9) == "1:15"
    assert format_time(3725) == "1:02:05"


def test_talk_about_talking_is_not_an_action_item() -> None:
    said = [
        "Let me think about it for a second.",
        "I will be honest with you here.",
        "I'll share my screen now.",
        "Kwame, can you walk us through it?",
    ]
    notes = build_notes([u(i, i * 5.0, t) for i, t in enumerate(said)], [])
    assert notes.actions == ()
    work = build_notes([u(0, 0, "Let me check with legal about the contract.")], [])
    assert [(a.owner, a.what) for a in work.actions] == [
        ("Them", "Check with legal about the contract")
    ]


def test_owner_back_and_forth_and_introductions() -> None:
    notes = build_notes(
        talk(
            "Anything else? Jonas?",
            "The staging database will be down tomorrow morning.",
            "Good to know, we freeze deploys until then.",
            "Yes. I'll post in the channel when staging is back up.",
            "Ben from our billing team is here too.",
            "Hi all. I'll reissue the four hundred invoices by Thursday.",
        ),
        [],
    )
    assert [(a.owner, a.due) for a in notes.actions] == [("Jonas", None), ("Ben", "Thursday")]


def test_reporting_back_is_part_of_the_task_just_named() -> None:
    notes = build_notes(
        talk("I can look into where we get the time zone from. I'll report back next week."),
        [],
    )
    [a] = notes.actions
    assert (a.what, a.due) == ("Look into where we get the time zone from", "next week")


def test_who_asked_from_the_floor_or_the_thanks_that_answers() -> None:
    notes = build_notes(
        talk(
            "Victor, anything from your side?",
            "Chris, does your tool integrate with Samsara?",
            "Yes, it does. Thanks Victor.",
            user_lines=(2,),
        ),
        [],
        user_names=("Chris",),
    )
    assert [q.speaker for q in notes.asked_of_you] == ["Victor"]


def test_a_choice_confirmed_quotes_the_question_that_offered_it() -> None:
    notes = build_notes(
        talk(
            "Noor, you ran last year's numbers. What split would you suggest?",
            "I'd go sixty percent search, forty percent social.",
            "Sixty forty it is.",
        ),
        [],
    )
    [d] = notes.decisions
    assert d.context == "Noor, you ran last year's numbers. What split would you suggest?"


def test_a_bare_name_hands_over_the_floor_and_is_not_a_question_to_you() -> None:
    notes = build_notes(
        talk("Thanks Chloe. Robin?", "I'm still on the VPN migration.", user_lines=(1,)),
        [],
        user_names=("Robin",),
    )
    assert notes.asked_of_you == ()


def test_a_pronoun_late_in_a_request_does_not_hide_its_task() -> None:
    notes = build_notes(
        talk(
            "Noor, can you draft the press release so Sofia can include it?",
            "Yes, I'll have the draft by end of next week.",
            user_lines=(1,),
        ),
        [],
        user_names=("Noor",),
    )
    [a] = notes.actions
    assert (a.owner, a.what, a.due) == (
        "You",
        "Draft the press release so Sofia can include it",
        "end of next week",
    )
    assert a.context == ""


def test_what_about_opens_a_topic_but_what_about_you_does_not() -> None:
    notes = build_notes(
        talk(
            "The contract renewal is due in June and the price went up a lot.",
            "What about the exit clause?",
            "We can add a data export guarantee for the last ninety days.",
            "What about you?",
        ),
        [],
    )
    assert [t.label for t in notes.topics] == ["", "exit clause"]


def test_common_phrasings_of_asks_commitments_decisions_and_open_points() -> None:
    notes = build_notes(
        talk(
            "Can someone update the status page?",
            "Leave it with me.",
            "Priya, I need you to send the invoice to the client by Monday.",
            "So the plan is to ship the beta on the 15th.",
            "The pricing page wording is a bigger question, let's take that offline.",
            "I'm happy to pair on the onboarding bug this week.",
            user_lines=(1,),
        ),
        [],
    )
    assert [(a.owner, a.what, a.due) for a in notes.actions] == [
        ("You", "Update the status page", None),
        ("Priya", "Send the invoice to the client by Monday", "Monday"),
        ("Them", "Pair on the onboarding bug this week", "this week"),
    ]
    assert [d.text for d in notes.decisions] == ["So the plan is to ship the beta on the 15th."]
    assert [q.text for q in notes.questions] == [
        "The pricing page wording is a bigger question, let's take that offline."
    ]


def test_conclusions_and_lets_are_decisions_but_the_meetings_own_process_is_not() -> None:
    said = [
        "Let's triage the list and move on quickly.",
        "After that we won't get security patches.",
        "Then we'll roll the macros out to the whole team.",
        "Then let's measure it first.",
        "Agreed. The payments SDK upgrade is in for this quarter.",
        "Let's take a look at the numbers.",
    ]
    notes = build_notes([u(i, i * 6.0, t) for i, t in enumerate(said)], [])
    assert [d.text for d in notes.decisions] == [
        "Then we'll roll the macros out to the whole team.",
        "Then let's measure it first.",
        "The payments SDK upgrade is in for this quarter.",
    ]


def test_points_not_figured_out_or_put_off_until_something_is_known_are_open() -> None:
    said = [
        "One thing we haven't figured out is who signs the contract, procurement or finance.",
        "We decide about the test suite once we have the numbers.",
    ]
    notes = build_notes([u(i, i * 6.0, t) for i, t in enumerate(said)], [])
    assert [q.text for q in notes.questions] == said
    assert notes.decisions == ()


def test_agenda_nouns_name_topics_and_steering_stays_out_of_the_summary() -> None:
    notes = build_notes(
        talk(
            "Let's triage the tech debt list.",
            "The first candidate is the old payments SDK.",
            "The payments SDK is end-of-life in September, so security patches stop then.",
            "Second candidate, the flaky search indexer.",
            "The indexer crashes when a document is bigger than ten megabytes.",
        ),
        [],
    )
    assert [t.label for t in notes.topics] == ["old payments SDK", "flaky search indexer"]
    assert "triage" not in notes.summary
