"""Crash-safe per-source audio files (audio/recorder.py): real files, real kill -9, a real
full disk. Runs under Windows too (tests/test_windows_winlab.py): the kill is TerminateProcess
there, and the full disk a failing write."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr

from loopnote import host
from loopnote.audio.recorder import (
    Recorder,
    RecorderOptions,
    WavWriter,
    read_gaps,
    read_source,
    read_source_mono,
    read_wav,
    repair,
    segments,
)
from loopnote.types import AudioChunk

RATE = 48000


def noise(seconds: float, channels: int = 2, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.uniform(-0.5, 0.5, (round(seconds * RATE), channels))).astype(np.float32)


def chunks_of(
    x: np.ndarray, start: float = 0.0, size: float = 0.1, gap: bool = False, source: str = "system"
) -> list[AudioChunk]:
    step = round(size * RATE)
    return [
        AudioChunk(source, x[i : i + step], RATE, start + i / RATE, gap)  # type: ignore[arg-type]
        for i in range(0, len(x), step)
    ]


def q16(x: np.ndarray) -> np.ndarray:
    """What 16-bit storage gives back."""
    return np.round(np.clip(x, -1, 1) * 32767) / 32767


def test_round_trip_across_segments_with_gaps(tmp_path: Path) -> None:
    rec = Recorder(tmp_path, "system", RecorderOptions(segment_seconds=1.0, channels=None))
    a, b = noise(1.5, seed=1), noise(1.2, seed=2)
    silence = np.zeros((round(0.4 * RATE), 2), np.float32)
    for c in chunks_of(a) + chunks_of(silence, 1.5, gap=True) + chunks_of(b, 1.9):
        assert rec.write(c) is None
    assert rec.close() is None
    files = segments(tmp_path, "system")
    assert [f.name for f in files] == [f"system-00{i}.wav" for i in range(4)]  # 1+1+1+0.1 s
    x, rate = read_source(tmp_path, "system")
    assert rate == RATE and x.shape == (round(3.1 * RATE), 2)
    np.testing.assert_allclose(x, q16(np.concatenate([a, silence, b])), atol=1e-4)
    assert read_gaps(tmp_path, "system") == [(1.5, 1.9)]
    for f in files:  # every segment is a valid WAV for other tools too
        assert soundfile.info(str(f)).samplerate == RATE


def test_a_long_stereo_recording_reads_as_16k_mono_a_minute_at_a_time(tmp_path: Path) -> None:
    rec = Recorder(tmp_path, "system", RecorderOptions(segment_seconds=100.0, channels=None))
    t = np.arange(round(130 * RATE)) / RATE
    tone = np.stack([np.sin(2 * np.pi * 440 * t), 0.5 * np.sin(2 * np.pi * 300 * t)], axis=1)
    tone = (0.4 * tone).astype(np.float32)
    for c in chunks_of(tone):
        assert rec.write(c) is None
    assert rec.close() is None
    assert len(segments(tmp_path, "system")) == 2  # 100 s + 30 s, each read in minutes
    whole, rate = read_source(tmp_path, "system")
    expected = soxr.resample(whole.mean(axis=1), rate, 16000)
    got = read_source_mono(tmp_path, "system")
    assert got.dtype == np.float32 and abs(len(got) - len(expected)) <= 2
    n = min(len(got), len(expected))
    # the same signal, but at the block and segment edges (where the resampler restarts)
    np.testing.assert_allclose(got[100 : n - 100], expected[100 : n - 100], atol=1e-2)


def test_mono_by_default_and_holes_and_overlaps_keep_the_timeline(tmp_path: Path) -> None:
    rec = Recorder(tmp_path, "mic")
    x = noise(1.0, seed=3)
    rec.write(AudioChunk("mic", x[: RATE // 2], RATE, 0.0))
    rec.write(AudioChunk("mic", x[RATE // 2 :], RATE, 0.75))  # 0.25 s hole
    rec.write(AudioChunk("mic", x[: RATE // 10], RATE, 1.2))  # 0.05 s overlap
    rec.close()
    y, _ = read_source(tmp_path, "mic")
    assert y.shape == (round(1.3 * RATE), 1)
    assert not y[RATE // 2 : round(0.75 * RATE)].any()
    np.testing.assert_allclose(y[: RATE // 2, 0], q16(x[: RATE // 2].mean(axis=1)), atol=1e-4)


def test_kill_9_loses_nothing_the_os_had_and_repair_fixes_headers(tmp_path: Path) -> None:
    seconds = 3.3
    script = textwrap.dedent(f"""
        import os, signal, numpy as np
        from pathlib import Path
        from loopnote.audio.recorder import Recorder, RecorderOptions
        from loopnote.types import AudioChunk
        rec = Recorder(Path({str(tmp_path)!r}), "system", RecorderOptions(segment_seconds=2.0))
        x = np.random.default_rng(7).uniform(-0.5, 0.5, ({round(seconds * RATE)}, 2))
        x = x.astype(np.float32)
        step = 4800
        for i in range(0, len(x), step):
            rec.write(AudioChunk("system", x[i:i + step], 48000, i / 48000))
        print("written", flush=True)
        input()  # killed while waiting here
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"written"
    proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no handler, no close()
    assert proc.wait(timeout=60) != 0
    files = segments(tmp_path, "system")
    assert len(files) == 2
    # the open segment's header lags by less than the 1 s sync interval
    stale = soundfile.info(str(files[1])).frames
    assert round(1.3 * RATE) - RATE < stale <= round(1.3 * RATE)
    assert repair(tmp_path) == [files[1]]
    assert soundfile.info(str(files[1])).frames == round(1.3 * RATE)
    assert repair(tmp_path) == []  # idempotent
    x, _ = read_source(tmp_path, "system")
    want = np.random.default_rng(7).uniform(-0.5, 0.5, (round(seconds * RATE), 2))
    np.testing.assert_allclose(x[:, 0], q16(want.astype(np.float32).mean(axis=1)), atol=1e-4)


