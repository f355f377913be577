"""Default notes read from how a conversation moves between turns, by class of speech act:
choices stated with a choice verb, a question about what we do and the answer that settles it,
acknowledgements that name who took something on, and subjects found from changing words."""

from __future__ import annotations

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
