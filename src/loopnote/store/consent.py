"""Consent: the reminder shown before recording, the first-recording state, the clipboard.

``reminder_text(disclosure, first_time)``  the reminder (longer the very first time) with the
                                           disclosure line to paste in the meeting chat, and
                                           which remembered voices are on, if any
``ConsentState(data_dir)``                 remembers whether the first reminder was shown
``ClipboardTool``, ``clipboard_tools()``   clipboard programs found on this machine, in order
``copy_to_clipboard(text)``                put text on the clipboard; says which tool did it,
                                           or raises ``LoopnoteError`` when none is available
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from loopnote import host
from loopnote.errors import LoopnoteError
from loopnote.store.journal import make_private_dir, write_atomic
from loopnote.store.schema import iso_utc

STATE_FILE = "consent.json"

SHORT_REMINDER = (
    "Recording: tell everyone in this meeting that you are recording and transcribing it."
)

FIRST_REMINDER = (
    "Before your first recording: everyone in a meeting must know it is being recorded and "
    "transcribed. Laws differ by region: many places require every participant's consent, "
    "not only yours. Tell people at the start (paste the line below in the meeting chat; "
    "'loopnote consent --copy' puts it on the clipboard) and stop if anyone objects. "
    "loopnote keeps the audio, transcript and notes on this computer, and each meeting "
    "records that this reminder was shown."
)


def reminder_text(
    disclosure: str,
    *,
    first_time: bool = False,
    width: int = 78,
    voices: Sequence[str] = (),
) -> str:
    """The reminder, wrapped to ``width``, then the disclosure line on a line of its own;
    ``voices``: the remembered voices this meeting may recognize (then it says so)."""
    head = textwrap.fill(FIRST_REMINDER if first_time else SHORT_REMINDER, width)
    if voices:
        head += "\n\n" + textwrap.fill(voices_notice(voices), width)
    return f"{head}\n\nDisclosure line for the meeting chat:\n\n  {disclosure}"


def voices_notice(voices: Sequence[str]) -> str:
    names = ", ".join(voices)
    return (
        f"Remembered voices are on: loopnote names {names} by their voice when they speak "
        "(kept on this computer only; 'loopnote speakers --voices' lists them, "
        "'--forget NAME' deletes one)."
    )


class ConsentState:
    """Whether the long, first-time reminder has been shown, kept in the data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / STATE_FILE

    def first_time(self) -> bool:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return True
        return not (isinstance(data, dict) and data.get("first_reminder_shown"))

    def mark_shown(self, wall: float) -> None:
        make_private_dir(self.path.parent)
        write_atomic(self.path, json.dumps({"first_reminder_shown": iso_utc(wall)}) + "\n")


@dataclass(frozen=True)
class ClipboardTool:
    name: str
    argv: tuple[str, ...]
    encoding: str = "utf-8"


def clipboard_tools(
    env: Mapping[str, str] | None = None, which: Callable[[str], str | None] = shutil.which
) -> list[ClipboardTool]:
    """Clipboard programs usable here, best first: Wayland, X11, macOS, Windows/WSL."""
    env = os.environ if env is None else env
    found: list[ClipboardTool] = []
    candidates: list[tuple[bool, ClipboardTool]] = [
        (bool(env.get("WAYLAND_DISPLAY")), ClipboardTool("wl-copy", ("wl-copy",))),
        (bool(env.get("DISPLAY")), ClipboardTool("xclip", ("xclip", "-selection", "clipboard"))),
        (bool(env.get("DISPLAY")), ClipboardTool("xsel", ("xsel", "--clipboard", "--input"))),
        (True, ClipboardTool("pbcopy", ("pbcopy",))),
        (True, ClipboardTool("clip.exe", ("clip.exe",), "utf-16")),
    ]
    for usable, tool in candidates:
        path = which(tool.argv[0]) if usable else None
        if path:
            found.append(ClipboardTool(tool.name, (path, *tool.argv[1:]), tool.encoding))
    return found


# what to do when no clipboard program is found, in the words of each platform
NO_CLIPBOARD_HINT: dict[host.OSName, str] = {
    "linux": "install wl-clipboard, xclip or xsel",
    "macos": "pbcopy, part of macOS, is not on the PATH",
    "windows": r"clip.exe, part of Windows (C:\Windows\System32), is not on the PATH",
    "other": "install wl-clipboard, xclip or xsel",
}


def copy_to_clipboard(
    text: str, tools: Sequence[ClipboardTool] | None = None, os_name: host.OSName = host.OS
) -> str:
    """Copy ``text`` with the first tool that works; returns its name."""
    tools = clipboard_tools() if tools is None else tools
    if not tools:
        raise LoopnoteError(
            f"no clipboard tool found ({NO_CLIPBOARD_HINT[os_name]}); "
            "copy the disclosure line above by hand"
        )
    errors: list[str] = []
    for tool in tools:
        # the tool may stay running to serve the selection: give it no pipe to hold open
        with tempfile.TemporaryFile() as err:
            try:
                proc = subprocess.run(
                    tool.argv,
                    input=text.encode(tool.encoding),
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    timeout=5,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as e:
                errors.append(f"{tool.name}: {e}")
                continue
            if proc.returncode == 0:
                return tool.name
            err.seek(0)
            msg = err.read().decode(errors="replace").strip().splitlines()
        errors.append(f"{tool.name}: {msg[0] if msg else f'exit {proc.returncode}'}")
    raise LoopnoteError(f"could not copy to the clipboard ({'; '.join(errors)})")
