"""Default notes read from how a conversation moves between turns, by class of speech act:
choices stated with a choice verb, a question about what we do and the answer that settles it,
acknowledgements that name who took something on, and subjects found from changing words."""

from __future__ import annotations

from dataclasses import replace

from loopnote.summarize import cohesion, cues
from loopnote.summarize.address import thanked
from loopnote.summarize.notes import build_notes
from test_summarize_notes import talk


def test_choice_verbs_after_a_conclusion_are_decisions_descriptions_are_not() -> None:
    for said in (
        "Then we cancel the Lisbon workshop.",
        "Okay, we keep the old pricing for schools.",
        "So we'll postpone the rebrand to autumn.",
        "Alright, my call is no-go until the audit is back.",
    ):
        assert cues.is_decision(said), said
    for said in (
        "We use the shared calendar for everything.",  # a habit
        "We moved the archive last year.",  # the past
        "If we cancel it, we lose the deposit.",  # a condition
        "Okay, so do we cancel it?",  # a question
    ):
        assert not cues.is_decision(said), said


def test_a_choice_said_right_after_an_approval_is_the_decision() -> None:
    notes = build_notes(
        talk(
            "How often should the digest go out?",
            "I'd send it every Monday instead of daily.",
            "Fine by me. We send the digest on Mondays from now.",
        ),
        [],
    )
    [d] = notes.decisions
    assert "digest on Mondays" in d.text and d.utterance_id == "u2"


def test_a_whether_question_is_not_a_proposal_an_approval_could_take() -> None:
    assert cues.is_proposal("I'd switch the hosting to the cheaper plan.")
    assert not cues.is_proposal("Whether we should switch the hosting is still open.")


def test_the_answer_that_settles_a_question_about_what_we_do_carries_the_question() -> None:
    notes = build_notes(
        talk(
            "Do we print the flyers in colour or black and white?",
            "Colour costs twice as much.",
            "Black and white then. Nobody keeps flyers anyway.",
            "Good. I'll order them from the print shop tomorrow.",
        ),
        [],
    )
    [d] = notes.decisions
    assert d.text.startswith("Black and white then")
    assert "flyers" in d.context  # what it settles, quoted from the question


def test_an_answer_the_next_turn_builds_on_settles_it_but_a_taker_does_not() -> None:
    settled = build_notes(
        talk(
            "Should we invite the press to the opening or keep it internal?",
            "Keep it internal this time.",
            "Then I'll write the invitations for staff only.",
        ),
        [],
    )
    assert [d.text for d in settled.decisions] == ["Keep it internal this time."]
    taken = build_notes(
        talk("Do we have anyone for the press kit?", "I can take the press kit.", "Great."),
        [],
    )
    assert taken.decisions == ()


def test_a_restated_decision_is_one_item() -> None:
    notes = build_notes(
        talk(
            "I propose we move the book club to Wednesdays.",
            "Works for me.",
            "Wednesdays then. See you all.",
        ),
        [],
    )
    [d] = notes.decisions
    assert "book club" in d.text


def test_an_acknowledgement_naming_someone_names_who_just_spoke() -> None:
    assert thanked("Perfect, Ingrid. Next item.") == "Ingrid"
    assert thanked("Great, thank you, Dr Osei.") == "Dr Osei"
    assert thanked("Okay, Saturday only.") is None
    assert thanked("Good. Let's go on.") is None
    notes = build_notes(
        talk("I'll book the venue by Thursday.", "Lovely, Ingrid. What about catering?"), []
    )
    [a] = notes.actions
    assert a.owner == "Ingrid" and a.due == "Thursday"


def test_cohesion_cuts_where_the_words_change() -> None:
    venue = [{"venue", "hotel", "rooms"}, {"hotel", "bus"}, {"rooms", "venue"}, {"hotel", "lake"}]
    budget = [{"budget", "finance"}, {"finance", "money"}, {"budget", "money"}, {"finance"}]
    assert cohesion.cuts(venue + budget) == [0, 4]
    assert cohesion.cuts(venue) == [0]  # too short to cut


def test_a_due_date_can_be_an_event_a_month_or_a_quarter_after_a_limit_word() -> None:
    from loopnote.summarize.dates import due_of

    assert due_of("I'll have the figures before the budget review.") == "the budget review"
    assert due_of("We need it by the next steering meeting.") == "the next steering meeting"
    assert due_of("Ship the beta by Q3.") == "Q3"
    assert due_of("I'll finish it by mid-March.") == "mid-March"
    assert due_of("I'll call back within the hour.") == "within the hour"
    assert due_of("As I said on the call, it works.") is None  # "on" an event is no date
    assert due_of("I'll send it by email.") is None


def test_work_given_to_someone_by_name_in_the_third_person() -> None:
    assert cues.assignment("Lukas's going to draft the survey.") == ("Lukas", "draft the survey")
    assert cues.assignment("Action for Mei: renew the domain.") == ("Mei", "renew the domain")
    assert cues.assignment("Tom's laptop is broken.") is None


def test_commitments_and_acceptances_beyond_ill() -> None:
    assert cues.commitment("I'm planning to call the landlord Monday.") == (
        "call the landlord Monday"
    )
    assert cues.commitment("I'm gonna fix the flaky login test.") == "fix the flaky login test"
    for said in ("That one's mine.", "I got it.", "Count me in."):
        assert cues.is_acceptance(said), said
    assert not cues.is_acceptance("I got it wrong last time.")


