"""``loopnote capture``: record the chosen sources to WAV files, without transcription.

    loopnote capture --seconds 30 --out call.wav [--app NAME|PID | --source NAME]
                     [--mic NAME | --no-mic]

The system audio goes to FILE and the microphone to FILE with ``-mic`` before the suffix
(``call.wav`` and ``call-mic.wav``): 16-bit WAV at the device rate and channels (48 kHz
stereo on Linux), each exactly ``--seconds`` long on the shared sample clock, so the two files
line up sample for sample. Time nothing arrived in (device switch, server restart) is
silence. Files are crash-safe (header rewritten every second). One line per file written
goes to stdout; warnings go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import queue
import sys
import time
from pathlib import Path
from typing import Any

from loopnote.audio.recorder import WavWriter
from loopnote.capture import get_backend
from loopnote.capture.base import CaptureItem, CaptureRequest, DeviceSwitch
from loopnote.errors import UsageError
from loopnote.types import AudioChunk, SessionWarning, Source


def register(sub: Any) -> None:
    p = sub.add_parser(
        "capture",
        help="record system audio and the microphone to WAV files",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--seconds", type=float, required=True, metavar="N", help="how long to record")
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE",
        help="system audio WAV; the microphone goes to FILE with a -mic suffix",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--app", metavar="NAME|PID", help="only this application's audio")
    what.add_argument("--source", metavar="NAME", help="any source (monitor or input) by name")
    what.add_argument("--no-system", action="store_true", help="do not record system audio")
    mic = p.add_mutually_exclusive_group()
    mic.add_argument("--mic", metavar="NAME", help="microphone by name (default: the default)")
    mic.add_argument("--no-mic", action="store_true", help="do not record the microphone")
    p.set_defaults(func=run)


def mic_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}-mic{out.suffix}")


def run(args: argparse.Namespace) -> int:
    if not args.seconds > 0:
        raise UsageError("--seconds must be more than 0")
    out: Path = args.out
    if out.suffix.lower() != ".wav":
        raise UsageError(f"--out must name a .wav file, not {str(out)!r}")
    if not out.parent.is_dir():
        raise UsageError(f"--out: folder {str(out.parent)!r} does not exist")
    request = CaptureRequest(
        app=args.app,
        system_source=args.source,
        mic=args.mic,
        no_mic=args.no_mic,
        no_system=args.no_system,
    )
    inputs = get_backend().open(request)
    paths: dict[Source, Path] = {"system": out, "mic": mic_path(out)}
    items: queue.SimpleQueue[CaptureItem] = queue.SimpleQueue()
    writers: dict[Source, WavWriter] = {}
    gaps: dict[Source, int] = {}
    limit: dict[Source, int] = {}
    started = []
    try:
        for inp in inputs:
            inp.start(items.put)
            started.append(inp)
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                _handle(items.get(timeout=0.1), paths, writers, gaps, limit, args.seconds)
    except KeyboardInterrupt:
        sys.stderr.write("loopnote: capture interrupted; keeping what was recorded\n")
    finally:
        for inp in started:
            inp.stop()
        while True:
            try:
                _handle(items.get_nowait(), paths, writers, gaps, limit, args.seconds)
            except queue.Empty:
                break
        for w in writers.values():
            w.close()
    for src, w in sorted(writers.items(), key=lambda kv: kv[0] != "system"):
        sys.stdout.write(
            f"{w.path}: {src}, {w.duration:.2f} s, {w.rate} Hz, {w.channels} ch, "
            f"{gaps.get(src, 0) / w.rate:.2f} s filled\n"
        )
    return 0


def _handle(
    item: CaptureItem,
    paths: dict[Source, Path],
    writers: dict[Source, WavWriter],
    gaps: dict[Source, int],
    limit: dict[Source, int],
    seconds: float,
) -> None:
    if isinstance(item, SessionWarning):
        sys.stderr.write(f"loopnote: warning: {item.message}\n")
        return
    if isinstance(item, DeviceSwitch) or not isinstance(item, AudioChunk):
        return
    src = item.source
    w = writers.get(src)
    if w is None:
        w = writers[src] = WavWriter(paths[src], item.sample_rate, item.channels)
        limit[src] = round(seconds * item.sample_rate)
    take = min(item.frames, limit[src] - w.frames)
    if take <= 0:
        return
    w.write(item.samples[:take])
    if item.gap:
        gaps[src] = gaps.get(src, 0) + take
