"""The settled transcript of a live meeting, made on a slow worker of its own.

``AudioTap``     the 16 kHz audio recognition heard, per source, for the last ``RING_SECONDS``
                 (written from the audio threads)
``Settled``      one settled stretch: its utterances, the live ids each replaces, progress
``LiveSettler``  ``add(u)`` a committed live utterance; ``tick(horizons)`` time moved
                 (latest wins); ``set_language(source, code)`` what ``--language auto`` detected;
                 ``hold()``/``release()`` live recognition is decoding / has stopped;
                 ``finish(live, done, read_disk)`` settle everything still unsettled, then
                 stop (``skip_rest()``: stop early, the user is in a hurry);
                 ``deliver(Settled)`` is called from the worker's thread

Each stretch (asr/settle.py) is settled once, when its following audio has been heard and
live recognition is not behind (``Pace``-style: more than ``YIELD_SECONDS`` of audio waiting
makes the worker leave the stretch for later). The decoding runs in the engine it is given,
in a live meeting a child process at a lower priority (asr/engine_process.py), so the live
path never waits for it, held while a live pass decodes (asr/busy.py). At the meeting's
end whatever is not settled yet (stretches left while live was behind, a meeting resumed
after a crash) is settled from the tap or, for audio older than the tap holds, from the
recording on disk.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from loopnote import host
from loopnote.asr.engine import SAMPLE_RATE, Engine, EngineRequest
from loopnote.asr.engine_process import EngineProcess
from loopnote.asr.options import RecognizerOptions
from loopnote.asr.settle import (
    SettleOptions,
    Stretch,
    StretchCutter,
    cut_stretches,
    prompt_before,
    samples_between,
    settle_stretch,
)
from loopnote.asr.whisper import default_cpu_threads
from loopnote.audio.recorder import read_source_mono
from loopnote.audio.ring import Ring
from loopnote.errors import AudioDecodeError
from loopnote.slowpath import SlowWorker
from loopnote.types import FloatArray, SessionWarning, Source, Utterance

RING_SECONDS = 600.0  # audio kept for stretches waiting to settle (older: read from disk)
YIELD_SECONDS = 1.0  # live recognition this far behind: settling waits

log = logging.getLogger(__name__)

DiskReader = Callable[[Source], FloatArray | None]  # a source's recorded 16 kHz audio


class AudioTap:
    """What each source's recognizer heard, by session time (thread-safe)."""

    def __init__(self, seconds: float = RING_SECONDS) -> None:
        self._cap = int(seconds * SAMPLE_RATE)
        self._rings: dict[Source, Ring] = {}
        self._lock = threading.Lock()

    def write(self, source: Source, samples: FloatArray, start: float) -> None:
        with self._lock:
            ring = self._rings.setdefault(source, Ring(self._cap))
            ring.write(round(start * SAMPLE_RATE), np.asarray(samples, np.float32).reshape(-1))

    def heard_until(self, source: Source) -> float:
        with self._lock:
            ring = self._rings.get(source)
            return 0.0 if ring is None else ring.end / SAMPLE_RATE

    def read(self, source: Source, start: float, end: float) -> FloatArray | None:
        """``[start, end)`` clipped to what was heard, or None when the tap no longer holds
        all of it."""
        a, b = samples_between(start, end)
        with self._lock:
            ring = self._rings.get(source)
            if ring is None or ring.begin is None:
                return None
            b = min(b, ring.end)
            if a < max(ring.begin, ring.end - ring.cap) or b <= a:
                return None
            return ring.read(a, b)


@dataclass(frozen=True)
class Settled:
    source: Source
    utterances: tuple[Utterance, ...]
    replaces: tuple[tuple[str, ...], ...]  # per utterance: the live ids it stands for
    how: str  # "live" (behind the live edge) | "end" (at the meeting's end)
    model: str = ""
    done: int = 0  # at the end: stretches settled so far, of ``total``
    total: int = 0


@dataclass
class _State:
    cutters: dict[Source, StretchCutter] = field(default_factory=dict)
    waiting: list[Stretch] = field(default_factory=list)
    done: set[str] = field(default_factory=set)  # live ids settled
    text: dict[Source, str] = field(default_factory=dict)  # settled text so far (prompts)
    horizons: dict[Source, float] = field(default_factory=dict)  # from the newest tick


