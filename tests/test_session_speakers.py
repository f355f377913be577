"""Live speaker labels in the session, fast: real queues, threads and meeting folders, a
scripted recognizer and a scripted labeller (no model) that can be made slow or hung.

``ScriptedLabeller`` says the speaker the test wrote for each line (by its text); it records
the audio it was fed, so the test can check the system source's audio reaches it on the
session's clock. A hung labeller must not delay a line, an alert or the end of the meeting.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf

from loopnote.audio.recorder import Recorder
from loopnote.events import (
    AlertRaised,
    Event,
    SessionEnded,
    SpeakerNamed,
    StepProgress,
    UtteranceCommitted,
    UtteranceRelabelled,
    UtteranceSplit,
)
from loopnote.live_speakers import RATE, LiveSpeakers, Named, SpeakerLabelling, SpeakerNews, Split
from loopnote.meeting_speakers import MeetingSpeakers
from loopnote.session import Session, SessionOptions
from loopnote.speakers import SpeakerTurn, UtterancePart
from loopnote.store import MeetingFolder, MeetingMeta, SearchIndex, export_json
from loopnote.store.speakers import split_utterance
from loopnote.store.voices import Voice, load_meeting_voiceprints
from loopnote.types import Utterance, Word
from test_session import Knobs, Listener, PacedInput, scripted, settings

SPEAKERS = {"s1": np.eye(8, dtype=np.float32)[0], "s2": np.eye(8, dtype=np.float32)[1]}


class ScriptedLabeller:
    """Labels by the line's start time (``who``: start → speaker); ``fix`` makes a later
    label correct an earlier one; ``cut`` hears a second voice inside a line; ``whole`` is
    what a diarization of the whole meeting finds; ``gate`` (when set) holds every call
    until it opens."""

    def __init__(
        self,
        who: dict[float, str],
        fix: dict[float, tuple[float, str]] | None = None,
        gate: threading.Event | None = None,
        cut: dict[float, tuple[int, str]] | None = None,
        whole: list[SpeakerTurn] | str | None = None,
    ) -> None:
        self.who = who
        self.whole: Any = whole or []
        self.diarized: list[float] = []  # seconds of audio of each whole-meeting call
        self.cut = cut or {}
        self.fix = fix or {}
        self.gate = gate
        self.entered = threading.Event()
        self.fed: list[tuple[float, int]] = []  # (start, samples)
        self.ids: dict[float, str] = {}
        self.spans: list[tuple[float, float, float]] = []  # start, end, audio level there

    def feed(self, samples: npt.NDArray[np.float32], t: float) -> None:
        self.fed.append((t, len(samples)))

    def label(
        self, utterance_id: str, start: float, end: float
    ) -> tuple[str | None, list[tuple[str, str]]]:
        self.entered.set()
        if self.gate is not None:
            self.gate.wait()
        self.ids[start] = utterance_id
        self.spans.append((start, end, self._covered(start, end)))
        changed = []
        if start in self.fix:
            earlier, spk = self.fix[start]
            changed.append((self.ids[earlier], spk))
        return self.who.get(start), changed

    def label_parts(
        self, utterance_id: str, start: float, end: float, words: Sequence[Word]
    ) -> tuple[list[UtterancePart], list[tuple[str, str]]]:
        """``cut`` (start → (word, speaker)): a second voice from that word on."""
        if start not in self.cut or not words:
            speaker, changed = self.label(utterance_id, start, end)
            return [UtterancePart(start, end, speaker, 0, len(words))], changed
        k, second = self.cut[start]
        first, changed = self.label(utterance_id, start, words[k].start)
        self.ids[words[k].start] = f"{utterance_id}.2"
        return [
            UtterancePart(start, words[k].start, first, 0, k),
            UtterancePart(words[k].start, end, second, k, len(words)),
        ], changed

    def warm_up(self) -> None:
        pass

    def diarize(
        self,
        audio: npt.NDArray[np.float32],
        progress: Callable[[float], None] | None = None,
    ) -> list[SpeakerTurn]:
        self.diarized.append(len(audio) / RATE)
        for share in (0.0, 0.4):  # each long enough for the session to tell it
            if progress is not None:
                progress(share)
            time.sleep(0.3)
        if self.whole == "broken":
            raise MemoryError("no room for the whole recording")
        return self.whole

    def centroids(self) -> dict[str, npt.NDArray[np.float32]]:
        return {s: v for s, v in SPEAKERS.items() if s in self.who.values()}

    def _covered(self, start: float, end: float) -> float:
        """Seconds of [start, end] the fed audio covers."""
        return sum(max(0.0, min(end, t + n / RATE) - max(start, t)) for t, n in self.fed)


def run_meeting(
    tmp_path: Path,
    lines: dict[str, list[tuple[str, float, float]]],
    labeller: ScriptedLabeller,
    *,
    seconds: float = 8.0,
    speed: float = 2.0,
    on_event: object = None,
    record: bool = False,
    replayed: Path | None = None,
    **kw: object,
) -> tuple[Path, Listener, Knobs]:
    options = SessionOptions(settings=settings(tmp_path, **kw), origin="file", replayed=replayed)
    inputs = [PacedInput(src, seconds, speed=speed) for src in lines]
    s = Session.build(
        inputs,
        options,
        recognizer_factory=scripted(lines, k := Knobs()),
        speakers=SpeakerLabelling(labeller),
        recorder_factory=(lambda folder, source: Recorder(folder, source)) if record else None,
    )
    got = Listener()

    def listen(event: Event) -> None:
        got(event)
        if callable(on_event):
            on_event(s, event)

    folder = s.run(listen)
    return folder, got, k


CONVERSATION = [
    ("This is Tom from sales.", 0.5, 1.5),
    ("Thanks for having me.", 2.0, 3.0),
    ("Priya, can you take the launch?", 4.0, 5.5),
    ("Sounds good.", 6.0, 7.0),
]


def test_lines_carry_the_speaker_known_then_and_labels_follow_as_relabels(
    tmp_path: Path,
) -> None:
    lab = ScriptedLabeller({0.5: "s1", 2.0: "s1", 4.0: "s2", 6.0: "s2"}, fix={6.0: (2.0, "s2")})
    mic = [("Sure, I can.", 5.6, 5.9)]
    folder, got, _ = run_meeting(
        tmp_path, {"system": CONVERSATION, "mic": mic}, lab, name="Priya", headphones=True
    )
    committed = {e.utterance.text: e for e in got.of(UtteranceCommitted)}
    you = committed["Sure, I can."]
    assert (you.speaker, you.speaker_name) == ("you", "Priya")
    assert you.to_json()["speaker"] == "you"
    # a system line is told before the slow worker labels it
    assert committed["This is Tom from sales."].to_json()["speaker"] is None
    relabels = [(e.utterance_id, e.speaker) for e in got.of(UtteranceRelabelled)]
    ids = {e.utterance.text: e.utterance.id for e in got.of(UtteranceCommitted)}
    assert (ids["Thanks for having me."], "s1") in relabels
    assert relabels[-2:] == [(ids["Thanks for having me."], "s2"), (ids["Sounds good."], "s2")]
    (named,) = got.of(SpeakerNamed)
    assert (named.speaker, named.name, named.how) == ("s1", "Tom", "conversation")
    assert named.to_json()["type"] == "speaker" and named.to_json()["id"] == "s1"
    # the audio of every labelled line reached the labeller on the session's clock
    for start, end, covered in lab.spans:
        assert covered >= 0.9 * (end - start), (start, end, covered)
    # after the meeting, readers see the final labels (the journal was not rewritten)
    stored = MeetingFolder.open(folder)
    assert all(u.speaker is None for u in stored.load_utterances() if u.source == "system")
    labelled = {u.text: u.speaker for u in stored.load_labelled_utterances()}
    assert labelled["This is Tom from sales."] == "Tom"
    assert labelled["Thanks for having me."] == "Speaker 2"
    assert "Tom" in (folder / "notes.md").read_text(encoding="utf-8")
    _, prints = load_meeting_voiceprints(folder)
    assert sorted(prints) == ["s1", "s2"]  # a rename after the meeting can remember them


def test_a_hung_labeller_delays_no_line_no_alert_and_not_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("loopnote.meeting_speakers.FINISH_SECONDS", 2.0)
    gate = threading.Event()
    lab = ScriptedLabeller(
        {0.5: "s1", 2.0: "s1", 4.0: "s2", 6.0: "s2"}, gate=gate, cut={4.0: (2, "s1")}
    )
    hung_when: dict[str, bool] = {}

    def listen(_s: Session, event: Event) -> None:
        if isinstance(event, UtteranceCommitted | AlertRaised):
            key = event.utterance.text if isinstance(event, UtteranceCommitted) else "alert"
            hung_when[key] = lab.entered.is_set() and not gate.is_set()

    t0 = time.monotonic()
    _, got, k = run_meeting(tmp_path, {"system": CONVERSATION}, lab, on_event=listen, name="Priya")
    took = time.monotonic() - t0
    assert [hung_when[x[0]] for x in CONVERSATION[1:]] == [True, True, True]
    assert hung_when["alert"] is True
    told = {
        e.utterance.text: t
        for e, t in zip(got.events, got.at, strict=True)
        if isinstance(e, UtteranceCommitted)
    }
    for text, said in k.said.items():
        assert told[text] - said < 1.0, text
    assert not got.of(UtteranceRelabelled) and not got.of(UtteranceSplit)  # it never answered
    assert "speakers-late" in got.codes()
    assert took < 8.0 / 2.0 + 10.0  # the end waited for the labeller once, then went on
    gate.set()


def test_the_card_says_who_said_the_recent_lines_the_labeller_knows(tmp_path: Path) -> None:
    lab = ScriptedLabeller({0.5: "s1", 2.0: "s2", 4.0: "s2"})
    lines = [
        ("This is Tom from sales.", 0.5, 1.5),
        ("Dana here, hello.", 2.0, 3.0),
        ("Okay. Priya, can you take the launch?", 4.0, 5.5),
    ]
    slow = PacedInput("system", 9.0, speed=1.0)
    options = SessionOptions(settings=settings(tmp_path, name="Priya"), origin="file")
    s = Session.build(
        [slow],
        options,
        recognizer_factory=scripted({"system": lines}, Knobs()),
        speakers=SpeakerLabelling(lab),
    )
    got = Listener()
    s.run(got)
    (alert,) = got.of(AlertRaised)
    card = alert.alert.card
    assert "Tom: This is Tom from sales." in card.last_verbatim
    assert "Dana: Dana here, hello.\nThem: Okay. Priya," in card.last_verbatim


def test_a_speaker_is_renamed_live_and_a_bad_rename_changes_nothing(tmp_path: Path) -> None:
    lab = ScriptedLabeller({0.5: "s1", 2.0: "s1", 4.0: "s2", 6.0: "s2"})
    asked: list[str] = []

    def listen(s: Session, event: Event) -> None:
        if isinstance(event, UtteranceRelabelled) and event.speaker == "s2" and not asked:
            asked.append(event.utterance_id)
            s.rename_speaker("Speaker 2", "Marcus")
            s.rename_speaker("Speaker 9", "Nobody")
            s.rename_speaker("s1", "  ")

    folder, got, _ = run_meeting(tmp_path, {"system": CONVERSATION}, lab, on_event=listen)
    user = [e for e in got.of(SpeakerNamed) if e.how == "user"]
    assert [(e.speaker, e.name) for e in user] == [("s2", "Marcus")]
    assert got.codes().count("rename-failed") == 2
    stored = MeetingFolder.open(folder)
    labelled = {u.text: u.speaker for u in stored.load_labelled_utterances()}
    assert labelled["Sounds good."] == "Marcus"
    assert labelled["This is Tom from sales."] == "Tom"  # the conversation's name stays


def test_a_remembered_voice_names_its_speaker(tmp_path: Path) -> None:
    news: list[SpeakerNews] = []
    lab = ScriptedLabeller({0.0: "s1", 3.0: "s2"})
    voices = [
        Voice("Marcus", SPEAKERS["s2"], "fake", 0.0),
        Voice("Ana", -SPEAKERS["s1"], "fake", 0),
    ]
    live = LiveSpeakers(lab, news.extend, voices=voices, model="fake")
    live.start()
    live.audio(np.zeros(6 * RATE, np.float32), 0.0)
    live.utterance(Utterance("s00001", "system", 0.0, 3.0, "Hello."))
    live.utterance(Utterance("s00002", "system", 3.0, 6.0, "Hi."))
    assert live.close(5.0)
    assert Named("s2", "Marcus", "voiceprint", 1.0) in news
    assert not [n for n in news if isinstance(n, Named) and n.speaker == "s1"]


def test_audio_lost_while_the_labeller_stalled_keeps_its_clock() -> None:
    lab = ScriptedLabeller({})
    live = LiveSpeakers(lab, lambda news: None, keep_seconds=5.0)
    for k in range(20):  # 20 s arrive while nothing is labelled: the oldest 15 s go
        live.audio(np.zeros(RATE, np.float32), float(k))
    live.start()
    live.utterance(Utterance("s00001", "system", 16.0, 19.0, "Late."))
    assert live.close(5.0)
    starts = [t for t, _ in lab.fed]
    assert starts[0] >= 14.0  # only the newest seconds were kept
    (_, _, covered) = lab.spans[0]
    assert abs(covered - 3.0) < 1e-3


def test_export_json_gives_every_utterance_its_final_speaker(tmp_path: Path) -> None:
    lab = ScriptedLabeller({0.5: "s1", 2.0: "s1", 4.0: "s2", 6.0: "s2"}, fix={6.0: (2.0, "s2")})
    folder, _, _ = run_meeting(tmp_path, {"system": CONVERSATION}, lab)
    data = json.loads(json.dumps(export_json(MeetingFolder.open(folder))))
    speakers = {u["text"]: (u.get("speaker"), u.get("speaker_name")) for u in data["utterances"]}
    assert speakers["This is Tom from sales."] == ("s1", "Tom")
    assert speakers["Thanks for having me."] == ("s2", None)  # corrected by a later look
    assert speakers["Sounds good."] == ("s2", None)


def test_the_last_look_relabels_lines_from_the_whole_recorded_meeting(tmp_path: Path) -> None:
    # live, the second line went to s1; the whole meeting heard at once gives it to the
    # voice of the last two lines (its own id "b" there: the ids follow the live ones)
    lab = ScriptedLabeller(
        {0.5: "s1", 2.0: "s1", 4.0: "s2", 6.0: "s2"},
        whole=[SpeakerTurn(0.4, 1.6, "a"), SpeakerTurn(1.9, 7.1, "b")],
    )
    folder, got, _ = run_meeting(tmp_path, {"system": CONVERSATION}, lab, record=True)
    assert len(lab.diarized) == 1 and lab.diarized[0] >= 7.5  # all of the recorded audio
    ids = {e.utterance.text: e.utterance.id for e in got.of(UtteranceCommitted)}
    relabels = [(e.utterance_id, e.speaker) for e in got.of(UtteranceRelabelled)]
    assert relabels[-1] == (ids["Thanks for having me."], "s2")  # after every live label
    assert got.events.index(got.of(UtteranceRelabelled)[-1]) < got.events.index(
        got.of(SessionEnded)[0]
    )
    labelled = {u.text: u.speaker for u in MeetingFolder.open(folder).load_labelled_utterances()}
    assert labelled["This is Tom from sales."] == "Tom"  # the name stays on its voice
    assert labelled["Thanks for having me."] == labelled["Sounds good."] == "Speaker 2"


def test_the_last_look_tells_its_progress_before_its_labels(tmp_path: Path) -> None:
    lab = ScriptedLabeller(
        {0.5: "s1", 2.0: "s1", 4.0: "s2", 6.0: "s2"},
        whole=[SpeakerTurn(0.4, 1.6, "a"), SpeakerTurn(1.9, 7.1, "b")],
    )
    _, got, _ = run_meeting(tmp_path, {"system": CONVERSATION}, lab, record=True)
    steps = got.of(StepProgress)
    told = [e.done for e in steps]
    assert {(e.step, e.total) for e in steps} == {("speakers", 100)}
    assert told == sorted(set(told)) and told[0] < 100 and told[-1] == 100  # 0, 40, 100
    assert steps[0].to_json()["type"] == "progress"
    at = got.events.index
    live_labels = [e for e in got.of(UtteranceRelabelled) if at(e) < at(steps[0])]
    assert len(live_labels) == 4  # every live label is told before the last look begins
    assert at(got.of(UtteranceRelabelled)[-1]) > at(steps[-1])  # its labels after the bar


def test_a_name_from_the_conversation_follows_its_line_in_the_last_look(
    tmp_path: Path,
) -> None:
    # live, "This is Tom from sales." named s1; the whole meeting hears that line in the
    # voice of the last two lines (s2's), and the second line as the only other voice
    lab = ScriptedLabeller(
        {0.5: "s1", 2.0: "s1", 4.0: "s2", 6.0: "s2"},
        whole=[SpeakerTurn(0.4, 1.6, "b"), SpeakerTurn(1.9, 3.1, "a"), SpeakerTurn(3.9, 7.1, "b")],
    )
    folder, got, _ = run_meeting(tmp_path, {"system": CONVERSATION}, lab, record=True)
    named = [(e.speaker, e.name) for e in got.of(SpeakerNamed)]
    assert named == [("s1", "Tom"), ("s1", None), ("s2", "Tom")]
    labelled = {u.text: u.speaker for u in MeetingFolder.open(folder).load_labelled_utterances()}
    assert labelled["This is Tom from sales."] == labelled["Sounds good."] == "Tom"
    assert labelled["Thanks for having me."] == "Speaker 1"


def test_a_replayed_meeting_takes_its_last_look_from_the_file(tmp_path: Path) -> None:
    wav = tmp_path / "call.wav"
    sf.write(wav, np.zeros(44100 * 9, np.float32), 44100)  # what the replay read
    lab = ScriptedLabeller(
        {0.5: "s1", 2.0: "s1", 4.0: "s2", 6.0: "s2"}, whole=[SpeakerTurn(1.9, 7.1, "b")]
    )
    folder, _, _ = run_meeting(tmp_path, {"system": CONVERSATION}, lab, replayed=wav)
    assert lab.diarized == [9.0]  # the whole file, at 16 kHz
    labelled = {u.text: u.speaker for u in MeetingFolder.open(folder).load_labelled_utterances()}
    assert labelled["Thanks for having me."] == "Speaker 2"


def test_a_failing_last_look_leaves_the_live_labels_and_the_notes(tmp_path: Path) -> None:
    lab = ScriptedLabeller({0.5: "s1", 2.0: "s1", 4.0: "s2", 6.0: "s2"}, whole="broken")
    folder, got, _ = run_meeting(tmp_path, {"system": CONVERSATION}, lab, record=True)
    assert lab.diarized and "speakers-failed" in got.codes()
    told = [e.done for e in got.of(StepProgress)]
    assert told and 100 not in told  # the step began, and is never told as done
    assert "no room for the whole recording" in (folder / "session.log").read_text()
    labelled = {u.text: u.speaker for u in MeetingFolder.open(folder).load_labelled_utterances()}
    assert labelled["Thanks for having me."] == "Tom" and labelled["Sounds good."] == "Speaker 2"
    assert (folder / "notes.md").exists()


def test_a_hurried_end_skips_the_last_look_and_keeps_the_live_labels(tmp_path: Path) -> None:
    lab = ScriptedLabeller(
        {0.5: "s1", 2.0: "s1", 4.0: "s2", 6.0: "s2"},
        whole=[SpeakerTurn(0.4, 1.6, "a"), SpeakerTurn(1.9, 7.1, "b")],
    )

    def hurry_once_begun(s: Session, event: Event) -> None:
        if isinstance(event, StepProgress):
            s.hurry()  # the user presses Ctrl-C again

    folder, got, _ = run_meeting(
        tmp_path, {"system": CONVERSATION}, lab, record=True, on_event=hurry_once_begun
    )
    assert lab.diarized and "speakers-skipped" in got.codes()
    assert 100 not in [e.done for e in got.of(StepProgress)]
    labelled = {u.text: u.speaker for u in MeetingFolder.open(folder).load_labelled_utterances()}
    assert labelled["Thanks for having me."] == "Tom" and labelled["Sounds good."] == "Speaker 2"
    assert (folder / "notes.md").exists()


def test_without_recorded_audio_the_live_labels_stay(tmp_path: Path) -> None:
    lab = ScriptedLabeller(
        {0.5: "s1", 2.0: "s1", 4.0: "s2", 6.0: "s2"}, whole=[SpeakerTurn(0.0, 8.0, "a")]
    )
    folder, got, _ = run_meeting(tmp_path, {"system": CONVERSATION}, lab)
    assert lab.diarized == [] and got.of(StepProgress) == []
    labelled = {u.text: u.speaker for u in MeetingFolder.open(folder).load_labelled_utterances()}
    assert labelled["Thanks for having me."] == "Tom" and labelled["Sounds good."] == "Speaker 2"


def test_a_session_with_the_real_recognizer_labels_speakers_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a scripted recognition goes without the default labeller (``live_labeller``)."""
    lab = ScriptedLabeller({0.5: "s1"})
    asked: list[bool] = []

    def fake_live_labeller(s: object) -> SpeakerLabelling:
        asked.append(True)
        return SpeakerLabelling(lab)

    class Engine:  # the recognizer is scripted below; the engine is only named
        name = "fake-engine"

    lines = {"system": [("This is Tom from sales.", 0.5, 1.5)]}
    monkeypatch.setattr("loopnote.session.live_labeller", fake_live_labeller)
    monkeypatch.setattr(
        "loopnote.session.StreamingRecognizer",
        lambda engine, source, opts: scripted(lines, Knobs())(source, opts),
    )
    options = SessionOptions(settings=settings(tmp_path), origin="file")
    s = Session.build([PacedInput("system", 2.0, speed=4.0)], options, engine=Engine())  # type: ignore[arg-type]
    got = Listener()
    s.run(got)
    assert asked == [True]
    assert [(e.speaker, e.speaker_name) for e in got.of(UtteranceRelabelled)] == [
        ("s1", "Speaker 1")
    ]


