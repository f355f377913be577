"""`loopnote record` and `loopnote recover` through a real sound server and the real model.

Speech played into the meeting sink must come out as the "system" transcript, matching the
transcript of the same file replayed; speech fed into the virtual microphone comes out as
"mic"; a kill -9 loses at most 2 s, and `recover` finishes the meeting.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import jiwer
import pytest
import soundfile as sf

from recording import Recording, cli_env, norm_words
from soundserver import SoundServer

FIXTURES = Path(__file__).parent / "fixtures"
THEM = FIXTURES / "speech_confbridge_mute.flac"
YOU = FIXTURES / "audio" / "asterisk__pls-hold-while-try.flac"

pytestmark = [pytest.mark.soundlab, pytest.mark.model, pytest.mark.slow]


def _norm(text: str) -> str:
    return " ".join(norm_words(text))


def _replay_text(path: Path, data: Path) -> str:
    r = subprocess.run(
        [sys.executable, "-m", "loopnote", "transcribe", str(path), "--fast", "--format", "jsonl"],
        capture_output=True,
        text=True,
        env=cli_env(data),
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    return _norm(
        " ".join(
            json.loads(x)["text"]
            for x in r.stdout.splitlines()
            if json.loads(x)["type"] == "utterance"
        )
    )


def _play_and_wait(lab: SoundServer, path: Path, device: str) -> None:
    player = lab.play(path, device=device)
    player.wait(timeout=sf.info(str(path)).duration + 30)


def test_record_transcribes_system_and_mic_like_a_replay(lab: SoundServer, tmp_path: Path) -> None:
    rec = Recording(tmp_path, "--title", "lab meeting")
    start = rec.wait_for("session")
    assert start["sources"] == ["system", "mic"]
    rec.wait_for("level", source="system")  # the capture streams deliver: play now
    _play_and_wait(lab, THEM, "meeting")
    _play_and_wait(lab, YOU, "mic_feed")
    time.sleep(4.0)  # let the last words settle
    code, err = rec.end()
    assert code == 0, err
    assert "Traceback" not in err
    assert rec.events[-1]["type"] == "end"

    reference = _norm(
        " ".join(
            s
            for s in [
                "to mute, or unmute yourself. When you are muted you can not send audio to other "
                "participants. However you will still hear audio from other unmuted participants."
            ]
        )
    )
    replay = _replay_text(THEM, tmp_path / "replay")
    live = rec.text("system")
    wer_live = jiwer.wer(reference, live)
    wer_replay = jiwer.wer(reference, replay)
    assert wer_live <= wer_replay + 0.02 + 1e-9, f"live: {live!r}\nreplay: {replay!r}"
    mic = rec.text("mic")
    assert "hold" in mic and "connect" in mic, mic
    assert "participants" not in mic  # the meeting's speech is not "you"

    folder = Path(start["folder"])
    meta = json.loads((folder / "meeting.json").read_text())
    assert meta["status"] == "complete" and meta["consent"]["shown"]
    assert sorted(p.name.split("-")[0] for p in (folder / "audio").glob("*.wav")) >= [
        "mic",
        "system",
    ]


def test_kill_9_loses_at_most_2_s_and_recover_finishes_the_meeting(
    lab: SoundServer, tmp_path: Path
) -> None:
    rec = Recording(tmp_path, "--no-mic")
    start = rec.wait_for("session")
    folder = Path(start["folder"])
    t0 = time.monotonic()
    player = lab.play(THEM, device="meeting")
    rec.wait_for("utterance", timeout=60)
    time.sleep(2.0)
    killed_at = time.monotonic() - t0
    rec.proc.kill()
    rec.proc.wait(timeout=30)
    player.wait(timeout=60)

    meta = json.loads((folder / "meeting.json").read_text())
    assert meta["status"] == "recording"  # it never ended
    before = [json.loads(x) for x in (folder / "transcript.jsonl").read_text().splitlines()]
    committed = [e for e in rec.events if e["type"] == "utterance"]
    assert [u["text"] for u in before][: len(committed)] == [u["text"] for u in committed]

    r = subprocess.run(
        [sys.executable, "-m", "loopnote", "recover", "--format", "jsonl"],
        capture_output=True,
        text=True,
        env=cli_env(tmp_path),
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    meta = json.loads((folder / "meeting.json").read_text())
    assert meta["status"] == "complete"
    seconds = sum(sf.info(str(p)).duration for p in (folder / "audio").glob("system-*.wav"))
    assert seconds >= killed_at - 2.0, (seconds, killed_at)
    after = [json.loads(x) for x in (folder / "transcript.jsonl").read_text().splitlines()]
    assert [u["text"] for u in after][: len(before)] == [u["text"] for u in before]
    ids = [u["id"] for u in after]
    assert len(ids) == len(set(ids))
    text = _norm(" ".join(u["text"] for u in after))
    assert "mute" in text
    assert (folder / "notes.md").exists()
