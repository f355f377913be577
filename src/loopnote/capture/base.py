"""The contract every capture backend follows.

``AudioInput``   one source ("system" or "mic"): start(emit) ... stop(). The backend calls
                 ``emit`` from its own thread with ``AudioChunk``s (device rate, float32,
                 (frames, channels)), ``SessionWarning``s, ``DeviceSwitch``es, and ``EndOfStream``
                 when a finite input ends. Callbacks only copy and enqueue. Chunk times come
                 from the sample clock: session time 0 is the moment ``start`` is called;
                 gaps (nothing delivered, device switch, server restart) are filled with
                 ``gap=True`` silence so the timeline never shifts.
``SourceInfo``   one entry of ``loopnote sources``: an output, its monitor, an input, or an
                 application playing audio.
``CaptureRequest`` what the user asked for (--app, --source, --mic, --no-mic).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from loopnote.types import AudioChunk, SessionWarning, Source

SourceKind = Literal["output", "monitor", "input", "app"]


@dataclass(frozen=True)
class DeviceSwitch:
    """The source now reads from ``device`` (session time ``t``)."""

    source: Source
    device: str
    t: float


@dataclass(frozen=True)
class EndOfStream:
    """The input has no more audio (a replayed file ended); live inputs never send it."""

    source: Source


CaptureItem = AudioChunk | SessionWarning | DeviceSwitch | EndOfStream
Emit = Callable[[CaptureItem], None]


@dataclass(frozen=True)
class SourceInfo:
    kind: SourceKind
    id: str  # stable id: sink/source name, endpoint id, or pid for apps
    name: str  # what a person reads
    is_default: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "default": self.is_default,
            **self.details,
        }


@dataclass(frozen=True)
class CaptureRequest:
    app: str | None = None  # one application's audio: name or pid
    system_source: str | None = None  # any monitor/source by name
    mic: str | None = None  # microphone by name; None = default
    no_mic: bool = False
    no_system: bool = False


class AudioInput(Protocol):
    source: Source

    def start(self, emit: Emit) -> None:
        """Begin capturing; session time 0 is now."""

    def stop(self) -> None:
        """Stop and release the device; flushes what was captured."""


def delivers_in_real_time(inp: AudioInput) -> bool:
    """Whether ``inp`` delivers audio in real time (live capture, a real-time replay), so its
    recognition can fall behind; an input says otherwise with ``realtime = False`` (a file
    read as fast as it is taken), and one that does not say is live."""
    return bool(getattr(inp, "realtime", True))


class Backend(Protocol):
    """What a platform offers: listing and opening inputs."""

    name: str

    def list_sources(self) -> list[SourceInfo]:
        """Outputs, their monitors, inputs, and the applications playing audio now."""

    def open(self, request: CaptureRequest) -> list[AudioInput]:
        """The inputs for the request (system and/or mic), validated (unknown names raise
        ``DeviceNotFound`` listing what exists)."""