TWO_VOICES = [
    ("This is Tom from sales.", 0.5, 1.5),
    ("Great to meet you. Dana here, hello.", 2.0, 4.0),  # Tom, then Dana from "Dana"
    ("Okay, moving on.", 5.0, 6.0),
]


def test_a_line_with_two_voices_is_cut_where_the_speaker_changes(tmp_path: Path) -> None:
    lab = ScriptedLabeller({0.5: "s1", 2.0: "s1", 5.0: "s2"}, cut={2.0: (4, "s2")})
    seen: dict[str, bool] = {}

    def listen(_s: Session, event: Event) -> None:
        if isinstance(event, UtteranceCommitted):  # the line went out whole, unsplit
            seen[event.utterance.text] = bool(got_splits)
        elif isinstance(event, UtteranceSplit):
            got_splits.append(event)

    got_splits: list[UtteranceSplit] = []
    folder, got, _ = run_meeting(tmp_path, {"system": TWO_VOICES}, lab, on_event=listen)
    assert seen["Great to meet you. Dana here, hello."] is False
    (split,) = got.of(UtteranceSplit)
    line = next(e.utterance for e in got.of(UtteranceCommitted) if e.utterance.start == 2.0)
    assert split.utterance_id == line.id
    assert [p.id for p in split.parts] == [line.id, f"{line.id}.2"]
    assert [p.text for p in split.parts] == ["Great to meet you.", "Dana here, hello."]
    assert split.speakers == ("s1", "s2")
    js = split.to_json()
    assert js["type"] == "split" and len(js["at"]) == 1 and 2.8 < js["at"][0] < 3.2
    assert [(p["id"], p["speaker"]) for p in js["parts"]] == [
        (line.id, "s1"),
        (f"{line.id}.2", "s2"),
    ]
    relabels = {(e.utterance_id, e.speaker) for e in got.of(UtteranceRelabelled)}
    assert {(line.id, "s1"), (f"{line.id}.2", "s2")} <= relabels
    # the journal keeps the line whole; readers apply the split, then the labels
    stored = MeetingFolder.open(folder)
    assert [u.text for u in stored.load_utterances()][1] == "Great to meet you. Dana here, hello."
    records = [e for e in stored.load_events() if e.get("type") == "split"]
    assert [p["speaker"] for p in records[0]["parts"]] == ["s1", "s2"]
    labelled = [(u.speaker, u.text) for u in stored.load_labelled_utterances()]
    # the part's own text named its speaker (naming reads the parts)
    assert labelled[1:3] == [("Tom", "Great to meet you."), ("Dana", "Dana here, hello.")]
    exported = export_json(stored)["utterances"]
    assert [(u["id"], u.get("speaker")) for u in exported][1:3] == [
        (line.id, "s1"),
        (f"{line.id}.2", "s2"),
    ]
    assert "Dana: Dana here, hello." in (folder / "notes.md").read_text(encoding="utf-8")
    index = SearchIndex(tmp_path / "index.db")  # search finds the part, under its speaker
    index.index_meeting(stored)
    hits = [h for h in index.search("hello") if h.kind == "transcript"]
    assert [(h.ref, "meet" in h.snippet) for h in hits] == [(f"{line.id}.2", False)]
    index.close()


