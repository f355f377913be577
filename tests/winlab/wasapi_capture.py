"""Runs under the Windows Python (winlab: Wine + WASAPI): drives loopnote's WASAPI backend.

usage:
  winpy wasapi_capture.py capture --seconds S --out DIR [--poll]
                                    capture the default render endpoint (loopback) and the
                                    default capture endpoint (microphone) together
  winpy wasapi_capture.py sources                         print `list_sources()` as JSON lines
  winpy wasapi_capture.py open --app NAME                 open a request (error: one line, exit 1+)
  winpy wasapi_capture.py activate                        process-loopback activation, build check
                                                          skipped (Wine completes it with an error)
  winpy wasapi_capture.py own-session                     render silence, then list the sessions:
                                                          this process's own session must show

``capture`` prints READY after start() and FIRST_AUDIO when the first system packet (not gap
fill) is placed, then writes DIR/capture_system.npy and DIR/capture_mic.npy (float32, frames x
channels, gap fill included) and DIR/capture.json (per source: rate, channels, gap stretches,
timeline continuity, event or polling mode, device; warnings and device switches).
Imports only numpy and loopnote's light modules.
"""

import argparse
import dataclasses
import itertools
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from loopnote.capture.base import CaptureRequest, DeviceSwitch
from loopnote.capture.wasapi.backend import WasapiBackend, WasapiOptions
from loopnote.capture.wasapi.stream import StreamOptions
from loopnote.errors import LoopnoteError
from loopnote.types import AudioChunk, SessionWarning


def capture(seconds: float, out: Path, poll: bool) -> int:
    """Capture the system audio (default render endpoint, loopback) and the microphone (default
    capture endpoint) together; write DIR/capture_<source>.npy and DIR/capture.json."""
    options = WasapiOptions(stream=StreamOptions(events=not poll))
    inputs = WasapiBackend(options).open(CaptureRequest())
    chunks: dict[str, list[AudioChunk]] = {i.source: [] for i in inputs}
    events: list[dict[str, object]] = []
    first = threading.Event()

    def emitter(source: str) -> Callable[[object], None]:
        def emit(item: object) -> None:
            if isinstance(item, AudioChunk):
                chunks[source].append(item)
                if source == "system" and not item.gap and not first.is_set():
                    first.set()
                    print(f"FIRST_AUDIO {item.start:.3f}", flush=True)
            elif isinstance(item, SessionWarning):
                events.append({"source": source, "warning": item.code, "message": item.message})
            elif isinstance(item, DeviceSwitch):
                events.append({"source": source, "switch": item.device, "t": item.t})

        return emit

    t0 = time.monotonic()
    started: dict[str, float] = {}
    for inp in inputs:
        started[inp.source] = time.monotonic() - t0  # its session time 0
        inp.start(emitter(inp.source))
    print("READY", flush=True)
    while time.monotonic() - t0 < seconds:
        time.sleep(0.05)
    for inp in inputs:
        inp.stop()
    wall = time.monotonic() - t0
    stats: dict[str, object] = {"wall_s": round(wall, 3), "events": events}
    for inp in inputs:
        got = chunks[inp.source]
        if not got:
            print(f"no {inp.source} audio chunks at all", file=sys.stderr)
            return 1
        data = np.concatenate([c.samples for c in got]).astype(np.float32)
        np.save(out / f"capture_{inp.source}.npy", data)
        stats[inp.source] = {**_stats(got, data, inp), "started_s": started[inp.source]}
    (out / "capture.json").write_text(json.dumps(stats))
    print("STATS " + json.dumps(stats), flush=True)
    return 0


