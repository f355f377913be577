"""Black box: ``loopnote transcribe`` with an LLM endpoint that accepts connections and never
answers a summary request still raises its name alerts and prints its transcript lines on
time (benchmarks/llm_hang.py measures the latencies on the name scenes).

The recording says the user's name ("participants") twice, with a long silence between: the
silence closes the first stretch's summary, so the LLM is asked (and hangs, up to its 60 s
timeout) before the second mention is even spoken.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from hung_llm import hung_endpoint
from recording import cli_env

pytestmark = [pytest.mark.model, pytest.mark.slow]

CLIP = Path(__file__).parent / "fixtures" / "speech_confbridge_mute.flac"  # says "participants"
LLM_TIMEOUT = 60.0  # LLMOptions.timeout: how long a summary request may hang


def said_twice(tmp_path: Path) -> tuple[Path, float]:
    """The clip, 12 s of silence, the clip again; and the clip's length in seconds."""
    x, rate = sf.read(str(CLIP), dtype="float32")
    twice = tmp_path / "twice.wav"
    sf.write(str(twice), np.concatenate([x, np.zeros(12 * rate, np.float32), x]), rate)
    return twice, len(x) / rate


def test_a_hung_llm_delays_no_alert_and_no_line(tmp_path: Path) -> None:
    twice, clip_seconds = said_twice(tmp_path)
    with hung_endpoint(list_models=True) as (url, asked):
        out = subprocess.run(
            [
                *(sys.executable, "-m", "loopnote", "transcribe", str(twice)),
                *("--format", "jsonl", "--name", "Participants", "--no-notify"),
                *("--llm", url, "--llm-model", "m"),
            ],
            capture_output=True,
            text=True,
            timeout=900,
            env=cli_env(tmp_path / "data"),
        )
    assert out.returncode == 0, out.stderr
    evs = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    wall0 = evs[0]["wall"]
    second = clip_seconds + 12.0  # session time the second copy starts
    alerts = [e for e in evs if e["type"] == "alert"]
    late_alerts = [a for a in alerts if a["t"] > second]
    assert alerts and late_alerts, [a["t"] for a in alerts]
    assert asked, "the summary was never asked of the LLM"
    hung_from = asked[0]
    assert hung_from - wall0 < second, "the LLM was asked only after the second mention"
    # told while the request still hung: before its timeout could free a blocked thread
    assert late_alerts[0]["wall"] < hung_from + LLM_TIMEOUT
    lines = [e for e in evs if e["type"] == "utterance" and e["start"] > second]
    assert lines and all(e["wall"] < hung_from + LLM_TIMEOUT for e in lines)
    codes = {e["code"] for e in evs if e["type"] == "warning"}
    assert "llm-fallback" in codes  # the hung request timed out and the notes went on
    assert (Path(evs[0]["folder"]) / "notes.md").exists()


def test_a_second_ctrl_c_stops_waiting_for_a_hung_llm(tmp_path: Path) -> None:
    twice, _ = said_twice(tmp_path)
    with hung_endpoint(list_models=True) as (url, asked):
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "loopnote", "transcribe", str(twice)),
                *("--format", "jsonl", "--no-notify", "--llm", url, "--llm-model", "m"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(tmp_path / "data"),
        )
        assert proc.stdout is not None
        deadline = time.monotonic() + 300
        while not asked and time.monotonic() < deadline:  # a summary request hangs
            time.sleep(0.1)
        assert asked, "the summary was never asked of the LLM"
        proc.send_signal(signal.SIGINT)
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        hurried = time.monotonic()
        out, err = proc.communicate(timeout=LLM_TIMEOUT)
        ended_in = time.monotonic() - hurried
    assert proc.returncode == 130, err
    assert ended_in < LLM_TIMEOUT / 2, ended_in  # not the hung request's timeout
    evs = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert evs[-1]["type"] == "end"
    late = [e["message"] for e in evs if e["type"] == "warning" and e["code"] == "summary-late"]
    assert late and "skipped" in late[0]
    assert (Path(evs[0]["folder"]) / "notes.md").exists()
