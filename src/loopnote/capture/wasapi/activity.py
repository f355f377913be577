"""Who uses the audio devices on Windows: the building block of meeting detection.

``session_activity(api)``  every process's ``AppActivity``: it plays when it has an active
                           audio session on a render endpoint, and records a microphone when
                           it has one on a capture endpoint (IAudioSessionManager2 on each
                           active endpoint of both flows); system sounds, inactive and expired
                           sessions do not count. Grouped by process id.

Verified only at the COM seam (the contract fake of tests/capture_wasapi_fake_com.py): Wine
shows only the calling process's own sessions. The watcher that sleeps on the change
notifications is ``activity_watch.SessionWatcher``.
"""

from __future__ import annotations

from loopnote.capture.meetings import AppActivity
from loopnote.capture.wasapi.mmdevice import DeviceEnumerator, Flow
from loopnote.capture.wasapi.sessions import AppSession, _device_sessions
from loopnote.capture.wasapi.win32 import WinApi


def session_activity(api: WinApi) -> tuple[AppActivity, ...]:
    """The caller has initialized COM."""
    exe = {p.pid: p.exe for p in api.processes()}
    found: dict[Flow, list[AppSession]] = {"render": [], "capture": []}
    with DeviceEnumerator(api) as enum:
        for flow in ("render", "capture"):
            for ep in enum.endpoints(flow):
                with enum.device(ep.id) as dev:
                    found[flow] += _device_sessions(api, dev, exe)

    def counts(s: AppSession) -> bool:
        return s.pid != 0 and s.state == "active" and not s.system_sounds

    plays = {s.pid: s for s in found["render"] if counts(s)}
    records = {s.pid: s for s in found["capture"] if counts(s)}
    out = []
    for pid in sorted(set(plays) | set(records)):
        s = plays.get(pid) or records[pid]
        out.append(
            AppActivity(
                f"pid:{pid}",
                s.name,
                s.process,
                pid,
                plays=pid in plays,
                records_mic=pid in records,
            )
        )
    return tuple(out)
