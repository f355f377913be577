"""Live recognition's decoding, counted, so a background decoder can be held while it runs.

``BusyGate(on_busy, on_idle)``  ``with gate:`` around a decode; the first one in calls
                                ``on_busy``, the last one out ``on_idle`` (any thread)
``GatedEngine(engine, gate)``   an ``Engine`` whose every ``transcribe`` runs inside the gate

A meeting wraps its live engine in a gate that holds the settling pass's process
(``EngineProcess.hold``): two sources decoding at once keep it held until both are done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

from loopnote.asr.engine import Engine, EngineRequest, EngineSegment
from loopnote.types import FloatArray


class BusyGate:
    def __init__(self, on_busy: Callable[[], None], on_idle: Callable[[], None]) -> None:
        self._on_busy = on_busy
        self._on_idle = on_idle
        self._inside = 0
        self._lock = threading.Lock()

    def __enter__(self) -> BusyGate:
        with self._lock:  # held across the call: a release never overtakes a hold
            self._inside += 1
            if self._inside == 1:
                self._on_busy()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        with self._lock:
            self._inside -= 1
            if self._inside == 0:
                self._on_idle()


class GatedEngine:
    """``engine``, its decoding counted by ``gate``."""

    def __init__(self, engine: Engine, gate: BusyGate) -> None:
        self._engine = engine
        self._gate = gate

    @property
    def name(self) -> str:
        return self._engine.name

    @property
    def multilingual(self) -> bool:
        return self._engine.multilingual

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        with self._gate:
            return self._engine.transcribe(samples, request)