def _stats(chunks: list[AudioChunk], data: np.ndarray, inp: object) -> dict[str, object]:
    spans: list[list[float]] = []  # merged gap stretches [start, end] in session seconds
    for c in chunks:
        if c.gap and spans and abs(spans[-1][1] - c.start) < 1e-6:
            spans[-1][1] = c.end
        elif c.gap:
            spans.append([c.start, c.end])
    jumps = [abs(b.start - a.end) for a, b in itertools.pairwise(chunks)]
    return {
        "rate": chunks[0].sample_rate,
        "channels": chunks[0].channels,
        "chunks": len(chunks),
        "gap_spans": [[round(a, 3), round(b, 3)] for a, b in spans],
        "frames": int(data.shape[0]),
        "end": chunks[-1].end,
        "max_jump_s": max(jumps, default=0.0),
        "rates": sorted({c.sample_rate for c in chunks}),
        "mode": getattr(inp, "mode", ""),
        "device": getattr(inp, "device", ""),
        "dtype_ok": all(c.samples.dtype == np.float32 and c.samples.ndim == 2 for c in chunks),
        "peak": float(np.max(np.abs(data))) if data.size else 0.0,
    }


def own_session() -> int:
    """Wine lists only the calling process's sessions: make one (a render stream) and list
    them all (Wine reports such a session as expired, which ``list_sources`` leaves out)."""
    import ctypes

    from loopnote.capture.wasapi.audioclient import AudioClient
    from loopnote.capture.wasapi.com import PVOID_P
    from loopnote.capture.wasapi.mmdevice import DeviceEnumerator
    from loopnote.capture.wasapi.sessions import list_sessions
    from loopnote.capture.wasapi.structs import GUID, ROLES, IID_IAudioClient
    from loopnote.capture.wasapi.win32 import Win32

    iid_render = GUID.of("F294ACFC-3146-4483-A7BF-ADDCA7C260E2")  # IAudioRenderClient
    api = Win32()
    api.co_initialize()
    with DeviceEnumerator(api) as enum, enum.default_device("render", ROLES["console"]) as dev:
        client = AudioClient(api, dev.activate(IID_IAudioClient, "IAudioClient"))
        _, native = client.mix_format()
        client.initialize(0, 0.2, native)
        frames = client.buffer_frames()
        render = client.ptr.out_ptr(
            14,
            (ctypes.POINTER(GUID),),
            ctypes.byref(iid_render),
            what="GetService",
            name="IAudioRenderClient",
        )
        data = ctypes.c_void_p()
        render.call(3, (ctypes.c_uint32, PVOID_P), frames, ctypes.byref(data), what="GetBuffer")
        render.call(4, (ctypes.c_uint32, ctypes.c_uint32), frames, 0x2, what="ReleaseBuffer")
        client.start()
        print(f"PID {os.getpid()}", flush=True)
        for s in list_sessions(api, everything=True):
            print("SESSION " + json.dumps(dataclasses.asdict(s)), flush=True)
        client.stop()
        render.release()
        client.release()
    return 0


def activate() -> int:
    """ActivateAudioInterfaceAsync on VAD\\Process_Loopback for this process, past the build
    check: the completion handler must be called and the result translated."""
    from loopnote.capture.wasapi import process_loopback
    from loopnote.capture.wasapi.win32 import Win32

    api = Win32()
    api.co_initialize()
    client = process_loopback.activate(api, os.getpid(), exclude=False)
    print("ACTIVATED", flush=True)
    client.release()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["capture", "sources", "open", "own-session", "activate"])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--out", type=Path, default=Path("."))
    ap.add_argument("--app")
    ap.add_argument("--poll", action="store_true", help="poll instead of waiting on events")
    a = ap.parse_args()
    try:
        if a.mode == "capture":
            return capture(a.seconds, a.out, a.poll)
        if a.mode == "own-session":
            return own_session()
        if a.mode == "activate":
            return activate()
        backend = WasapiBackend()
        if a.mode == "sources":
            for s in backend.list_sources():
                print("SOURCE " + json.dumps(s.to_dict()), flush=True)
            return 0
        inputs = backend.open(CaptureRequest(app=a.app, no_mic=True))
        print(f"OPENED {len(inputs)}", flush=True)
        return 0
    except LoopnoteError as e:
        print(f"loopnote: {e}", file=sys.stderr, flush=True)
        return e.exit_code


if __name__ == "__main__":
    sys.exit(main())