def test_a_request_said_as_an_imperative_to_someone_by_name() -> None:
    assert cues.request("Okay, Ana, just check the invoices before noon.") == (
        "Ana",
        "check the invoices before noon",
    )
    assert cues.request("Would you mind booking the room?") == (None, "booking the room")
    assert cues.request("Thanks Diego, send my love to the team.") is None  # thanks, no task
    assert cues.request("Marcus, where are we?") is None


def test_a_decision_that_does_not_name_its_subject_is_framed_by_the_agenda_point() -> None:
    notes = build_notes(
        talk(
            "Second, the parking permits.",
            "The city wants us to renew them for two years at once.",
            "That's what we did last time, right?",
            "Okay, we sign for two years. Done.",
        ),
        [],
    )
    [d] = notes.decisions
    assert d.topic == "parking permits" and d.text.startswith("Okay, we sign")
    assert "right?" not in d.context  # a tag question puts no choice to settle


def test_a_go_said_again_at_the_end_is_the_same_verdict() -> None:
    notes = build_notes(
        talk(
            "My call is go for the Sunday release, if the smoke tests pass.",
            "Who tells the help desk?",
            "I'll write to them tonight.",
            "Good. That's a go, then.",
        ),
        [],
    )
    assert len(notes.decisions) == 1 and "Sunday release" in notes.decisions[0].text


def test_a_dated_next_sentence_is_the_same_task_not_another() -> None:
    notes = build_notes(
        talk("I'll set up the staging account. I'll send you the login on Thursday."), []
    )
    [a] = notes.actions
    assert "staging account" in a.what and a.due == "Thursday"
    also = build_notes(
        talk("I'll set up the staging account. I'll also book the room on Thursday."), []
    )
    assert len(also.actions) == 2  # "also": a second task


def test_an_inquiry_cites_the_question_it_will_answer() -> None:
    notes = build_notes(
        talk(
            "Does the warranty cover the second battery?",
            "Good question. I'll have to confirm with the manufacturer.",
            user_lines=(1,),
        ),
        [],
        user_names=("Ada",),
    )
    [a] = notes.actions
    assert a.owner == "You" and "battery" in a.context


def test_a_task_handed_on_belongs_to_whom_the_floor_was_given() -> None:
    notes = build_notes(
        talk(
            "We need the incident timeline in writing. Can you send it?",
            "Yes. Tariq and I will write it. Tariq?",
            "Sure, we'll have the timeline to you by Wednesday.",
            user_lines=(1,),
        ),
        [],
        user_names=("Ada",),
    )
    [a] = notes.actions
    assert (a.owner, a.due) == ("Tariq", "Wednesday")


def test_a_hedged_offer_is_neither_a_task_nor_an_open_question() -> None:
    notes = build_notes(
        talk("I might be able to drive, but I need to check with my partner first."), []
    )
    assert not notes.actions and not notes.questions
    assert cues.commitment("Maybe I can help, I'd have to check the calendar.") is None


def test_in_a_call_of_two_a_question_without_you_is_put_to_the_user() -> None:
    turns = talk(
        "Hi Ben, it's Ada from billing. You wrote about a double charge?",
        "Yes, twice in March. When does the refund arrive?",
        "Within five working days.",
        "Okay. Will the late fee be removed as well?",
        "I'll remove it today.",
        "Thanks, Ada.",
        user_lines=(0, 2, 4),
    )
    asked = build_notes(turns, [], user_names=("Ada",)).asked_of_you
    assert [q.text for q in asked] == [
        "When does the refund arrive?",
        "Will the late fee be removed as well?",
    ]
    # a third voice spoken to by name: no longer a call of two
    more = [*turns[:3], *talk("Maria, will the late fee be removed as well?")]
    more[3] = replace(more[3], start=20.0, end=22.0, id="u9")
    asked = build_notes(more, [], user_names=("Ada",)).asked_of_you
    assert [q.text for q in asked] == []


def test_a_letter_or_no_before_i_will_ends_the_sentence() -> None:
    from loopnote.summarize.base import split_sentences

    assert split_sentences("We go with plan B. I'll tell the others.") == [
        "We go with plan B.",
        "I'll tell the others.",
    ]
    assert split_sentences("Not today, no. I'll call back.") == [
        "Not today, no.",
        "I'll call back.",
    ]
    assert split_sentences("Ask J. Smith about it.") == ["Ask J. Smith about it."]
    assert cues.due_of("I can, but only after the 20th.") == "after the 20th"


def test_a_short_answer_in_the_summary_carries_its_question() -> None:
    notes = build_notes(
        talk(
            "The spring meetup is booked for April.",
            "Do we serve lunch at the meetup or only coffee and snacks?",
            "Only coffee would be cheaper.",
            "Hi, sorry, just jumping in.",
        ),
        [],
    )
    said = [p.text for t in notes.topics for p in t.points]
    assert "Do we serve lunch at the meetup or only coffee and snacks? Only coffee" in " ".join(
        said
    )
    assert not any(p.startswith(("Only coffee", "Hi, sorry")) for p in said)
