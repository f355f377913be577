"""The session's orchestration, fast: real queues, threads, meeting folders and recorders,
with a scripted recognizer in place of the model (no Whisper, no VAD).

``ScriptedRecognizer`` says its scripted lines once the audio fed to it reaches their end
(and a partial holding the line once the audio reaches its middle), and costs ``cost``
seconds of wall time per second of audio, so a test can make recognition fall behind.
``PacedInput`` delivers audio like live capture, ``speed`` times faster than real time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from loopnote.asr import RecognizerOptions
from loopnote.audio.recorder import Recorder, read_source
from loopnote.backlog import Pace
from loopnote.capture.base import Emit, EndOfStream
from loopnote.capture.file import ArrayInput
from loopnote.config import Settings
from loopnote.errors import LoopnoteError
from loopnote.events import (
    AlertCardCompleted,
    AlertRaised,
    Event,
    SessionEnded,
    StateChanged,
    SummaryUpdated,
    UtteranceCommitted,
    WarningRaised,
)
from loopnote.pipeline import Recognizer
from loopnote.recovery import recover_meeting
from loopnote.session import Session, SessionOptions
from loopnote.store import MeetingFolder
from loopnote.types import (
    AudioChunk,
    FloatArray,
    PartialText,
    SummaryLevel,
    Utterance,
    Word,
)

RATE = 48_000

Line = tuple[str, float, float]  # text, start, end (session seconds)


@dataclass
class Knobs:
    """What a test turns while the meeting runs (read by the recognizers' threads)."""

    cost: float = 0.0  # wall seconds per audio second
    fail_at: float | None = None  # raise once the audio reaches this time
    catching_up: list[bool] = field(default_factory=list)
    waiting: list[float] = field(default_factory=list)  # audio waiting, told before each feed
    said: dict[str, float] = field(default_factory=dict)  # line text -> monotonic time said
    fed: list[FloatArray] = field(default_factory=list)


class ScriptedRecognizer:
    def __init__(self, source: str, options: RecognizerOptions, lines: list[Line], k: Knobs):
        self.source = source
        self._lines = sorted(lines, key=lambda x: x[2])
        self._next = options.first_index
        self._k = k
        self._t = 0.0
        self._origin: float | None = None
        self._fed = 0
        self._passes: dict[str, int] = {}  # line text -> passes that read it as a partial

    @property
    def settled(self) -> tuple[Word, ...]:
        return ()

    @property
    def buffered(self) -> float:
        return 0.0

    def set_catching_up(self, on: bool) -> None:
        self._k.catching_up.append(on)

    def set_waiting(self, seconds: float) -> None:
        self._k.waiting.append(seconds)

    def feed(self, samples: FloatArray, start: float) -> list[PartialText | Utterance]:
        if self._origin is None:
            self._origin = start
        self._fed += samples.shape[0]
        self._k.fed.append(samples)
        self._t = self._origin + self._fed / 16_000
        cost = self._k.cost * samples.shape[0] / 16_000
        if cost:
            time.sleep(cost / (4 if self._k.catching_up[-1:] == [True] else 1))
        if self._k.fail_at is not None and self._t >= self._k.fail_at:
            raise RuntimeError("the scripted engine broke")
        return self._due(self._t)

    def finish(self) -> list[PartialText | Utterance]:
        return self._due(float("inf"), started_only=self._t)

    def _partial_pass(self, text: str) -> bool:
        """Whether a pass reads ``text`` as a partial now: the first two times asked."""
        self._passes[text] = self._passes.get(text, 0) + 1
        return self._passes[text] <= 2

    def _due(self, t: float, started_only: float | None = None) -> list[PartialText | Utterance]:
        out: list[PartialText | Utterance] = []
        while self._lines:
            text, start, end = self._lines[0]
            if started_only is not None and start >= started_only:
                break
            if end > t:
                # two passes read the line as a partial once half of it is heard
                if (start + end) / 2 <= t and self._partial_pass(text):
                    out.append(PartialText(self.source, t, text))  # type: ignore[arg-type]
                break
            self._lines.pop(0)
            words = tuple(
                Word(w, start + i * (end - start) / len(text.split()), end)
                for i, w in enumerate(text.split())
            )
            uid = f"{'s' if self.source == 'system' else 'm'}{self._next:05d}"
            self._next += 1
            self._k.said[text] = time.monotonic()
            out.append(Utterance(uid, self.source, start, end, text, words))  # type: ignore[arg-type]
        return out


def scripted(
    script: dict[str, list[Line]], k: Knobs
) -> Callable[[str, RecognizerOptions], Recognizer]:
    def make(source: str, options: RecognizerOptions) -> Recognizer:
        return ScriptedRecognizer(source, options, list(script.get(source, [])), k)

    return make  # type: ignore[return-value]


class PacedInput:
    """Delivers ``seconds`` of quiet noise (or ``samples``, shape (n, 1)) in 50 ms chunks,
    ``speed`` times real time."""

    realtime = True

    def __init__(
        self,
        source: str,
        seconds: float,
        speed: float = 4.0,
        samples: FloatArray | None = None,
    ) -> None:
        self.source = source  # type: ignore[assignment]
        self._n = round(seconds * RATE)
        self._samples = samples
        self._speed = speed
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered = 0
        self.ended_at = 0.0  # monotonic time the last chunk went out

    def start(self, emit: Emit) -> None:
        self._thread = threading.Thread(target=self._run, args=(emit,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self, emit: Emit) -> None:
        rng = np.random.default_rng(1)
        block = RATE // 20
        t0 = time.monotonic()
        i = 0
        while i < self._n and not self._stop.is_set():
            n = min(block, self._n - i)
            due = t0 + (i + n) / RATE / self._speed
            if (d := due - time.monotonic()) > 0:
                time.sleep(d)
            if self._samples is not None:
                x = self._samples[i : i + n]
            else:
                x = (rng.standard_normal((n, 1)) * 0.01).astype(np.float32)
            emit(AudioChunk(self.source, x, RATE, i / RATE))  # type: ignore[arg-type]
            i += n
            self.delivered = i
        self.ended_at = time.monotonic()
        emit(EndOfStream(self.source))  # type: ignore[arg-type]


def noise(seconds: float) -> FloatArray:
    return (np.random.default_rng(0).standard_normal((round(seconds * RATE), 1)) * 0.01).astype(
        np.float32
    )


class Listener:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.at: list[float] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        self.at.append(time.monotonic())

    def of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [e for e in self.events if isinstance(e, kind)]

    def codes(self) -> list[str]:
        return [e.warning.code for e in self.of(WarningRaised)]


def settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(out=str(tmp_path / "meetings"), notify=False, **kw)  # type: ignore[arg-type]


def build(
    tmp_path: Path,
    inputs: list,  # type: ignore[type-arg]
    script: dict[str, list[Line]],
    k: Knobs | None = None,
    *,
    origin: str = "file",
    pace: Pace | None = None,
    record: bool = True,
    **kw: object,
) -> Session:
    options = SessionOptions(settings=settings(tmp_path, **kw), origin=origin, pace=pace or Pace())
    return Session.build(
        inputs,
        options,
        recognizer_factory=scripted(script, k or Knobs()),
        recorder_factory=(lambda folder, source: Recorder(folder, source)) if record else None,
    )


def test_lines_are_stored_before_they_are_told_and_the_meeting_ends_cleanly(
    tmp_path: Path,
) -> None:
    lines = [("Hello everyone.", 0.5, 1.5), ("Let's begin.", 2.0, 3.0)]
    s = build(tmp_path, [ArrayInput(noise(4.0), RATE, "system")], {"system": lines})
    got = Listener()
    folder = s.run(got)
    assert [e.utterance.text for e in got.of(UtteranceCommitted)] == [x[0] for x in lines]
    assert isinstance(got.events[-1], SessionEnded)
    stored = MeetingFolder.open(folder)
    assert [u.text for u in stored.load_utterances()] == [x[0] for x in lines]
    assert stored.meta.status == "complete"
    assert (folder / "notes.md").exists()
    samples, rate = read_source(folder, "system")
    assert samples.shape[0] == round(4.0 * RATE) and rate == RATE


class HangingSummarizer:
    """Hangs on every call until released (an LLM that accepted and never answers)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def summarize(self, texts: list[str], level: SummaryLevel, budget_words: int) -> str:
        self.calls += 1
        self.entered.set()
        self.release.wait()
        return " ".join(texts)[:200]


def test_a_hung_summarizer_delays_no_alert_and_no_transcript_line(tmp_path: Path) -> None:
    lines = [
        ("The roadmap is ready.", 0.5, 1.5),
        ("Budget looks fine.", 2.0, 3.0),
        ("Priya, can you take the launch?", 4.0, 5.5),
        ("Then we are done.", 6.0, 7.0),
    ]
    hung = HangingSummarizer()
    options = SessionOptions(settings=settings(tmp_path, name="Priya"), origin="file")
    s = Session.build(
        [PacedInput("system", 8.0, speed=2.0)],
        options,
        recognizer_factory=scripted({"system": lines}, k := Knobs()),
        summarizer=hung,
    )
    got = Listener()
    hung_when: dict[str, bool] = {}

    def listen(event: Event) -> None:
        got(event)
        if isinstance(event, UtteranceCommitted | AlertRaised):
            key = event.utterance.text if isinstance(event, UtteranceCommitted) else "alert"
            hung_when[key] = hung.entered.is_set() and not hung.release.is_set()
            if key == lines[-1][0]:
                hung.release.set()  # the end of the meeting may have its summaries

    s.run(listen)
    assert hung.calls >= 1
    # the summarizer hung from the first line on; every later line and the alert still came
    assert [hung_when[x[0]] for x in lines[1:]] == [True, True, True]
    assert hung_when["alert"] is True
    (alert,) = got.of(AlertRaised)
    assert alert.alert.term == "Priya"
    told = {
        e.utterance.text: t
        for e, t in zip(got.events, got.at, strict=True)
        if isinstance(e, UtteranceCommitted)
    }
    for text, said in k.said.items():  # told within a couple of fast-path deadlines
        assert told[text] - said < 1.0, text
    assert got.of(SummaryUpdated), "the summaries come once the summarizer answers"


def test_pause_and_resume_are_stored_and_paused_audio_is_silence(tmp_path: Path) -> None:
    inp = PacedInput("system", 3.0, speed=2.0)
    s = build(tmp_path, [inp], {"system": []}, k := Knobs())
    got = Listener()

    def listen(event: Event) -> None:
        got(event)

    def drive() -> None:
        while inp.delivered < RATE // 2:
            time.sleep(0.01)
        s.pause()
        while inp.delivered < 2 * RATE:
            time.sleep(0.01)
        s.resume()

    driver = threading.Thread(target=drive)
    driver.start()
    folder = s.run(listen)
    driver.join()
    states = [e.paused for e in got.of(StateChanged)]
    assert states == [True, False]
    events = MeetingFolder.open(folder).load_events()
    assert [e["type"] for e in events if e["type"] in ("paused", "resumed")] == [
        "paused",
        "resumed",
    ]
    samples, _ = read_source(folder, "system")
    assert samples.shape[0] == 3 * RATE  # the timeline is whole
    silent = [float(np.abs(x).max()) == 0.0 for x in k.fed]
    assert any(silent) and not all(silent)


def test_controls_once_the_recording_has_ended_are_refused_not_lost(tmp_path: Path) -> None:
    inp = PacedInput("system", 1.0, speed=4.0)
    s = build(tmp_path, [inp], {"system": []}, Knobs())
    answers: list[str] = []

    def listen(event: Event) -> None:
        if not isinstance(event, SessionEnded):
            return
        for act in (s.pause, s.bookmark, lambda: s.rename_speaker("Speaker 1", "Ana")):
            try:
                act()
                answers.append("taken")
            except LoopnoteError as e:
                answers.append(str(e))

    folder = s.run(listen)
    assert answers and all("recording has ended" in a for a in answers), answers
    assert not s.paused
    kinds = [e["type"] for e in MeetingFolder.open(folder).load_events()]
    assert "paused" not in kinds and "bookmark" not in kinds


def test_a_source_failing_mid_meeting_keeps_the_other_and_logs_the_traceback(
    tmp_path: Path,
) -> None:
    k = Knobs(fail_at=1.0)
    script = {"system": [("Still here.", 2.0, 3.0)], "mic": [("Gone soon.", 0.2, 0.6)]}
    s = build(
        tmp_path,
        [ArrayInput(noise(4.0), RATE, "system"), ArrayInput(noise(4.0), RATE, "mic")],
        script,
        k,
        headphones=True,
    )
    k.fail_at = None

    class FailingMic(ScriptedRecognizer):
        def feed(self, samples: FloatArray, start: float) -> list[PartialText | Utterance]:
            out = super().feed(samples, start)
            if self._t >= 1.0:
                raise RuntimeError("the scripted engine broke")
            return out

    s._workers["mic"]._recognizer = FailingMic("mic", RecognizerOptions(), script["mic"], k)
    got = Listener()
    folder = s.run(got)
    texts = [e.utterance.text for e in got.of(UtteranceCommitted)]
    assert "Still here." in texts and "Gone soon." in texts
    assert "source-failed" in got.codes()
    log = (folder / "session.log").read_text()
    assert "Traceback" in log and "the scripted engine broke" in log
    samples, _ = read_source(folder, "mic")
    assert samples.shape[0] == 4 * RATE  # its audio was still recorded to the end


def test_held_mic_lines_are_released_on_time_and_bleed_is_dropped(tmp_path: Path) -> None:
    script = {
        "system": [("We ship on Friday.", 1.0, 2.5), ("Any questions?", 7.0, 8.0)],
        "mic": [("I can help with that.", 3.0, 4.0), ("We ship on Friday.", 1.1, 2.6)],
    }
    inputs = [PacedInput("system", 10.0, speed=2.0), PacedInput("mic", 10.0, speed=2.0)]
    s = build(tmp_path, inputs, script)  # no headphones: mic lines wait for the system side
    got = Listener()
    s.run(got)
    mic = [
        (e, t)
        for e, t in zip(got.events, got.at, strict=True)
        if isinstance(e, UtteranceCommitted) and e.utterance.source == "mic"
    ]
    assert [e.utterance.text for e, _ in mic] == ["I can help with that."]  # the bleed dropped
    ended = got.at[-1]
    # released while the meeting ran (the system side settled past it), not at the end
    assert ended - mic[0][1] > 1.0


def test_recognition_behind_degrades_marks_a_gap_and_recovers(tmp_path: Path) -> None:
    k = Knobs(cost=1.2)  # slower than the audio arrives
    pace = Pace(catch_up_at=1.0, caught_up_at=0.5, settle=2.0, warn_at=2.0, gap_at=4.0, keep=0.5)
    inp = PacedInput("system", 24.0, speed=4.0)
    lines = [("Early words.", 0.5, 1.0), ("Late words.", 22.0, 23.0)]
    s = build(tmp_path, [inp], {"system": lines}, k, pace=pace)
    peak = [0.0]

    def listen(event: Event) -> None:
        got(event)
        peak[0] = max(peak[0], s._workers["system"].backlog.seconds)
        if isinstance(event, WarningRaised) and event.warning.code == "recognition-gap":
            k.cost = 0.0  # the load drops

    got = Listener()
    folder = s.run(listen)
    codes = got.codes()
    assert codes.index("recognition-behind") < codes.index("recognition-gap")
    assert codes.index("recognition-gap") < codes.index("recognition-caught-up")
    assert k.catching_up[:1] == [True] and k.catching_up[-1] is False
    gap = next(e.warning for e in got.of(WarningRaised) if e.warning.code == "recognition-gap")
    assert 0.0 <= gap.extra["gap_start"] < gap.extra["gap_end"] <= 24.0
    assert peak[0] <= pace.gap_at + 0.1  # memory is bounded by the policy
    samples, _ = read_source(folder, "system")
    assert samples.shape[0] == 24 * RATE  # every sample is on disk
    fed = sum(x.shape[0] for x in k.fed)
    assert abs(fed - 24 * 16_000) <= 16  # the recognizer's clock stayed on the audio's
    assert "Late words." in [e.utterance.text for e in got.of(UtteranceCommitted)]
    stored = MeetingFolder.open(folder).load_events()
    assert any(e.get("code") == "recognition-gap" for e in stored if e["type"] == "warning")


def test_a_replay_that_is_not_paced_is_never_skipped(tmp_path: Path) -> None:
    k = Knobs(cost=0.05)
    pace = Pace(catch_up_at=1.0, caught_up_at=0.5, gap_at=2.0, keep=0.5)
    s = build(tmp_path, [ArrayInput(noise(20.0), RATE, "system")], {"system": []}, k, pace=pace)
    got = Listener()
    s.run(got)
    assert "recognition-gap" not in got.codes()
    assert sum(x.shape[0] for x in k.fed) == 20 * 16_000
    # the file's audio always waits, which is not falling behind: its passes keep their
    # schedule (the text cannot depend on the machine's speed) and nobody is warned
    assert k.waiting == [] and k.catching_up == []
    assert not {"recognition-behind", "recognition-caught-up"} & set(got.codes())


def test_stop_drains_what_was_captured(tmp_path: Path) -> None:
    lines = [("First.", 0.2, 0.8), ("Second.", 1.0, 1.6)]
    inp = PacedInput("system", 30.0, speed=2.0)
    s = build(tmp_path, [inp], {"system": lines}, k := Knobs(cost=0.2))
    got = Listener()

    def listen(event: Event) -> None:
        got(event)
        if isinstance(event, UtteranceCommitted) and event.utterance.text == "First.":
            s.stop()

    folder = s.run(listen)
    assert isinstance(got.events[-1], SessionEnded)
    delivered = inp.delivered / RATE
    fed = sum(x.shape[0] for x in k.fed) / 16_000
    assert delivered < 30.0 and abs(fed - delivered) < 0.01  # everything captured was heard
    stored = MeetingFolder.open(folder)
    assert stored.meta.status == "complete"
    assert read_source(folder, "system")[0].shape[0] == inp.delivered


def test_ctrl_c_keeps_the_meeting_and_reraises(tmp_path: Path) -> None:
    lines = [("Before the key.", 0.2, 0.8), ("After the key.", 5.0, 6.0)]
    s = build(tmp_path, [PacedInput("system", 20.0, speed=4.0)], {"system": lines})

    def listen(event: Event) -> None:
        if isinstance(event, UtteranceCommitted):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        s.run(listen)
    stored = MeetingFolder.open(s.folder)
    assert stored.meta.status == "interrupted"
    assert [u.text for u in stored.load_utterances()][:1] == ["Before the key."]
    assert (s.folder / "notes.md").exists()


def test_summaries_reach_the_store_and_the_front_end(tmp_path: Path) -> None:
    lines = [(f"Point number {i} is about the plan.", i * 3.0, i * 3.0 + 2.0) for i in range(12)]
    s = build(tmp_path, [ArrayInput(noise(40.0), RATE, "system")], {"system": lines})
    got = Listener()
    folder = s.run(got)
    shown = {e.node.node_id for e in got.of(SummaryUpdated)}
    stored = MeetingFolder.open(folder).load_summaries()
    assert shown and shown == {n.node_id for n in stored}
    assert "meeting" in shown
    assert all(n.closed for n in stored)  # the end of the meeting closed every node


def test_recovery_numbers_new_lines_after_the_highest_stored_id(tmp_path: Path) -> None:
    # A meeting killed mid-way: m00002 was dropped as bleed, so ids are not a count.
    s = build(
        tmp_path,
        [ArrayInput(noise(6.0), RATE, "system"), ArrayInput(noise(6.0), RATE, "mic")],
        {
            "system": [("They said this.", 0.5, 1.5)],
            "mic": [
                ("Sounds good to me.", 0.2, 0.4),
                ("They said this.", 0.6, 1.6),
                ("Right, next topic.", 2.0, 2.5),
            ],
        },
    )
    s.run(Listener())
    folder = MeetingFolder.open(s.folder)
    ids = sorted(u.id for u in folder.load_utterances())
    assert ids == ["m00001", "m00003", "s00001"]  # m00002 (the bleed) was never stored
    folder.update(status="recording")  # as a kill -9 leaves it
    folder.close()
    # the recorded audio goes on after the stored lines: a mic line at 3 s is recovered
    options = SessionOptions(settings=settings(tmp_path), origin="file")
    k = Knobs()
    recover_meeting(
        s.folder,
        options,
        Listener(),
        recognizer_factory=scripted({"mic": [("One more thing.", 3.0, 4.0)]}, k),
    )
    after = MeetingFolder.open(s.folder).load_utterances()
    new = [u for u in after if u.text == "One more thing."]
    assert [u.id for u in new] == ["m00004"]  # a count of stored lines would say m00003
    assert len({u.id for u in after}) == len(after)


def test_a_failed_notification_becomes_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    lines = [("Priya, are you there?", 0.5, 1.5)]
    options = SessionOptions(settings=Settings(out=str(tmp_path), name="Priya"), origin="file")
    s = Session.build(
        [ArrayInput(noise(3.0), RATE, "system")],
        options,
        recognizer_factory=scripted({"system": lines}, Knobs()),
    )
    got = Listener()
    folder = s.run(got)
    assert got.of(AlertRaised)
    assert "notify-failed" in got.codes()
    stored = MeetingFolder.open(folder).load_events()
    assert any(e.get("code") == "notify-failed" for e in stored if e["type"] == "warning")
    assert "notify-failed" in (folder / "session.log").read_text()


def test_an_alert_from_partial_text_is_confirmed_by_its_line(tmp_path: Path) -> None:
    lines = [("Priya, can you take the launch?", 1.0, 3.0)]
    s = build(tmp_path, [ArrayInput(noise(4.0), RATE, "system")], {"system": lines}, name="Priya")
    got = Listener()
    folder = s.run(got)
    (alert,) = got.of(AlertRaised)
    assert alert.alert.utterance_id is None  # raised from the partial, before the line
    confirmed = [
        e for e in MeetingFolder.open(folder).load_events() if e["type"] == "alert-confirmed"
    ]
    assert [e["utterance_id"] for e in confirmed] == ["s00001"]
    assert confirmed[0]["card"]["addressed"].startswith("Priya, can you take the launch")


def test_an_alert_before_the_question_is_said_gets_its_card_completed(tmp_path: Path) -> None:
    lines = [("Priya, can you take the launch?", 1.0, 3.0)]
    k = Knobs()

    class GrowingPartial(ScriptedRecognizer):
        def _due(
            self, t: float, started_only: float | None = None
        ) -> list[PartialText | Utterance]:
            early = "Priya, can you"  # two passes hear the name before the question
            if t >= 1.5 and self._partial_pass(early):
                return [PartialText("system", t, early)]
            return super()._due(t, started_only)

    s = build(tmp_path, [ArrayInput(noise(4.0), RATE, "system")], {"system": []}, k, name="Priya")
    s._workers["system"]._recognizer = GrowingPartial("system", RecognizerOptions(), lines, k)
    got = Listener()
    folder = s.run(got)
    (alert,) = got.of(AlertRaised)
    assert alert.alert.card is not None and alert.alert.card.addressed == "Priya, can you"
    (done,) = got.of(AlertCardCompleted)
    assert done.alert.t == alert.alert.t
    assert done.alert.card is not None
    assert done.alert.card.addressed == "Priya, can you take the launch?"
    assert got.events.index(done) > got.events.index(alert)
    stored = [e for e in MeetingFolder.open(folder).load_events() if e["type"] == "alert-card"]
    assert [e["card"]["addressed"] for e in stored] == ["Priya, can you take the launch?"]


def test_one_slow_pass_changes_the_pace_but_does_not_warn(tmp_path: Path) -> None:
    k = Knobs()
    pace = Pace(catch_up_at=0.5, caught_up_at=0.3, settle=1.0, warn_at=5.0, gap_at=8.0)

    class OneSlowPass(ScriptedRecognizer):
        def feed(self, samples: FloatArray, start: float) -> list[PartialText | Utterance]:
            if self._t < 2.0 <= self._t + samples.shape[0] / 16_000:
                time.sleep(0.5)  # 2 s of audio at speed 4 pile up behind it
            return super().feed(samples, start)

    s = build(tmp_path, [PacedInput("system", 8.0, speed=4.0)], {"system": []}, k, pace=pace)
    s._workers["system"]._recognizer = OneSlowPass("system", RecognizerOptions(), [], k)
    got = Listener()
    s.run(got)
    # fewer passes for a while, then every pass again (a loaded machine may switch more often)
    assert k.catching_up[:2] == [True, False] and k.catching_up[-1] is False
    assert not {"recognition-behind", "recognition-caught-up"} & set(got.codes())
    # the recognizer heard how much live audio waited behind the slow pass
    assert max(k.waiting) >= 1.0 and k.waiting[-1] < 1.0


def test_failing_notifications_warn_once_per_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    lines = [("Priya, are you there?", 0.5, 1.5), ("Priya, one more thing.", 20.0, 21.0)]
    options = SessionOptions(settings=Settings(out=str(tmp_path), name="Priya"), origin="file")
    s = Session.build(
        [PacedInput("system", 22.0, speed=4.0)],
        options,
        recognizer_factory=scripted({"system": lines}, Knobs()),
    )
    got = Listener()
    folder = s.run(got)
    assert len(got.of(AlertRaised)) == 2
    log = (folder / "session.log").read_text()
    assert log.count("desktop notification failed") == 2  # both were tried ...
    assert got.codes().count("notify-failed") == 1  # ... the user is told once
