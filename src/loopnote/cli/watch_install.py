"""``loopnote watch --install`` / ``--uninstall``: start the watcher at login, per OS.

Linux    a systemd user unit, ``$XDG_CONFIG_HOME/systemd/user/loopnote-watch.service``
         (enable it with ``systemctl --user enable --now loopnote-watch``)
Windows  a ``loopnote-watch.cmd`` in the user's Startup folder (runs at logon, minimized)
macOS    a LaunchAgent, ``~/Library/LaunchAgents/dev.loopnote.watch.plist``
         (load it with ``launchctl load -w`` on that file, or log in again)

The file only starts ``loopnote watch`` (with ``--auto`` when asked) through this same Python;
settings come from the config file. Nothing else on the system is changed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from loopnote import host

UNIT = "loopnote-watch.service"
PLIST = "dev.loopnote.watch.plist"
STARTUP = "loopnote-watch.cmd"


def _command(auto: bool) -> list[str]:
    cmd = [sys.executable, "-m", "loopnote", "watch", "--plain"]
    return [*cmd, "--auto"] if auto else cmd


def startup_file(os_name: str | None = None) -> Path:
    """Where the login item lives on this OS (for the current user)."""
    name = os_name or host.os_of(sys.platform)
    home = Path.home()
    if name == "windows":
        appdata = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
        return appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / STARTUP
    if name == "macos":
        return home / "Library" / "LaunchAgents" / PLIST
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return config / "systemd" / "user" / UNIT


def startup_text(auto: bool, os_name: str | None = None) -> str:
    name = os_name or host.os_of(sys.platform)
    cmd = _command(auto)
    if name == "windows":
        quoted = " ".join(f'"{c}"' for c in cmd)
        return f'@echo off\r\nstart "loopnote watch" /min {quoted}\r\n'
    if name == "macos":
        args = "\n".join(f"    <string>{_xml(c)}</string>" for c in cmd)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
            '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
            '<plist version="1.0">\n<dict>\n'
            "  <key>Label</key>\n  <string>dev.loopnote.watch</string>\n"
            f"  <key>ProgramArguments</key>\n  <array>\n{args}\n  </array>\n"
            "  <key>RunAtLoad</key>\n  <true/>\n"
            "  <key>KeepAlive</key>\n  <true/>\n"
            "</dict>\n</plist>\n"
        )
    exec_line = " ".join(_systemd_quote(c) for c in cmd)
    return (
        "[Unit]\n"
        "Description=loopnote: notice meetings and take notes\n"
        "After=pipewire-pulse.service pulseaudio.service\n\n"
        "[Service]\n"
        f"ExecStart={exec_line}\n"
        "Restart=on-failure\n"
        "RestartSec=5\n\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _systemd_quote(s: str) -> str:
    if s and all(c.isalnum() or c in "/._-+=:@," for c in s):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _how_to_start(path: Path) -> str:
    name = host.os_of(sys.platform)
    if name == "windows":
        return "it runs at your next logon"
    if name == "macos":
        return f"it runs at your next login, or now with: launchctl load -w {path}"
    return "start it now and at every login with: systemctl --user enable --now loopnote-watch"


def install(args: argparse.Namespace) -> int:
    path = startup_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = startup_text(bool(args.auto))
    path.write_bytes(text.encode("utf-8"))
    sys.stderr.write(f"wrote {path}; {_how_to_start(path)}\n")
    return 0


def uninstall() -> int:
    path = startup_file()
    if not path.exists():
        sys.stderr.write(f"nothing to remove: {path} does not exist\n")
        return 0
    path.unlink()
    hint = ""
    if host.os_of(sys.platform) == "linux":
        hint = " (if it was enabled: systemctl --user disable --now loopnote-watch)"
    sys.stderr.write(f"removed {path}{hint}\n")
    return 0
