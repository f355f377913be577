"""Replay a recording as if it were captured live.

``FileInput``      an ``AudioInput`` over any file PyAV can decode (wav, flac, ogg/opus, mp3,
                   m4a/aac, ...; any rate and channel count). Chunks are delivered at the file's
                   own rate and channels, timed by the sample clock, paced in real time by
                   default (as live capture would deliver them) or as fast as the consumer
                   takes them (``realtime=False``).
``ArrayInput``     an ``AudioInput`` over samples already in memory, placed at a session time
                   (``loopnote recover`` replays audio that was never transcribed).
``probe_file``     open and validate a file up front; one clear ``AudioDecodeError`` otherwise.
"""

from __future__ import annotations

import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import soundfile
import soxr

from loopnote.capture.base import Emit, EndOfStream
from loopnote.errors import AudioDecodeError
from loopnote.types import AudioChunk, FloatArray, SessionWarning, Source

CHUNK_SECONDS = 0.05  # what a live device would deliver per callback, roughly


@dataclass(frozen=True)
class FileInfo:
    path: Path
    sample_rate: int
    channels: int
    duration: float  # as declared by the container (0 when unknown)


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise AudioDecodeError(f"{path}: no such file")
    if path.is_dir():
        raise AudioDecodeError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioDecodeError(f"{path}: the file is empty")
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as e:
        raise AudioDecodeError(f"{path}: not an audio file ({_reason(e)})") from None
    if not container.streams.audio:
        container.close()
        raise AudioDecodeError(f"{path}: the file has no audio stream")
    return container


def _reason(e: Exception) -> str:
    text = getattr(e, "strerror", None) or str(e)
    return str(text).splitlines()[0] if text else type(e).__name__


def _declared_longer(path: Path) -> bool:
    """libsndfile reports a RIFF/WAV data chunk whose header claims more than the file has."""
    try:
        info = soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError, TypeError):
        return False
    return bool(re.search(r"^data\s*:\s*\d+\s*\(should be", info.extra_info, re.M))


def probe_file(path: Path) -> FileInfo:
    """Validate that ``path`` holds decodable audio and describe it."""
    container = _open(path)
    if _declared_longer(path):
        container.close()
        raise AudioDecodeError(f"{path}: the file is truncated (its header promises more audio)")
    try:
        stream = container.streams.audio[0]
        rate = int(stream.rate or 0)
        channels = int(stream.channels or 0)
        try:
            first = next(container.decode(stream), None)
        except av.error.FFmpegError as e:
            raise AudioDecodeError(f"{path}: cannot decode its audio ({_reason(e)})") from None
        if first is None or rate <= 0 or channels <= 0:
            raise AudioDecodeError(f"{path}: the file holds no audio")
        duration = float(container.duration / 1_000_000) if container.duration else 0.0
        return FileInfo(path, rate, channels, duration)
    finally:
        container.close()


def decode_blocks(path: Path, block_seconds: float = CHUNK_SECONDS) -> Iterator[FloatArray]:
    """Yield float32 (frames, channels) blocks of about ``block_seconds`` at the file's rate.

    Raises ``AudioDecodeError`` when the stream breaks off or ends well before the length its
    container declares (a truncated file).
    """
    info = probe_file(path)
    container = _open(path)
    stream = container.streams.audio[0]
    layout = stream.layout.name if stream.layout else None
    resampler = av.AudioResampler(format="flt", layout=layout, rate=info.sample_rate)
    block = max(1, round(block_seconds * info.sample_rate))
    pending: list[FloatArray] = []
    pending_frames = 0
    produced = 0
    try:
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    data = np.ascontiguousarray(out.to_ndarray().reshape(-1, info.channels))
                    pending.append(data.astype(np.float32, copy=False))
                    pending_frames += data.shape[0]
                    while pending_frames >= block:
                        joined = np.concatenate(pending)
                        yield joined[:block]
                        produced += block
                        rest = joined[block:]
                        pending = [rest] if rest.shape[0] else []
                        pending_frames = rest.shape[0]
        except av.error.FFmpegError as e:
            at = produced / info.sample_rate
            raise AudioDecodeError(
                f"{path}: the audio is corrupt or truncated at {at:.1f} s ({_reason(e)})"
            ) from None
        if pending_frames:
            yield np.concatenate(pending)
            produced += pending_frames
    finally:
        container.close()
    got = produced / info.sample_rate
    if info.duration > 2.0 and got < 0.9 * info.duration:
        raise AudioDecodeError(
            f"{path}: the file is truncated ({got:.1f} s of {info.duration:.1f} s decodable)"
        )


