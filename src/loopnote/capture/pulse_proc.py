"""One ``parec`` child process recording raw float32 stereo, and its reader thread.

``ParecTarget``    what to record: a source by name, or one playback stream (sink input)
``ParecStream``    runs ``parec`` (process isolation: a libpulse abort cannot take loopnote
                   down) and a thread that only reads, copies whole frames and hands them to
                   ``on_block(stream, samples)``; ``on_end(stream, rc)`` when the process ends.
``parec_command``  the command line, for tests and diagnostics.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from loopnote.errors import CaptureError
from loopnote.types import FloatArray

RATE = 48000
CHANNELS = 2
FRAME_BYTES = 4 * CHANNELS
LATENCY_MS = 20
READ_BYTES = FRAME_BYTES * RATE // 10  # at most 100 ms per read


@dataclass(frozen=True)
class ParecTarget:
    device: str | None = None  # a source name (a monitor or a microphone)
    stream: int | None = None  # a sink input index: record that one playback stream
    label: str = field(
        default="", compare=False
    )  # what a person reads (device name or "app (pid N)")

    def describe(self) -> str:
        return self.label or self.device or f"stream #{self.stream}"


def parec_command(target: ParecTarget, stream_name: str) -> list[str]:
    exe = shutil.which("parec")
    if exe is None:
        raise CaptureError(
            "parec is not installed; install it with: apt-get install pulseaudio-utils"
        )
    cmd = [
        exe,
        "--raw",
        "--format=float32le",
        f"--rate={RATE}",
        f"--channels={CHANNELS}",
        f"--latency-msec={LATENCY_MS}",
        "--client-name=loopnote",
        f"--stream-name={stream_name}",
    ]
    if target.stream is not None:
        cmd.append(f"--monitor-stream={target.stream}")
    elif target.device is not None:
        cmd.append(f"--device={target.device}")
    return cmd


class ParecStream:
    def __init__(
        self,
        target: ParecTarget,
        stream_name: str,
        on_block: Callable[[ParecStream, FloatArray], None],
        on_end: Callable[[ParecStream, int], None],
    ) -> None:
        self.target = target
        self._on_block = on_block
        self._on_end = on_end
        self.delivered = False  # some data arrived
        self.settled = False  # the server was seen recording it from its target
        self._born = time.monotonic()
        self.proc = subprocess.Popen(
            parec_command(target, stream_name),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        self._thread = threading.Thread(
            target=self._read, name=f"parec-{self.proc.pid}", daemon=True
        )
        self._thread.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def age(self) -> float:
        return time.monotonic() - self._born

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _read(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        rest = b""
        while True:
            try:
                b = os.read(fd, READ_BYTES)
            except OSError:
                break
            if not b:
                break
            if rest:
                b, rest = rest + b, b""
            whole = len(b) - len(b) % FRAME_BYTES
            if whole < len(b):
                rest = b[whole:]
            if whole:
                samples = np.frombuffer(b[:whole], "<f4").reshape(-1, CHANNELS).copy()
                self.delivered = True
                self._on_block(self, samples)
        rc = self.proc.wait()
        self._on_end(self, rc)

    def close(self) -> None:
        """Stop the process and wait for it (and the reader) to finish."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
