"""The rolling summary of a live meeting, on a slow worker of its own.

``LiveSummary(summary, deliver)``
    ``add(u)``        a committed utterance (every one reaches the summary, in order)
    ``tick(t)``       session time moved to ``t`` (latest wins: a pending older tick is dropped)
    ``close(timeout)`` close every open node, then stop; False if that did not end in time
``deliver(nodes, warnings)`` is called from the worker's thread with what each batch produced.

Summaries (extractive or an LLM) may take seconds, or a minute when an LLM hangs; here they
delay only the next summary, never a transcript line or an alert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from loopnote.slowpath import SlowWorker
from loopnote.summarize import RollingSummary
from loopnote.types import SessionWarning, SummaryNode, Utterance


@dataclass(frozen=True)
class _Op:
    kind: str  # "add" | "tick" | "finish"
    utterance: Utterance | None = None
    t: float = 0.0


Deliver = Callable[[list[SummaryNode], list[SessionWarning]], None]


class LiveSummary:
    def __init__(
        self,
        summary: RollingSummary,
        deliver: Deliver,
        on_error: Callable[[str, BaseException], None] | None = None,
    ) -> None:
        self._summary = summary
        self._deliver = deliver
        self._worker: SlowWorker[_Op] = SlowWorker("summary", self._job, on_error)

    def start(self) -> None:
        self._worker.start()

    def add(self, u: Utterance) -> None:
        self._worker.post(_Op("add", u))

    def tick(self, t: float) -> None:
        self._worker.post(_Op("tick", t=t), key="tick")

    def close(self, timeout: float | None = None) -> bool:
        """Summarize what is left, then end; False if not ended within ``timeout``."""
        self._worker.post(_Op("finish"), key="finish")
        return self._worker.close(timeout)

    def wait(self, timeout: float) -> bool:
        """After ``close``: whether the worker has ended, waiting up to ``timeout``."""
        return self._worker.close(timeout)

    def _job(self, batch: list[_Op]) -> None:
        s = self._summary
        nodes: list[SummaryNode] = []
        for op in batch:
            if op.kind == "add" and op.utterance is not None:
                nodes += s.add(op.utterance)
            elif op.kind == "tick":
                nodes += s.tick(op.t)
            elif op.kind == "finish":
                nodes += s.finish()
        warnings = s.drain_warnings()
        if nodes or warnings:
            self._deliver(nodes, warnings)