class LiveSettler:
    def __init__(
        self,
        engine: Engine,
        options: dict[Source, RecognizerOptions],
        tap: AudioTap,
        deliver: Callable[[Settled | SessionWarning], None] = lambda s: None,
        *,
        behind: Callable[[], float] = lambda: 0.0,
        settle: SettleOptions | None = None,
        on_error: Callable[[str, BaseException], None] | None = None,
    ) -> None:
        self._engine = engine
        self._options = dict(options)
        self.tap = tap
        self.deliver = deliver  # set by the meeting's downstream, which stores the results
        self.behind = behind  # seconds live recognition is behind
        self._o = settle or SettleOptions()
        self._s = _State()
        self._skip = threading.Event()  # the user asked the end pass to stop
        self._ops: SlowWorker[tuple[str, object]] = SlowWorker("settle", self._job, on_error)

    @property
    def model(self) -> str:
        return self._engine.name

    def start(self) -> None:
        self._ops.start()

    def hold(self) -> None:
        """Live recognition is decoding: an engine that can be held (a child process) stops
        until ``release``; any other just goes on at its lower priority."""
        hold = getattr(self._engine, "hold", None)
        if callable(hold):
            hold()

    def release(self) -> None:
        release = getattr(self._engine, "release", None)
        if callable(release):
            release()

    def add(self, u: Utterance) -> None:
        self._ops.post(("add", u))

    def tick(self, horizons: Mapping[Source, float]) -> None:
        """Close the stretches a pause has ended. ``horizons``: per source, live recognition
        will commit no word starting before it, read before the lines committed ahead of it
        were added here (a horizon read later, on the worker's thread, may pass a line still
        on its way, and cut that line's first word off its stretch)."""
        self._ops.post(("tick", dict(horizons)), key="tick")

    def set_language(self, source: Source, language: str) -> None:
        self._ops.post(("language", (source, language)))

    def finish(
        self, live: Sequence[Utterance], done: set[str], read_disk: DiskReader | None = None
    ) -> None:
        """Settle every stretch of ``live`` with no id in ``done`` (nor settled here), then
        end the worker; returns once it has (results arrive through ``deliver``)."""
        self._ops.post(("finish", (list(live), set(done), read_disk)))
        self._ops.close()
        close = getattr(self._engine, "close", None)
        if callable(close):
            close()

    def skip_rest(self) -> None:
        """Stop the end pass after the stretch it is decoding (any thread): the stretches
        not settled keep their live transcript, and a warning says so."""
        self._skip.set()

    def finish_in_background(
        self, live: Sequence[Utterance], done: set[str], folder: Path
    ) -> threading.Thread:
        """``finish`` on a thread of its own (audio the tap lost is read from ``folder``)."""
        job = threading.Thread(
            target=self.finish,
            args=(live, done, lambda s: recorded_16k(folder, s)),
            name="settle-end",
        )
        job.start()
        return job

    # -- the worker's thread --------------------------------------------------------------
    def _job(self, batch: list[tuple[str, object]]) -> None:
        s = self._s
        for kind, arg in batch:
            if kind == "add" and isinstance(arg, Utterance):
                cutter = s.cutters.setdefault(arg.source, StretchCutter(arg.source, self._o))
                s.waiting += cutter.add(arg)
            elif kind == "language" and isinstance(arg, tuple):
                source, code = arg
                self._options[source] = replace(self._options[source], language=code)
            elif kind == "tick" and isinstance(arg, dict):
                s.horizons.update(arg)
            elif kind == "finish" and isinstance(arg, tuple):
                self._finish(*arg)
                return
        for source, cutter in s.cutters.items():
            if source in s.horizons:
                s.waiting += cutter.advance(s.horizons[source])
        while s.waiting and self.behind() <= YIELD_SECONDS:
            ready = [st for st in s.waiting if self._heard(st)]
            if not ready:
                return
            st = min(ready, key=lambda st: st.start)
            s.waiting.remove(st)
            self._settle(st, "live", None)

    def _heard(self, st: Stretch) -> bool:
        return self.tap.heard_until(st.source) >= st.audio_span(self._o)[1]

    def _finish(self, live: list[Utterance], done: set[str], read_disk: DiskReader | None) -> None:
        s = self._s
        known = s.waiting + [st for c in s.cutters.values() for st in c.flush()]
        seen = {i for st in known for i in st.ids} | s.done | done
        # a meeting resumed after a crash: its earlier lines were never cut here
        earlier = cut_stretches([u for u in live if u.id not in seen], self._o)
        todo = sorted(known + earlier, key=lambda st: st.start)
        s.waiting = []
        disk: dict[Source, FloatArray | None] = {}
        lost = 0
        for n, st in enumerate(todo, 1):
            if self._skip.is_set():
                self.deliver(
                    SessionWarning(
                        "settle-skipped",
                        f"{len(todo) - n + 1} stretch(es) of speech keep their live transcript: "
                        "settling was skipped (with the audio kept, loopnote retranscribe "
                        "settles them)",
                    )
                )
                break
            if (
                read_disk is not None
                and self.tap.read(st.source, st.start, st.start + 0.01) is None
            ) and st.source not in disk:
                disk[st.source] = read_disk(st.source)
            lost += not self._settle(st, "end", disk.get(st.source), n, len(todo))
        if lost:
            self.deliver(
                SessionWarning(
                    "settle-incomplete",
                    f"{lost} stretch(es) of speech keep their live transcript: "
                    "their audio was no longer held (loopnote retranscribe needs saved audio)",
                )
            )

    def _settle(
        self,
        st: Stretch,
        how: str,
        recorded: FloatArray | None,
        n: int = 0,
        total: int = 0,
    ) -> bool:
        """Settle ``st``; False when its audio is gone."""
        start, end = st.audio_span(self._o)
        audio = self.tap.read(st.source, start, end)
        if audio is None and recorded is not None:
            a, b = samples_between(start, end)
            audio = recorded[a:b] if a < recorded.shape[0] else None
        if audio is None or audio.size == 0:
            log.info("%s %.1f-%.1f: no audio to settle it, kept as heard", st.source, start, end)
            return False
        o = self._options.get(st.source) or RecognizerOptions()
        request = EngineRequest(
            language=o.language,
            beam_size=o.beam_size,
            hotwords=o.hotwords(),
            prompt=prompt_before(self._s.text.get(st.source, ""), self._o),
        )
        settled = settle_stretch(self._engine, st, audio, start, request, self._o)
        self._s.done.update(st.ids)
        text = " ".join(u.text for u in settled if u.text)
        self._s.text[st.source] = (self._s.text.get(st.source, "") + " " + text).strip()[-2000:]
        self.deliver(
            Settled(
                st.source,
                tuple(settled),
                tuple((u.id,) for u in settled),
                how,
                self._engine.name,
                n,
                total,
            )
        )
        return True


def recorded_16k(folder: Path, source: Source) -> FloatArray | None:
    """``source``'s recording in ``folder`` as 16 kHz mono, or None when there is none."""
    try:
        return read_source_mono(folder, source, SAMPLE_RATE)
    except AudioDecodeError:
        return None


def make_settler(
    model: str,
    options: dict[Source, RecognizerOptions],
    engine: Engine | None = None,
    settle: SettleOptions | None = None,
) -> LiveSettler:
    """A settler decoding with ``engine``, by default ``model`` in a child process at a
    lower priority, held while live recognition decodes (it loads while the meeting
    starts)."""
    if engine is None:
        # held while live recognition decodes, it may use every core in the gaps and at the
        # end (a 27-s stretch: 4.4 s on one thread, 2.5 s on two); unheld, one core
        threads = default_cpu_threads() if host.HOLDS_HELPERS else 1
        process = EngineProcess(model, threads=threads)
        process.start()
        engine = process
    return LiveSettler(engine, options, AudioTap(), settle=settle)


__all__ = ["AudioTap", "LiveSettler", "Settled", "make_settler", "recorded_16k"]
