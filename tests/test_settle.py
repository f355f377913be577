"""The settled transcript, fast: the session's real threads, folders and recorders with the
scripted live recognizer of test_session.py and a scripted settling engine.

The audio is a ramp (sample value = session time × ``SLOPE``), so the scripted engine can
tell which span of the meeting it was given and answer with the words a careful offline pass
hears there (``TRUTH``), which differ from what the live recognizer said.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from tests.test_session import RATE, Knobs, Line, Listener, PacedInput, scripted, settings

from loopnote import host
from loopnote.asr.engine import EngineRequest, EngineSegment
from loopnote.asr.options import RecognizerOptions
from loopnote.asr.settle import (
    SettleOptions,
    Stretch,
    StretchCutter,
    assign_words,
    settle_stretch,
)
from loopnote.audio.recorder import Recorder
from loopnote.backlog import Pace
from loopnote.capture.file import ArrayInput
from loopnote.errors import UsageError
from loopnote.events import Event, SessionEnded, TranscriptSettled, UtteranceCommitted
from loopnote.recovery import recover_meeting
from loopnote.session import Session, SessionOptions
from loopnote.settling import AudioTap, LiveSettler, Settled
from loopnote.store import MeetingFolder
from loopnote.store.settled import apply_settled, settled_record
from loopnote.types import FloatArray, Utterance, Word

SLOPE = 0.001  # ramp: sample value per second of session time
QUIET = SettleOptions(speech_check=False)  # a ramp is no speech a VAD would hear

# what was said (word, start, end); the live lines below lose or mishear some of it
TRUTH = [
    ("Please", 0.6, 0.9), ("check", 1.0, 1.3), ("the", 1.3, 1.4), ("number.", 1.4, 1.9),
    ("The", 4.0, 4.2), ("conference", 4.2, 4.8), ("has", 4.8, 5.0), ("ended.", 5.0, 5.5),
    ("You", 9.0, 9.2), ("are", 9.2, 9.4), ("now", 9.4, 9.6), ("muted.", 9.6, 10.0),
]  # fmt: skip
LIVE: list[Line] = [
    ("check the number.", 1.0, 1.9),
    ("The conference has ended.", 4.0, 5.5),
    ("are now muted.", 9.2, 10.0),
]
SETTLED_TEXT = ["Please check the number.", "The conference has ended.", "You are now muted."]


def ramp(seconds: float) -> FloatArray:
    return (np.arange(round(seconds * RATE), dtype=np.float32) / RATE * SLOPE).reshape(-1, 1)


class TruthEngine:
    """Answers with the ``TRUTH`` words inside the span of the meeting it is given."""

    name = "truth"
    multilingual = False

    def __init__(self, cost: float = 0.0) -> None:
        self.calls: list[tuple[float, float, str, float]] = []  # start, end, thread, when
        self.requests: list[EngineRequest] = []
        self._cost = cost

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        k = samples.size // 2
        t0 = float(samples[k]) / SLOPE - k / 16_000
        t1 = t0 + samples.size / 16_000
        self.calls.append((t0, t1, threading.current_thread().name, time.monotonic()))
        self.requests.append(request)
        time.sleep(self._cost)
        words = tuple(
            Word(w, s - t0, e - t0) for w, s, e in TRUTH if t0 - 0.05 <= s and e <= t1 + 0.05
        )
        return [EngineSegment(words, 0.0, -0.1)] if words else []


def ramp_input(source: str, seconds: float, speed: float = 4.0) -> PacedInput:
    """The ramp, paced like live capture, ``speed`` times real time."""
    return PacedInput(source, seconds, speed, samples=ramp(seconds))


def build(tmp_path: Path, inp: object, engine: TruthEngine, k: Knobs | None = None) -> Session:
    return Session.build(
        [inp],  # type: ignore[list-item]
        SessionOptions(settings=settings(tmp_path), origin="file", pace=Pace(), settle=QUIET),
        recognizer_factory=scripted({"system": LIVE}, k or Knobs()),
        recorder_factory=lambda folder, source: Recorder(folder, source),
        settle_engine=engine,  # type: ignore[arg-type]
    )


def test_the_settled_tier_is_stored_beside_the_live_one_announced_and_read(
    tmp_path: Path,
) -> None:
    engine = TruthEngine()
    s = build(tmp_path, ArrayInput(ramp(13.0), RATE, "system"), engine)
    got = Listener()
    folder = s.run(got)
    settled = got.of(TranscriptSettled)
    assert [u.text for ev in settled for u in ev.utterances] == SETTLED_TEXT
    # each settled utterance names the live one it replaces, and was stored before it was told
    live_ids = [e.utterance.id for e in got.of(UtteranceCommitted)]
    assert [r for ev in settled for r in ev.replaces] == [(i,) for i in live_ids]
    assert got.events.index(settled[-1]) < got.events.index(got.of(SessionEnded)[0])
    assert settled[0].to_json()["type"] == "settled"
    assert settled[0].to_json()["utterances"][0]["replaces"] == [live_ids[0]]
    stored = MeetingFolder.open(folder)
    # the live transcript is kept as it was heard; readers get the settled one
    assert [u.text for u in stored.load_utterances(live=True)] == [x[0] for x in LIVE]
    assert [u.text for u in stored.load_utterances()] == SETTLED_TEXT
    assert "Please check the number." in (folder / "notes.md").read_text()
    records = [json.loads(x) for x in (folder / "settled.jsonl").read_text().splitlines()]
    assert [r["replaces"] for r in records] == [[i] for i in live_ids]
    assert {r["model"] for r in records} == {"truth"}
    # the settling pass never ran on the live path's threads
    assert all(call[2] in ("slow-settle", "settle-end") for call in engine.calls)
    # each stretch got the settled text before it as context
    assert engine.requests[-1].prompt is not None and "ended." in engine.requests[-1].prompt


def test_stretches_settle_behind_the_live_edge_while_the_meeting_runs(tmp_path: Path) -> None:
    engine = TruthEngine()
    inp = ramp_input("system", 16.0, speed=4.0)
    got = Listener()
    build(tmp_path, inp, engine).run(got)
    live = [ev for ev in got.of(TranscriptSettled) if ev.how == "live"]
    assert [u.text for ev in live for u in ev.utterances][:2] == SETTLED_TEXT[:2]
    first = engine.calls[0]
    assert first[3] < inp.ended_at  # settled while audio still came in
    # with the audio that follows it: the decode reaches past its stretch's last word
    assert first[1] >= 1.9 + SettleOptions().follow - 0.1


def test_settling_waits_while_live_recognition_is_behind_and_catches_up_at_the_end(
    tmp_path: Path,
) -> None:
    engine = TruthEngine()
    k = Knobs(cost=1.0)  # recognition slower than the audio: always behind while it comes
    got = Listener()
    inp = ramp_input("system", 13.0, speed=4.0)
    build(tmp_path, inp, engine, k).run(got)
    assert all(when > inp.ended_at for *_, when in engine.calls)
    assert [u.text for ev in got.of(TranscriptSettled) for u in ev.utterances] == SETTLED_TEXT


def test_what_is_left_settles_at_the_end_with_its_progress(tmp_path: Path) -> None:
    s = build(tmp_path, ArrayInput(ramp(13.0), RATE, "system"), TruthEngine())
    assert s._down.settler is not None
    s._down.settler.behind = lambda: 99.0  # live recognition never leaves room
    got = Listener()
    s.run(got)
    settled = got.of(TranscriptSettled)
    assert [(ev.how, ev.done, ev.total) for ev in settled] == [("end", n, 3) for n in (1, 2, 3)]
    assert [u.text for ev in settled for u in ev.utterances] == SETTLED_TEXT


def test_a_hurried_end_skips_what_is_left_to_settle_and_still_saves_the_notes(
    tmp_path: Path,
) -> None:
    s = build(tmp_path, ArrayInput(ramp(13.0), RATE, "system"), TruthEngine(cost=0.3))
    assert s._down.settler is not None
    s._down.settler.behind = lambda: 99.0  # everything is left for the end pass

    def hurry_at_first(event: Event) -> None:
        got(event)
        if isinstance(event, TranscriptSettled) and event.how == "end":
            s.hurry()  # the user presses Ctrl-C again after the first stretch

    got = Listener()
    folder = s.run(hurry_at_first)
    settled = got.of(TranscriptSettled)
    assert len(settled) < 3 and settled[0].done == 1
    assert "settle-skipped" in got.codes()
    stored = MeetingFolder.open(folder)
    texts = [u.text for u in stored.load_utterances()]
    assert texts[0] == SETTLED_TEXT[0] and texts[-1] == LIVE[-1][0]  # the rest stays live
    assert (folder / "notes.md").exists() and stored.meta.status == "complete"


def test_an_interrupted_meeting_keeps_its_settled_lines_and_settles_the_rest_on_recovery(
    tmp_path: Path,
) -> None:
    engine = TruthEngine()
    s = build(tmp_path, ArrayInput(ramp(13.0), RATE, "system"), engine)
    s.run(Listener())
    folder = MeetingFolder.open(s.folder)
    # as a kill -9 leaves it: the last stretch never settled, a torn line at the end
    path = s.folder / "settled.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:2]) + "\n" + lines[2][:30])
    folder.update(status="recording")
    folder.close()
    assert [u.text for u in MeetingFolder.open(s.folder).load_utterances()] == [
        *SETTLED_TEXT[:2],
        LIVE[2][0],
    ]
    again = TruthEngine()
    got = Listener()
    recover_meeting(
        s.folder,
        SessionOptions(settings=settings(tmp_path), origin="file", settle=QUIET),
        got,
        recognizer_factory=scripted({}, Knobs()),
        settle_engine=again,  # type: ignore[arg-type]
    )
    # only the unsettled stretch is decoded again, from the recorded audio
    assert len(again.calls) == 1 and again.calls[0][0] > 5.5
    assert [u.text for u in MeetingFolder.open(s.folder).load_utterances()] == SETTLED_TEXT


# -- the pure parts ------------------------------------------------------------------------


def utt(
    uid: str, start: float, end: float, text: str = "x", speaker: str | None = None
) -> Utterance:
    return Utterance(uid, "system", start, end, text, (Word(text, start, end),), speaker)


def test_stretches_end_at_pauses_and_at_their_length() -> None:
    o = SettleOptions(split_gap=1.0, max_stretch=10.0, pad=0.5)
    c = StretchCutter("system", o)
    assert c.add(utt("s1", 0.0, 2.0)) == []
    assert c.add(utt("s2", 2.3, 4.0)) == []  # a short pause: same stretch
    [first] = c.add(utt("s3", 6.0, 7.0))  # a long pause ends it in its middle
    assert first.ids == ("s1", "s2") and first.start == 0.0 and first.end == 5.0
    assert c.advance(7.5) == []
    [second] = c.advance(8.0)  # nothing can join it any more
    assert second.ids == ("s3",) and second.start == 5.5 and second.end == 7.5
    assert c.add(utt("s4", 8.0, 12.0)) == []
    [long] = c.add(utt("s5", 12.5, 19.0))  # past max_stretch: cut at the next line
    assert long.ids == ("s4",)


def test_words_go_to_the_live_utterance_they_were_heard_in() -> None:
    live = [utt("s1", 1.0, 2.0, speaker="s2"), utt("s2", 3.0, 4.0), utt("s3", 6.0, 7.0)]
    words = [Word("Please", 0.5, 0.8), Word("go.", 1.0, 2.0), Word("Now.", 3.2, 3.8)]
    out = assign_words(live, words)
    assert [u.text for u in out] == ["Please go.", "Now.", ""]
    assert [u.id for u in out] == ["s1", "s2", "s3"] and out[0].speaker == "s2"
    assert out[0].start == 0.5


def test_the_reader_takes_the_newest_settled_record_and_drops_emptied_lines() -> None:
    live = [utt("s1", 0, 1, "live one", speaker="s7"), utt("s2", 2, 3, "uh"), utt("s3", 4, 5)]
    records = [
        settled_record(utt("s1", 0, 1, "first tier"), ["s1"], "tiny.en", "live"),
        settled_record(utt("s2", 2, 3, ""), ["s2"], "tiny.en", "live"),
        settled_record(utt("s1", 0, 1, "second tier"), ["s1"], "base", "retranscribe"),
        {"id": "broken"},
    ]
    out = apply_settled(live, records)
    assert [(u.id, u.text, u.speaker) for u in out] == [
        ("s1", "second tier", "s7"),  # the live line's speaker: labels apply by its id
        ("s3", "x", None),
    ]


def test_a_stretch_span_includes_the_audio_that_follows() -> None:
    st = Stretch("system", (utt("s1", 1, 2),), 0.5, 2.5)
    assert st.audio_span(SettleOptions(follow=3.0)) == (0.5, 5.5)


@pytest.mark.parametrize("speaker", ["s3"])
def test_speaker_labels_apply_to_settled_lines(tmp_path: Path, speaker: str) -> None:
    from loopnote.store.schema import MeetingMeta

    folder = MeetingFolder.create(
        tmp_path, MeetingMeta(id="", started_wall=0.0, sources=("system",))
    )
    folder.append_utterance(utt("s00001", 0, 1, "live words"))
    folder.append_settled([utt("s00001", 0, 1, "settled words")], [["s00001"]], "tiny.en", "live")
    folder.append_event("relabel", {"utterance_id": "s00001", "speaker": speaker})
    folder.append_event("speaker", {"id": speaker, "name": "Marcus", "how": "user"})
    [u] = folder.load_labelled_utterances()
    assert (u.text, u.speaker) == ("settled words", "Marcus")


# -- settle = false ------------------------------------------------------------------------


def test_with_settling_off_nothing_settles_and_readers_keep_the_live_transcript(
    tmp_path: Path,
) -> None:
    engine = TruthEngine()
    s = Session.build(
        [ArrayInput(ramp(13.0), RATE, "system")],
        SessionOptions(settings=settings(tmp_path, settle=False), origin="file", settle=QUIET),
        recognizer_factory=scripted({"system": LIVE}, Knobs()),
        recorder_factory=lambda folder, source: Recorder(folder, source),
        settle_engine=engine,  # type: ignore[arg-type]
    )
    assert s._down.settler is None
    got = Listener()
    folder = s.run(got)
    assert engine.calls == [] and got.of(TranscriptSettled) == []  # no pass, not even at the end
    assert not (folder / "settled.jsonl").exists()
    assert [u.text for u in MeetingFolder.open(folder).load_utterances()] == [x[0] for x in LIVE]
    notes = (folder / "notes.md").read_text()
    assert "check the number." in notes and "Please check" not in notes


def test_with_settling_off_a_real_model_session_starts_no_settling_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[str, int]] = []

    class Child:  # stands in for the model's child process: counts the starts
        def __init__(self, model: str, threads: int = 1) -> None:
            self.model, self.threads = model, threads

        def start(self) -> None:
            started.append((self.model, self.threads))

    monkeypatch.setattr("loopnote.settling.EngineProcess", Child)

    def build_with(settle: bool) -> Session:
        return Session.build(
            [ArrayInput(ramp(1.0), RATE, "system")],
            SessionOptions(settings=settings(tmp_path, settle=settle, speakers=False)),
            engine=TruthEngine(),  # type: ignore[arg-type]
        )

    assert build_with(False)._down.settler is None and started == []
    assert build_with(True)._down.settler is not None and [m for m, _ in started] == [""]
    # held while live recognition decodes (POSIX), the child may use every core
    cores = min(4, os.cpu_count() or 1)
    assert started[0][1] == (cores if host.HOLDS_HELPERS else 1)


def test_no_settle_comes_from_the_flag_the_environment_or_the_config(tmp_path: Path) -> None:
    from loopnote.cli.main import build_parser
    from loopnote.cli.options import settings_from
    from loopnote.config import load_settings

    config = tmp_path / "config.toml"
    args = build_parser().parse_args(["transcribe", "x.wav", "--no-settle"])
    assert settings_from(args).settle is False
    assert load_settings(path=config, env={}).settle is True  # on by default
    assert load_settings(path=config, env={"LOOPNOTE_SETTLE": "off"}).settle is False
    config.write_text("settle = false\n")
    assert load_settings(path=config, env={}).settle is False
    config.write_text('settle = "sometimes"\n')
    with pytest.raises(UsageError, match="'settle' must be true or false"):
        load_settings(path=config, env={})


class EarlyStopEngine:
    """Like Whisper at times: reads the first ``stop_at`` seconds of a long buffer and ends its
    text there; a buffer starting later is read to its end (``words``: what was said)."""

    name = "early-stop"
    multilingual = False

    def __init__(self, words: list[tuple[str, float, float]], stop_at: float | None) -> None:
        self.words, self.stop_at = words, stop_at
        self.prompts: list[str | None] = []

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        t0 = float(samples[0]) / SLOPE
        t1 = t0 + samples.size / 16_000
        self.prompts.append(request.prompt)
        end = t1 if self.stop_at is None or t0 > 0.5 else self.stop_at
        heard = tuple(Word(w, s - t0, e - t0) for w, s, e in self.words if t0 <= s and e <= end)
        return [EngineSegment(heard, 0.0, -0.1)] if heard else []


def test_a_stretch_the_decoder_stopped_reading_early_is_read_to_its_end() -> None:
    said = [("Please", 0.2, 0.5), ("hold.", 0.5, 1.0), ("Dial", 3.0, 3.4), ("again.", 3.4, 4.0)]
    live = (utt("s1", 0.2, 1.0, "Please hold."), utt("s2", 3.0, 4.0, "Dial again."))
    stretch = Stretch("system", live, 0.0, 5.0)
    audio = np.arange(8 * 16_000, dtype=np.float32) / 16_000 * SLOPE  # the 16 kHz timeline
    request = EngineRequest(prompt="Welcome.")
    early = EarlyStopEngine(said, stop_at=1.5)
    out = settle_stretch(early, stretch, audio, 0.0, request, QUIET)
    assert [u.text for u in out] == ["Please hold.", "Dial again."]
    assert early.prompts == ["Welcome.", "Welcome. Please hold."]  # read on after its text
    whole = EarlyStopEngine(said, stop_at=None)
    settle_stretch(whole, stretch, audio, 0.0, request, QUIET)
    assert len(whole.prompts) == 1  # a decoder that read it all is not asked again


def test_a_line_the_decoder_never_reached_stays_as_heard() -> None:
    said = [("Please", 0.2, 0.5), ("hold.", 0.5, 1.0)]  # the decoder never hears the rest
    live = (utt("s1", 0.2, 1.0, "Please hold."), utt("s2", 3.0, 4.0, "Dial again."))
    out = settle_stretch(
        EarlyStopEngine(said, stop_at=1.5),
        Stretch("system", live, 0.0, 5.0),
        np.arange(8 * 16_000, dtype=np.float32) / 16_000 * SLOPE,
        0.0,
        EngineRequest(),
        QUIET,
    )
    assert [u.text for u in out] == ["Please hold.", "Dial again."]


def test_stretches_close_on_the_horizon_each_tick_carried() -> None:
    # Live recognition commits a line only once it ends, and moves its horizon right after:
    # read on the settler's thread, the horizon could pass a line still on its way and close
    # the stretch before it inside that line. The tick carries the horizon read before the
    # lines ahead of it were added.
    said = [
        ("Let", 0.5, 0.8), ("us", 0.8, 1.0), ("go.", 1.0, 4.0),
        ("Dana,", 4.3, 4.8), ("send", 4.9, 5.3), ("it.", 5.3, 7.5),
    ]  # fmt: skip
    tap = AudioTap()
    tap.write("system", np.arange(12 * 16_000, dtype=np.float32) / 16_000 * SLOPE, 0.0)
    results: list[Settled] = []
    o = SettleOptions(split_gap=1.0, pad=1.0, follow=0.0, speech_check=False)
    settler = LiveSettler(
        EarlyStopEngine(said, None), {"system": RecognizerOptions()}, tap, results.append, settle=o
    )
    settler.start()
    settler.add(_line("s1", said[:3]))
    settler.tick({"system": 4.3})  # "Dana" may start from 4.3 on: no pause yet
    settler.add(_line("s2", said[3:]))
    settler.tick({"system": 9.0})
    settler.finish([], set())
    assert [[u.text for u in r.utterances] for r in results] == [["Let us go.", "Dana, send it."]]


def _line(uid: str, words: list[tuple[str, float, float]]) -> Utterance:
    ws = tuple(Word(w, s, e) for w, s, e in words)
    return Utterance(uid, "system", ws[0].start, ws[-1].end, " ".join(w for w, _, _ in words), ws)
