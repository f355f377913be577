"""`loopnote watch`'s loop with a scripted backend: a FAKE activity source (the real one is
tested against the lab sound server in test_watch_pulse.py), so the orchestration — decisions
in order, server loss and return, the allow list's warning, the login item — runs in
milliseconds and without a sound server."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from loopnote.capture.meetings import (
    ActivityReport,
    ActivitySnapshot,
    AppActivity,
    ServerBack,
    ServerLost,
)
from loopnote.cli import main as cli_main
from loopnote.cli import watch_cmd

CALL = AppActivity("pid:500", "LabCall", "python3", 500, True, True)
MUSIC = AppActivity("pid:600", "Music", "mpv", 600, plays=True)

Step = tuple[float, ActivityReport]


class ScriptedBackend:
    """Plays ``steps`` (seconds after the previous one, report), then Ctrl-C."""

    name = "scripted"

    def __init__(self, steps: list[Step]) -> None:
        self.steps = steps
        self.stopped = False

    def watch_activity(self, on_report: Callable[[ActivityReport], None]) -> ScriptedBackend:
        def feed() -> None:
            for delay, report in self.steps:
                time.sleep(delay)
                on_report(report)
            time.sleep(0.3)
            os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=feed, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopped = True


def watch(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    steps: list[Step],
    *args: str,
) -> tuple[int, list[dict[str, object]], ScriptedBackend]:
    backend = ScriptedBackend(steps)
    monkeypatch.setattr(watch_cmd, "get_backend", lambda: backend)
    monkeypatch.setenv("LOOPNOTE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LOOPNOTE_CONFIG", str(tmp_path / "none.toml"))
    code = cli_main.main(["watch", "--format", "jsonl", "--no-notify", *args])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    return code, lines, backend


def test_decisions_come_in_order_and_the_watcher_is_stopped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    steps: list[Step] = [
        (0.05, ActivitySnapshot((MUSIC,))),
        (0.05, ActivitySnapshot((MUSIC, CALL))),
        (2.0, ActivitySnapshot((MUSIC,))),
        (0.6, ActivitySnapshot(())),
    ]
    code, lines, backend = watch(monkeypatch, capsys, tmp_path, steps, "--grace", "0.3")
    assert code == 0 and backend.stopped
    kinds = [(x["type"], x.get("app")) for x in lines]
    assert kinds == [
        ("watching", None),
        ("meeting_detected", "LabCall"),
        ("meeting_ended", "LabCall"),
    ]
    assert lines[1]["pid"] == 500 and lines[1]["recording"] is False
    assert all(isinstance(x["wall"], float) for x in lines)


def test_server_loss_and_return_are_said_and_a_short_loss_keeps_the_meeting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    steps: list[Step] = [
        (0.05, ActivitySnapshot((CALL,))),
        (1.8, ServerLost("the sound server went away")),
        (0.2, ServerBack()),
        (0.05, ActivitySnapshot((CALL,))),
    ]
    code, lines, _ = watch(monkeypatch, capsys, tmp_path, steps, "--grace", "1")
    assert code == 0
    assert [(x["type"], x.get("code")) for x in lines] == [
        ("watching", None),
        ("meeting_detected", None),
        ("warning", "server-lost"),
        ("warning", "server-restarted"),
    ]
    assert "reconnecting" in str(lines[2]["message"])


def test_an_unknown_app_in_the_allow_list_is_a_warning_and_watching_goes_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = AppActivity("pid:700", "Discord", "discord", 700, True, True)
    steps: list[Step] = [(0.05, ActivitySnapshot((CALL, other))), (1.8, ActivitySnapshot(()))]
    code, lines, _ = watch(
        monkeypatch, capsys, tmp_path, steps, "--allow", "zoom", "--allow", "LabCall"
    )
    assert code == 0
    assert lines[0]["type"] == "warning" and lines[0]["code"] == "unknown-app"
    assert "'LabCall'" in str(lines[0]["message"]) and "zoom" not in str(lines[0]["message"])
    # the allowed call is detected; Discord, not in the list, is not
    assert [x["app"] for x in lines if x["type"] == "meeting_detected"] == ["LabCall"]


def test_the_watch_setting_must_be_ask_or_auto(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "bad.toml").write_text('watch = "always"\n')
    monkeypatch.setenv("LOOPNOTE_CONFIG", str(tmp_path / "bad.toml"))
    code = cli_main.main(["watch"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "ask" in err and "auto" in err


def test_a_backend_without_detection_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    class Listing:
        name = "coreaudio"

    monkeypatch.setattr(watch_cmd, "get_backend", lambda: Listing())
    monkeypatch.setenv("LOOPNOTE_CONFIG", str(tmp_path / "none.toml"))
    code = cli_main.main(["watch", "--format", "jsonl"])
    err = capsys.readouterr().err
    assert code != 0 and "not available with the coreaudio capture backend" in err
    assert "Traceback" not in err


def test_the_grace_period_comes_from_the_config_and_the_flag_overrides_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "none.toml").write_text("watch_grace = 5\n")
    steps: list[Step] = [(0.05, ActivitySnapshot((CALL,))), (1.8, ActivitySnapshot(()))]
    # grace 5 s from the config: the script (Ctrl-C 0.3 s after the call) ends first
    code, lines, _ = watch(monkeypatch, capsys, tmp_path, steps)
    assert code == 0
    assert [x["type"] for x in lines] == ["watching", "meeting_detected"]
    (tmp_path / "none.toml").write_text("watch_grace = 0.1\n")
    code, lines, _ = watch(monkeypatch, capsys, tmp_path, steps)
    assert [x["type"] for x in lines] == ["watching", "meeting_detected", "meeting_ended"]
    (tmp_path / "none.toml").write_text("watch_grace = 5\n")
    code, lines, _ = watch(monkeypatch, capsys, tmp_path, steps, "--grace", "0.1")
    assert [x["type"] for x in lines] == ["watching", "meeting_detected", "meeting_ended"]


@pytest.mark.parametrize("value", ['"soon"', "-1", "true"])
def test_a_bad_grace_in_the_config_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str
) -> None:
    (tmp_path / "bad.toml").write_text(f"watch_grace = {value}\n")
    monkeypatch.setenv("LOOPNOTE_CONFIG", str(tmp_path / "bad.toml"))
    code = cli_main.main(["watch"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "watch_grace" in err
