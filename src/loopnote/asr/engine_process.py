"""An ``Engine`` whose model runs in a child process at a lower scheduling priority.

``EngineProcess(model, threads=1)``  ``start()`` launches ``python -m loopnote.asr.engine_process``
                                     (it loads the model while the caller goes on);
                                     ``transcribe`` sends one buffer and waits for its segments;
                                     ``hold()``/``release()`` stop and resume the child (live
                                     recognition holds it while it decodes); ``close()`` ends it

The settling pass decodes with it: live recognition keeps the meeting's own engine. The
child is a ``host.serve_in_background`` helper: nicer, and deaf to the console's Ctrl-C, which
ends the meeting but not its end pass. A lower priority alone still cost live recognition
about a second of latency on two cores (the child's decoding shares the caches and the
second core a live pass needs), so on POSIX live recognition also holds the child, stopped,
for the length of each live pass (``hold``); it decodes in the gaps. A crash in the child
fails only its own calls (``ModelNotAvailable``); the child ends when its standard input
closes, so it never outlives the meeting, even one killed with -9 while it is held (see
``host.helper_popen_options``).

Wire format on the child's stdin: one JSON line (``{"n": samples, "request": {...}}``) then
``n`` float32 samples; on its stdout: one JSON line per reply (``{"segments": [...]}`` or
``{"error": "..."}``), after a first ``{"ready": name}`` line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import threading
from typing import IO, Any

import numpy as np

from loopnote import host
from loopnote.asr.engine import EngineRequest, EngineSegment
from loopnote.errors import ModelNotAvailable
from loopnote.types import FloatArray, Word


class EngineProcess:
    """A model in a child process, behind the ``Engine`` protocol (calls are serialized)."""

    def __init__(self, model: str, *, threads: int = 1) -> None:
        self._model = model
        self._threads = threads
        self._proc: subprocess.Popen[bytes] | None = None
        self._name = model or "tiny.en"
        self._multilingual = False
        self._ready = False
        self._lock = threading.Lock()  # one decode at a time
        self._hold_lock = threading.Lock()  # taken for a moment, even during a decode
        self._held = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def multilingual(self) -> bool:
        return self._multilingual

    def start(self) -> None:
        cmd = [sys.executable, "-m", "loopnote.asr.engine_process", "--model", self._model]
        cmd += ["--threads", str(self._threads)]
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            **host.helper_popen_options(),
        )

    def hold(self) -> None:
        """Stop the child where it is (mid-decode or idle) until ``release``."""
        with self._hold_lock:
            if self._proc is not None and not self._held:
                self._held = host.hold_child(self._proc)

    def release(self) -> None:
        with self._hold_lock:
            if self._proc is not None and self._held:
                host.release_child(self._proc)
            self._held = False

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        audio = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
        with self._lock:
            if self._proc is None:
                self.start()
            proc = self._proc
            assert proc is not None and proc.stdin is not None and proc.stdout is not None
            if not self._ready:
                hello = _reply(proc.stdout)
                self._name = str(hello.get("ready", self._name))
                self._multilingual = bool(hello.get("multilingual", False))
                self._ready = True
            header = {"n": int(audio.size), "request": dataclasses.asdict(request)}
            try:
                proc.stdin.write(json.dumps(header).encode() + b"\n" + audio.tobytes())
                proc.stdin.flush()
            except OSError as e:
                raise ModelNotAvailable(f"the settling model process ended: {e}") from None
            return [_segment_from(d) for d in _reply(proc.stdout).get("segments", [])]

    def close(self) -> None:
        with self._hold_lock:
            proc, self._proc, self._held = self._proc, None, False
        if proc is not None:
            host.end_child(proc)  # which resumes a held child first


def _reply(stream: IO[bytes]) -> dict[str, Any]:
    line = stream.readline()
    if not line:
        raise ModelNotAvailable("the settling model process ended")
    reply = json.loads(line)
    if "error" in reply:
        raise ModelNotAvailable(str(reply["error"]))
    return dict(reply)


def _segment_to(s: EngineSegment) -> dict[str, Any]:
    d = dataclasses.asdict(s)
    d["words"] = [w.to_dict() for w in s.words]
    return d


def _segment_from(d: dict[str, Any]) -> EngineSegment:
    words = tuple(Word.from_dict(w) for w in d.pop("words", []))
    return EngineSegment(words=words, **d)


# ---------------------------------------------------------------- the child process
def _serve(model: str, threads: int) -> int:
    reply = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever a library prints must not land in the reply pipe
    host.serve_in_background()
    from loopnote.asr.whisper import load_engine

    try:
        engine = load_engine(model, cpu_threads=threads)
    except Exception as e:  # the parent reports it as one line
        reply.write(json.dumps({"error": str(e)}) + "\n")
        reply.close()
        return 1
    reply.write(json.dumps({"ready": engine.name, "multilingual": engine.multilingual}) + "\n")
    reply.flush()
    stdin = sys.stdin.buffer
    while line := stdin.readline():
        header = json.loads(line)
        raw = stdin.read(4 * int(header["n"]))
        try:
            request = EngineRequest(**header["request"])
            request = dataclasses.replace(request, names=tuple(request.names))
            segments = engine.transcribe(np.frombuffer(raw, np.float32), request)
            out: dict[str, Any] = {"segments": [_segment_to(s) for s in segments]}
        except Exception as e:  # one failed decode is one failed call
            out = {"error": f"decoding failed: {e}"}
        reply.write(json.dumps(out) + "\n")
        reply.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m loopnote.asr.engine_process")
    p.add_argument("--model", default="")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    return _serve(args.model, args.threads)


if __name__ == "__main__":
    sys.exit(main())
