"""`loopnote transcribe` / `demo` end to end: the real decoder, the real model, real files.

The JSON Lines contract, the meeting folder, every common audio format, fast vs real-time
replay, Ctrl-C, and bad input (one line on stderr, non-zero exit, no traceback).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import soundfile as sf

from recording import cli_env

FIXTURES = Path(__file__).parent / "fixtures"
CLIP = FIXTURES / "audio" / "asterisk__confbridge-lock-no-join.flac"
LONG_CLIP = FIXTURES / "speech_confbridge_mute.flac"


def run_cli(
    *args: str, data_dir: Path, timeout: float = 300, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**cli_env(data_dir), **(extra_env or {})}
    return subprocess.run(
        [sys.executable, "-m", "loopnote", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def words_of(evs: list[dict[str, Any]]) -> list[str]:
    return [
        re.sub(r"[^a-z0-9']", "", w["text"].lower())
        for e in evs
        if e["type"] == "utterance"
        for w in e["words"]
    ]


def text_of(evs: list[dict[str, Any]]) -> str:
    return " ".join(w for w in words_of(evs) if w)


@pytest.mark.model
def test_jsonl_contract_and_meeting_folder(tmp_path: Path) -> None:
    r = run_cli("transcribe", str(LONG_CLIP), "--fast", "--format", "jsonl", data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    evs = events(r.stdout)
    assert evs[0]["type"] == "session" and evs[-1]["type"] == "end"
    assert set(evs[0]) >= {"meeting_id", "wall", "sources"} and evs[0]["sources"] == ["system"]
    assert {e["type"] for e in evs} >= {"partial", "utterance", "summary"}
    duration = sf.info(str(LONG_CLIP)).duration
    last_end = 0.0
    for e in evs:
        assert isinstance(e["wall"], float)
        if e["type"] == "partial":
            assert set(e) >= {"source", "t", "text", "committed", "tentative"}
            assert e["source"] == "system" and e["text"].startswith(e["committed"])
        if e["type"] == "utterance":
            assert set(e) >= {"id", "source", "start", "end", "text", "words"}
            assert e["words"], e
            for w in e["words"]:
                assert set(w) == {"text", "start", "end", "p"}
                assert w["start"] <= w["end"] <= duration + 0.05
                assert w["start"] >= last_end - 1e-6, "word times go back"
                last_end = w["end"]
    text = text_of(evs)
    for word in ("mute", "unmute", "participants", "audio"):
        assert word in text, text

    folder = Path(evs[0]["folder"])
    assert folder.is_dir() and folder.parent == tmp_path / "meetings"
    meta = json.loads((folder / "meeting.json").read_text())
    assert meta["status"] == "complete" and meta["id"] == evs[0]["meeting_id"]
    journal = [json.loads(x) for x in (folder / "transcript.jsonl").read_text().splitlines()]
    assert [u["text"] for u in journal] == [e["text"] for e in evs if e["type"] == "utterance"]
    notes = (folder / "notes.md").read_text()
    # the notes show the settled transcript: the live one's lines, each settled once
    settled = [u for e in evs if e["type"] == "settled" for u in e["utterances"]]
    assert sorted(u["id"] for u in settled) == sorted(u["id"] for u in journal)
    assert "## Transcript" in notes and settled[0]["text"] in notes


@pytest.mark.model
@pytest.mark.slow
def test_realtime_replay_gives_the_same_transcript_as_fast(tmp_path: Path) -> None:
    fast = run_cli("transcribe", str(CLIP), "--fast", "--format", "jsonl", data_dir=tmp_path / "a")
    t0 = time.monotonic()
    paced = run_cli("transcribe", str(CLIP), "--format", "jsonl", data_dir=tmp_path / "b")
    elapsed = time.monotonic() - t0
    assert fast.returncode == 0 and paced.returncode == 0, (fast.stderr, paced.stderr)
    assert elapsed >= sf.info(str(CLIP)).duration * 0.95, "real-time replay was not paced"
    a = [(e["text"], e["start"], e["end"]) for e in events(fast.stdout) if e["type"] == "utterance"]
    b = [
        (e["text"], e["start"], e["end"]) for e in events(paced.stdout) if e["type"] == "utterance"
    ]
    assert a and a == b


def _encode(src: Path, dst: Path, codec: str, rate: int, layout: str) -> None:
    data, sr = sf.read(str(src), dtype="float32", always_2d=True)
    import soxr

    mono = soxr.resample(data[:, 0], sr, rate).astype(np.float32)
    channels = 2 if layout == "stereo" else 1
    frames = np.tile(mono[None, :], (channels, 1))
    with av.open(str(dst), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        fmt = "fltp" if codec in ("aac", "libmp3lame", "libopus", "libvorbis") else "s16"
        if fmt == "s16":
            payload = (np.clip(frames, -1, 1) * 32767).astype(np.int16).T.reshape(1, -1)
        else:
            payload = frames
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(payload), format=fmt, layout=layout)
        frame.sample_rate = rate
        frame.time_base = Fraction(1, rate)
        frame.pts = 0
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.parametrize(
    ("suffix", "codec", "rate", "layout"),
    [
        ("wav", "pcm_s16le", 44100, "stereo"),
        ("ogg", "libopus", 48000, "stereo"),
        ("mp3", "libmp3lame", 22050, "mono"),
        ("m4a", "aac", 48000, "stereo"),
    ],
)
def test_any_common_format_rate_and_channel_count(
    tmp_path: Path, suffix: str, codec: str, rate: int, layout: str
) -> None:
    path = tmp_path / f"meeting.{suffix}"
    _encode(CLIP, path, codec, rate, layout)
    r = run_cli("transcribe", str(path), "--fast", "--format", "jsonl", data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    text = text_of(events(r.stdout))
    assert "conference" in text and "locked" in text, text


@pytest.mark.model
@pytest.mark.slow
def transcribing_until_a_line(tmp_path: Path) -> tuple[subprocess.Popen[str], list[Any]]:
    """``transcribe`` of the long clip, once it has told its first line (and what it told)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "loopnote", "transcribe", str(LONG_CLIP), "--format", "jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(tmp_path),
    )
    assert proc.stdout is not None
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 120
    for line in proc.stdout:
        seen.append(json.loads(line))
        if seen[-1]["type"] == "utterance" or time.monotonic() > deadline:
            break
    return proc, seen


