"""A local GGUF model served for one meeting over llama.cpp's OpenAI-compatible HTTP API.

``LocalModelOptions``     the GGUF file, context window, threads, start-up timeout
``LocalLLMServer``        ``start()`` loads the model once in a child process listening on
                          127.0.0.1 (a free port) and returns its base URL; ``close()`` ends it
``choose_threads(cores, reserved)``   threads for the model: the cores live recognition leaves
                          free, at least one
``looks_like_model_file(value)``      whether ``--llm-model`` names a GGUF file rather than a
                          model at an endpoint

The model runs in a child process (``python -m loopnote.summarize.server``) with the
``xllamacpp`` wheel (``pip install 'loopnote[llm]'``): a crash or a corrupt file there cannot
take the meeting down, and the child runs at a lower scheduling priority, so when it shares a
core with live recognition, recognition wins. The child ends when its standard input closes,
so it never outlives the meeting, even one killed with -9.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from loopnote import host
from loopnote.errors import ModelNotAvailable
from loopnote.summarize.gguf import read_gguf_info

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
RECOGNITION_THREADS = 4  # live recognition uses up to this many cores
_ERROR_LINE = re.compile(r"^[\d.]+ E (?:\w+ +)?\w+: (.+)$")


@dataclass(frozen=True)
class LocalModelOptions:
    """``threads`` 0 = ``choose_threads()``; ``context_tokens`` is capped by the model's own
    window; ``startup_timeout`` bounds loading the model (s)."""

    path: Path
    context_tokens: int = 4096
    threads: int = 0
    startup_timeout: float = 120.0


def choose_threads(cores: int | None = None, reserved: int = RECOGNITION_THREADS) -> int:
    """The cores that live recognition (``reserved`` threads, at most all cores) leaves free;
    at least one, which then runs at a lower priority than recognition."""
    n = cores if cores is not None else (os.cpu_count() or 1)
    return max(1, n - min(reserved, n))


def looks_like_model_file(value: str) -> bool:
    return value.lower().endswith(".gguf") or Path(value).expanduser().is_file()


def xllamacpp_installed() -> bool:
    return importlib.util.find_spec("xllamacpp") is not None


class LocalLLMServer:
    def __init__(self, options: LocalModelOptions) -> None:
        self.options = options
        self.alias = options.path.stem
        self.base_url = ""
        self.context_tokens = options.context_tokens
        self.threads = options.threads or choose_threads()
        self._proc: subprocess.Popen[str] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> str:
        """Load the model and serve it; the base URL. ``ModelNotAvailable`` (one line) when
        xllamacpp is missing, the file is not a usable chat model, or it fails to load."""
        info = read_gguf_info(self.options.path)
        if not info.has_chat_template:
            raise ModelNotAvailable(
                f"{info.path.name} has no chat template (a base model, not an instruct one)"
            )
        if not xllamacpp_installed():
            raise ModelNotAvailable(
                "a local GGUF model needs xllamacpp: pip install 'loopnote[llm]'"
            )
        if info.context_length:
            self.context_tokens = min(self.context_tokens, info.context_length)
        cmd = [
            sys.executable,
            "-m",
            "loopnote.summarize.server",
            "--model",
            str(info.path),
            "--alias",
            self.alias,
            "--ctx",
            str(self.context_tokens),
            "--threads",
            str(self.threads),
        ]
        # llama.cpp logs a lot: a pipe could fill up and block it; closed in close()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        t0 = time.monotonic()
        reply = self._first_line(self._proc, self.options.startup_timeout)
        if reply.get("url"):
            self.base_url = str(reply["url"])
            log.info(
                "serving %s at %s (%d threads, %d-token context) after %.1f s",
                info.path.name,
                self.base_url,
                self.threads,
                self.context_tokens,
                time.monotonic() - t0,
            )
            return self.base_url
        self.close()
        raise ModelNotAvailable(
            f"the LLM model {info.path.name} did not load: {reply.get('error') or 'no reason'}"
        )

    def _first_line(self, proc: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
        assert proc.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        stdout = proc.stdout

        def read() -> None:  # the first JSON line (a library may print something first)
            for line in stdout:
                if line.startswith("{"):
                    lines.put(line)
                    return
            lines.put("")

        threading.Thread(target=read, daemon=True).start()
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            return {"error": f"not ready after {timeout:g} s"}
        try:
            reply = json.loads(line) if line.strip() else {}
        except ValueError:
            reply = {}
        if reply.get("url"):
            return dict(reply)
        reason = self._log_reason()  # more precise than the binding's generic message
        return {"error": reason or reply.get("error") or "the model process ended"}

    def _log_reason(self) -> str:
        """llama.cpp's first error line in the child's log, without its prefixes."""
        if self._log is None:
            return ""
        self._log.seek(0)
        for line in self._log.read().decode("utf-8", "replace").splitlines():
            if m := _ERROR_LINE.match(line):
                return m.group(1).strip()[:200]
        return ""

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            host.end_child(proc)  # its stdin closing is the child's cue to end
        if self._log is not None:
            self._log.close()
            self._log = None
        self.base_url = ""

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> LocalLLMServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------- the child process
def _serve(args: argparse.Namespace) -> int:
    """Load the model, print one JSON line (``{"url": ...}`` or ``{"error": ...}``), serve
    until standard input closes."""
    # the reply goes to the real stdout; anything the library prints goes to the log, so it
    # can never fill the pipe the meeting stops reading
    reply = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    host.serve_in_background()
    try:
        import xllamacpp as xlc

        params = xlc.CommonParams()
        params.model.path = args.model
        params.model_alias = {args.alias}
        params.n_ctx = args.ctx
        params.n_parallel = 1  # one request at a time: the meeting's summaries are sequential
        params.hostnames = [HOST]  # never reachable from another machine
        params.port = 0  # a free port
        params.cpuparams.n_threads = args.threads
        params.cpuparams_batch.n_threads = args.threads
        params.cpuparams.priority = xlc.ggml_sched_priority.GGML_SCHED_PRIO_LOW
        params.cpuparams_batch.priority = xlc.ggml_sched_priority.GGML_SCHED_PRIO_LOW
        server = xlc.Server(params)
    except Exception as e:  # the parent reports it as one line
        reply.write(json.dumps({"error": str(e)}) + "\n")
        reply.close()
        return 1
    reply.write(json.dumps({"url": server.listening_address}) + "\n")
    reply.close()
    sys.stdin.read()  # until the meeting closes the pipe (or its process ends)
    del server
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m loopnote.summarize.server")
    p.add_argument("--model", required=True)
    p.add_argument("--alias", required=True)
    p.add_argument("--ctx", type=int, default=4096)
    p.add_argument("--threads", type=int, default=1)
    return _serve(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
