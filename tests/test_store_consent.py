"""Consent: reminder text, first-recording state, clipboard tool selection and a real copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopnote import host
from loopnote.errors import LoopnoteError
from loopnote.store import (
    ClipboardTool,
    ConsentState,
    clipboard_tools,
    copy_to_clipboard,
    reminder_text,
)


def test_reminder_contains_disclosure_and_is_wrapped() -> None:
    short = reminder_text("We record this.")
    long = reminder_text("We record this.", first_time=True)
    assert short.endswith("  We record this.") and long.endswith("  We record this.")
    assert "Laws differ" in long and "Laws differ" not in short
    assert all(len(line) <= 78 for line in long.splitlines()[:-1])


def test_first_time_state(tmp_path: Path) -> None:
    state = ConsentState(tmp_path / "data")
    assert state.first_time()
    state.mark_shown(1.8e9)
    assert not ConsentState(tmp_path / "data").first_time()
    if host.MODE_BITS:  # Windows: the profile's ACL (test_host)
        assert (tmp_path / "data" / "consent.json").stat().st_mode & 0o077 == 0
    (tmp_path / "data" / "consent.json").write_text("garbage")
    assert ConsentState(tmp_path / "data").first_time()


def fake_which(present: set[str]):  # type: ignore[no-untyped-def]
    return lambda name: f"/usr/bin/{name}" if name in present else None


def test_tool_selection_by_session_and_availability() -> None:
    every = {"wl-copy", "xclip", "xsel", "pbcopy", "clip.exe"}
    names = [
        t.name
        for t in clipboard_tools({"WAYLAND_DISPLAY": "w", "DISPLAY": ":0"}, fake_which(every))
    ]
    assert names == ["wl-copy", "xclip", "xsel", "pbcopy", "clip.exe"]
    assert [t.name for t in clipboard_tools({}, fake_which(every))] == ["pbcopy", "clip.exe"]
    x = clipboard_tools({"DISPLAY": ":0"}, fake_which({"xsel"}))
    assert x == [ClipboardTool("xsel", ("/usr/bin/xsel", "--clipboard", "--input"))]
    assert clipboard_tools({}, fake_which({"clip.exe"}))[0].encoding == "utf-16"
    assert clipboard_tools({"DISPLAY": ":0"}, fake_which(set())) == []


def test_no_tool_says_so() -> None:
    with pytest.raises(LoopnoteError, match="no clipboard tool found"):
        copy_to_clipboard("x", [])


@pytest.mark.parametrize(
    ("os_name", "says", "never"),
    [
        ("linux", "xclip", "clip.exe"),
        ("windows", "clip.exe, part of Windows", "xclip"),
        ("macos", "pbcopy, part of macOS", "xclip"),
    ],
)
def test_no_tool_message_speaks_the_platforms_words(os_name: str, says: str, never: str) -> None:
    with pytest.raises(LoopnoteError) as e:
        copy_to_clipboard("x", [], os_name=os_name)  # type: ignore[arg-type]
    assert says in str(e.value) and never not in str(e.value)


def test_failing_tool_falls_through_to_next(tmp_path: Path) -> None:
    out = tmp_path / "got"
    fail = "import sys; sys.stderr.write('cannot open display\\n'); sys.exit(1)"
    keep = f"import sys; open({str(out)!r}, 'wb').write(sys.stdin.buffer.read())"
    bad = ClipboardTool("bad", (sys.executable, "-c", fail))
    good = ClipboardTool("good", (sys.executable, "-c", keep))
    assert copy_to_clipboard("héllo", [bad, good]) == "good"
    assert out.read_text(encoding="utf-8") == "héllo"
    with pytest.raises(LoopnoteError, match="bad: cannot open display"):
        copy_to_clipboard("x", [bad])


@pytest.fixture
def xvfb() -> Iterator[str]:
    if not (shutil.which("Xvfb") and shutil.which("xclip")):
        pytest.skip("Xvfb and xclip are not installed")
    display = f":{90 + os.getpid() % 500}"
    proc = subprocess.Popen(
        ["Xvfb", display, "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{display[1:]}").exists():
                break
            time.sleep(0.05)
        yield display
    finally:
        proc.terminate()
        proc.wait(5)


def test_real_copy_with_xclip_under_xvfb(xvfb: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", xvfb)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    text = "Heads-up: I'm recording — ça va?"
    tools = [t for t in clipboard_tools() if t.name == "xclip"]
    started = time.monotonic()
    assert copy_to_clipboard(text, tools) == "xclip"
    assert time.monotonic() - started < 3  # xclip stays behind to serve it; we do not wait
    got = subprocess.run(
        ["xclip", "-selection", "clipboard", "-o"], capture_output=True, timeout=5, check=True
    ).stdout.decode()
    assert got == text


def test_the_reminder_says_when_remembered_voices_are_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from loopnote.config import Settings
    from loopnote.store.voices import Voice, VoiceStore, consent_voices

    monkeypatch.setenv("LOOPNOTE_DATA_DIR", str(tmp_path / "data"))
    assert consent_voices(Settings()) == []  # off by default: nothing remembered
    assert "Remembered voices" not in reminder_text("We record this.")
    VoiceStore(tmp_path / "data").remember(Voice("Marcus", np.ones(4, np.float32), "m", 0.0))
    assert consent_voices(Settings()) == ["Marcus"]
    assert consent_voices(Settings(speakers=False)) == []
    text = reminder_text("We record this.", voices=["Marcus"])
    assert "Remembered voices are on: loopnote names Marcus" in " ".join(text.split())
    assert text.endswith("  We record this.")
