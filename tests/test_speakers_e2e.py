"""Speakers end to end with the real model and real voices: a woman (Asterisk prompts) and
a man (a LibriVox reading) take turns; ``diarize`` and ``loopnote speakers`` must tell them
apart. Needs the extra ``loopnote[speakers]``; skipped without it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from loopnote.audio import WavWriter
from loopnote.cli import main as cli_main
from loopnote.store import MeetingFolder, MeetingMeta
from loopnote.types import Utterance

pytest.importorskip("resemblyzer")
pytestmark = [pytest.mark.model, pytest.mark.slow]

AUDIO = Path(__file__).parent / "fixtures" / "audio"
RATE = 16000


def scene() -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    woman = [
        sf.read(AUDIO / f"asterisk__{n}.flac", dtype="float32")[0]
        for n in ("confbridge-lock-no-join", "feature-not-avail-line", "pls-hold-while-try")
    ]
    reading = sf.read(AUDIO / "moonshine__two_cities_10s.flac", dtype="float32")[0]
    man = [reading[: 3 * RATE], reading[3 * RATE : 6 * RATE], reading[6 * RATE :]]
    parts, turns, t = [], [], 0.5
    for w, m in zip(woman, man, strict=True):
        for clip, who in ((w, "woman"), (m, "man")):
            clip = clip / max(float(np.abs(clip).max()), 1e-3) * 0.5
            parts.append((t, clip))
            turns.append((t, t + len(clip) / RATE, who))
            t += len(clip) / RATE + 0.4
    audio = np.zeros(int((t + 0.5) * RATE), np.float32)
    for start, clip in parts:
        audio[int(start * RATE) : int(start * RATE) + len(clip)] += clip
    return audio, turns


def test_diarize_tells_a_woman_and_a_man_apart() -> None:
    from loopnote.speakers import diarize, load_embedder, speaker_of

    audio, truth = scene()
    result = diarize(audio, load_embedder())
    assert len(result.speakers) == 2
    got = {
        who: {speaker_of(s, e, result.turns) for s, e, w in truth if w == who}
        for who in ("woman", "man")
    }
    assert len(got["woman"]) == 1 and len(got["man"]) == 1
    assert got["woman"] != got["man"]


def recorded(root: Path, audio: np.ndarray, truth: list[tuple[float, float, str]]) -> MeetingFolder:
    folder = MeetingFolder.create(root, MeetingMeta(id="", started_wall=1.8e9, sources=("system",)))
    w = WavWriter(folder.audio_dir / "system-000.wav", RATE, 1)
    w.write(audio.reshape(-1, 1))
    w.close()
    for i, (s, e, who) in enumerate(truth):
        folder.append_utterance(Utterance(f"u{i}", "system", s, e, f"line {i} by the {who}"))
    folder.finish(1.8e9 + 40, len(audio) / RATE)
    return folder


def test_loopnote_speakers_labels_a_recorded_meeting_and_remembers_a_voice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOOPNOTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LOOPNOTE_CONFIG", str(tmp_path / "no-config.toml"))
    out_dir = ["--out", str(tmp_path / "meetings")]
    audio, truth = scene()
    folder = recorded(tmp_path / "meetings", audio, truth)
    code = cli_main.main(["speakers", folder.id, *out_dir])
    out, err = capsys.readouterr()
    assert code == 0, err
    book = folder.speaker_book()
    by_voice = {
        who: {book.labels[f"u{i}"] for i, (_s, _e, w) in enumerate(truth) if w == who}
        for who in ("woman", "man")
    }
    assert len(by_voice["woman"]) == 1 and len(by_voice["man"]) == 1
    assert by_voice["woman"] != by_voice["man"]
    assert "Speaker 1" in out and "Speaker 2" in out
    # a second run lists, it does not diarize again
    events = (folder.path / "events.jsonl").read_text()
    assert cli_main.main(["speakers", folder.id, *out_dir]) == 0
    assert (folder.path / "events.jsonl").read_text() == events
    # remember the woman's voice; the next meeting names her from her voice alone
    (woman,) = by_voice["woman"]
    rename = ["--rename", f"{woman}=Allison", "--remember"]
    assert cli_main.main(["speakers", folder.id, *rename, *out_dir]) == 0
    second = recorded(
        tmp_path / "meetings",
        audio[int(3.0 * RATE) :],
        [(s - 3.0, e - 3.0, w) for s, e, w in truth if s >= 3.0],
    )
    capsys.readouterr()
    assert cli_main.main(["speakers", second.id, *out_dir]) == 0
    book = second.speaker_book()
    named = {sid: n for sid, n in book.names.items() if n.name}
    assert [(n.name, n.how) for n in named.values()] == [("Allison", "voiceprint")]
    labelled = [u for u in second.load_labelled_utterances() if u.speaker == "Allison"]
    assert labelled and all("woman" in u.text for u in labelled)
