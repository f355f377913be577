"""Live speaker labels end to end with the real model and real voices: a woman (Asterisk
prompts) and a man (a LibriVox reading) take turns in a meeting's system audio; the session
labels their lines as they commit (recognition is scripted at the true turns, the labeller
is the real one), keeps the meeting's voiceprints, and once the user remembers the woman's
voice, the next meeting names her from her voice alone. Needs the extra
``loopnote[speakers]``; skipped without it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from loopnote.audio.recorder import Recorder
from loopnote.capture.file import ArrayInput
from loopnote.cli import main as cli_main
from loopnote.config import Settings
from loopnote.events import SpeakerNamed, UtteranceCommitted, UtteranceRelabelled
from loopnote.session import Session, SessionOptions, live_labeller
from loopnote.store import MeetingFolder
from loopnote.types import Utterance
from test_session import Knobs, Listener, scripted
from test_speakers_e2e import RATE, scene

pytest.importorskip("resemblyzer")
pytestmark = [pytest.mark.model, pytest.mark.slow]


def live_meeting(tmp_path: Path, start: float = 0.0) -> tuple[MeetingFolder, Listener, dict]:  # type: ignore[type-arg]
    audio, truth = scene()
    audio = audio[int(start * RATE) :]
    truth = [(s - start, e - start, w) for s, e, w in truth if s >= start]
    lines = [(f"line {i} by the {who}", s, e) for i, (s, e, who) in enumerate(truth)]
    settings = Settings(out=str(tmp_path / "meetings"), notify=False)
    speakers = live_labeller(settings)
    assert speakers is not None
    s = Session.build(
        [ArrayInput(audio, RATE, "system")],
        SessionOptions(settings=settings, origin="file"),
        recognizer_factory=scripted({"system": lines}, Knobs()),
        speakers=speakers,
    )
    got = Listener()
    folder = MeetingFolder.open(s.run(got))
    who = {e.utterance.id: e.utterance.text.rsplit(" ", 1)[-1] for e in got.of(UtteranceCommitted)}
    return folder, got, who


def test_a_live_meeting_labels_two_voices_and_remembers_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("loopnote.meeting_speakers.FINISH_SECONDS", 600.0)  # a busy machine
    monkeypatch.setenv("LOOPNOTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LOOPNOTE_CONFIG", str(tmp_path / "no-config.toml"))
    folder, got, who = live_meeting(tmp_path)
    assert got.of(UtteranceRelabelled), "labels arrive as relabel events"
    book = folder.speaker_book()
    by_voice = {
        v: {book.labels.get(uid) for uid, w in who.items() if w == v} for v in ("woman", "man")
    }
    assert len(by_voice["woman"]) == 1 and len(by_voice["man"]) == 1, by_voice
    assert by_voice["woman"] != by_voice["man"] and None not in by_voice["woman"]
    # the meeting's voiceprints let the user remember a voice after the meeting
    (woman,) = by_voice["woman"]
    out = ["--out", str(tmp_path / "meetings")]
    assert (
        cli_main.main(["speakers", folder.id, "--rename", f"{woman}=Allison", "--remember", *out])
        == 0
    )
    second, got2, who2 = live_meeting(tmp_path, start=3.0)
    named = [(e.name, e.how) for e in got2.of(SpeakerNamed)]
    assert named == [("Allison", "voiceprint")]
    labelled = {u.id: u.speaker for u in second.load_labelled_utterances()}
    assert {labelled[uid] for uid, w in who2.items() if w == "woman"} == {"Allison"}
    assert "Allison" not in {labelled[uid] for uid, w in who2.items() if w == "man"}


def test_the_last_look_cuts_and_labels_lines_that_hold_two_voices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each line holds a turn of the woman and the man's reply (no sentence end between
    them): once the meeting is heard, every line is cut where the man starts and each voice
    is one speaker."""
    monkeypatch.setattr("loopnote.meeting_speakers.FINISH_SECONDS", 600.0)  # a busy machine
    audio, truth = scene()
    lines = []
    for (s1, e1, w1), (s2, e2, w2) in zip(truth[::2], truth[1::2], strict=True):
        words = [w1] * round((e1 - s1) / 0.3) + [w2] * round((e2 - s2) / 0.3)
        lines.append((" ".join(words), s1, e2))
    settings = Settings(out=str(tmp_path / "meetings"), notify=False)
    s = Session.build(
        [ArrayInput(audio, RATE, "system")],
        SessionOptions(settings=settings, origin="file"),
        recognizer_factory=_words_end_in_turn(scripted({"system": lines}, Knobs())),
        speakers=live_labeller(settings),
        recorder_factory=lambda folder, source: Recorder(folder, source),
    )
    folder = MeetingFolder.open(s.run(Listener()))
    parts = [u for u in folder.load_labelled_utterances() if u.source == "system"]
    voices: dict[str, set[str | None]] = {}
    for p in parts:
        said = p.text.split()
        voices.setdefault(max(set(said), key=said.count), set()).add(p.speaker)
    assert len(parts) == 2 * len(lines), [p.text for p in parts]
    assert len(voices["woman"]) == 1 and len(voices["man"]) == 1, voices
    assert voices["woman"] != voices["man"]


def _words_end_in_turn(make: Callable[..., Any]) -> Callable[..., Any]:
    """The scripted lines' words, each ending where the next starts (as a recognizer times
    them; the script ends them all at the line's end)."""

    class WordsEndInTurn:
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

        def feed(self, samples: Any, start: float) -> list[Any]:
            return [_timed(x) for x in self._inner.feed(samples, start)]

        def finish(self) -> list[Any]:
            return [_timed(x) for x in self._inner.finish()]

    return lambda *a: WordsEndInTurn(make(*a))


def _timed(x: Any) -> Any:
    if not isinstance(x, Utterance) or not x.words:
        return x
    ends = [w.start for w in x.words[1:]] + [x.end]
    return replace(x, words=tuple(replace(w, end=e) for w, e in zip(x.words, ends, strict=True)))