def test_a_settled_line_that_was_split_keeps_its_parts(tmp_path: Path) -> None:
    """Settled text is cut at the same times, whichever of split and settled comes first."""
    folder = MeetingFolder.create(tmp_path, MeetingMeta(id="", started_wall=1_700_000_000.0))
    words = [
        ("great", 2.0),
        ("to", 2.3),
        ("meet", 2.6),
        ("you.", 2.9),
        ("Dana", 3.2),
        ("here.", 3.5),
    ]
    live = Utterance(
        "s00002", "system", 2.0, 3.8, "great to meet you. Dana here.",
        tuple(Word(w, t, t + 0.25) for w, t in words),
    )  # fmt: skip
    # the settled decode hears the same words a little earlier, and fixes one
    settled = replace(
        live,
        text="Great to meet you. Dana here.",
        words=tuple(Word("Great" if w == "great" else w, t - 0.08, t + 0.15) for w, t in words),
    )
    parts = split_utterance(replace(live, speaker=None), (3.05,))
    split = Split(
        "s00002", (3.05,), (replace(parts[0], speaker="s1"), replace(parts[1], speaker="s2"))
    )
    for settled_first in (False, True):
        speakers = MeetingSpeakers(folder)
        shown: list[Utterance] = []
        if settled_first:
            shown, _ = speakers.settled([settled], [("s00002",)])
        events = speakers.news(split, 1.0)
        if not settled_first:
            shown, replaces = speakers.settled([settled], [("s00002",)])
            assert replaces == [("s00002",), ("s00002.2",)]
        (event,) = [e for e in events if isinstance(e, UtteranceSplit)]
        want = ["Great to meet you.", "Dana here."]
        assert [p.text for p in event.parts] == (
            want if settled_first else ["great to meet you.", "Dana here."]
        )
        assert [(p.id, p.text) for p in shown] == (
            [("s00002", "Great to meet you. Dana here.")]
            if settled_first
            else [("s00002", want[0]), ("s00002.2", want[1])]
        )
    folder.append_utterance(live)
    folder.append_settled([settled], [("s00002",)], "tiny", "live")
    read = [(u.id, u.speaker, u.text) for u in folder.load_labelled_utterances()]
    assert read == [("s00002", "Speaker 1", want[0]), ("s00002.2", "Speaker 2", want[1])]


