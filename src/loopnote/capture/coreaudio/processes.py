"""Applications that talk to Core Audio (macOS 14.2+ process objects).

``AudioProcess``      one process object: object id, pid, bundle id, name, playing or not.
``list_processes``    every client process of the HAL except loopnote itself
                      (kAudioHardwarePropertyProcessObjectList).
``resolve_app``       ``--app`` -> the matching processes (by pid, bundle id or name), with
                      their helpers (com.google.Chrome -> com.google.Chrome.helper: browsers
                      play audio from helpers). ``DeviceNotFound`` lists the apps playing now.
``any_playing``       is any of these process objects running output right now?
``app_sources``       ``SourceInfo`` rows for ``loopnote sources``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from loopnote.capture.base import SourceInfo
from loopnote.capture.coreaudio.api import (
    HW_PROCESS_LIST,
    PROCESS_BUNDLE_ID,
    PROCESS_PID,
    PROCESS_RUNNING_OUTPUT,
    SYSTEM_OBJECT,
    CoreAudioApi,
    CoreAudioError,
)
from loopnote.errors import DeviceNotFound


@dataclass(frozen=True)
class AudioProcess:
    object_id: int
    pid: int
    bundle_id: str
    name: str
    playing: bool

    @property
    def label(self) -> str:
        return self.name or self.bundle_id.rsplit(".", 1)[-1] or f"pid {self.pid}"

    def describe(self) -> str:
        bundle = f"{self.bundle_id}, " if self.bundle_id else ""
        return f"{self.label} ({bundle}pid {self.pid})"


def list_processes(api: CoreAudioApi) -> list[AudioProcess]:
    own = os.getpid()
    found = []
    for obj in api.get_u32_list(SYSTEM_OBJECT, HW_PROCESS_LIST):
        try:
            pid = api.get_u32(obj, PROCESS_PID)
            if pid == own:
                continue
            bundle = api.get_string(obj, PROCESS_BUNDLE_ID)
            playing = api.get_u32(obj, PROCESS_RUNNING_OUTPUT) != 0
        except CoreAudioError:
            continue  # the process went away while we looked
        found.append(AudioProcess(obj, pid, bundle, api.process_name(pid), playing))
    return found


def _matches(p: AudioProcess, q: str) -> bool:
    bundle = p.bundle_id.lower()
    return (
        bundle == q
        or bundle.startswith(q + ".")
        or bundle.rsplit(".", 1)[-1] == q
        or p.name.lower() == q
    )


def _is_helper(p: AudioProcess, bundles: set[str]) -> bool:
    return any(p.bundle_id.startswith(b + ".") for b in bundles)


def resolve_app(api: CoreAudioApi, query: str) -> list[AudioProcess]:
    """The processes ``--app`` names: a pid, a bundle id, or a name (exact, else part of it)."""
    processes = list_processes(api)
    q = query.strip().lower()
    if q.isdigit():
        hits = [p for p in processes if p.pid == int(q)]
    else:
        hits = [p for p in processes if _matches(p, q)]
        if not hits and q:
            hits = [p for p in processes if q in p.name.lower() or q in p.bundle_id.lower()]
    if hits:
        bundles = {p.bundle_id for p in hits if p.bundle_id}
        return [p for p in processes if p in hits or _is_helper(p, bundles)]
    playing = [p.describe() for p in processes if p.playing]
    listed = "; ".join(playing) if playing else "none right now"
    raise DeviceNotFound(
        f"no app matching {query!r} uses audio (start it playing, or name it by pid or "
        f"bundle id); apps playing audio: {listed}"
    )


def any_playing(api: CoreAudioApi, objects: Iterable[int]) -> bool:
    for obj in objects:
        try:
            if api.get_u32(obj, PROCESS_RUNNING_OUTPUT):
                return True
        except CoreAudioError:
            continue
    return False


def app_sources(processes: Iterable[AudioProcess]) -> list[SourceInfo]:
    return [
        SourceInfo(
            "app", str(p.pid), p.label, details={"bundle_id": p.bundle_id, "playing": p.playing}
        )
        for p in processes
    ]
