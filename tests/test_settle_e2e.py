"""The settled transcript end to end: the real model on real speech, through the command line.

A meeting is made of four recorded prompts with pauses between them (their texts are in
``fixtures/audio/references.tsv``): ``transcribe`` must announce and store a settled tier
that readers use, and ``retranscribe`` must settle a meeting again from its saved audio,
or refuse bad input with one line and change nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from loopnote.audio.recorder import Recorder
from loopnote.store import MeetingFolder
from loopnote.types import AudioChunk
from recording import cli_env, norm_words

AUDIO = Path(__file__).parent / "fixtures" / "audio"
PAUSE = 1.5  # seconds of silence between prompts

pytestmark = pytest.mark.model


def run_cli(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loopnote", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=cli_env(data),
    )


def wer(ref: list[str], hyp: list[str]) -> float:
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[-1] / max(1, len(ref))


@pytest.fixture(scope="module")
def meeting(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """A transcribed meeting (data dir, folder, reference words) whose audio was saved."""
    tmp = tmp_path_factory.mktemp("settle")
    parts, texts = [], []
    for line in (AUDIO / "references.tsv").read_text().splitlines():
        name, text = line.split("\t")
        x, rate = sf.read(str(AUDIO / name), dtype="float32")
        assert rate == 16_000
        parts += [np.zeros(int(PAUSE * rate), np.float32), x.reshape(-1)]
        texts.append(text)
    audio = np.concatenate([*parts, np.zeros(int(PAUSE * 16_000), np.float32)])
    wav = tmp / "meeting.wav"
    sf.write(str(wav), audio, 16_000)
    r = run_cli("transcribe", str(wav), "--fast", "--format", "jsonl", data=tmp)
    assert r.returncode == 0, r.stderr
    evs = [json.loads(x) for x in r.stdout.splitlines()]
    folder = Path(evs[0]["folder"])
    # the audio a live meeting would have saved, written by the same recorder
    rec = Recorder(folder, "system")
    rec.write(AudioChunk("system", audio.reshape(-1, 1), 16_000, 0.0))
    rec.close()
    (tmp / "events.json").write_text(json.dumps(evs))
    return tmp, folder, norm_words(" ".join(texts))


def events(data: Path) -> list[dict[str, Any]]:
    return list(json.loads((data / "events.json").read_text()))


def test_transcribe_announces_and_stores_a_settled_tier_that_readers_use(
    meeting: tuple[Path, Path, list[str]],
) -> None:
    data, folder, ref = meeting
    evs = events(data)
    live_ids = [e["id"] for e in evs if e["type"] == "utterance"]
    settled = [e for e in evs if e["type"] == "settled"]
    assert settled, "no settled event"
    assert evs.index(settled[-1]) < [e["type"] for e in evs].index("end")
    replaced = [i for e in settled for i in e["replaces"]]
    assert sorted(replaced) == sorted(live_ids)  # every live line settled, once
    settled_text = " ".join(u["text"] for e in settled for u in e["utterances"] if u["text"])
    assert wer(ref, norm_words(settled_text)) <= 0.2
    # stored beside the live transcript; the export reads the settled one
    stored = MeetingFolder.open(folder)
    assert [u.id for u in stored.load_utterances(live=True)] == live_ids
    assert (folder / "settled.jsonl").exists()
    r = run_cli("export", "last", "--to", "txt", data=data)
    assert r.returncode == 0, r.stderr
    assert norm_words(r.stdout.split("\n", 2)[-1]).count("conference") == 1
    for u in stored.load_utterances():
        assert " ".join(u.text.split()) in r.stdout


def test_retranscribe_settles_again_from_saved_audio_without_touching_the_live_transcript(
    meeting: tuple[Path, Path, list[str]],
) -> None:
    data, folder, ref = meeting
    live_before = (folder / "transcript.jsonl").read_bytes()
    tiers_before = (folder / "settled.jsonl").read_text().count("\n")
    r = run_cli("retranscribe", "last", data=data)
    assert r.returncode == 0, r.stderr
    assert "stretches settled with tiny.en" in r.stdout
    assert (folder / "transcript.jsonl").read_bytes() == live_before
    lines = (folder / "settled.jsonl").read_text().splitlines()
    new = [json.loads(x) for x in lines[tiers_before:]]
    assert new and {d["pass"] for d in new} == {"retranscribe"}
    text = " ".join(u.text for u in MeetingFolder.open(folder).load_utterances())
    assert wer(ref, norm_words(text)) <= 0.2
    assert "Please hold while we try" in (folder / "notes.md").read_text()


def _unchanged(folder: Path) -> tuple[bytes, bytes]:
    return (folder / "transcript.jsonl").read_bytes(), (folder / "settled.jsonl").read_bytes()


def test_retranscribe_refuses_bad_input_with_one_line_and_changes_nothing(
    meeting: tuple[Path, Path, list[str]], tmp_path: Path
) -> None:
    data, folder, _ = meeting
    before = _unchanged(folder)
    r = run_cli("retranscribe", "last", "--model", "no-such-model", data=data)
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "no-such-model" in r.stderr and _unchanged(folder) == before
    # a meeting in French: the English-only model is refused, naming the one to use
    m = MeetingFolder.open(folder)
    m.set_language("system", "fr")
    m.close()
    r = run_cli("retranscribe", "last", "--model", "tiny.en", data=data)
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "base" in r.stderr and _unchanged(folder) == before
    m = MeetingFolder.open(folder)
    m.set_language("system", "en")
    m.close()
    # a meeting whose audio was not kept
    r = run_cli("transcribe", str(AUDIO / "asterisk__vm-sorry.flac"), "--fast", data=tmp_path)
    assert r.returncode == 0, r.stderr
    [other] = [p for p in (tmp_path / "meetings").iterdir() if p.is_dir()]
    kept = _unchanged(other) if (other / "settled.jsonl").exists() else None
    r = run_cli("retranscribe", "last", data=tmp_path)
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "no saved audio" in r.stderr and "Traceback" not in r.stderr
    assert (_unchanged(other) if kept is not None else None) == kept
