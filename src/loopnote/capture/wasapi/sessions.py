"""Applications playing audio, and resolving ``--app NAME|PID`` to a process.

``AppSession``          one audio session: pid, process name, display name, state, endpoint
``list_sessions(api, everything=False)``
                        IAudioSessionManager2 -> IAudioSessionEnumerator -> IAudioSessionControl2
                        on every active render endpoint, matched to process names
``resolve_app(spec, sessions, processes)``
                        the pid to capture: a number is a pid; a name matches executables
                        ("chrome", "chrome.exe") or session display names; of several processes
                        the root of their tree is taken. Unknown or ambiguous -> one-line error.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

from loopnote.capture.wasapi.com import PVOID_P, S_OK, ComPtr
from loopnote.capture.wasapi.mmdevice import Device, DeviceEnumerator
from loopnote.capture.wasapi.structs import (
    AUDIO_SESSION_STATES,
    IID_IAudioSessionControl2,
    IID_IAudioSessionManager2,
)
from loopnote.capture.wasapi.win32 import ProcessEntry, WinApi
from loopnote.errors import DeviceNotFound, UsageError

# IAudioSessionManager2 / IAudioSessionEnumerator / IAudioSessionControl(2) slots (audiopolicy.h)
_GET_SESSION_ENUMERATOR = 5
_ENUM_GET_COUNT, _ENUM_GET_SESSION = 3, 4
_CTL_GET_STATE, _CTL_GET_DISPLAY_NAME = 3, 4
_CTL2_GET_PROCESS_ID, _CTL2_IS_SYSTEM_SOUNDS = 14, 15


@dataclass(frozen=True)
class AppSession:
    pid: int
    process: str  # executable name, "" if the process is gone
    display_name: str
    state: str  # "active" | "inactive" | "expired"
    endpoint_id: str
    endpoint_name: str
    system_sounds: bool = False

    @property
    def name(self) -> str:
        return self.display_name or self.process.removesuffix(".exe") or f"pid {self.pid}"


def _session(api: WinApi, control: ComPtr, exe: dict[int, str], eid: str, ename: str) -> AppSession:
    with control.query(IID_IAudioSessionControl2, "IAudioSessionControl2") as c2:
        state = ctypes.c_int32()
        c2.call(
            _CTL_GET_STATE, (ctypes.POINTER(ctypes.c_int32),), ctypes.byref(state), what="GetState"
        )
        name_ptr = ctypes.c_void_p()
        c2.call(_CTL_GET_DISPLAY_NAME, (PVOID_P,), ctypes.byref(name_ptr), what="GetDisplayName")
        try:
            display = ctypes.wstring_at(name_ptr.value) if name_ptr.value else ""
        finally:
            api.co_task_mem_free(name_ptr.value)
        pid = ctypes.c_uint32()
        # AUDCLNT_S_NO_SINGLE_PROCESS (a success code) still reports one of the processes
        c2.call(
            _CTL2_GET_PROCESS_ID,
            (ctypes.POINTER(ctypes.c_uint32),),
            ctypes.byref(pid),
            what="GetProcessId",
        )
        system = c2.raw(_CTL2_IS_SYSTEM_SOUNDS, ()) == S_OK
    p = int(pid.value)
    if display.startswith("@"):  # an indirect resource string ("@%SystemRoot%\...,-123")
        display = ""
    return AppSession(
        p,
        exe.get(p, ""),
        display,
        AUDIO_SESSION_STATES.get(state.value, "unknown"),
        eid,
        ename,
        system,
    )


def _device_sessions(api: WinApi, dev: Device, exe: dict[int, str]) -> list[AppSession]:
    eid, ename = dev.id(), dev.name()
    out: list[AppSession] = []
    with (
        dev.activate(IID_IAudioSessionManager2, "IAudioSessionManager2") as mgr,
        mgr.out_ptr(
            _GET_SESSION_ENUMERATOR, (), what="GetSessionEnumerator", name="IAudioSessionEnumerator"
        ) as sessions,
    ):
        count = ctypes.c_int32()
        sessions.call(
            _ENUM_GET_COUNT, (ctypes.POINTER(ctypes.c_int32),), ctypes.byref(count), what="GetCount"
        )
        for i in range(count.value):
            with sessions.out_ptr(
                _ENUM_GET_SESSION,
                (ctypes.c_int32,),
                i,
                what="GetSession",
                name="IAudioSessionControl",
            ) as control:
                out.append(_session(api, control, exe, eid, ename))
    return out


def list_sessions(api: WinApi, everything: bool = False) -> list[AppSession]:
    """Audio sessions on every active render endpoint; unless ``everything``, system sounds and
    expired sessions are left out. The caller has initialized COM."""
    exe = {p.pid: p.exe for p in api.processes()}
    out: list[AppSession] = []
    with DeviceEnumerator(api) as enum:
        for ep in enum.endpoints("render"):
            with enum.device(ep.id) as dev:
                out.extend(_device_sessions(api, dev, exe))
    if everything:
        return out
    return [s for s in out if not s.system_sounds and s.state != "expired" and s.pid]


def _norm(name: str) -> str:
    return name.strip().lower().removesuffix(".exe")


def _playing(sessions: list[AppSession]) -> str:
    names = sorted({f"{s.name} (pid {s.pid})" for s in sessions})
    return ", ".join(names) if names else "none"


def resolve_app(
    spec: str, sessions: list[AppSession], processes: list[ProcessEntry]
) -> tuple[int, str]:
    """(pid, label) for ``--app`` ``spec``."""
    by_pid = {p.pid: p for p in processes}
    spec = spec.strip()
    if spec.isdigit():
        pid = int(spec)
        if pid not in by_pid:
            raise DeviceNotFound(
                f"no process with pid {pid}; apps playing audio: {_playing(sessions)}"
            )
        return pid, by_pid[pid].exe or f"pid {pid}"
    want = _norm(spec)
    pids = {p.pid for p in processes if _norm(p.exe) == want}
    pids |= {s.pid for s in sessions if _norm(s.display_name) == want and s.pid in by_pid}
    if not pids:
        raise DeviceNotFound(
            f"no running app named {spec!r}; apps playing audio: {_playing(sessions)} "
            "(pass --app NAME or PID)"
        )
    roots = sorted(p for p in pids if by_pid[p].ppid not in pids)
    if len(roots) > 1:
        audible = {s.pid for s in sessions}
        with_audio = [r for r in roots if any(_in_tree(a, r, by_pid) for a in audible)]
        roots = with_audio if len(with_audio) == 1 else roots
    if len(roots) > 1:
        raise UsageError(
            f"several processes are named {spec!r} (pids {', '.join(map(str, roots))}): "
            "pass --app PID"
        )
    pid = roots[0]
    return pid, by_pid[pid].exe or spec


def _in_tree(pid: int, root: int, by_pid: dict[int, ProcessEntry]) -> bool:
    seen: set[int] = set()
    while pid not in seen:
        if pid == root:
            return True
        seen.add(pid)
        entry = by_pid.get(pid)
        if entry is None:
            return False
        pid = entry.ppid
    return False
