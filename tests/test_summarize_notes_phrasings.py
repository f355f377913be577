"""Default notes on the many ways people say the same thing: hedged and approved decisions,
work someone is already on, questions put to the user without their name, points left open
by several people, and dates said as events or times of day."""

from __future__ import annotations

from loopnote.summarize import cues
from loopnote.summarize.notes import build_notes, render_notes_markdown
from test_summarize_notes import talk


def test_a_hedged_decision_on_that_carries_what_it_chose() -> None:
    notes = build_notes(
        talk(
            "The cost per click went up. I think we cut the brand keywords back.",
            "I think we go with that. Cut the brand keywords, keep the competitor ones.",
        ),
        [],
    )
    [d] = notes.decisions
    assert "Cut the brand keywords" in d.text and d.utterance_id == "u1"


def test_a_proposal_the_next_turn_approves_is_a_decision() -> None:
    notes = build_notes(
        talk(
            'Legal does not like "unlimited". I think we drop it and say "generous limits".',
            "Fine, ship it.",
            "I think we should talk about hiring next.",
            "Sure, but not today.",
        ),
        [],
    )
    [d] = notes.decisions
    assert "generous limits" in d.text
    assert [r.utterance_id for r in d.refs] == ["u1"]


def test_decision_and_agreed_clauses_are_decisions_but_questions_are_not() -> None:
    assert cues.is_decision("Fair. Okay, decision: flaky tests go to quarantine.")
    assert cues.is_decision("So, agreed: fifty thousand units at last year's price.")
    assert cues.is_decision("Let's settle on thirty minutes.")
    assert not cues.is_decision("Should we keep the retro every two weeks?")
    assert not cues.is_decision("Do we go with Kafka?")


def test_someone_already_on_it_owns_the_work() -> None:
    notes = build_notes(
        talk("I escalated it. Wei is on it, he is looking at the SSO config.", "Okay."), []
    )
    [a] = notes.actions
    assert (a.owner, a.what) == ("Wei", "He is looking at the SSO config")
    assert cues.assignment("Greta owns pricing, she'd know.") is None


def test_a_question_right_after_the_user_spoke_is_put_to_them() -> None:
    notes = build_notes(
        talk(
            "Legal came back about the pricing page.",
            "Okay, so we change the copy.",
            "Yes. Oh, and do you know if the annual plan discount is still twenty percent?",
            "No idea.",
            "Dana, can you check the discount with finance?",
            user_lines=(1, 3),
        ),
        [],
        user_names=("Ana",),
    )
    assert [q.utterance_id for q in notes.asked_of_you] == ["u2"]
    assert "annual plan discount" in notes.asked_of_you[0].text


def test_a_request_answering_the_user_is_theirs() -> None:
    notes = build_notes(
        talk(
            "The booth quote is double last year, I'd like three quotes first.",
            "Fine. Can you get the other two quotes by the 14th?",
            "Yes, the 14th works.",
            user_lines=(0, 2),
        ),
        [],
        user_names=("Sam",),
    )
    [a] = notes.actions
    assert (a.owner, a.due) == ("You", "the 14th")


def test_a_bare_name_after_a_statement_asks_about_it() -> None:
    notes = build_notes(
        talk("Forty five days we can accept. Eva?", "Okay, forty five works.", user_lines=(1,)),
        [],
        user_names=("Eva",),
    )
    [q] = notes.asked_of_you
    assert q.text == "Forty five days we can accept. Eva?"


def test_an_open_point_said_by_several_people_is_listed_once_by_what_it_is() -> None:
    notes = build_notes(
        talk(
            "Can you tell the customer today?",
            "Sure, I'll email them about the refund this morning.",
            "Third one, I'm not sure. A customer asks if we export to Excel in the old format. "
            "I asked product, no answer yet.",
            "So that one is still open.",
            "Yes, it stays open.",
            user_lines=(1, 3),
        ),
        [],
    )
    [q] = notes.questions
    assert "Excel" in q.text
    assert [r.utterance_id for r in q.refs] == ["u3", "u4"]
    [a] = notes.actions
    assert a.owner == "You" and "refund" in a.context  # the taker said what it is about


def test_dates_said_as_events_times_of_day_and_conditions() -> None:
    assert cues.due_of("I'll ping product again after lunch.") == "after lunch"
    assert cues.due_of("I'll send the form Friday morning.") == "Friday morning"
    assert cues.due_of("I'll push the change before the release.") == "the release"
    assert cues.due_of("before the next board meeting") == "the next board meeting"
    assert cues.due_of("I'll order once the contract is signed.") == "once the contract is signed"
    assert cues.due_of("I'll review the release notes.") is None


def test_summary_keeps_a_question_that_raises_a_topic_and_leaves_out_thanks() -> None:
    notes = build_notes(
        talk(
            "We looked at three venues last week and visited two of them on Monday.",
            "Does the catering contract at the lake hotel cover a vegetarian menu as well?",
            "That was really useful for all of us, thanks Amir.",
            "Dana, is that clear?",
        ),
        [],
    )
    md = render_notes_markdown(notes)
    summary = md.split("## Summary")[1].split("## Decisions")[0]
    assert "catering contract" in summary
    assert "thanks Amir" not in summary and "Dana" not in summary


def test_so_after_the_answer_to_a_choice_is_a_decision_but_a_plain_so_is_not() -> None:
    notes = build_notes(
        talk(
            "Do you want the invoices to go to your customers directly, or to you first?",
            "To us first, please.",
            "Got it. So reissued invoices go to Northwind first.",
            "So the staging database was down for an hour yesterday.",
        ),
        [],
    )
    [d] = notes.decisions
    assert d.text == "So reissued invoices go to Northwind first."
    assert d.context.startswith("Do you want the invoices")


def test_more_ways_to_decide_commit_and_leave_open() -> None:
    assert cues.is_decision("We're going to go with ISO dates in the export.")
    assert cues.is_decision("Okay, consensus is we cut the periodic table history.")
    assert not cues.is_decision("Let's not decide that on the bridge.")
    assert cues.open_marker("Honestly, that's still up in the air.") == "stated"
    assert cues.commitment("Put me down for the new risk assessment.") == "the new risk assessment"
    assert cues.commitment("I send it to all drivers on Friday evening.") is not None
    assert cues.commitment("I reran the pipeline fifteen times this sprint.") is None
    assert cues.due_of("I'll post it in ten minutes.") == "in ten minutes"
    assert cues.due_of("I'll have the migration ready first thing Monday.") == "first thing Monday"


def test_that_still_up_in_the_air_is_the_question_just_asked() -> None:
    notes = build_notes(
        talk(
            "The other thing is single sign-on. Do you support Okta?",
            "Honestly, that's still up in the air. We have Azure AD today.",
        ),
        [],
    )
    [q] = notes.questions
    assert "Okta" in q.text and q.context == "Honestly, that's still up in the air."


def test_a_second_sentence_about_the_same_task_adds_its_date() -> None:
    notes = build_notes(
        talk("I can ask my church group. I will ask them tomorrow after the service.", "Good."),
        [],
    )
    [a] = notes.actions
    assert (a.what, a.due) == ("Ask my church group", "tomorrow")
