"""The settling pass decodes in the gaps: live recognition holds its process while it decodes.

Fast tests drive the gate and a meeting's wiring with scripted engines; the others hold a real
settling child (the real model where it decodes) and kill a meeting's process while its
helper is held.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from tests.test_session import settings

from loopnote import host
from loopnote.asr.busy import BusyGate, GatedEngine
from loopnote.asr.engine import EngineRequest, EngineSegment
from loopnote.asr.engine_process import EngineProcess
from loopnote.capture.file import FileInput
from loopnote.session import Session, SessionOptions
from loopnote.types import FloatArray, Word

FIXTURES = Path(__file__).parent / "fixtures"
POSIX_PROC = sys.platform.startswith("linux")  # process states read from /proc


def state_of(pid: int) -> str:
    """A process's state letter from /proc ("T" stopped, "S" sleeping, "Z" ended), or ""."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[0]


def wait_for_state(pid: int, states: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while (state := state_of(pid)) not in states and time.monotonic() < deadline:
        time.sleep(0.02)
    return state


def test_the_gate_is_busy_from_the_first_decode_in_to_the_last_one_out() -> None:
    calls: list[str] = []
    gate = BusyGate(lambda: calls.append("busy"), lambda: calls.append("idle"))
    with gate:
        with gate:  # the other source's pass overlaps
            assert calls == ["busy"]
        assert calls == ["busy"]
    assert calls == ["busy", "idle"]
    with pytest.raises(RuntimeError), gate:
        raise RuntimeError("a failed decode")
    assert calls == ["busy", "idle", "busy", "idle"]


def test_two_threads_decoding_at_once_keep_the_gate_busy_until_both_are_done() -> None:
    calls: list[str] = []
    gate = BusyGate(lambda: calls.append("busy"), lambda: calls.append("idle"))
    both_in = threading.Barrier(2)

    def decode() -> None:
        with gate:
            both_in.wait(5)
            time.sleep(0.05)

    threads = [threading.Thread(target=decode) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert calls == ["busy", "idle"]


class SettleEngine:
    """Stands in for the settling child: says whether it is held."""

    name = "settle"
    multilingual = False

    def __init__(self) -> None:
        self.held = False
        self.holds = 0

    def hold(self) -> None:
        assert not self.held, "held twice"
        self.held, self.holds = True, self.holds + 1

    def release(self) -> None:
        self.held = False

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        return []


class LiveEngine:
    """The live model, scripted: notes whether the settling engine was held at each decode."""

    name = "live"
    multilingual = False

    def __init__(self, settle: SettleEngine) -> None:
        self.settle = settle
        self.held_while_decoding: list[bool] = []

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        self.held_while_decoding.append(self.settle.held)
        words = (Word("hello", 0.2, 0.5), Word("there.", 0.5, 0.9))
        return [EngineSegment(words, 0.0, -0.1)]


def test_a_meeting_holds_its_settling_engine_while_live_recognition_decodes(
    tmp_path: Path,
) -> None:
    settle = SettleEngine()
    live = LiveEngine(settle)
    session = Session.build(
        [FileInput(FIXTURES / "speech_confbridge_mute.flac", source="mic", realtime=False)],
        SessionOptions(settings=settings(tmp_path, speakers=False), origin="file"),
        engine=live,
        settle_engine=settle,
    )
    session.run()
    assert live.held_while_decoding and all(live.held_while_decoding)
    assert settle.holds >= 1 and not settle.held  # released after every pass


def test_gated_engine_passes_everything_else_through() -> None:
    settle = SettleEngine()
    engine = GatedEngine(LiveEngine(settle), BusyGate(settle.hold, settle.release))
    assert (engine.name, engine.multilingual) == ("live", False)
    (segment,) = engine.transcribe(np.zeros(1600, np.float32), EngineRequest())
    assert [w.text for w in segment.words] == ["hello", "there."] and not settle.held


@pytest.mark.skipif(not POSIX_PROC, reason="reads process states from /proc")
def test_a_held_helper_stops_and_runs_again_when_released() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.buffer.read()"],
        stdin=subprocess.PIPE,
        **host.helper_popen_options(),
    )
    try:
        assert os.getpgid(child.pid) == child.pid  # a process group of its own
        assert host.hold_child(child)
        assert wait_for_state(child.pid, "T") == "T"
        assert host.release_child(child)
        assert wait_for_state(child.pid, "SR") in "SR"
        assert host.hold_child(child)
    finally:
        host.end_child(child, timeout=5)  # a held child still ends, promptly
    assert child.returncode == 0


ORPHAN = """
import os, signal, subprocess, sys, time
from loopnote import host
child = subprocess.Popen(
    [sys.executable, "-c", "import sys; sys.stdin.buffer.read()"],
    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, **host.helper_popen_options()
)
host.hold_child(child)
while open(f"/proc/{child.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "T":
    time.sleep(0.01)
print(child.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not POSIX_PROC, reason="reads process states from /proc")
def test_a_held_helper_ends_when_the_meeting_process_is_killed() -> None:
    """kill -9 of the meeting while its helper is stopped: the helper's orphaned process
    group is woken by the kernel, and the helper ends rather than stay stopped forever."""
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(ORPHAN)],
        stdout=subprocess.PIPE,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(host.__file__).parents[1])},
    )
    assert run.returncode == -9
    pid = int(run.stdout)
    assert wait_for_state(pid, "Z") in ("Z", "")  # ended (a zombie until init reaps it)


@pytest.mark.model
@pytest.mark.skipif(not POSIX_PROC, reason="reads process states from /proc")
def test_a_held_settling_process_decodes_only_once_released() -> None:
    audio, rate = sf.read(FIXTURES / "speech_confbridge_mute.flac", dtype="float32")
    assert rate == 16000
    process = EngineProcess("")
    process.start()
    try:
        warm = process.transcribe(audio, EngineRequest())  # the model has loaded
        assert " ".join(s.text for s in warm).strip()
        result: list[list[EngineSegment]] = []
        process.hold()
        decode = threading.Thread(
            target=lambda: result.append(process.transcribe(audio, EngineRequest()))
        )
        decode.start()
        decode.join(3.0)
        assert decode.is_alive() and not result  # held: no reply
        process.release()
        decode.join(60)
        assert [s.text for s in result[0]] == [s.text for s in warm]
        process.hold()  # closing a held process still ends it
    finally:
        process.close()
