"""Who uses audio on macOS 14.4+: the building block of meeting detection. UNVERIFIED on a Mac
(tested against the fake of the Core Audio seam only).

``process_activity(api)``  an ``AppActivity`` per app: it plays when one of its process
                           objects has kAudioProcessPropertyIsRunningOutput set, and records
                           when one has kAudioProcessPropertyIsRunningInput set. An app's
                           helpers (bundle ids under the app's, e.g. com.google.Chrome.helper)
                           count as the app: browsers play and record from helpers. loopnote
                           itself is never listed (``list_processes`` leaves it out).

IsRunningInput covers every input device, so a loopback input (BlackHole) counts as a
microphone here. ``activity_watch.ProcessWatcher`` sleeps on the property listeners of the
process list and of these two properties.
"""

from __future__ import annotations

from loopnote.capture.coreaudio.api import PROCESS_RUNNING_INPUT, CoreAudioApi, CoreAudioError
from loopnote.capture.coreaudio.processes import AudioProcess, list_processes
from loopnote.capture.meetings import AppActivity


def _recording(api: CoreAudioApi, p: AudioProcess) -> bool:
    try:
        return api.get_u32(p.object_id, PROCESS_RUNNING_INPUT) != 0
    except CoreAudioError:
        return False  # the process went away while we looked


def process_activity(api: CoreAudioApi) -> tuple[AppActivity, ...]:
    processes = list_processes(api)
    bundles = {p.bundle_id for p in processes if p.bundle_id}

    def root(p: AudioProcess) -> str:
        """The app a process belongs to: the shortest listed bundle id that prefixes its own."""
        owners = [b for b in bundles if p.bundle_id == b or p.bundle_id.startswith(b + ".")]
        return min(owners, key=len) if owners else ""

    groups: dict[str, list[AudioProcess]] = {}
    for p in processes:
        bundle = root(p)
        groups.setdefault(f"bundle:{bundle}" if bundle else f"pid:{p.pid}", []).append(p)
    out = []
    for key, members in sorted(groups.items()):
        main = min(members, key=lambda p: len(p.bundle_id) if p.bundle_id else 0)
        out.append(
            AppActivity(
                key,
                main.label,
                main.bundle_id,
                main.pid,
                plays=any(p.playing for p in members),
                records_mic=any(_recording(api, p) for p in members),
            )
        )
    return tuple(out)
