"""Post-meeting notes: decisions, action items, open questions, asked of you, empty meetings."""

from __future__ import annotations

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
    owners = {(a.owner, a.due) for a in notes.actions}
    assert ("You", "Friday") in owners  # asked of the user by name, with its due date
    assert ("You", "tomorrow") in owners  # the user's own commitment on the mic
    assert ("Priya", "next Monday") in owners
    priya = next(a for a in notes.actions if a.owner == "Priya")
    assert priya.what.startswith("Update the roadmap") and priya.t == 120
    # the unanswered question stays open; the answered one and the ones put to the user do not
    assert [q.text for q in notes.questions] == ["Who owns the vendor contract?"]
    asked = [q.text for q in notes.asked_of_you]
    assert asked == [
        "Dana, can you send the revised deck to finance by Friday?",
        "What do you think about the pricing, Dana?",
    ]


def test_without_user_names_nothing_is_asked_of_you() -> None:
    notes = build_notes(MEETING, [])
    assert notes.asked_of_you == ()
    assert any(a.owner == "Dana" for a in notes.actions)
    # answered on the mic ("I think it is fine."), so not open
    assert "What do you think about the pricing, Dana?" not in [q.text for q in notes.questions]
    assert "Who owns the vendor contract?" in [q.text for q in notes.questions]


def test_the_users_own_words_are_never_asked_of_them() -> None:
    notes = build_notes(
        [u(1, 0, "Dana here, can everyone hear me?", source="mic")],
        [],
        NotesOptions(user_names=("Dana",)),
    )
    assert notes.asked_of_you == ()


def test_title_and_summary_come_from_the_summary_tree() -> None:
    nodes = [
        SummaryNode(
            "s001",
            "section",
            0,
            60,
            "Launch moved to March after the budget review.",
            ("m0001",),
            revision=3,
            closed=True,
        ),
        SummaryNode("meeting", "meeting", 0, 130, "old text", ("s001",), revision=0),
        SummaryNode(
            "meeting",
            "meeting",
            0,
            130,
            "The launch moves to March.",
            ("s001",),
            revision=4,
            closed=True,
        ),
    ]
    notes = build_notes(MEETING, nodes)
    assert notes.title == "Launch moved to March after the budget review"
    assert notes.summary == "The launch moves to March."
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


def test_markdown_has_every_section_and_marks_empty_lists() -> None:
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
    assert "- [ ] **Priya**: Update the roadmap before next Monday — due next Monday (2:00)" in md
    assert md.startswith("# Let's look at the budget first\n")
    assert not render_notes_markdown(notes, title=False).startswith("# ")
    quiet = render_notes_markdown(build_notes([u(1, 0, "The weather is nice today.")], []))
    assert quiet.count("_None noted._") == 4


def test_format_time() -> None:
    assert format_time(0) == "0:00"
    assert format_time(75.9) == "1:15"
    assert format_time(3725) == "1:02:05"


def test_talk_about_talking_is_not_an_action_item() -> None:
    talk = [
        "Let me think about it for a second.",
        "I will be honest with you here.",
        "I'll share my screen now.",
    ]
    notes = build_notes([u(i, i * 5.0, t) for i, t in enumerate(talk)], [])
    assert notes.actions == ()
    work = build_notes([u(0, 0, "Let me check with legal about the contract.")], [])
    assert [(a.owner, a.what) for a in work.actions] == [
        ("Them", "Check with legal about the contract")
    ]
