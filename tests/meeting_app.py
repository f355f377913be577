"""A stand-in for a call app: ONE process that plays into the default output and/or records
the default microphone, through libpulse-simple (the C client library, as real apps use it),
so the server sees both streams under the same application name and process id.

    python tests/meeting_app.py NAME [--play] [--record] [--seconds S] [--tone HZ]

Runs until SIGTERM/SIGINT (or for S seconds); prints "ready" once its streams are open.
"""

from __future__ import annotations

import argparse
import ctypes
import math
import signal
import struct
import sys
import threading
import time

PLAYBACK, RECORD = 1, 2
S16LE = 3
RATE = 48000
BLOCK = RATE // 50  # 20 ms


class SampleSpec(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("rate", ctypes.c_uint32), ("channels", ctypes.c_uint8)]


def _open(lib: ctypes.CDLL, name: str, direction: int, stream: str) -> ctypes.c_void_p:
    spec = SampleSpec(S16LE, RATE, 1)
    err = ctypes.c_int(0)
    s = lib.pa_simple_new(
        None,
        name.encode(),
        direction,
        None,
        stream.encode(),
        ctypes.byref(spec),
        None,
        None,
        ctypes.byref(err),
    )
    if not s:
        raise SystemExit(f"pa_simple_new failed ({err.value})")
    return ctypes.c_void_p(s)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("name")
    p.add_argument("--play", action="store_true")
    p.add_argument("--record", action="store_true")
    p.add_argument("--seconds", type=float, default=3600.0)
    p.add_argument("--tone", type=float, default=440.0)
    a = p.parse_args()
    lib = ctypes.CDLL("libpulse-simple.so.0")
    lib.pa_simple_new.restype = ctypes.c_void_p
    lib.pa_simple_new.argtypes = [
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.pa_simple_write.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_void_p,
    ]
    lib.pa_simple_read.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_void_p,
    ]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = []
    if a.play:
        out = _open(lib, a.name, PLAYBACK, "call audio")
        tone = b"".join(
            struct.pack("<h", int(3000 * math.sin(2 * math.pi * a.tone * i / RATE)))
            for i in range(BLOCK)
        )

        def play() -> None:
            while not stop.is_set():
                lib.pa_simple_write(out, tone, len(tone), None)  # blocks at real time

        threads.append(threading.Thread(target=play, daemon=True))
    if a.record:
        mic = _open(lib, a.name, RECORD, "call microphone")
        buf = ctypes.create_string_buffer(BLOCK * 2)

        def record() -> None:
            while not stop.is_set():
                lib.pa_simple_read(mic, buf, len(buf), None)

        threads.append(threading.Thread(target=record, daemon=True))
    for t in threads:
        t.start()
    print("ready", flush=True)
    stop.wait(a.seconds)
    stop.set()
    time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
