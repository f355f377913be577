"""Crash-safe audio files: what each source heard, on disk while it is heard.

Layout inside a meeting folder::

    audio/<source>-000.wav, <source>-001.wav, ...   (source = "system" or "mic")
    audio/<source>.gaps.jsonl                         one {"start": s, "end": s} per filled gap

Segments are 16-bit PCM WAV of ``RecorderOptions.segment_seconds`` (60 s) each, contiguous:
segment N starts where segment N-1 ended, the first at session time 0, so sample k of the
concatenation is at session time k / rate. Gaps (``AudioChunk.gap``) are written as the
silence they are and also listed in the gaps file.

Crash safety: samples go to the OS with each chunk (a killed process loses nothing the OS
already has); every ``sync_every`` seconds of audio (1 s) the WAV header is rewritten with
the true length and the file is fsync'ed, so even a power cut loses at most that much. A
header that is stale anyway is repaired from the file length by ``repair`` (what
``loopnote recover`` calls); ``read_source`` reads a source back whether repaired or not.

``RecorderOptions``  segment length, sync interval, channels kept
``Recorder``         one source: ``write(chunk) -> SessionWarning | None``, ``close()``. A full disk
                     (ENOSPC/EDQUOT/EFBIG) stops the audio, keeps what was written and returns
                     one ``SessionWarning(code="disk-full")``; nothing raises, so the session goes
                     on.
``WavWriter``        one crash-safe WAV file (also what ``loopnote capture`` writes)
``repair(folder)``   fix every WAV header under ``folder`` (or ``folder/audio``) from its length
``segments``, ``read_source``, ``read_gaps``, ``read_wav``  read back what was recorded
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from loopnote import host
from loopnote.errors import AudioDecodeError, StoreError
from loopnote.types import AudioChunk, FloatArray, SessionWarning, Source

HEADER_BYTES = 44
SAMPLE_BYTES = 2
FULL_DISK = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _header(rate: int, channels: int, data_bytes: int) -> bytes:
    block = channels * SAMPLE_BYTES
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, 8 * SAMPLE_BYTES)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def to_pcm16(samples: FloatArray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


class WavWriter:
    """A 16-bit WAV file that is valid on disk at every sync point. One thread writes to it
    at a time (rewriting the header moves the file position where there is no ``pwrite``)."""

    def __init__(self, path: Path, rate: int, channels: int, sync_every: float = 1.0) -> None:
        self.path, self.rate, self.channels = path, rate, channels
        self._sync_frames = max(1, round(sync_every * rate))
        self.frames = 0
        self._unsynced = 0
        self._fd: int | None = host.open_fd(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            host.write_all(self._fd, _header(rate, channels, 0))
        except OSError:
            os.close(self._fd)
            self._fd = None
            raise

    def write(self, samples: FloatArray) -> None:
        if self._fd is None:
            raise ValueError(f"{self.path} is closed")
        if samples.ndim == 1:
            samples = samples[:, None]
        if samples.shape[1] != self.channels:
            raise ValueError(f"{self.path}: {samples.shape[1]} channels, expected {self.channels}")
        host.write_all(self._fd, to_pcm16(samples))
        self.frames += samples.shape[0]
        self._unsynced += samples.shape[0]
        if self._unsynced >= self._sync_frames:
            self.sync()

    def sync(self) -> None:
        """Rewrite the header with the true length and flush to the disk."""
        if self._fd is None:
            return
        host.write_at(self._fd, self._true_header(), 0)
        host.flush_to_disk(self._fd)
        self._unsynced = 0

    def close(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            host.write_at(fd, self._true_header(), 0)
            host.flush_to_disk(fd)
        finally:
            os.close(fd)

    def _true_header(self) -> bytes:
        return _header(self.rate, self.channels, self.frames * self.channels * SAMPLE_BYTES)

    @property
    def duration(self) -> float:
        return self.frames / self.rate


@dataclass(frozen=True)
class RecorderOptions:
    segment_seconds: float = 60.0  # length of each WAV segment
    sync_every: float = 1.0  # header rewrite + fsync interval (seconds of audio)
    channels: int | None = 1  # 1 = downmix to mono; None = keep what the device gives


class Recorder:
    """Writes one source's chunks into ``folder/audio`` (see the module docstring)."""

    def __init__(
        self, folder: Path, source: Source, options: RecorderOptions | None = None
    ) -> None:
        self.dir = Path(folder) / "audio"
        self.source = source
        self.options = options or RecorderOptions()
        self.full = False  # the disk filled up: no more audio is written
        self._writer: WavWriter | None = None
        self._index = 0
        self._t = 0.0  # session time of the next frame to write
        self._gap_start: float | None = None
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            if e.errno in FULL_DISK:
                self.full = True
            else:
                raise StoreError(f"cannot create {self.dir}: {e.strerror}") from None

    @property
    def t(self) -> float:
        return self._t

    def write(self, chunk: AudioChunk) -> SessionWarning | None:
        if self.full:
            return None
        try:
            self._write(chunk)
        except OSError as e:
            if e.errno not in FULL_DISK:
                raise StoreError(f"cannot write audio to {self.dir}: {e.strerror}") from None
            return self._disk_full(chunk.start)
        return None

    def close(self) -> SessionWarning | None:
        if self.full:
            return None
        try:
            self._end_gap()
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        except OSError as e:
            if e.errno not in FULL_DISK:
                raise StoreError(f"cannot finish audio in {self.dir}: {e.strerror}") from None
            return self._disk_full(self._t)
        return None

    def _disk_full(self, t: float) -> SessionWarning:
        self.full = True
        if self._writer is not None:
            # the header of the last segment is fixed by repair() later
            with contextlib.suppress(OSError):
                self._writer.close()
            self._writer = None
        return SessionWarning(
            "disk-full",
            f"the disk is full: {self.source} audio stopped at "
            f"{t:.1f} s (what was written is kept; the transcript goes on)",
            self.source,
            t,
        )

    def _write(self, chunk: AudioChunk) -> None:
        samples = chunk.samples if chunk.samples.ndim == 2 else chunk.samples[:, None]
        if self.options.channels == 1 and samples.shape[1] > 1:
            samples = samples.mean(axis=1, keepdims=True, dtype=np.float32)
        rate = chunk.sample_rate
        w = self._writer
        if w is not None and (w.rate != rate or w.channels != samples.shape[1]):
            self._rotate()
            w = None
        # keep the file on the session timeline: pad a hole, drop an overlap
        offset = round((chunk.start - self._t) * rate)
        if offset > 0:
            self._frames(np.zeros((offset, samples.shape[1]), np.float32), rate, gap=True)
        elif offset < 0:
            samples = samples[-offset:]
        if chunk.gap:
            if self._gap_start is None:
                self._gap_start = self._t
        else:
            self._end_gap()
        self._frames(samples, rate, chunk.gap)

    def _frames(self, samples: FloatArray, rate: int, gap: bool) -> None:
        seg = max(1, round(self.options.segment_seconds * rate))
        while samples.shape[0]:
            w = self._writer
            if w is None:
                path = self.dir / f"{self.source}-{self._index:03d}.wav"
                w = self._writer = WavWriter(path, rate, samples.shape[1], self.options.sync_every)
            take = min(samples.shape[0], seg - w.frames)
            w.write(samples[:take])
            self._t += take / rate
            samples = samples[take:]
            if w.frames >= seg:
                self._rotate()

    def _rotate(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._index += 1

    def _end_gap(self) -> None:
        if self._gap_start is None:
            return
        line = json.dumps({"start": round(self._gap_start, 3), "end": round(self._t, 3)})
        gaps = self.dir / f"{self.source}.gaps.jsonl"
        with open(gaps, "a", encoding="utf-8", newline="\n") as f:  # "\n" on every platform
            f.write(line + "\n")
        self._gap_start = None


# ------------------------------------------------------------------- reading back ---
_SEGMENT = re.compile(r"^(?P<source>[a-z]+)-(?P<n>\d{3,})\.wav$")


def _audio_dir(folder: Path) -> Path:
    folder = Path(folder)
    return folder / "audio" if (folder / "audio").is_dir() else folder


def segments(folder: Path, source: Source) -> list[Path]:
    """The WAV segments of ``source`` in time order."""
    d = _audio_dir(folder)
    found = []
    for p in d.glob(f"{source}-*.wav"):
        m = _SEGMENT.match(p.name)
        if m and m["source"] == source:
            found.append((int(m["n"]), p))
    return [p for _, p in sorted(found)]


def _wav_layout(path: Path, head: bytes) -> tuple[int, int]:
    """(rate, channels) of one of our WAV files."""
    if (
        len(head) < HEADER_BYTES
        or head[:4] != b"RIFF"
        or head[8:12] != b"WAVE"
        or head[12:16] != b"fmt "
        or head[36:40] != b"data"
    ):
        raise AudioDecodeError(f"{path}: not a WAV file written by loopnote")
    fmt, channels, rate = struct.unpack("<HHI", head[20:28])
    bits = struct.unpack("<H", head[34:36])[0]
    if fmt != 1 or bits != 8 * SAMPLE_BYTES or channels < 1:
        raise AudioDecodeError(f"{path}: unexpected WAV format")
    return rate, channels


def read_wav(path: Path) -> tuple[FloatArray, int]:
    """Samples (float32, (frames, channels)) and rate, the length taken from the file itself
    (so a file whose header was never updated reads completely)."""
    raw = Path(path).read_bytes()
    rate, channels = _wav_layout(Path(path), raw[:HEADER_BYTES])
    block = channels * SAMPLE_BYTES
    n = (len(raw) - HEADER_BYTES) // block
    data = np.frombuffer(raw, "<i2", count=n * channels, offset=HEADER_BYTES)
    return (data.astype(np.float32) / 32767.0).reshape(n, channels), rate


def read_source(folder: Path, source: Source) -> tuple[FloatArray, int]:
    """All of ``source``'s audio as one array (float32, (frames, channels)) and its rate.
    Segments at another rate or channel count are converted to the first segment's."""
    parts: list[FloatArray] = []
    rate = channels = 0
    for p in segments(folder, source):
        x, r = read_wav(p)
        if not parts:
            rate, channels = r, x.shape[1]
        if x.shape[1] != channels:
            x = np.repeat(x.mean(axis=1, keepdims=True), channels, axis=1)
        if r != rate:
            x = np.asarray(soxr.resample(x, r, rate), np.float32).reshape(-1, channels)
        parts.append(x)
    if not parts:
        raise AudioDecodeError(f"no {source} audio in {_audio_dir(folder)}")
    return np.concatenate(parts), rate


def read_source_mono(folder: Path, source: Source, rate: int = 16000) -> FloatArray:
    """All of ``source``'s audio as mono float32 at ``rate``, converted a minute at a time
    (an hour recorded at 48 kHz in stereo would take over a gigabyte read whole)."""
    parts: list[FloatArray] = []
    for path in segments(folder, source):
        with open(path, "rb") as f:
            file_rate, channels = _wav_layout(path, f.read(HEADER_BYTES))
        raw = np.memmap(path, dtype="<i2", mode="r", offset=HEADER_BYTES)
        frames = len(raw) // channels
        step = 60 * file_rate
        stream = soxr.ResampleStream(file_rate, rate, 1, dtype="float32")
        for a in range(0, frames, step):
            b = min(frames, a + step)
            block = raw[a * channels : b * channels].reshape(-1, channels)
            mono = block.astype(np.float32).mean(axis=1) / 32767.0
            parts.append(stream.resample_chunk(mono, last=b == frames))
        del raw
    if not parts:
        raise AudioDecodeError(f"no {source} audio in {_audio_dir(folder)}")
    return np.concatenate(parts).astype(np.float32, copy=False)


def read_gaps(folder: Path, source: Source) -> list[tuple[float, float]]:
    path = _audio_dir(folder) / f"{source}.gaps.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            d = json.loads(line)
            out.append((float(d["start"]), float(d["end"])))
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a crash
    return out


def repair(folder: Path) -> list[Path]:
    """Fix the header (and drop a partial last frame) of every WAV file left by an interrupted
    recording under ``folder`` or ``folder/audio``. Returns the files that were changed."""
    fixed = []
    for path in sorted(_audio_dir(folder).glob("*.wav")):
        if path.stat().st_size < HEADER_BYTES:
            path.unlink()  # killed before its header was written: it holds no audio
            continue
        with open(path, "r+b") as f:
            head = f.read(HEADER_BYTES)
            try:
                rate, channels = _wav_layout(path, head)
            except AudioDecodeError:
                continue  # not one of ours: leave it alone
            size = os.fstat(f.fileno()).st_size
            block = channels * SAMPLE_BYTES
            data = (size - HEADER_BYTES) // block * block
            if data + HEADER_BYTES != size:
                f.truncate(HEADER_BYTES + data)
            if struct.unpack("<I", head[40:44])[0] != data or data + HEADER_BYTES != size:
                f.seek(0)
                f.write(_header(rate, channels, data))
                fixed.append(path)
            f.flush()
            host.flush_to_disk(f.fileno())
    return fixed
