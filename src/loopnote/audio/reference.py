"""Feed the system source's audio to the bleed canceller as soon as it is captured.

``ReferenceFeeder(canceller)``
    ``put(chunk)``   from the capture thread: enqueue only
    ``start()``      its thread converts each chunk to 16 kHz mono and calls
                     ``canceller.push_reference``
    ``finish()``     after what is queued, tell the canceller no more reference comes

The system source's worker spends most of its time in recognition; feeding the reference
from its own small thread keeps the reference at the live edge, so the microphone path
(which must not wait long) finds it there.
"""

from __future__ import annotations

import queue
import threading

from loopnote.audio.echo import BleedCanceller
from loopnote.audio.resample import ToMono16k
from loopnote.types import AudioChunk

QUEUE_CHUNKS = 1000


class ReferenceFeeder:
    def __init__(self, canceller: BleedCanceller) -> None:
        self._canceller = canceller
        self._convert = ToMono16k()
        # bounded; converting a chunk is cheap, so a full queue means a stalled machine
        self._queue: queue.Queue[AudioChunk | None] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self._thread = threading.Thread(target=self._run, name="bleed-reference", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, chunk: AudioChunk) -> None:
        self._queue.put(chunk)

    def finish(self) -> None:
        self._queue.put(None)

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            while (chunk := self._queue.get()) is not None:
                mono, start = self._convert.convert(chunk)
                self._canceller.push_reference(mono, start)
        finally:
            self._canceller.end_reference()