def test_a_settled_stretch_takes_every_part_of_the_split_lines_it_replaces(
    tmp_path: Path,
) -> None:
    """No live part is left on screen beside the settled text: not where the settled words
    cut into another number of parts than the line had (the settled text then stands whole,
    on screen and for readers alike), nor where the split line is not the stretch's first."""
    folder = MeetingFolder.create(tmp_path, MeetingMeta(id="", started_wall=1_700_000_000.0))

    def line(uid: str, words: list[tuple[str, float]]) -> Utterance:
        text = " ".join(w for w, _ in words)
        return Utterance(
            uid, "system", words[0][1], words[-1][1] + 0.3, text,
            tuple(Word(w, t, t + 0.25) for w, t in words),
        )  # fmt: skip

    first = line("s00001", [("so", 0.5), ("that's", 0.8), ("settled.", 1.1)])
    second = line("s00002", [("right,", 2.0), ("thanks.", 2.3), ("Next", 2.9), ("item.", 3.2)])
    at = (2.7, 3.1)
    parts = split_utterance(second, at)
    assert len(parts) == 3
    split = Split("s00002", at, tuple(replace(p, speaker=f"s{k}") for k, p in enumerate(parts)))
    # the settled decode placed the words differently: two parts where the line had three
    heard = line("s00002", [("Right,", 2.0), ("thanks,", 2.2), ("next", 2.4), ("item.", 3.3)])
    assert len(split_utterance(heard, at)) == 2
    whole = replace(first, text="So that's settled. Right, thanks, next item.")
    for settled, replaces in ((heard, ("s00002",)), (whole, ("s00001", "s00002"))):
        speakers = MeetingSpeakers(folder)
        speakers.news(split, 1.0)
        shown, told = speakers.settled([settled], [replaces])
        assert [u.text for u in shown] == [settled.text]
        assert sorted(told[0]) == sorted({*replaces, "s00002.2", "s00002.3"}), told
    folder.append_utterance(first)
    folder.append_utterance(second)
    folder.append_settled([heard], [("s00002",)], "tiny", "live")
    assert [u.text for u in folder.load_labelled_utterances()] == [first.text, heard.text]