def read_audio(path: Path) -> tuple[FloatArray, int]:
    """The whole file as float32 (frames, channels) and its rate."""
    info = probe_file(path)
    blocks = list(decode_blocks(path, 1.0))
    data = np.concatenate(blocks) if blocks else np.zeros((0, info.channels), np.float32)
    return data, info.sample_rate


MONO_RATE = 16000  # what the end passes take


def read_mono_16k(path: Path) -> FloatArray:
    """The whole file as 16 kHz mono float32 (a replayed meeting's speakers' last look),
    converted a minute at a time: an hour at 48 kHz in stereo would take over a gigabyte
    read whole."""
    stream = soxr.ResampleStream(probe_file(path).sample_rate, MONO_RATE, 1, dtype="float32")
    parts = [
        stream.resample_chunk(np.asarray(block.mean(axis=1), np.float32))
        for block in decode_blocks(path, 60.0)
    ]
    parts.append(stream.resample_chunk(np.zeros(0, np.float32), last=True))
    return np.concatenate(parts).astype(np.float32, copy=False)


class _Replay(ABC):
    """Thread plumbing the replay inputs share: ``start`` runs ``_run`` on its own thread,
    ``stop`` ends it, and ``EndOfStream`` is always the last item emitted."""

    def __init__(self, source: Source) -> None:
        self.source: Source = source
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, emit: Emit) -> None:
        self._thread = threading.Thread(
            target=self._run_to_end, args=(emit,), name=f"replay-{self.source}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run_to_end(self, emit: Emit) -> None:
        try:
            self._run(emit)
        finally:
            emit(EndOfStream(self.source))

    @abstractmethod
    def _run(self, emit: Emit) -> None:
        """Emit the chunks until done or ``self._stop`` is set."""


class FileInput(_Replay):
    """An ``AudioInput`` that replays ``path`` as source ``source``."""

    def __init__(self, path: Path, source: Source = "system", realtime: bool = True) -> None:
        super().__init__(source)
        self.path = path
        self.realtime = realtime
        self.info = probe_file(path)
        self.error: AudioDecodeError | None = None

    def _run(self, emit: Emit) -> None:
        rate = self.info.sample_rate
        t0 = time.monotonic()
        frames = 0
        try:
            for block in decode_blocks(self.path):
                if self._stop.is_set():
                    break
                if self.realtime:
                    # deliver each block when its last sample would have been captured live
                    due = t0 + (frames + block.shape[0]) / rate
                    delay = due - time.monotonic()
                    if delay > 0 and self._stop.wait(delay):
                        break
                emit(AudioChunk(self.source, block, rate, frames / rate))
                frames += block.shape[0]
        except AudioDecodeError as e:
            self.error = e
            emit(SessionWarning("decode-error", str(e), self.source, frames / rate))


class ArrayInput(_Replay):
    """Replay ``samples`` (float32 (frames, channels)) as ``source`` from session time
    ``start``, as fast as the consumer takes them."""

    def __init__(
        self, samples: FloatArray, sample_rate: int, source: Source, start: float = 0.0
    ) -> None:
        super().__init__(source)
        self._samples = samples if samples.ndim == 2 else samples.reshape(-1, 1)
        self.realtime = False  # never paced: its consumer is never behind a live edge
        self._rate = sample_rate
        self._start = start

    def _run(self, emit: Emit) -> None:
        block = max(1, int(CHUNK_SECONDS * self._rate))
        for i in range(0, self._samples.shape[0], block):
            if self._stop.is_set():
                break
            emit(
                AudioChunk(
                    self.source,
                    self._samples[i : i + block],
                    self._rate,
                    self._start + i / self._rate,
                )
            )
