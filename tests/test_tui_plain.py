"""Plain line output (``loopnote.tui.plain``, used by ``--plain`` and when not on a terminal)."""

from __future__ import annotations

import io
import re
import threading

import pytest

from loopnote.cli.plain import PlainPrinter, wants_plain
from loopnote.events import (
    AlertRaised,
    BookmarkAdded,
    LevelChanged,
    PartialUpdated,
    SessionEnded,
    SessionStarted,
    SourceChanged,
    SpeakerNamed,
    StateChanged,
    SummaryUpdated,
    UtteranceCommitted,
    UtteranceRelabelled,
    WarningRaised,
)
from loopnote.types import Alert, CatchUpCard, PartialText, SessionWarning, SummaryNode, Utterance

W0 = 1_700_000_000.0


def lines_for(*events: object) -> list[str]:
    out = io.StringIO()
    printer = PlainPrinter(out)
    for e in events:
        printer.handle(e)  # type: ignore[arg-type]
    return out.getvalue().splitlines()


def test_one_line_per_committed_utterance_and_nothing_for_partials_levels_summaries() -> None:
    lines = lines_for(
        PartialUpdated(PartialText("system", 1.0, "hello ev"), W0),
        LevelChanged("mic", 1.0, -20.0, "capturing", W0),
        UtteranceCommitted(
            Utterance("u1", "system", 3661.2, 3663.0, "Hello  everyone,\nwelcome."), W0
        ),
        UtteranceCommitted(Utterance("u2", "mic", 3664.0, 3665.0, "Thanks."), W0),
        UtteranceCommitted(Utterance("u3", "system", 3666.0, 3667.0, "Next.", speaker="Priya"), W0),
        SummaryUpdated(SummaryNode("m0", "moment", 0, 60, "Greetings.", ("u1",)), W0),
    )
    assert lines == [
        "[01:01:01] Them: Hello everyone, welcome.",
        "[01:01:04] You: Thanks.",
        "[01:01:06] Priya: Next.",
    ]


def test_them_lines_show_their_speaker_and_labels_found_later_get_a_short_line() -> None:
    def said(uid: str, source: str, t: float, text: str, *who: str) -> UtteranceCommitted:
        u = Utterance(uid, source, t, t + 2, text)  # type: ignore[arg-type]
        return UtteranceCommitted(u, W0, *who)

    lines = lines_for(
        said("u1", "system", 3.0, "Morning, this is Priya."),  # no label yet
        said("u2", "mic", 6.0, "Hi Priya.", "you", "Alex Morgan"),
        UtteranceRelabelled("u1", "s2", W0, "Speaker 2"),  # a moment later
        UtteranceRelabelled("u1", "s2", W0, "Speaker 2"),  # no change: nothing
        UtteranceRelabelled("u9", "s1", W0, "Speaker 1"),  # never printed: nothing
        SpeakerNamed("s2", "Priya", "conversation", 0.9, W0),
        said("u3", "system", 9.0, "Shall we start?", "s2", "Priya"),  # known at commit
        said("u4", "system", 12.0, "Yes.", "s1"),
        UtteranceRelabelled("u3", "s1", W0, "Speaker 1"),  # a later look corrects it
        SpeakerNamed("s1", "Marcus", "user", 1.0, W0),
        SpeakerNamed("s1", None, "user", 0.0, W0),
    )
    assert lines == [
        "[00:00:03] Them: Morning, this is Priya.",
        "[00:00:06] You: Hi Priya.",
        "[00:00:03] ↳ Speaker 2",
        "Speaker 2 is Priya (from the conversation)",
        "[00:00:09] Priya: Shall we start?",
        "[00:00:12] Speaker 1: Yes.",
        "[00:00:09] ↳ Speaker 1 (was Priya)",
        "Speaker 1 is Marcus",
        "Speaker 1 is no longer named",
    ]
    # a reader of "[time] who: text" lines gets the utterances and nothing else
    spoken = [m.groups() for x in lines if (m := re.match(r"\[([\d:]+)\] ([^:]+): (.*)$", x))]
    assert [who for _, who, _ in spoken] == ["Them", "You", "Priya", "Speaker 1"]


def test_alerts_and_warnings_get_their_own_lines() -> None:
    card = CatchUpCard("Alex, what do you\nthink?", "…", "…", "…", 95.0)
    lines = lines_for(
        AlertRaised(Alert("name", "Alex", "Alex", "u9", 95.0, 0.9, card), W0),
        AlertRaised(Alert("name", "Alex", "Alec", None, 99.0, 0.7), W0),
        WarningRaised(SessionWarning("lost-frames", "Lost 80 ms of audio.", "system", 100.0), W0),
        WarningRaised(SessionWarning("llm-fallback", "The summary server did not answer."), W0),
    )
    assert lines == [
        "[00:01:35] !! Alex was mentioned: “Alex”. They asked: Alex, what do you think?",
        "[00:01:39] !! Alex was mentioned: “Alec”.",
        "[00:01:40] warning: Lost 80 ms of audio.",
        "warning: The summary server did not answer.",
    ]


def test_start_state_bookmark_device_and_end_lines() -> None:
    lines = lines_for(
        SessionStarted("m1", W0, ("system", "mic"), "/m/m1", "tiny.en", "Everyone knows."),
        StateChanged(True, 10.0, W0),
        StateChanged(False, 20.0, W0),
        BookmarkAdded(21.0, "", W0),
        BookmarkAdded(22.0, "decision", W0),
        SourceChanged("system", "Headphones", 30.0, W0),
        SessionEnded(W0 + 90, 90.0, "/m/m1"),
    )
    assert lines == [
        "Recording meeting m1 with tiny.en in /m/m1.",
        "Consent: Everyone knows.",
        "[00:00:10] paused",
        "[00:00:20] resumed",
        "[00:00:21] bookmark",
        "[00:00:22] bookmark: decision",
        "[00:00:30] Them now from Headphones",
        "Meeting ended after 00:01:30.",
    ]


def test_lines_from_many_threads_never_interleave() -> None:
    out = io.StringIO()
    printer = PlainPrinter(out)

    def write(k: int) -> None:
        for i in range(200):
            printer.handle(
                UtteranceCommitted(
                    Utterance(f"{k}-{i}", "system", i, i + 1, f"thread {k} line {i}"), W0
                )
            )

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = out.getvalue().splitlines()
    assert len(lines) == 800
    assert all(line.startswith("[") and ": thread " in line for line in lines)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_wants_plain_without_a_terminal_or_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    assert wants_plain(False, io.StringIO())
    assert not wants_plain(False, _Tty())
    assert wants_plain(True, _Tty())
    monkeypatch.setenv("TERM", "dumb")
    assert wants_plain(False, _Tty())