def test_repair_cuts_a_partial_frame_and_read_needs_no_repair(tmp_path: Path) -> None:
    (tmp_path / "audio").mkdir()
    w = WavWriter(tmp_path / "audio" / "mic-000.wav", RATE, 2)
    w.write(noise(0.5))
    with open(w.path, "ab") as f:  # a write cut short by a power loss: half a frame
        f.write(b"\x01\x02")
    x, _ = read_wav(w.path)  # readable before repair
    assert x.shape == (RATE // 2, 2)
    assert repair(tmp_path) == [w.path]
    assert os.path.getsize(w.path) == 44 + RATE // 2 * 4
    assert soundfile.info(str(w.path)).frames == RATE // 2


@pytest.mark.parametrize("full", ["dev-full", "enospc"])
def test_full_disk_stops_audio_keeps_what_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full: str
) -> None:
    """The second segment hits a full disk: /dev/full where there is one (POSIX), else
    writes that fail as a full disk does (Windows reports ERROR_DISK_FULL as ENOSPC)."""
    audio = tmp_path / "audio"
    audio.mkdir()
    if full == "dev-full":
        if host.OS == "windows":
            pytest.skip("/dev/full is a POSIX device; the enospc case covers Windows")
        os.symlink("/dev/full", audio / "system-001.wav")
    else:
        doomed: set[int] = set()
        open_fd, write_all = host.open_fd, host.write_all

        def opening(path: Path, flags: int, mode: int = 0o600) -> int:
            fd = open_fd(path, flags, mode)
            if Path(path).name == "system-001.wav":
                doomed.add(fd)
            return fd

        def writing(fd: int, data: bytes) -> None:
            if fd in doomed:
                raise OSError(errno.ENOSPC, "No space left on device")
            write_all(fd, data)

        monkeypatch.setattr(host, "open_fd", opening)
        monkeypatch.setattr(host, "write_all", writing)
    rec = Recorder(tmp_path, "system", RecorderOptions(segment_seconds=1.0))
    warnings = [w for c in chunks_of(noise(2.5, seed=4)) if (w := rec.write(c)) is not None]
    assert [w.code for w in warnings] == ["disk-full"]
    assert rec.full and "disk is full" in warnings[0].message
    assert rec.close() is None
    first, _ = read_wav(audio / "system-000.wav")
    assert first.shape == (RATE, 1)
    np.testing.assert_allclose(first[:, 0], q16(noise(1.0, seed=4).mean(axis=1)), atol=1e-4)


@pytest.mark.skipif(shutil.which("mount") is None, reason="mounts a tmpfs (Linux)")
def test_full_tmpfs_keeps_a_readable_prefix(tmp_path: Path) -> None:
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", f"lnc-{uuid.uuid4().hex[:6]}", str(mnt)],
        capture_output=True,
    )
    if r.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root (CAP_SYS_ADMIN)")
    try:
        rec = Recorder(mnt, "system", RecorderOptions(segment_seconds=60.0))
        x = noise(5.0, seed=5)
        codes = [w.code for c in chunks_of(x) if (w := rec.write(c)) is not None]
        assert codes == ["disk-full"]
        rec.close()
        repair(mnt)
        y, _ = read_source(mnt, "system")
        assert 1.0 * RATE < len(y) < 3.0 * RATE  # 256 KiB of 16-bit mono at 48 kHz
        np.testing.assert_allclose(y[:, 0], q16(x[: len(y)].mean(axis=1)), atol=1e-4)
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def test_gaps_file_survives_a_torn_last_line(tmp_path: Path) -> None:
    (tmp_path / "audio").mkdir()
    (tmp_path / "audio" / "mic.gaps.jsonl").write_text(
        json.dumps({"start": 1.0, "end": 2.5}) + "\n" + '{"start": 3.0, "en'
    )
    assert read_gaps(tmp_path, "mic") == [(1.0, 2.5)]