def test_ctrl_c_ends_the_meeting_and_keeps_the_transcript(tmp_path: Path) -> None:
    proc, seen = transcribing_until_a_line(tmp_path)
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=120)
    seen += events(rest)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert seen[-1]["type"] == "end"
    folder = Path(seen[0]["folder"])
    committed = [e["text"] for e in seen if e["type"] == "utterance"]
    journal = [
        json.loads(x)["text"] for x in (folder / "transcript.jsonl").read_text().splitlines()
    ]
    assert committed and journal == committed
    assert json.loads((folder / "meeting.json").read_text())["status"] == "interrupted"
    assert (folder / "notes.md").exists()
    assert "asked to end by SIGINT" in (folder / "session.log").read_text()  # the log says why


@pytest.mark.model
@pytest.mark.slow
def test_a_second_ctrl_c_skips_the_passes_at_the_end_and_still_saves(tmp_path: Path) -> None:
    proc, seen = transcribing_until_a_line(tmp_path)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)  # the meeting is ending: its settling pass has work left
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=120)
    seen += events(rest)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "Ctrl-C again skips" in err and "Skipping what is left to do" in err
    assert seen[-1]["type"] == "end"
    folder = Path(seen[0]["folder"])
    assert json.loads((folder / "meeting.json").read_text())["status"] == "interrupted"
    assert (folder / "notes.md").exists()
    codes = {e["code"] for e in seen if e["type"] == "warning"}
    assert codes & {"settle-skipped", "speakers-skipped"}, codes  # what was left, skipped


@pytest.mark.model
def test_demo_runs_the_bundled_sample(tmp_path: Path) -> None:
    r = run_cli("demo", "--format", "jsonl", data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    text = text_of(events(r.stdout))
    assert "best of times" in text and "worst of times" in text
    # a file read as fast as it is decoded is not "behind", and the meeting's log stays in
    # its file: no logger line (a library configured the root logger) on the terminal
    codes = {e.get("code") for e in events(r.stdout) if e["type"] == "warning"}
    assert not codes & {"recognition-behind", "recognition-caught-up"}, codes
    logged = [x for x in r.stderr.splitlines() if x.startswith(("INFO:", "WARNING:", "ERROR:"))]
    assert not logged, r.stderr


def _truncated_wav(path: Path) -> None:
    data, sr = sf.read(str(CLIP), dtype="int16")
    sf.write(str(path), data, sr, subtype="PCM_16")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 3])  # header still claims the whole length


@pytest.mark.parametrize(
    ("make", "expect"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_text("these are meeting notes, not audio\n" * 50), "not an audio file"),
        (_truncated_wav, "truncated"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path: Path, make: Any, expect: str) -> None:
    path = tmp_path / "input.wav"
    make(path)
    r = run_cli("transcribe", str(path), "--fast", data_dir=tmp_path)
    assert r.returncode != 0
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, r.stderr
    assert expect in lines[0] and "Traceback" not in r.stderr


def test_unknown_model_and_bad_option_are_one_line(tmp_path: Path) -> None:
    r = run_cli("transcribe", str(CLIP), "--model", "/no/such/model", data_dir=tmp_path)
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "model" in r.stderr
    r = run_cli("transcribe", str(CLIP), "--speed", "9", data_dir=tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = run_cli("transcribe", data_dir=tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.model
def test_plain_output_ends_with_the_notes_above_the_transcript(tmp_path: Path) -> None:
    r = run_cli("transcribe", str(CLIP), "--fast", data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    folder = next((tmp_path / "meetings").iterdir())
    notes = (folder / "notes.md").read_text()
    head = notes.split("\n## Transcript\n", 1)[0].rstrip()
    assert head and head.startswith("# ")
    assert r.stdout.rstrip().endswith(head)  # the notes come last, the transcript not again
    assert "## Transcript" not in r.stdout
