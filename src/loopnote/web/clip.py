"""A stretch of a meeting's recorded audio as a small WAV file, for click-a-line-to-play.

``clip_wav(folder, source, start, end)``  WAV bytes of ``source`` between two session times,
                                          or None when that source's audio was not kept

Segments are contiguous from session time 0 (see ``audio.recorder``), so only the segments
that overlap the stretch are read.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import soundfile as sf

from loopnote.audio.recorder import HEADER_BYTES, SAMPLE_BYTES, read_wav, segments
from loopnote.types import Source

MAX_CLIP_SECONDS = 600.0


def _frames_of(path: Path) -> tuple[int, int, int]:
    """(frames, rate, channels) of one segment, read from its header and its length."""
    with path.open("rb") as f:
        head = f.read(HEADER_BYTES)
    channels = int.from_bytes(head[22:24], "little") or 1
    rate = int.from_bytes(head[24:28], "little")
    frames = (path.stat().st_size - HEADER_BYTES) // (SAMPLE_BYTES * channels)
    return frames, rate, channels


def has_audio(folder: Path, source: Source) -> bool:
    return bool(segments(folder, source))


def clip_wav(folder: Path, source: Source, start: float, end: float) -> bytes | None:
    paths = segments(folder, source)
    if not paths:
        return None
    start = max(0.0, start)
    end = max(start, min(end, start + MAX_CLIP_SECONDS))
    pieces: list[np.ndarray] = []
    offset = 0  # frames before this segment
    rate = channels = 0
    for path in paths:
        frames, seg_rate, seg_channels = _frames_of(path)
        if rate == 0:
            rate, channels = seg_rate, seg_channels
        if seg_rate != rate or seg_channels != channels:
            break  # a later format change: the clip stops where the format changed
        first, last = int(start * rate), int(end * rate)
        if offset + frames > first and offset < last:
            samples, _ = read_wav(path)
            pieces.append(samples[max(0, first - offset) : max(0, last - offset)])
        offset += frames
        if offset >= last:
            break
    if rate == 0:
        return None
    data = np.concatenate(pieces) if pieces else np.zeros((0, channels), np.float32)
    out = io.BytesIO()
    sf.write(out, data, rate, format="WAV", subtype="PCM_16")
    return out.getvalue()
